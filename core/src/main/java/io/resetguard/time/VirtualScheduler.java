package io.resetguard.time;

import java.util.Arrays;

/**
 * VirtualScheduler - a deterministic discrete-event loop in virtual time.
 *
 * <p>Tasks run in order of due time, ties in order of scheduling; time jumps from one due time to
 * the next, so a 60-second readiness timeout costs a few events, not a minute. Given the same
 * sequence of {@link #schedule} calls the run is identical bit for bit.
 *
 * <p>The event list is an implicit 4-ary min-heap over three parallel arrays (due time, scheduling
 * sequence, task), so a pending event costs 20 bytes plus its task and no entry object: a fleet
 * simulation keeps one pending event per function (hundreds of thousands per shard) and spends most
 * of its time here. A 4-ary heap is half as deep as a binary one, and the four children of a node
 * share a cache line of each key array.
 * <pre>
 *   slot i: children 4i+1 .. 4i+4, parent (i-1)/4
 *   key(i) = (due[i], seq[i]), compared lexicographically; seq is unique, so the order is total
 * </pre>
 *
 * <p>Thread confinement: single-threaded. All calls, including the tasks, must come from the thread
 * that drives {@link #runUntilIdle()} (or its equivalents). This is what keeps it deterministic.
 */
public final class VirtualScheduler implements Scheduler {
    private static final int INITIAL = 64;

    private long[] due = new long[INITIAL];
    private long[] seq = new long[INITIAL];
    private Runnable[] task = new Runnable[INITIAL];
    private int size;
    private long now;
    private long nextSeq;
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
    public void schedule(final long delayNs, final Runnable t) {
        if (delayNs < 0) {
            throw new IllegalArgumentException("delayNs must be >= 0, was " + delayNs);
        }
        if (t == null) {
            throw new NullPointerException("task");
        }
        scheduleAt(now + delayNs, t);
    }

    /**
     * Run {@code t} at the absolute virtual time {@code dueNs}.
     *
     * @param dueNs &ge; {@link #nanoTime()}
     */
    public void scheduleAt(final long dueNs, final Runnable t) {
        if (dueNs < now) {
            throw new IllegalArgumentException("dueNs " + dueNs + " is in the past (now " + now + ")");
        }
        if (size == due.length) {
            final int n = size + (size >> 1);
            due = Arrays.copyOf(due, n);
            seq = Arrays.copyOf(seq, n);
            task = Arrays.copyOf(task, n);
        }
        siftUp(size++, dueNs, nextSeq++, t);
    }

    private void siftUp(final int from, final long d, final long s, final Runnable t) {
        int i = from;
        while (i > 0) {
            final int p = (i - 1) >>> 2;
            final long pd = due[p];
            if (pd < d || pd == d && seq[p] < s) {
                break;
            }
            due[i] = pd;
            seq[i] = seq[p];
            task[i] = task[p];
            i = p;
        }
        due[i] = d;
        seq[i] = s;
        task[i] = t;
    }

    /** Remove the root; the caller read it first. */
    private void removeRoot() {
        final int last = --size;
        final long d = due[last];
        final long s = seq[last];
        final Runnable t = task[last];
        task[last] = null;
        if (last == 0) {
            return;
        }
        int i = 0;
        for (;;) {
            final int c0 = (i << 2) + 1;
            if (c0 >= last) {
                break;
            }
            int m = c0;
            final int cEnd = Math.min(c0 + 4, last);
            for (int c = c0 + 1; c < cEnd; c++) {
                if (due[c] < due[m] || due[c] == due[m] && seq[c] < seq[m]) {
                    m = c;
                }
            }
            if (d < due[m] || d == due[m] && s < seq[m]) {
                break;
            }
            due[i] = due[m];
            seq[i] = seq[m];
            task[i] = task[m];
            i = m;
        }
        due[i] = d;
        seq[i] = s;
        task[i] = t;
    }

    /**
     * Run the next task, advancing time to its due time.
     *
     * @return {@code false} if there was none
     */
    public boolean runNext() {
        if (size == 0) {
            return false;
        }
        final Runnable t = task[0];
        now = due[0];
        removeRoot();
        executed++;
        t.run();
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
        while (size != 0 && due[0] <= deadlineNs) {
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

    /** @return the due time of the next task, or {@link Long#MAX_VALUE} if there is none. */
    public long nextDueNs() {
        return size == 0 ? Long.MAX_VALUE : due[0];
    }

    /** @return how many tasks are waiting. */
    public int pending() {
        return size;
    }

    /** @return how many tasks ran since creation. */
    public long executed() {
        return executed;
    }
}
