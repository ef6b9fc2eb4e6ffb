package io.resetguard.spark;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.resetguard.cli.SweepSupport;
import io.resetguard.sim.SimConfig;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code resetguard sweep}: many runs of {@code simulate} (seeds, replications, and the product of a
 * grid of settings) as Spark tasks, on {@code local[*]} or a cluster; sweep.json, Parquet rows and
 * charts in {@code --out}.
 *
 * <p>Everything the user gave is checked before Spark starts, and each fault is one line and exit
 * code 2: the settings (as {@code simulate} checks them), {@code --seeds} / {@code --replications},
 * the grid file ({@link Grid}) and every configuration of its product, the master URL
 * ({@link MasterUrl}) and the output directory (the safety of {@code --report}: nothing of the
 * user's is replaced, and a concurrent run on the same directory is refused).
 *
 * <p>A run of seed S and replication 0 is exactly {@code simulate --seed S} with the same settings:
 * the same {@code Simulation}, the same shards, merged exactly (SweepTest checks it on
 * {@code local[2]}).
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Run simulate over seeds, replications and a grid of settings on Apache Spark.")
final class SweepCommand implements Callable<Integer> {
    /** The most runs a sweep may have (each run is a simulate of all its models). */
    static final int MAX_RUNS = 100_000;

    @Spec
    CommandSpec spec;

    @Option(names = "--seeds", paramLabel = "LIST", order = 100,
        description = "Comma-separated master seeds, one run each (replication 0, as simulate).")
    String seeds;

    @Option(names = "--replications", paramLabel = "N", order = 101,
        description = "Runs of --seed with replication indices 0..N-1 (fresh random streams each).")
    String replications;

    @Option(names = "--grid", paramLabel = "FILE", order = 102,
        description = "JSON object of scenario fields to lists of values, e.g. {\"faultRate\": [0.001, 0.01]}; "
            + "the sweep runs their product.")
    String grid;

    @Option(names = "--master", paramLabel = "URL", order = 103,
        description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Option(names = "--out", paramLabel = "DIR", required = true, order = 104,
        description = "Output directory (sweep.json, runs.parquet, index.html); an existing one is replaced only "
            + "if ResetGuard wrote it.")
    String out;

    @Option(names = "--no-progress", order = 105, description = "Do not draw the progress bar.")
    boolean noProgress;

    /** A sweep's runs and everything checked before Spark starts. */
    record Plan(List<SweepRun> runs, Grid grid, String master) {
    }

    @Override
    public Integer call() throws Exception {
        final Plan plan;
        try {
            plan = plan();
        } catch (final IllegalArgumentException e) {
            throw SweepSupport.usage(spec, e.getMessage());
        }
        final SweepSupport.OutDir dir;
        try {
            dir = SweepSupport.OutDir.acquire("--out", out);
        } catch (final IllegalArgumentException e) {
            throw SweepSupport.usage(spec, e.getMessage());
        }
        try (dir) {
            return execute(plan, dir);
        }
    }

    /**
     * Check every input and list the runs (no side effect).
     *
     * @throws IllegalArgumentException one line naming the option, field or file
     */
    Plan plan() {
        final String m = master != null ? master : System.getProperty("spark.master", "local[*]");
        final List<Long> seedList = seedList();
        final int reps = replicationCount();
        if (seedList != null && reps > 0) {
            throw new IllegalArgumentException("--seeds and --replications: give one of them");
        }
        if (seedList != null && spec.commandLine().getParseResult().hasMatchedOption("--seed")) {
            throw new IllegalArgumentException("--seeds and --seed: give one of them");
        }
        final Grid g = grid == null ? Grid.NONE
            : Grid.read("--grid '" + SweepSupport.clip(grid) + "'", Path.of(grid),
                f -> SweepSupport.optionGiven(spec, f), p -> SweepSupport.resolve(spec, p));
        final List<ObjectNode> points = g.points();
        final long count = (long) points.size() * (seedList != null ? seedList.size() : Math.max(1, reps));
        if (count > MAX_RUNS) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "the sweep has %,d runs; at most %,d "
                + "(fewer seeds, replications or grid values)", count, MAX_RUNS));
        }
        final List<SweepRun> runs = new ArrayList<>();
        for (final ObjectNode p : points) {
            final SimConfig c;
            try {
                c = SweepSupport.resolve(spec, p);
            } catch (final IllegalArgumentException e) {
                throw new IllegalArgumentException(SweepSupport.line(
                    (g == Grid.NONE ? "" : "--grid '" + SweepSupport.clip(grid) + "' point " + p + ": ")
                        + e.getMessage()), e);
            }
            if (seedList != null) {
                for (final long s : seedList) {
                    runs.add(new SweepRun(runs.size(), c.withSeed(s), 0, p));
                }
            } else {
                for (int r = 0; r < Math.max(1, reps); r++) {
                    runs.add(new SweepRun(runs.size(), c, r, p));
                }
            }
        }
        MasterUrl.check(m);
        heapCheck(runs, m, Runtime.getRuntime().maxMemory());
        return new Plan(runs, g, m);
    }

    /**
     * On a local master the shards run in this JVM, {@link MasterUrl#localSlots} at a time: refuse a
     * sweep whose largest shards in flight cannot fit the heap, as {@code simulate} does (on a cluster
     * the executors' memory is Spark's configuration; docs/spark.md sizes it).
     *
     * @throws IllegalArgumentException one line naming {@code --master}, the run and the fix
     */
    static void heapCheck(final List<SweepRun> runs, final String master, final long maxHeap) {
        final int slots = MasterUrl.localSlots(master);
        if (slots == 0) {
            return;
        }
        for (final SweepRun r : runs) {
            final String no = SweepSupport.heapRefusal(r.config(), slots, maxHeap);
            if (no != null) {
                throw new IllegalArgumentException(SweepSupport.line(String.format(Locale.ROOT,
                    "--master '%s': run %d (%,d functions on %d IOMMUs) %s", SweepSupport.clip(master), r.index(),
                    r.config().functions(), r.config().iommus(), no)));
            }
        }
    }

    private List<Long> seedList() {
        if (seeds == null) {
            return null;
        }
        final String name = "--seeds '" + SweepSupport.clip(seeds) + "'";
        final LinkedHashSet<Long> out = new LinkedHashSet<>();
        for (final String s : seeds.split(",", -1)) {
            final long v;
            try {
                v = Long.parseLong(s.strip());
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException(name + ": '" + SweepSupport.clip(s) + "' is not a whole number");
            }
            if (!out.add(v)) {
                throw new IllegalArgumentException(name + ": seed " + v + " is listed twice");
            }
        }
        return new ArrayList<>(out);
    }

    private int replicationCount() {
        if (replications == null) {
            return 0;
        }
        final String name = "--replications '" + SweepSupport.clip(replications) + "'";
        final int n;
        try {
            n = Integer.parseInt(replications.strip());
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(name + ": must be a whole number");
        }
        if (n < 1 || n > MAX_RUNS) {
            throw new IllegalArgumentException(name + ": must be in 1.." + MAX_RUNS);
        }
        return n;
    }

    /** Start Spark, run the plan, write and commit the output. @return the exit code */
    private int execute(final Plan plan, final SweepSupport.OutDir dir) throws IOException {
        final PrintWriter o = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final int tasks = SweepJob.tasks(plan.runs());
        o.printf(Locale.ROOT, "Sweep: %d run(s), %d Spark task(s), on %s%n", plan.runs().size(), tasks, plan.master());
        o.flush();
        final long start = System.nanoTime();
        final SparkSession spark;
        try {
            spark = Spark.session(plan.master());
        } catch (final RuntimeException e) {
            throw SweepSupport.usage(spec, SweepSupport.line("--master '" + SweepSupport.clip(plan.master())
                + "': Spark did not start: " + e.getMessage()));
        }
        try {
            final double startup = (System.nanoTime() - start) / 1e9;
            o.printf(Locale.ROOT, "Spark started in %.1f s%n", startup);
            o.flush();
            final JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            final boolean terminal = System.console() != null;
            if (!noProgress) {
                final AtomicInteger shown = new AtomicInteger(-1);
                final AtomicInteger ended = new AtomicInteger();
                sc.sc().addSparkListener(new SparkListener() {
                    @Override
                    public void onTaskEnd(final SparkListenerTaskEnd e) {
                        // the shard tasks; the reduce tasks that follow take milliseconds
                        if (e.taskInfo().successful() && "ShuffleMapTask".equals(e.taskType())) {
                            SweepSupport.progress(Math.min(1.0, (double) ended.incrementAndGet() / tasks), shown,
                                terminal, start, err);
                        }
                    }
                });
            }
            final List<SweepRun.Result> results = SweepJob.run(sc, plan.runs());
            if (!noProgress && terminal) {
                err.println();
                err.flush();
            }
            final double wall = (System.nanoTime() - start) / 1e9;
            final Path target = dir.target();
            Files.createDirectories(target.getParent());
            final Path tmp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".tmp");
            try {
                SweepOutput.write(tmp, spark, results, plan.grid(), plan.master(), wall);
                dir.commit(tmp);
            } catch (final IOException | RuntimeException e) {
                err.println("resetguard sweep: cannot write the output to " + target + ": " + e.getMessage());
                err.flush();
                return 1;
            } finally {
                if (Files.exists(tmp)) {
                    SweepSupport.OutDir.deleteTree(tmp);
                }
            }
            o.printf(Locale.ROOT, "Wall time %.1f s (Spark start-up %.1f s)%n", wall, startup);
            o.println("Output: " + target.resolve("sweep.json") + ", " + target.resolve(SweepOutput.PARQUET) + " and "
                + target.resolve("index.html"));
            return 0;
        } finally {
            spark.stop();
        }
    }
}
