package io.resetguard.fault;

import io.resetguard.errno.Errno;
import io.resetguard.fabric.PciFunction;

/**
 * Decides whether an injectable kernel call fails.
 *
 * <p>The emulator asks at most once per logical call: a transition that is retried by the lock-free
 * state cell reuses the answer it got on the first attempt (see {@code OpCtx}), so a fail-nth sweep
 * counts the same points under both state implementations.
 *
 * <p>Implementations are called from any thread and must be thread-safe.
 */
@FunctionalInterface
public interface FaultInjector {
    /** Never fails. */
    FaultInjector NONE = (point, fn) -> Errno.OK;

    /**
     * @param point the call about to be made
     * @param fn    the function it concerns, or {@code null} for group-wide calls
     * @return {@link Errno#OK} to let the call succeed, or the error it returns
     */
    Errno draw(FaultPoint point, PciFunction fn);
}
