package io.resetguard.sim;

import java.util.Arrays;

/**
 * FleetQueue - the pending fleet-level events of one shard (a function's next cycle, a device
 * hanging), one {@code long} each in an implicit 4-ary min-heap, over runs of any length.
 *
 * <p>A shard keeps one such event per function at all times, hundreds of thousands of them, while
 * the core's own events (a cycle's writes, invalidations, resets) are few; keeping the fleet's events
 * out of the {@link io.resetguard.time.VirtualScheduler} keeps that heap small and makes a fleet event
 * cost 8 bytes and no object. The key orders events by due time, then by function, then by kind, so
 * the order is total and needs no sequence number:
 * <pre>
 *   63 62                               25 24                      1   0
 *  +--+-----------------------------------+-------------------------+----+
 *  |0 | due - epoch start (µs, 38 bits)   | function index (24 bits)|kind|
 *  +--+-----------------------------------+-------------------------+----+
 * </pre>
 * Fleet events are timed to the microsecond (the workload's draws are rounded up); core events keep
 * nanoseconds.
 *
 * <p><b>Epochs.</b> 38 bits of µs span {@link #WINDOW_US} (about 76 hours), so a key holds its due
 * time relative to the current epoch's start, and the heap holds only events due before the start
 * plus {@code WINDOW_US} (the current epoch of {@link #EPOCH_US}, about 38 hours, and the next one).
 * Events due later (a hang drawn anywhere in a year-long run, a rare very long cycle gap) wait in an
 * unsorted <em>far</em> list of absolute due times. When the heap's smallest event lies past the
 * current epoch, or the heap is empty while far events remain, the queue moves to the next epoch:
 * subtracting {@code EPOCH_US} from every key's time field keeps the heap order (every pending event
 * is due after the new start), and the far events now inside the window move into the heap.
 *
 * <p>Cost: a push or pop is O(log n) as before; a run of duration D crosses D / 38 h epochs, each
 * costing O(n) for the shift plus O(far) for the scan, so a year is about 230 epochs: linear in the
 * duration, with a constant far below the cost of the events themselves (about 30 cycles per
 * function and hour with the default workload).
 *
 * <p>Contract: a due time pushed is never earlier than the last one popped (the simulation's clock
 * never goes back); {@link #push} checks it. Thread confinement: one shard thread.
 */
final class FleetQueue {
    /** Bits of the function index ({@link SimConfig#MAX_FUNCTIONS_PER_IOMMU} = 2^24 - 1). */
    static final int INDEX_BITS = 24;
    /** The span of the key's time field: 2^38 µs, about 76 hours. */
    static final long WINDOW_US = 1L << 38;
    /** The epoch: half the window, so that the heap always holds the current epoch and the next one. */
    static final long EPOCH_US = WINDOW_US >> 1;

    private long[] heap;
    private int size;
    /** Absolute start of the current epoch, µs. */
    private long epochUs;
    /** Events due at or after epochUs + WINDOW_US: absolute due µs, and index << 1 | kind. */
    private long[] farDue = new long[4];
    private int[] farWho = new int[4];
    private int far;
    /** Epochs crossed, for tests and the cost note. */
    private int epochs;
    /** The due time of the last popped event, µs (pushes may not go earlier). */
    private long lastPoppedUs;

    /** @param capacity the initial capacity (grows by half when full) */
    FleetQueue(final int capacity) {
        heap = new long[Math.max(4, capacity)];
    }

    /** @return the function index of a key. */
    static int index(final long key) {
        return (int) (key >>> 1) & (1 << INDEX_BITS) - 1;
    }

    /** @return the kind of a key. */
    static int kind(final long key) {
        return (int) key & 1;
    }

    /** @return {@code ns} rounded up to whole µs. */
    static long ceilUs(final long ns) {
        return (ns + 999) / 1_000;
    }

    /**
     * Add the event of {@code kind} (0 or 1) for function {@code index}, due at absolute {@code dueUs}.
     *
     * @throws IllegalStateException if {@code dueUs} is before the last popped due time (a contract breach)
     */
    void push(final long dueUs, final int index, final int kind) {
        if (dueUs < lastPoppedUs) {
            throw new IllegalStateException("fleet event due at " + dueUs + " us, before the clock (" + lastPoppedUs + ")");
        }
        final int who = index << 1 | kind;
        if (dueUs - epochUs >= WINDOW_US) {
            if (far == farDue.length) {
                farDue = Arrays.copyOf(farDue, far * 2);
                farWho = Arrays.copyOf(farWho, far * 2);
            }
            farDue[far] = dueUs;
            farWho[far++] = who;
            return;
        }
        heapPush((dueUs - epochUs) << (INDEX_BITS + 1) | who);
    }

    /**
     * @return the absolute due time of the next event in ns, or {@link Long#MAX_VALUE} if none is
     *         left; moves to a later epoch first if the next event lies there
     */
    long peekDueNs() {
        settle();
        return size == 0 ? Long.MAX_VALUE : (epochUs + (heap[0] >>> (INDEX_BITS + 1))) * 1_000L;
    }

    /**
     * Remove and return the next event's key (read it with {@link #index} and {@link #kind}); the
     * queue must not be empty ({@link #peekDueNs} below {@code Long.MAX_VALUE}).
     */
    long pop() {
        settle();
        final long top = heap[0];
        lastPoppedUs = epochUs + (top >>> (INDEX_BITS + 1));
        final long key = heap[--size];
        int i = 0;
        for (;;) {
            final int c0 = (i << 2) + 1;
            if (c0 >= size) {
                break;
            }
            int m = c0;
            final int end = Math.min(c0 + 4, size);
            for (int c = c0 + 1; c < end; c++) {
                if (heap[c] < heap[m]) {
                    m = c;
                }
            }
            if (key <= heap[m]) {
                break;
            }
            heap[i] = heap[m];
            i = m;
        }
        heap[i] = key;
        return top;
    }

    /**
     * Move to later epochs while the heap's smallest event lies past the current epoch, or the heap is
     * empty and far events remain.
     *
     * <p>NOTE: shifting every key down by {@link #EPOCH_US} is safe: the smallest key's time is at
     * least {@code EPOCH_US}, so no key's time goes negative, and subtracting the same amount from the
     * time field (above the index and kind bits) keeps every order, so the heap stays a heap. Pushes
     * are never earlier than the last pop, which is at most the smallest key, so none falls before
     * the new epoch's start.
     */
    private void settle() {
        while (size == 0 ? far > 0 : heap[0] >>> (INDEX_BITS + 1) >= EPOCH_US) {
            epochUs += EPOCH_US;
            epochs++;
            final long shift = EPOCH_US << (INDEX_BITS + 1);
            for (int i = 0; i < size; i++) {
                heap[i] -= shift;
            }
            int kept = 0;
            for (int k = 0; k < far; k++) {
                if (farDue[k] - epochUs < WINDOW_US) {
                    heapPush((farDue[k] - epochUs) << (INDEX_BITS + 1) | farWho[k]);
                } else {
                    farDue[kept] = farDue[k];
                    farWho[kept++] = farWho[k];
                }
            }
            far = kept;
        }
    }

    private void heapPush(final long key) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size + (size >> 1));
        }
        int i = size++;
        while (i > 0) {
            final int p = (i - 1) >>> 2;
            if (heap[p] <= key) {
                break;
            }
            heap[i] = heap[p];
            i = p;
        }
        heap[i] = key;
    }

    /** @return the pending events, near and far. */
    int size() {
        return size + far;
    }

    /** @return the epochs crossed so far. */
    int epochs() {
        return epochs;
    }
}
