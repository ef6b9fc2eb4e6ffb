package io.resetguard.sim;

import io.resetguard.inv.InvFlavour;
import io.resetguard.model.ProtocolModel;
import io.resetguard.recovery.RecoveryPolicy;

import java.io.Serializable;
import java.util.List;

/**
 * SimConfig - one simulation: the fleet, the workload, the faults and the models.
 *
 * <p>Default workload (per function, {@link #defaults()}): a DMA buffer is mapped, written a few
 * times through the ATC and unmapped about every 2 minutes (30 map/unmap cycles and about 90
 * translated writes an hour), the rate of a quiet NIC queue or NVMe namespace that recycles its
 * buffers; ATC invalidations answer in 2 µs; an SMMUv3 invalidation times out after 1 s.
 *
 * @param functions     ATS functions in the fleet (one per IOMMU group)
 * @param iommus        IOMMU instances; each is one shard, simulated on its own thread
 * @param durationNs    virtual time to simulate
 * @param seed          master seed
 * @param models        protocol models to run side by side (same seed: common random numbers)
 * @param faultRate     probability that a function's device hangs during the run (stops answering
 *                      invalidations and ignores bus mastering); the hang time is uniform in the run
 * @param resetFailRate probability that one run of a reset method on a hung device fails (readiness timeout)
 * @param lateRate      probability that a function's device answers every invalidation late, {@link
 *                      #LATE_BY_NS} after the timeout (a slow device: timeouts, recovery resets and
 *                      late completions, but it does invalidate)
 * @param ignoreInResetRate probability that a function's device ignores invalidations that reach it
 *                      while it is being reset (§7 scenario 15; matters when a reset and an unmap overlap)
 * @param cyclePeriodNs mean time between a function's map/write/unmap cycles
 * @param writesPerCycle translated writes per cycle
 * @param recovery      the driver's recovery policy
 * @param flavour       the IOMMU driver flavour (smmuv3, vt-d, amd)
 * @param threads       worker threads for the shards
 * @param operatorResetDelayNs {@link RecoveryPolicy#QUARANTINE}: how long after a function is
 *                      quarantined an operator (sysfs) or AER reset comes; the IOMMU side never
 *                      resets (docs/protocol.md §2.5 step 6). The other policies keep their timing
 *                      ({@code fence-then-reset}: 1 s)
 * @param completionCountRate probability that a function's device answers every invalidation with
 *                      {@code completionCount} Invalidate Completion messages (docs/protocol.md §2.5a)
 * @param completionCount the Completion Count of those devices, 1..8
 */
public record SimConfig(int functions, int iommus, long durationNs, long seed, List<ProtocolModel> models,
                        double faultRate, double resetFailRate, double lateRate, double ignoreInResetRate,
                        long cyclePeriodNs, int writesPerCycle,
                        RecoveryPolicy recovery, InvFlavour flavour, int threads,
                        long operatorResetDelayNs, double completionCountRate, int completionCount)
    implements Serializable {

    /** One hour in nanoseconds. */
    public static final long HOUR = 3_600_000_000_000L;
    /** How long after the invalidation timeout a late device answers. */
    public static final long LATE_BY_NS = 100_000_000L;
    /** The default {@link #operatorResetDelayNs()}: 30 s. */
    public static final long OPERATOR_RESET_DELAY_NS = 30_000_000_000L;
    /** The default {@link #completionCount()}: two messages (two traffic classes). */
    public static final int COMPLETION_COUNT = 2;
    /** {@link RecoveryPolicy#FENCE_THEN_RESET}: the external reset 1 s after the fence (unchanged). */
    static final long FENCE_RESET_DELAY_NS = 1_000_000_000L;

    /** Functions per IOMMU: a function index and a slot index + 1 each fit 24 bits in the simulator. */
    public static final int MAX_FUNCTIONS_PER_IOMMU = (1 << 24) - 1;
    /**
     * The longest run: ten virtual years (87,600 h). The fleet queue re-bases its 38-bit µs keys every
     * 38 hours ({@link FleetQueue}), so the only bound is the cost, which grows linearly with the
     * duration (events per function and hour times hours); ten years also keep every time in ns far
     * below 2^63.
     */
    public static final long MAX_DURATION_NS = 87_600 * HOUR;
    /** The shortest mean cycle period (and see {@link #MAX_CYCLES_PER_FUNCTION}). */
    public static final long MIN_CYCLE_PERIOD_NS = 1_000_000L;
    /**
     * The most cycles a function may expect in a run (duration / cycle period): its cycle count is 31
     * bits, and 2^28 leaves room for eight times the mean.
     */
    public static final long MAX_CYCLES_PER_FUNCTION = 1L << 28;

    /** Validates every field and names the one that is wrong. */
    public SimConfig {
        if (functions < 1) {
            throw new IllegalArgumentException("functions must be >= 1, was " + functions);
        }
        if (iommus < 1 || iommus > functions) {
            throw new IllegalArgumentException("iommus must be in 1..functions (" + functions + "), was " + iommus);
        }
        if ((functions + (long) iommus - 1) / iommus > MAX_FUNCTIONS_PER_IOMMU) {
            throw new IllegalArgumentException("functions must be at most " + MAX_FUNCTIONS_PER_IOMMU
                + " per IOMMU, was " + functions + " on " + iommus + " IOMMUs (raise iommus)");
        }
        if (durationNs <= 0 || durationNs > MAX_DURATION_NS) {
            throw new IllegalArgumentException("duration must be in (0, " + MAX_DURATION_NS / HOUR + "h], was "
                + human(durationNs));
        }
        if (models == null || models.isEmpty()) {
            throw new IllegalArgumentException("models must name at least one of " + ProtocolModel.names());
        }
        if (new java.util.HashSet<>(models).size() != models.size()) {
            throw new IllegalArgumentException("models names a model twice: " + models
                + " (the report keys its results by model)");
        }
        if (!(faultRate >= 0 && faultRate <= 1)) {
            throw new IllegalArgumentException("faultRate must be in [0, 1], was " + faultRate);
        }
        if (!(resetFailRate >= 0 && resetFailRate <= 1)) {
            throw new IllegalArgumentException("resetFailRate must be in [0, 1], was " + resetFailRate);
        }
        if (!(lateRate >= 0 && lateRate <= 1)) {
            throw new IllegalArgumentException("lateRate must be in [0, 1], was " + lateRate);
        }
        if (!(ignoreInResetRate >= 0 && ignoreInResetRate <= 1)) {
            throw new IllegalArgumentException("ignoreInResetRate must be in [0, 1], was " + ignoreInResetRate);
        }
        if (cyclePeriodNs < MIN_CYCLE_PERIOD_NS || cyclePeriodNs > MAX_DURATION_NS) {
            throw new IllegalArgumentException("cyclePeriod must be in [1ms, " + MAX_DURATION_NS / HOUR + "h], was "
                + human(cyclePeriodNs));
        }
        if (durationNs / cyclePeriodNs > MAX_CYCLES_PER_FUNCTION) {
            throw new IllegalArgumentException("cyclePeriod must be at least duration / 2^28 (" + human(
                (durationNs + MAX_CYCLES_PER_FUNCTION - 1) / MAX_CYCLES_PER_FUNCTION) + " for " + human(durationNs)
                + "), was " + human(cyclePeriodNs));
        }
        if (writesPerCycle < 0) {
            throw new IllegalArgumentException("writesPerCycle must be >= 0, was " + writesPerCycle);
        }
        if (recovery == null) {
            throw new IllegalArgumentException("recovery must be one of none, seed-worker, fence-then-reset, quarantine");
        }
        if (flavour == null) {
            throw new IllegalArgumentException("flavour must be smmuv3, vt-d or amd");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        if (operatorResetDelayNs < 0 || operatorResetDelayNs > MAX_DURATION_NS) {
            throw new IllegalArgumentException("operatorResetDelay must be in [0, " + MAX_DURATION_NS / HOUR + "h], was "
                + human(operatorResetDelayNs));
        }
        if (!(completionCountRate >= 0 && completionCountRate <= 1)) {
            throw new IllegalArgumentException("completionCountRate must be in [0, 1], was " + completionCountRate);
        }
        if (completionCount < 1 || completionCount > 8) {
            throw new IllegalArgumentException("completionCount must be in 1..8, was " + completionCount);
        }
        models = List.copyOf(models);
    }

    /**
     * A duration for a validation message, in the largest unit that states it exactly ({@code 168h},
     * {@code 90s}, {@code 500us}), so that a user who wrote {@code 168h} never reads nanoseconds back.
     */
    static String human(final long ns) {
        final long[] unit = {HOUR, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L};
        final String[] name = {"h", "m", "s", "ms", "us"};
        for (int i = 0; i < unit.length; i++) {
            if (ns % unit[i] == 0) {
                return ns / unit[i] + name[i];
            }
        }
        return ns + "ns";
    }

    /**
     * The settings before the quarantine policy and Completion Counts: operator resets after
     * {@link #OPERATOR_RESET_DELAY_NS}, every device answering with one completion message.
     */
    public SimConfig(final int functions, final int iommus, final long durationNs, final long seed,
                     final List<ProtocolModel> models, final double faultRate, final double resetFailRate,
                     final double lateRate, final double ignoreInResetRate, final long cyclePeriodNs,
                     final int writesPerCycle, final RecoveryPolicy recovery, final InvFlavour flavour,
                     final int threads) {
        this(functions, iommus, durationNs, seed, models, faultRate, resetFailRate, lateRate, ignoreInResetRate,
            cyclePeriodNs, writesPerCycle, recovery, flavour, threads, OPERATOR_RESET_DELAY_NS, 0, COMPLETION_COUNT);
    }

    /**
     * @return how long after a timeout the recovery policy's external reset comes: the operator's
     *         delay under {@link RecoveryPolicy#QUARANTINE}, 1 s under the others
     */
    public long externalResetDelayNs() {
        return recovery == RecoveryPolicy.QUARANTINE ? operatorResetDelayNs : FENCE_RESET_DELAY_NS;
    }

    /** Functions per IOMMU when the number of IOMMUs is not given ({@link #autoIommus}). */
    public static final int FUNCTIONS_PER_IOMMU = 16_384;

    /**
     * The number of IOMMUs for a fleet of {@code functions} when the user gives none: one per
     * {@link #FUNCTIONS_PER_IOMMU} functions (an SMMU or VT-d unit serving a few dozen SR-IOV devices'
     * VFs), at least 8 and at most one per function. A fleet of a million functions spans many hosts
     * and so many IOMMUs; each IOMMU is one shard, and shards of this size keep their event lists in
     * the caches (README, "Scale").
     *
     * @return the number of IOMMUs
     */
    public static int autoIommus(final int functions) {
        return (int) Math.min(functions, Math.max(8, (functions + (long) FUNCTIONS_PER_IOMMU - 1) / FUNCTIONS_PER_IOMMU));
    }

    /**
     * 100,000 functions on 8 IOMMUs for one virtual hour, every model, seed 42; 1% of the devices hang;
     * no late and no in-reset-ignoring devices unless asked for.
     */
    public static SimConfig defaults() {
        return new SimConfig(100_000, autoIommus(100_000), HOUR, 42, List.of(ProtocolModel.values()), 0.01, 0.5,
            0, 0, 120_000_000_000L, 3, RecoveryPolicy.FENCE_THEN_RESET, InvFlavour.SMMUV3,
            Runtime.getRuntime().availableProcessors());
    }

    /** @return a copy with another fleet size. */
    public SimConfig withFleet(final int fns, final int ioms) {
        return new SimConfig(fns, ioms, durationNs, seed, models, faultRate, resetFailRate, lateRate, ignoreInResetRate, cyclePeriodNs,
            writesPerCycle, recovery, flavour, threads, operatorResetDelayNs, completionCountRate, completionCount);
    }

    /** @return a copy with another duration. */
    public SimConfig withDurationNs(final long ns) {
        return new SimConfig(functions, iommus, ns, seed, models, faultRate, resetFailRate, lateRate, ignoreInResetRate, cyclePeriodNs,
            writesPerCycle, recovery, flavour, threads, operatorResetDelayNs, completionCountRate, completionCount);
    }

    /** @return a copy with other models. */
    public SimConfig withModels(final List<ProtocolModel> m) {
        return new SimConfig(functions, iommus, durationNs, seed, m, faultRate, resetFailRate, lateRate, ignoreInResetRate, cyclePeriodNs,
            writesPerCycle, recovery, flavour, threads, operatorResetDelayNs, completionCountRate, completionCount);
    }

    /** @return a copy with another fault rate. */
    public SimConfig withFaultRate(final double r) {
        return new SimConfig(functions, iommus, durationNs, seed, models, r, resetFailRate, lateRate, ignoreInResetRate, cyclePeriodNs,
            writesPerCycle, recovery, flavour, threads, operatorResetDelayNs, completionCountRate, completionCount);
    }

    /** @return a copy with another seed. */
    public SimConfig withSeed(final long s) {
        return new SimConfig(functions, iommus, durationNs, s, models, faultRate, resetFailRate, lateRate, ignoreInResetRate, cyclePeriodNs,
            writesPerCycle, recovery, flavour, threads, operatorResetDelayNs, completionCountRate, completionCount);
    }

    /** @return a copy with another thread count. */
    public SimConfig withThreads(final int t) {
        return new SimConfig(functions, iommus, durationNs, seed, models, faultRate, resetFailRate, lateRate, ignoreInResetRate, cyclePeriodNs,
            writesPerCycle, recovery, flavour, t, operatorResetDelayNs, completionCountRate, completionCount);
    }

    /** @return a copy with other rates of late and of in-reset-ignoring devices. */
    public SimConfig withDeviceRates(final double late, final double ignoreInReset) {
        return new SimConfig(functions, iommus, durationNs, seed, models, faultRate, resetFailRate, late, ignoreInReset,
            cyclePeriodNs, writesPerCycle, recovery, flavour, threads, operatorResetDelayNs, completionCountRate, completionCount);
    }

    /** @return a copy with another mean cycle period. */
    public SimConfig withCyclePeriodNs(final long ns) {
        return new SimConfig(functions, iommus, durationNs, seed, models, faultRate, resetFailRate, lateRate, ignoreInResetRate,
            ns, writesPerCycle, recovery, flavour, threads, operatorResetDelayNs, completionCountRate, completionCount);
    }

    /** @return a copy with another recovery policy. */
    public SimConfig withRecovery(final RecoveryPolicy r) {
        return new SimConfig(functions, iommus, durationNs, seed, models, faultRate, resetFailRate, lateRate, ignoreInResetRate,
            cyclePeriodNs, writesPerCycle, r, flavour, threads, operatorResetDelayNs, completionCountRate, completionCount);
    }

    /** @return a copy with another driver flavour. */
    public SimConfig withFlavour(final InvFlavour f) {
        return new SimConfig(functions, iommus, durationNs, seed, models, faultRate, resetFailRate, lateRate, ignoreInResetRate,
            cyclePeriodNs, writesPerCycle, recovery, f, threads, operatorResetDelayNs, completionCountRate, completionCount);
    }

    /** @return a copy with another operator reset delay. */
    public SimConfig withOperatorResetDelayNs(final long ns) {
        return new SimConfig(functions, iommus, durationNs, seed, models, faultRate, resetFailRate, lateRate, ignoreInResetRate,
            cyclePeriodNs, writesPerCycle, recovery, flavour, threads, ns, completionCountRate, completionCount);
    }

    /** @return a copy where a share {@code rate} of the devices answers with {@code count} completion messages. */
    public SimConfig withCompletionCount(final double rate, final int count) {
        return new SimConfig(functions, iommus, durationNs, seed, models, faultRate, resetFailRate, lateRate, ignoreInResetRate,
            cyclePeriodNs, writesPerCycle, recovery, flavour, threads, operatorResetDelayNs, rate, count);
    }
}
