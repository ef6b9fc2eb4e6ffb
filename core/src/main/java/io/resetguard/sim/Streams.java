package io.resetguard.sim;

import java.util.SplittableRandom;

/**
 * Streams - the simulator's random numbers: one independent stream per (seed, replication,
 * function, purpose), so that a run is reproducible bit for bit whatever the shard scheduling, and
 * changing one function's behaviour does not shift any other function's draws (common random numbers
 * across protocol models, as SSJ and DSOL do it; peers-and-anchors.md §5).
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
        long z = mix(seed);
        z = mix(z ^ (replication + 1) * 0x9E3779B97F4A7C15L);
        z = mix(z ^ (functionId + 1) * 0xC2B2AE3D27D4EB4FL);
        z = mix(z ^ (purpose.ordinal() + 1) * 0x165667B19E3779F9L);
        return new SplittableRandom(z);
    }

    /** SplitMix64's finalizer. */
    static long mix(final long x) {
        long z = x;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** @return an exponentially distributed delay with the given mean, at least 1 ns. */
    public static long exponentialNs(final SplittableRandom r, final double meanNs) {
        return Math.max(1L, (long) (-Math.log(1.0 - r.nextDouble()) * meanNs));
    }
}
