package io.resetguard.time;

import java.util.PriorityQueue;

/**
 * VirtualScheduler - a deterministic discrete-event loop in virtual time.
 *
 * <p>Tasks run in order of due time, ties in order of scheduling; time jumps from one due time to
 * the next, so a 60-second readiness timeout costs a few events, not a minute. Given the same
 * sequence of {@link #schedule} calls the run is identical bit for bit.
 *
 * <p>Thread confinement: single-threaded. All calls, including the tasks, must come from the thread
 * that drives {@link #runUntilIdle()} (or its equivalents). This is what keeps it deterministic.
 */
public final class VirtualScheduler implements Scheduler {
    private static final class Entry implements Comparable<Entry> {
        final long due;
        final long seq;
        final Runnable task;

        Entry(final long due, final long seq, final Runnable task) {
            this.due = due;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public int compareTo(final Entry o) {
            final int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final PriorityQueue<Entry> queue = new PriorityQueue<>();
    private long now;
    private long seq;
    private long executed;

    /** Start at time 0. */
    public VirtualScheduler() {
        this(0);
    }

    /** @param startNs the initial virtual time */
    public VirtualScheduler(final long startNs) {
        this.now = startNs;
    }

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public void schedule(final long delayNs, final Runnable task) {
        if (delayNs < 0) {
            throw new IllegalArgumentException("delayNs must be >= 0, was " + delayNs);
        }
        queue.add(new Entry(now + delayNs, seq++, task));
    }

    /**
     * Run the next task, advancing time to its due time.
     *
     * @return {@code false} if there was none
     */
    public boolean runNext() {
        final Entry e = queue.poll();
        if (e == null) {
            return false;
        }
        now = e.due;
        executed++;
        e.task.run();
        return true;
    }

    /**
     * Run tasks until none is left.
     *
     * @return how many tasks ran
     */
    public long runUntilIdle() {
        final long before = executed;
        while (runNext()) {
            // keep going
        }
        return executed - before;
    }

    /**
     * Run every task due at or before {@code deadlineNs}, then set the time to {@code deadlineNs}.
     *
     * @return how many tasks ran
     */
    public long runUntil(final long deadlineNs) {
        final long before = executed;
        Entry e;
        while ((e = queue.peek()) != null && e.due <= deadlineNs) {
            runNext();
        }
        if (deadlineNs > now) {
            now = deadlineNs;
        }
        return executed - before;
    }

    /** Run for {@code durationNs} of virtual time from now. @return how many tasks ran */
    public long runFor(final long durationNs) {
        return runUntil(now + durationNs);
    }

    /** @return how many tasks are waiting. */
    public int pending() {
        return queue.size();
    }

    /** @return how many tasks ran since creation. */
    public long executed() {
        return executed;
    }
}
