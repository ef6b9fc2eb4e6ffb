package io.resetguard.time;

import org.agrona.concurrent.NanoClock;

/**
 * Scheduler - the one clock and timer the emulated kernel uses for every wait (msleep, readiness
 * polling, firmware waits, invalidation timeouts).
 *
 * <p>Emulated code never blocks: a wait is "run this continuation {@code delayNs} from now". The same
 * code therefore runs in virtual time ({@link VirtualScheduler}: tests and the simulator, no real
 * sleeping), in zero time on the calling thread ({@link InlineScheduler}: stress tests and
 * benchmarks), or in scaled real time ({@link RealTimeScheduler}).
 *
 * <p>Ordering guarantee of every implementation: a task scheduled by a task runs after it, and
 * everything the scheduling thread did before {@link #schedule} happens-before the task runs.
 */
public interface Scheduler extends NanoClock {
    /** One millisecond in nanoseconds. */
    long MS = 1_000_000L;

    /** @return the current emulated time in nanoseconds. */
    @Override
    long nanoTime();

    /**
     * Run {@code task} once, {@code delayNs} of emulated time from now.
     *
     * @param delayNs &ge; 0
     * @param task    the continuation
     */
    void schedule(long delayNs, Runnable task);

    /**
     * Run {@code task} as soon as possible (after the current task). The task may not have run when
     * this returns, so the caller must continue through the task, never wait for it (a spin on its
     * result can wait forever on the {@link InlineScheduler}, which runs it after the caller's task).
     */
    default void execute(final Runnable task) {
        schedule(0, task);
    }
}
