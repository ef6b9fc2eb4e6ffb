package io.resetguard.spark;

import io.resetguard.inv.InvFlavour;
import io.resetguard.model.ProtocolModel;
import io.resetguard.recovery.RecoveryPolicy;
import io.resetguard.sim.ModelResult;
import io.resetguard.sim.SimConfig;
import io.resetguard.sim.Simulation;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * SweepJob - runs a sweep's runs as Spark tasks and brings their results back to the driver.
 *
 * <p>Each (run, model) is one task (interim granularity, until the shard API lets a task be one shard).
 * A task is deterministic: its result depends only on its settings, seed, replication and model, so
 * Spark may retry it or run it speculatively and the sweep's numbers do not change.
 */
final class SweepJob {
    private SweepJob() {
    }

    /**
     * Run every model of every run.
     *
     * @param sc   the Spark context
     * @param runs the runs
     * @return one result per run, in run order
     */
    static List<SweepRun.Result> run(final JavaSparkContext sc, final List<SweepRun> runs) {
        final List<Tuple2<Long, Unit>> units = new ArrayList<>();
        for (final SweepRun r : runs) {
            for (final ProtocolModel m : r.config().models()) {
                units.add(new Tuple2<>(key(r.index(), m), new Unit(ConfigSpec.of(r.config()), r.replication(), m)));
            }
        }
        final Map<Long, long[]> done = sc.parallelizePairs(units, Math.max(1, units.size()))
            .mapValues(Unit::run)
            .collectAsMap();
        final List<SweepRun.Result> out = new ArrayList<>();
        for (final SweepRun r : runs) {
            final List<ModelResult> ms = new ArrayList<>();
            for (final ProtocolModel m : r.config().models()) {
                ms.add(toResult(m, done.get(key(r.index(), m))));
            }
            out.add(new SweepRun.Result(r, ms));
        }
        return out;
    }

    /** @return the number of tasks {@link #run} starts for {@code runs}. */
    static int tasks(final List<SweepRun> runs) {
        int n = 0;
        for (final SweepRun r : runs) {
            n += r.config().models().size();
        }
        return n;
    }

    private static long key(final int run, final ProtocolModel m) {
        return (long) run * ProtocolModel.values().length + m.ordinal();
    }

    private static ModelResult toResult(final ProtocolModel m, final long[] v) {
        return new ModelResult(m, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12],
            v[13], v[14], v[15], v[16]);
    }

    /** One model of one run, as shipped to an executor. */
    record Unit(ConfigSpec spec, int replication, ProtocolModel model) implements Serializable {
        private static final long serialVersionUID = 1L;

        long[] run() throws InterruptedException {
            final SimConfig c = spec.toConfig().withModels(List.of(model)).withThreads(1);
            final ModelResult r = new Simulation(c, replication).run(model, null);
            return new long[] {r.resets(), r.failedResets(), r.blockedAtEnd(), r.corruptions(), r.staleReads(),
                r.livenessViolations(), r.useAfterFree(), r.invalidations(), r.timeouts(),
                r.invalidationLatencyP50Ns(), r.invalidationLatencyP99Ns(), r.events(), r.wallNs(), r.quarantined(),
                r.healthyFunctionsQuarantined(), r.completionWaitTimeouts(), r.idleItagCompletions()};
        }
    }

    /** {@link SimConfig}'s components, serializable. */
    record ConfigSpec(int functions, int iommus, long durationNs, long seed, ArrayList<ProtocolModel> models,
                      double faultRate, double resetFailRate, double lateRate, double ignoreInResetRate,
                      long cyclePeriodNs, int writesPerCycle, RecoveryPolicy recovery, InvFlavour flavour,
                      int threads, long operatorResetDelayNs, double completionCountRate, int completionCount)
        implements Serializable {
        private static final long serialVersionUID = 1L;

        static ConfigSpec of(final SimConfig c) {
            return new ConfigSpec(c.functions(), c.iommus(), c.durationNs(), c.seed(), new ArrayList<>(c.models()),
                c.faultRate(), c.resetFailRate(), c.lateRate(), c.ignoreInResetRate(), c.cyclePeriodNs(),
                c.writesPerCycle(), c.recovery(), c.flavour(), c.threads(), c.operatorResetDelayNs(),
                c.completionCountRate(), c.completionCount());
        }

        SimConfig toConfig() {
            return new SimConfig(functions, iommus, durationNs, seed, models, faultRate, resetFailRate, lateRate,
                ignoreInResetRate, cyclePeriodNs, writesPerCycle, recovery, flavour, threads, operatorResetDelayNs,
                completionCountRate, completionCount);
        }
    }
}
