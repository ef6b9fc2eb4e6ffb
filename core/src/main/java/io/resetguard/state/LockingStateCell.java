package io.resetguard.state;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;

/**
 * LockingStateCell - applies transitions under one lock per group, as the kernel does with
 * {@code group->mutex} (invariant 13: single writer).
 *
 * <p>It is the reference in differential tests and the baseline in benchmarks. Progress: blocking; a
 * thread preempted inside {@link #apply} stops every other writer of the group.
 *
 * <p>Memory ordering: under the lock the snapshot is read plain and written with a release store, so
 * that lock-free readers ({@link #getStateAcquire()}, e.g. {@code iommu_get_domain_for_dev()}) that
 * take no lock still see a fully built snapshot.
 */
public final class LockingStateCell implements StateCell {
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(LockingStateCell.class, "state", GroupState.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    @SuppressWarnings("unused") // accessed through STATE
    private GroupState state;

    /** @param initial the first snapshot */
    public LockingStateCell(final GroupState initial) {
        STATE.setRelease(this, initial);
    }

    @Override
    public GroupState getStateAcquire() {
        return (GroupState) STATE.getAcquire(this);
    }

    @Override
    public GroupState apply(final Transition t, final OpCtx ctx) {
        lock.lock();
        try {
            final GroupState current = (GroupState) STATE.get(this); // plain: the lock orders it
            ctx.beginAttempt(current);
            final GroupState next = t.apply(current, ctx);
            if (next != current) {
                STATE.setRelease(this, next);
            }
            return next;
        } finally {
            lock.unlock();
        }
    }

    /** @return whether the calling thread holds the group lock (lockdep_assert_held). */
    public boolean isHeldByCurrentThread() {
        return lock.isHeldByCurrentThread();
    }

    @Override
    public boolean isLockFree() {
        return false;
    }
}
