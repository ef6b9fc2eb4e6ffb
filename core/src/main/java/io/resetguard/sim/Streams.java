package io.resetguard.sim;

import java.util.SplittableRandom;

/**
 * Streams - the simulator's random numbers: one independent stream per (seed, replication,
 * function, purpose), so that a run is reproducible bit for bit whatever the shard scheduling, and
 * changing one function's behaviour does not shift any other function's draws (common random numbers
 * across protocol models, as SSJ and DSOL do it; docs/toolchain.md §5).
 */
public final class Streams {
    /** What a stream is used for; each purpose gets its own stream per function. */
    public enum Purpose {
        /** Inter-arrival times of the map/DMA/unmap workload. */
        WORKLOAD,
        /** Whether and when the function's device hangs. */
        FAULTS,
        /** Reset-method outcomes. */
        RESETS
    }

    private Streams() {
    }

    /**
     * @return a new stream for the key; the same key always gives the same sequence
     */
    public static SplittableRandom stream(final long seed, final int replication, final long functionId,
                                          final Purpose purpose) {
        return new SplittableRandom(state(seed, replication, functionId, purpose));
    }

    /**
     * The initial state of the stream for the key, for callers that keep millions of streams as
     * plain {@code long}s (a {@link SplittableRandom} costs 40 bytes): {@link #nextDouble(long[], int)}
     * on this state draws exactly what {@code new SplittableRandom(state).nextDouble()} draws.
     *
     * @return the SplitMix64 seed of the stream
     */
    public static long state(final long seed, final int replication, final long functionId, final Purpose purpose) {
        long z = mix(seed);
        z = mix(z ^ (replication + 1) * 0x9E3779B97F4A7C15L);
        z = mix(z ^ (functionId + 1) * 0xC2B2AE3D27D4EB4FL);
        return mix(z ^ (purpose.ordinal() + 1) * 0x165667B19E3779F9L);
    }

    /**
     * Draw the next double in [0, 1) from the SplitMix64 stream whose state is {@code states[i]}, and
     * advance it: the same sequence as {@link SplittableRandom#nextDouble()} from that seed.
     */
    public static double nextDouble(final long[] states, final int i) {
        final long s = states[i] + GOLDEN_GAMMA;
        states[i] = s;
        return (mix(s) >>> 11) * 0x1.0p-53;
    }

    /** SplittableRandom's gamma for a stream made from a seed. */
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    /** SplitMix64's finalizer. */
    static long mix(final long x) {
        long z = x;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** @return an exponentially distributed delay with the given mean, at least 1 ns. */
    public static long exponentialNs(final SplittableRandom r, final double meanNs) {
        return exponentialNs(r.nextDouble(), meanNs);
    }

    /** @return the exponentially distributed delay with the given mean for the uniform draw {@code u}, at least 1 ns. */
    public static long exponentialNs(final double u, final double meanNs) {
        return Math.max(1L, (long) (-Math.log(1.0 - u) * meanNs));
    }
}
