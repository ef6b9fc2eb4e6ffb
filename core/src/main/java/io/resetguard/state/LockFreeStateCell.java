package io.resetguard.state;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * LockFreeStateCell - applies transitions with a compare-and-set loop on one reference.
 *
 * <p>Progress: lock-free. A CAS fails only because another thread's CAS succeeded, so some operation
 * always completes; an individual thread can starve under unbounded contention.
 *
 * <p>Memory ordering:
 * <ul>
 * <li>{@link #getStateAcquire()}: acquire load. With the snapshot's final fields this is enough to
 *     see a fully built snapshot; it orders the transition's reads after the load.</li>
 * <li>the commit is a volatile {@code compareAndSet}: it publishes the new snapshot (release) and
 *     totally orders all commits to this cell.</li>
 * </ul>
 *
 * <p>ABA: the CAS compares references. Transitions build new snapshots and may return a snapshot
 * equal in value to an older one, but a CAS that succeeds against a reference that was replaced and
 * later re-installed is still correct, because the whole state is in the snapshot: the transition's
 * output depends only on the snapshot value it read.
 */
public final class LockFreeStateCell implements StateCell {
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(LockFreeStateCell.class, "state", GroupState.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through STATE
    private volatile GroupState state;

    /** @param initial the first snapshot */
    public LockFreeStateCell(final GroupState initial) {
        STATE.setRelease(this, initial);
    }

    @Override
    public GroupState getStateAcquire() {
        return (GroupState) STATE.getAcquire(this);
    }

    private boolean casState(final GroupState expect, final GroupState update) {
        return STATE.compareAndSet(this, expect, update);
    }

    @Override
    public GroupState apply(final Transition t, final OpCtx ctx) {
        for (;;) {
            final GroupState current = getStateAcquire();
            ctx.beginAttempt(current);
            final GroupState next = t.apply(current, ctx);
            // NOTE: a read-only transition linearizes at the acquire load above; it need not write.
            if (next == current || casState(current, next)) {
                return next;
            }
            // Lost the race: another transition committed in between. Recompute from its snapshot;
            // OpCtx replays our fault draws and drops the queued log lines of this attempt.
            Thread.onSpinWait();
        }
    }

    @Override
    public boolean isLockFree() {
        return true;
    }
}
