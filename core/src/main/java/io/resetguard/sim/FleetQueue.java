package io.resetguard.sim;

import java.util.Arrays;

/**
 * FleetQueue - the pending fleet-level events of one shard (a function's next cycle, a device
 * hanging), one {@code long} each in an implicit 4-ary min-heap.
 *
 * <p>A shard keeps one such event per function at all times, hundreds of thousands of them, while
 * the core's own events (a cycle's writes, invalidations, resets) are few; keeping the fleet's events
 * out of the {@link io.resetguard.time.VirtualScheduler} keeps that heap small and makes a fleet event
 * cost 8 bytes and no object. The key orders events by due time, then by function, then by kind, so
 * the order is total and needs no sequence number:
 * <pre>
 *   63 62                               25 24                      1   0
 *  +--+-----------------------------------+-------------------------+----+
 *  |0 |     due time (µs, 38 bits)        | function index (24 bits)|kind|
 *  +--+-----------------------------------+-------------------------+----+
 * </pre>
 * Fleet events are therefore timed to the microsecond (the workload's draws are rounded up), over at
 * most {@link #MAX_DUE_US} µs (about 76 hours; {@link SimConfig#MAX_DURATION_NS} is 72); core events
 * keep nanoseconds.
 *
 * <p>Thread confinement: one shard thread.
 */
final class FleetQueue {
    /** Bits of the function index ({@link SimConfig#MAX_FUNCTIONS_PER_IOMMU} = 2^24 - 1). */
    static final int INDEX_BITS = 24;
    /** The latest due time a key can hold, in µs. */
    static final long MAX_DUE_US = (1L << 38) - 1;

    private long[] heap;
    private int size;

    /** @param capacity the initial capacity (grows by half when full) */
    FleetQueue(final int capacity) {
        heap = new long[Math.max(4, capacity)];
    }

    /** @return the key of an event of {@code kind} (0 or 1) for function {@code index} due at {@code dueUs}. */
    static long key(final long dueUs, final int index, final int kind) {
        return dueUs << (INDEX_BITS + 1) | (long) index << 1 | kind;
    }

    /** @return the due time of a key, in ns. */
    static long dueNs(final long key) {
        return (key >>> (INDEX_BITS + 1)) * 1_000L;
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

    void push(final long key) {
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

    /** @return the smallest key, or {@link Long#MAX_VALUE} if empty. */
    long peek() {
        return size == 0 ? Long.MAX_VALUE : heap[0];
    }

    /** Remove and return the smallest key; the queue must not be empty. */
    long pop() {
        final long top = heap[0];
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

    int size() {
        return size;
    }
}
