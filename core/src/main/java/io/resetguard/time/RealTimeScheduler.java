package io.resetguard.time;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * RealTimeScheduler - emulated time that follows the wall clock at a configurable scale.
 *
 * <p>With scale 1 a 100 ms FLR settle takes 100 ms; with scale 1000 it takes 100 µs. Tasks run on one
 * daemon timer thread, in due order. {@link #nanoTime()} is the emulated time: real elapsed time
 * multiplied by the scale. Thread-safe.
 */
public final class RealTimeScheduler implements Scheduler, AutoCloseable {
    private final double scale;
    private final long startReal = System.nanoTime();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread t = new Thread(r, "resetguard-timer");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param scale emulated nanoseconds per real nanosecond, &gt; 0
     */
    public RealTimeScheduler(final double scale) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be a finite number > 0, was " + scale);
        }
        this.scale = scale;
    }

    @Override
    public long nanoTime() {
        return (long) ((System.nanoTime() - startReal) * scale);
    }

    @Override
    public void schedule(final long delayNs, final Runnable task) {
        if (delayNs < 0) {
            throw new IllegalArgumentException("delayNs must be >= 0, was " + delayNs);
        }
        timer.schedule(task, (long) (delayNs / scale), TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
