package io.resetguard.spark;

import io.resetguard.model.ProtocolModel;
import io.resetguard.sim.ModelResult;
import io.resetguard.sim.ShardResult;
import io.resetguard.sim.ShardTask;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * SweepJob - runs a sweep as Spark tasks, one per (run, model, shard), and reduces their results by
 * (run, model) with the exact merge.
 *
 * <p>A task is one {@link ShardTask}: pure, so Spark may retry it or run it speculatively and keep
 * either attempt's result, and the sweep's numbers do not change. The shard results of a (run, model)
 * are combined with {@link ShardResult#merge} (counts add, HdrHistograms add), which is associative
 * and commutative exactly, so Spark's reduce tree (map-side combining, then the shuffle) gives
 * exactly what {@code Simulation.run} gives for the same settings, seed and replication: the numbers
 * of {@code simulate}. Only the merged results come back to the driver: one per (run, model).
 *
 * <p>The wall time of a model's result is the sum of its tasks' wall times (the time its shards took
 * on their executors' threads), so its events per wall second is the rate of one thread.
 */
final class SweepJob {
    private SweepJob() {
    }

    /**
     * Run every shard of every model of every run.
     *
     * @param sc   the Spark context
     * @param runs the runs
     * @return one result per run, in run order, its models in {@code config.models()} order
     */
    static List<SweepRun.Result> run(final JavaSparkContext sc, final List<SweepRun> runs) {
        final List<Tuple2<Long, ShardTask>> tasks = new ArrayList<>();
        int keys = 0;
        for (final SweepRun r : runs) {
            for (final ProtocolModel m : r.config().models()) {
                keys++;
                for (int s = 0; s < r.config().iommus(); s++) {
                    tasks.add(new Tuple2<>(key(r.index(), m), new ShardTask(r.config(), r.replication(), m, s)));
                }
            }
        }
        final Map<Long, Timed> done = sc.parallelizePairs(tasks, Math.max(1, tasks.size()))
            .mapValues(Timed::run)
            .reduceByKey(Timed::merge, Math.max(1, Math.min(keys, sc.defaultParallelism())))
            .collectAsMap();
        final List<SweepRun.Result> out = new ArrayList<>();
        for (final SweepRun r : runs) {
            final List<ModelResult> ms = new ArrayList<>();
            for (final ProtocolModel m : r.config().models()) {
                final Timed t = done.get(key(r.index(), m));
                ms.add(ModelResult.of(m, t.result(), t.wallNs()));
            }
            out.add(new SweepRun.Result(r, ms));
        }
        return out;
    }

    /** @return the number of (shard) tasks {@link #run} starts for {@code runs}. */
    static int tasks(final List<SweepRun> runs) {
        long n = 0;
        for (final SweepRun r : runs) {
            n += (long) r.config().models().size() * r.config().iommus();
        }
        return (int) Math.min(Integer.MAX_VALUE, n);
    }

    private static long key(final int run, final ProtocolModel m) {
        return (long) run * ProtocolModel.values().length + m.ordinal();
    }

    /**
     * Shard results merged so far and the wall time their tasks took.
     *
     * @param result the merged result
     * @param wallNs the tasks' wall times, summed
     */
    record Timed(ShardResult result, long wallNs) implements Serializable {
        private static final long serialVersionUID = 1L;

        /** Run one shard on the executor's task thread. */
        static Timed run(final ShardTask t) {
            final long start = System.nanoTime();
            final ShardResult r = t.run();
            return new Timed(r, System.nanoTime() - start);
        }

        /** The exact merge ({@link ShardResult#merge}); neither operand changes. */
        Timed merge(final Timed o) {
            return new Timed(result.merge(o.result), wallNs + o.wallNs);
        }
    }
}
