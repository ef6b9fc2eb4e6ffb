package io.resetguard.cli;

import io.resetguard.sim.SimConfig;

import java.util.Locale;

/**
 * RunEstimate - the heap and the wall time a simulation needs, estimated before it starts.
 *
 * <p>The figures are the README's "Scale" measurements (2-core VM, JDK 17, default workload):
 * <ul>
 *   <li>heap: the shards in flight ({@code min(threads, iommus)} of them, each of
 *       {@code ceil(functions / iommus)} functions) hold about {@link #BYTES_PER_FUNCTION} bytes per
 *       function, everything included ({@code jmap -histo:live} counted 33 MB for two shards of
 *       125,000 functions); the rest of the run keeps about {@link #BASE_BYTES} live (53 MB live after
 *       a young collection in a 1 M run whose shards hold 4 MB); the parallel collector needs
 *       {@link #HEADROOM} times the live set. This gives 0.6 GB for 10 M functions on 8 IOMMUs (measured:
 *       "about 0.6 GB") and 84 MB for 1 M on 62 (measured: fits 160 MB).</li>
 *   <li>time: about {@link #NS_PER_FUNCTION_HOUR} ns of wall time per function, virtual hour and model
 *       on two threads (40.6 s for 1 M functions, one model, one hour; 395 s for 10 M), scaled by the
 *       threads that can run at once ({@code min(threads, iommus, processors)}) and by the cycle rate
 *       relative to the default 2-minute cycle.</li>
 * </ul>
 * An estimate, not a bound: a faster machine or a run with many faults differs.
 */
final class RunEstimate {
    /** Heap per function of a shard in flight, bytes (README "Scale": about 130). */
    static final long BYTES_PER_FUNCTION = 130;
    /** Live heap besides the shards, bytes. */
    static final long BASE_BYTES = 48L << 20;
    /**
     * The least live heap besides the shards that {@link #refusal} assumes: the base above was measured
     * in a large run; a small fleet runs in far less, and a run must not be refused on a guess.
     */
    static final long MIN_BASE_BYTES = 16L << 20;
    /** Heap the collector needs per byte live. */
    static final double HEADROOM = 1.6;
    /** Wall time per function, virtual hour and model on two threads, ns. */
    static final double NS_PER_FUNCTION_HOUR = 40_000;

    private RunEstimate() {
    }

    /** @return the heap {@code c} needs, bytes. */
    static long heapBytes(final SimConfig c) {
        return (long) (HEADROOM * (BASE_BYTES + shardBytes(c)));
    }

    /** @return the live heap of the shards in flight, bytes. */
    static long shardBytes(final SimConfig c) {
        final long perShard = (c.functions() + (long) c.iommus() - 1) / c.iommus();
        final long inFlight = Math.min(c.threads(), c.iommus());
        return inFlight * perShard * BYTES_PER_FUNCTION;
    }

    /** @return the wall time {@code c} needs on {@code cpus} processors, seconds. */
    static double seconds(final SimConfig c, final int cpus) {
        final int parallel = Math.max(1, Math.min(Math.min(c.threads(), c.iommus()), cpus));
        final double hours = c.durationNs() / (double) SimConfig.HOUR;
        final double cycles = SimConfig.defaults().cyclePeriodNs() / (double) c.cyclePeriodNs();
        return NS_PER_FUNCTION_HOUR * 1e-9 * c.functions() * hours * c.models().size() * Math.max(cycles, 0.05)
            * 2.0 / parallel;
    }

    /** @return one line: the estimate against {@code maxHeap}. */
    static String describe(final SimConfig c, final long maxHeap, final int cpus) {
        return String.format(Locale.ROOT, "Estimate: about %s of heap (%s available), about %s of wall time",
            mb(heapBytes(c)), mb(maxHeap), time(seconds(c, cpus)));
    }

    /**
     * @return null if {@code c} may fit {@code maxHeap} (its shards in flight, with {@link #MIN_BASE_BYTES}
     *         besides, fit); otherwise one line with the estimate and the fix
     */
    static String refusal(final SimConfig c, final long maxHeap) {
        if ((long) (HEADROOM * (MIN_BASE_BYTES + shardBytes(c))) <= maxHeap) {
            return null;
        }
        final long need = heapBytes(c);
        return String.format(Locale.ROOT, "needs about %s of heap, the JVM has %s: set "
                + "RESETGUARD_JAVA_OPTS=-Xmx%s, or use more --iommus (smaller shards) or fewer --threads",
            mb(need), mb(maxHeap), xmx(need * 5 / 4));
    }

    /** @return the advice printed for an OutOfMemoryError during a run. */
    static String outOfMemory(final SimConfig c, final long maxHeap) {
        return String.format(Locale.ROOT, "out of memory (heap %s; estimate %s): set RESETGUARD_JAVA_OPTS=-Xmx%s, "
            + "or use more --iommus (smaller shards) or fewer --threads", mb(maxHeap), mb(heapBytes(c)),
            xmx(Math.max(heapBytes(c), maxHeap) * 2));
    }

    /** @return a JVM heap size of at least {@code bytes}: {@code 640m}, {@code 485g}. */
    static String xmx(final long bytes) {
        final long m = (bytes >> 20) + 1;
        return m >= 4096 ? (m + 1023) / 1024 + "g" : m + "m";
    }

    private static String mb(final long bytes) {
        return bytes >= 10L << 30 ? String.format(Locale.ROOT, "%,d GB", bytes >> 30)
            : String.format(Locale.ROOT, "%,d MB", bytes >> 20);
    }

    private static String time(final double s) {
        if (s < 120) {
            return String.format(Locale.ROOT, "%.0f s", Math.max(1, s));
        }
        if (s < 7200) {
            return String.format(Locale.ROOT, "%.0f min", s / 60);
        }
        return String.format(Locale.ROOT, "%.1f h", s / 3600);
    }
}
