package io.resetguard.state;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * LockFreeStateCell - applies transitions with a compare-and-set loop on one reference.
 *
 * <p>Progress: lock-free. A CAS fails only because another thread's CAS succeeded, so some operation
 * always completes; an individual thread can starve under unbounded contention. A thread that lost
 * pauses (bounded exponential backoff, no shared-memory access) before it retries, so under
 * contention the winner keeps the cell's cache line for a few commits instead of both threads
 * stealing it inside each other's transition.
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
    /**
     * Longest pause after a lost CAS, in {@link Thread#onSpinWait()} calls. Measured with
     * {@code PrepareDoneBench.prepareDoneContended} (two threads, one group, 3 forks): no backoff
     * 816 ns per pair per thread, cap 16: 579, cap 64: 337, cap 256: 230, cap 1024: 248 with a
     * per-fork spread of 3x.
     */
    static final int MAX_BACKOFF_SPINS = 256;

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
        int backoff = 0;
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
            // NOTE: back off first, doubling up to MAX_BACKOFF_SPINS. Without it the two threads keep
            // pulling the cell's line from each other inside each other's compute window (about one
            // lost round per transition); with it the winner commits a few transitions in a row
            // while its line stays local, as a lock's waiter would let it. A pause touches no shared
            // memory, so progress stays lock-free: a CAS still fails only because another won.
            backoff = backoff == 0 ? 1 : Math.min(backoff << 1, MAX_BACKOFF_SPINS);
            for (int i = 0; i < backoff; i++) {
                Thread.onSpinWait();
            }
        }
    }

    @Override
    public boolean isLockFree() {
        return true;
    }
}
