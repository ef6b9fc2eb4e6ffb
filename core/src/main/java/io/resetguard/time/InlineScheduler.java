package io.resetguard.time;

import java.util.concurrent.atomic.AtomicLong;

/**
 * InlineScheduler - runs every task at once on the calling thread, in zero real time.
 *
 * <p>Emulated time is one shared counter that each {@link #schedule} advances by its delay (a
 * get-and-add, so concurrent callers each see their own wait as elapsed). Readiness polls and
 * timeouts therefore resolve exactly as in virtual time for a single caller, and instantly. Thread-
 * safe: any number of threads may drive it, which is what jcstress tests and two-thread benchmarks
 * need; the price is that waits of different threads are not ordered against each other.
 *
 * <p>Recursion: a chain of n waits nests n calls deep. The emulated chains are short (a readiness
 * poll doubles up to 60 s: 17 steps).
 */
public final class InlineScheduler implements Scheduler {
    private final AtomicLong now = new AtomicLong();

    @Override
    public long nanoTime() {
        return now.get();
    }

    @Override
    public void schedule(final long delayNs, final Runnable task) {
        if (delayNs < 0) {
            throw new IllegalArgumentException("delayNs must be >= 0, was " + delayNs);
        }
        if (delayNs != 0) {
            now.getAndAdd(delayNs);
        }
        task.run();
    }
}
