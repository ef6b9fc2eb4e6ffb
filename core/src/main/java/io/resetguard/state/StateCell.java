package io.resetguard.state;

/**
 * StateCell - holds a group's current {@link GroupState} and applies {@link Transition}s to it
 * atomically.
 *
 * <p>The protocol rules are written once, as transitions; a cell only decides how a transition is
 * applied. {@link LockFreeStateCell} retries a compare-and-set, {@link LockingStateCell} holds a lock
 * as the kernel holds {@code group->mutex}. Either way every {@link #apply} is linearizable: the
 * snapshot it transforms is the one current at its linearization point (the successful CAS, or the
 * store under the lock; for read-only transitions, the acquire load of the snapshot they read).
 */
public interface StateCell {
    /**
     * Acquire load of the current snapshot. Safe from any thread without a lock.
     *
     * @return the current snapshot
     */
    GroupState getStateAcquire();

    /**
     * Apply {@code t} atomically. On return the transition's result and log lines are in {@code ctx}
     * (the caller flushes them); the committed snapshot is returned.
     *
     * @param t   the transition
     * @param ctx the operation context, already {@link OpCtx#reset reset}
     * @return the snapshot the transition produced (which became current)
     */
    GroupState apply(Transition t, OpCtx ctx);

    /** @return {@code true} if no thread can block another inside {@link #apply}. */
    boolean isLockFree();
}
