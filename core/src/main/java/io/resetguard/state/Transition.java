package io.resetguard.state;

/**
 * Transition - one protocol step as a function from the current snapshot to the next.
 *
 * <p>The contract that lets a compare-and-set loop and a lock apply the same rule:
 * <ul>
 * <li>it does not mutate {@code current} or anything reachable from it;</li>
 * <li>it reports its result, its log lines and its fault draws only through {@code ctx};</li>
 * <li>it returns {@code current} itself (same reference) when nothing changes, so read-only
 *     operations commit without a write.</li>
 * </ul>
 * It may be called several times for one operation (lock-free retry); only the last call's output
 * counts.
 */
@FunctionalInterface
public interface Transition {
    /**
     * @param current the snapshot the transition applies to
     * @param ctx     the operation's context ({@link OpCtx#beginAttempt()} already called)
     * @return the next snapshot, or {@code current} if unchanged
     */
    GroupState apply(GroupState current, OpCtx ctx);
}
