package io.resetguard.pci;

import io.resetguard.fabric.PciFunction;

/**
 * RandomResetFaults - seeded, reproducible random outcomes: each run's outcome is a pure function of
 * (seed, function id, method, attempt), so it does not depend on thread interleaving or on what
 * other functions do.
 *
 * <p>The probabilities apply per run: {@code timeout} for {@link ResetOutcome#READINESS_TIMEOUT},
 * {@code eio} for {@link ResetOutcome#EIO}, {@code enotty} for {@link ResetOutcome#ENOTTY}; the rest
 * succeed.
 */
public final class RandomResetFaults implements ResetFaults {
    private final long seed;
    private final double timeout;
    private final double eio;
    private final double enotty;

    /**
     * @param seed    the seed
     * @param timeout probability of a readiness timeout
     * @param eio     probability of -EIO
     * @param enotty  probability of -ENOTTY
     */
    public RandomResetFaults(final long seed, final double timeout, final double eio, final double enotty) {
        check("timeout", timeout);
        check("eio", eio);
        check("enotty", enotty);
        if (timeout + eio + enotty > 1.0) {
            throw new IllegalArgumentException("timeout + eio + enotty must be <= 1, was " + (timeout + eio + enotty));
        }
        this.seed = seed;
        this.timeout = timeout;
        this.eio = eio;
        this.enotty = enotty;
    }

    private static void check(final String name, final double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " probability must be in [0, 1], was " + p);
        }
    }

    @Override
    public ResetOutcome outcome(final PciFunction fn, final ResetMethod method, final int attempt) {
        final double u = uniform(seed, fn.id(), method.ordinal(), attempt);
        if (u < timeout) {
            return ResetOutcome.READINESS_TIMEOUT;
        }
        if (u < timeout + eio) {
            return ResetOutcome.EIO;
        }
        if (u < timeout + eio + enotty) {
            return ResetOutcome.ENOTTY;
        }
        return ResetOutcome.SUCCESS;
    }

    /** A uniform double in [0, 1) from the four keys (SplitMix64 finalizer over a combined key). */
    static double uniform(final long seed, final long a, final long b, final long c) {
        long z = seed + 0x9E3779B97F4A7C15L * (a + 1) + 0xBF58476D1CE4E5B9L * (b + 1) + 0x94D049BB133111EBL * (c + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53;
    }
}
