package io.resetguard.time;

import java.util.Arrays;

/**
 * VirtualScheduler - a deterministic discrete-event loop in virtual time.
 *
 * <p>Tasks run in order of due time, ties in order of scheduling; time jumps from one due time to
 * the next, so a 60-second readiness timeout costs a few events, not a minute. Given the same
 * sequence of {@link #schedule} calls the run is identical bit for bit.
 *
 * <p>The event list is an implicit 4-ary min-heap over two parallel {@code long} arrays, so a pending
 * event costs 16 bytes plus its task and no entry object, and sifting moves no references (no GC
 * write barriers): the tasks stay put in a slab and the heap carries their slab handles. A 4-ary
 * heap is half as deep as a binary one, and the four children of a node share a cache line of each
 * key array.
 * <pre>
 *   slot i: children 4i+1 .. 4i+4, parent (i-1)/4
 *   due[i]: the due time in ns
 *   order[i]:  63 62                        24 23             0
 *             +--+---------------------------+----------------+
 *             |0 | scheduling sequence (39 b)| slab handle    |
 *             +--+---------------------------+----------------+
 *   key(i) = (due[i], order[i]) compared lexicographically as signed longs: by due time, then by
 *            sequence (unique; bit 63 stays 0, so the signed comparison is the sequence order)
 * </pre>
 * At most 2^39 (5.5 x 10^11) tasks may be scheduled over a scheduler's life and 2^24 be pending at
 * once; both are checked, before anything changes.
 *
 * <p>Thread confinement: single-threaded. All calls, including the tasks, must come from the thread
 * that drives {@link #runUntilIdle()} (or its equivalents). This is what keeps it deterministic.
 */
public final class VirtualScheduler implements Scheduler {
    private static final int INITIAL = 64;
    private static final int HANDLE_BITS = 24;
    private static final long HANDLE_MASK = (1L << HANDLE_BITS) - 1;
    private static final long MAX_SEQ = (1L << (63 - HANDLE_BITS)) - 1;

    private long[] due = new long[INITIAL];
    private long[] order = new long[INITIAL];
    private int size;
    /** Pending tasks by handle; a handle is free again once its task ran. */
    private Runnable[] slab = new Runnable[INITIAL];
    private int[] freeHandles = new int[INITIAL];
    private int freeTop;
    private int slabUsed;
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
        if (t == null) {
            throw new NullPointerException("task");
        }
        if (dueNs < now) {
            throw new IllegalArgumentException("dueNs " + dueNs + " is in the past (now " + now + ")");
        }
        if (nextSeq > MAX_SEQ) {
            throw new IllegalStateException("more than 2^39 tasks scheduled");
        }
        final int h = allocHandle(t); // may refuse: nothing else has changed yet
        if (size == due.length) {
            final int n = size + (size >> 1);
            due = Arrays.copyOf(due, n);
            order = Arrays.copyOf(order, n);
        }
        siftUp(size++, dueNs, nextSeq++ << HANDLE_BITS | h);
    }

    private int allocHandle(final Runnable t) {
        final int h;
        if (freeTop > 0) {
            h = freeHandles[--freeTop];
        } else {
            if (slabUsed > HANDLE_MASK) {
                throw new IllegalStateException("more than 2^24 tasks pending");
            }
            if (slabUsed == slab.length) {
                slab = Arrays.copyOf(slab, slabUsed + (slabUsed >> 1));
            }
            h = slabUsed++;
        }
        slab[h] = t;
        return h;
    }

    private Runnable takeHandle(final int h) {
        final Runnable t = slab[h];
        slab[h] = null;
        if (freeTop == freeHandles.length) {
            freeHandles = Arrays.copyOf(freeHandles, freeTop + (freeTop >> 1) + 1);
        }
        freeHandles[freeTop++] = h;
        return t;
    }

    private void siftUp(final int from, final long d, final long o) {
        int i = from;
        while (i > 0) {
            final int p = (i - 1) >>> 2;
            final long pd = due[p];
            if (pd < d || pd == d && order[p] < o) {
                break;
            }
            due[i] = pd;
            order[i] = order[p];
            i = p;
        }
        due[i] = d;
        order[i] = o;
    }

    /** Remove the root; the caller read it first. */
    private void removeRoot() {
        final int last = --size;
        final long d = due[last];
        final long o = order[last];
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
            long md = due[c0];
            long mo = order[c0];
            final int cEnd = Math.min(c0 + 4, last);
            for (int c = c0 + 1; c < cEnd; c++) {
                final long cd = due[c];
                if (cd < md || cd == md && order[c] < mo) {
                    m = c;
                    md = cd;
                    mo = order[c];
                }
            }
            if (d < md || d == md && o < mo) {
                break;
            }
            due[i] = md;
            order[i] = mo;
            i = m;
        }
        due[i] = d;
        order[i] = o;
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
        now = due[0];
        final Runnable t = takeHandle((int) (order[0] & HANDLE_MASK));
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
