package io.resetguard.bench.report;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Profile - which benchmarks a report runs, with which parameters and settings.
 *
 * <ul>
 * <li>{@link #QUICK}: what the targets need plus one function-count sweep, under 5 minutes on a
 *     2-core machine: single-thread runs with 1 fork, two-thread runs with 3 forks (the per-fork
 *     values are the point there), 2 x 0.5 s warmup and 3 x 0.5 s measurement. Numbers good to
 *     about 10%; the targets' side-by-side ratios are what it is for.</li>
 * <li>{@link #FULL}: every benchmark at every parameter value, with the settings annotated on the
 *     classes (3 forks, 3 x 1 s warmup, 5 x 1 s measurement): what
 *     {@code java -jar benchmarks.jar} runs. About two hours on 2 cores.</li>
 * </ul>
 * Each stage is one JMH run (JMH applies parameters and settings to every benchmark of a run).
 */
public enum Profile {
    /** The targets and one sweep; under 5 minutes. */
    QUICK("quick", List.of(
        Stage.quick("prepare-done", "prepare+done and one CAS, one thread", 1,
            List.of(Names.PD + "prepareDone", Names.PD + "casTransition"),
            Map.of("model", new String[] {"linux-7.1"}, "stateImpl", new String[] {"lock-free", "locking"},
                "functions", new String[] {"1"})),
        Stage.quick("prepare-done-contended", "prepare+done and one CAS, two threads on one group", 3,
            List.of(Names.PD + "prepareDoneContended", Names.PD + "casTransitionContended",
                Names.PD + "prepareDoneSameFunction"),
            Map.of("model", new String[] {"linux-7.1"}, "stateImpl", new String[] {"lock-free", "locking"},
                "functions", new String[] {"1"})),
        Stage.quick("reset-sweep", "whole resets, one thread, over the function counts", 1,
            List.of(Names.RB + "reset"),
            Map.of("model", new String[] {"linux-7.1"}, "stateImpl", new String[] {"lock-free", "locking"},
                "functions", new String[] {"1", "64", "1024", "4096", "65536"}, "fabric", new String[] {"shared"})),
        Stage.quick("reset-two-threads", "whole resets, two threads, 4096 functions", 3,
            List.of(Names.RB + "resetTwoThreads"),
            Map.of("model", new String[] {"linux-7.1"}, "stateImpl", new String[] {"lock-free", "locking"},
                "functions", new String[] {"4096"}, "fabric", new String[] {"shared"})),
        Stage.quick("reset-two-machines", "diagnostic: whole resets, two threads, a machine per thread", 3,
            List.of(Names.RB + "resetTwoThreads"),
            Map.of("model", new String[] {"linux-7.1"}, "stateImpl", new String[] {"lock-free"},
                "functions", new String[] {"4096"}, "fabric", new String[] {"per-thread"})),
        Stage.quick("invalidation-latency", "invalidation round trip, submitter drains, one submitter", 1,
            List.of(Names.IB + "latency"),
            Map.of("queue", new String[] {"jctools-mpsc"}, "functions", new String[] {"1"})),
        Stage.quick("invalidation-throughput", "invalidation round trips per second, one submitter, every queue", 1,
            List.of(Names.IB + "throughput"),
            Map.of("queue", new String[] {"jctools-mpsc", "agrona-m2o", "clq", "abq"}, "functions", new String[] {"1"})),
        Stage.quick("invalidation-two-submitters", "invalidation round trips per second, two submitters", 3,
            List.of(Names.IB + "throughputTwoSubmitters"),
            Map.of("queue", new String[] {"jctools-mpsc"}, "functions", new String[] {"1"})),
        Stage.quick("invalidation-handoff", "invalidation round trip through an IOMMU thread", 3,
            List.of(Names.HB + "roundTrip"),
            Map.of("queue", new String[] {"jctools-mpsc"}, "functions", new String[] {"1"})),
        Stage.quick("ping-pong", "bare queue ping-pong between two threads", 3,
            List.of(Names.PP + "pingPong"),
            Map.of("channel", new String[] {"jctools-mpsc", "atomic"})))),

    /** Everything at the annotated defaults. */
    FULL("full", List.of(
        Stage.defaults("prepare-done", "prepare+done and CAS, every model, cell and group size, 1 and 2 threads",
            List.of(Names.PD + "prepareDone", Names.PD + "casTransition", Names.PD + "prepareDoneContended", Names.PD + "casTransitionContended",
                Names.PD + "prepareDoneSameFunction")),
        Stage.defaults("reset", "whole resets, 1 and 2 threads, every function count and cell",
            List.of(Names.RB + "reset", Names.RB + "resetTwoThreads")),
        new Stage("reset-two-machines", "diagnostic: whole resets, two threads, a machine per thread",
            List.of(Names.RB + "resetTwoThreads"), Map.of("fabric", new String[] {"per-thread"}), null, null, null,
            null, null, true),
        Stage.defaults("invalidation", "invalidation latency and throughput, 1 and 2 submitters, every queue",
            List.of(Names.IB + "latency", Names.IB + "latencyTwoSubmitters", Names.IB + "throughput", Names.IB + "throughputTwoSubmitters")),
        Stage.defaults("invalidation-handoff", "invalidation round trip through an IOMMU thread, every queue",
            List.of(Names.HB + "roundTrip")),
        Stage.defaults("ping-pong", "bare queue ping-pong, every channel", List.of(Names.PP + "pingPong"))));

    /** The benchmark classes' name prefixes (a holder: enum constants cannot read the enum's own statics). */
    static final class Names {
        static final String PKG = "io.resetguard.bench.";
        static final String PD = PKG + "PrepareDoneBench.";
        static final String RB = PKG + "ResetBench.";
        static final String IB = PKG + "InvalidationBench.";
        static final String HB = PKG + "InvalidationHandoffBench.";
        static final String PP = PKG + "QueuePingPongBench.";

        private Names() {
        }
    }

    /** JVM start, class loading and trial setup per fork, as assumed by {@link #estimateSeconds}. */
    static final double FORK_OVERHEAD_S = 1.0;

    private final String cliName;
    private final List<Stage> stages;

    Profile(final String cliName, final List<Stage> stages) {
        this.cliName = cliName;
        this.stages = stages;
    }

    /** @return {@code quick} or {@code full}. */
    public String cliName() {
        return cliName;
    }

    /** @return the stages, in run order. */
    public List<Stage> stages() {
        return stages;
    }

    /** @return the profile named {@code name}; IllegalArgumentException naming the valid ones otherwise. */
    public static Profile parse(final String name) {
        for (final Profile p : values()) {
            if (p.cliName.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown profile '" + name + "'; use "
            + Arrays.stream(values()).map(Profile::cliName).collect(Collectors.joining(" or ")));
    }

    /** @return the estimated wall time of the whole profile, in seconds (see {@link Stage#estimateSeconds}). */
    public double estimateSeconds() {
        double s = 0;
        for (final Stage st : stages) {
            s += st.estimateSeconds();
        }
        return s;
    }

    /**
     * One JMH run of a profile.
     *
     * @param name                  short name (also the name of its JSON file)
     * @param what                  one line for people
     * @param benchmarks            fully qualified benchmark names (class + method or group)
     * @param params                parameter overrides (absent: the annotated values)
     * @param forks                 forks, or null for the annotated value
     * @param warmupIterations      or null
     * @param warmupMs              or null
     * @param measurementIterations or null
     * @param measurementMs         or null
     */
    public record Stage(String name, String what, List<String> benchmarks, Map<String, String[]> params,
                        Integer forks, Integer warmupIterations, Integer warmupMs, Integer measurementIterations,
                        Integer measurementMs, boolean gcProfiler) {

        /**
         * A stage of the quick profile: 2 x 500 ms warmup, 3 x 500 ms measurement. Single-thread
         * stages (one fork) also run JMH's GC profiler, for the bytes allocated per operation; its
         * cost is a few MXBean reads per iteration, not per operation.
         */
        static Stage quick(final String name, final String what, final int forks, final List<String> benchmarks,
                           final Map<String, String[]> params) {
            return new Stage(name, what, benchmarks, new LinkedHashMap<>(params), forks, 2, 500, 3, 500, forks == 1);
        }

        static Stage defaults(final String name, final String what, final List<String> benchmarks) {
            return new Stage(name, what, benchmarks, Collections.emptyMap(), null, null, null, null, null, true);
        }

        /** @return the JMH include regex matching exactly {@link #benchmarks}. */
        public String includeRegex() {
            return "^(" + benchmarks.stream().map(Pattern::quote).collect(Collectors.joining("|")) + ")$";
        }

        /**
         * @param resultFile where JMH writes this stage's JSON
         * @return the JMH options: the include, the overrides, JSON results, fail on error
         */
        public Options options(final Path resultFile) {
            final ChainedOptionsBuilder b = new OptionsBuilder()
                .include(includeRegex())
                .shouldFailOnError(true)
                .resultFormat(ResultFormatType.JSON)
                .result(resultFile.toString());
            params.forEach(b::param);
            if (forks != null) {
                b.forks(forks);
            }
            if (warmupIterations != null) {
                b.warmupIterations(warmupIterations);
            }
            if (warmupMs != null) {
                b.warmupTime(TimeValue.milliseconds(warmupMs));
            }
            if (measurementIterations != null) {
                b.measurementIterations(measurementIterations);
            }
            if (measurementMs != null) {
                b.measurementTime(TimeValue.milliseconds(measurementMs));
            }
            if (gcProfiler) {
                b.addProfiler(GCProfiler.class);
            }
            return b.build();
        }

        /** @return the benchmarks of the jar's {@code META-INF/BenchmarkList} that this stage runs. */
        public List<BenchmarkListEntry> entries() {
            final OutputFormat silent = OutputFormatFactory.createFormatInstance(
                new PrintStream(OutputStream.nullOutputStream()), VerboseMode.SILENT);
            final SortedSet<BenchmarkListEntry> found = BenchmarkList.defaultList()
                .find(silent, List.of(includeRegex()), List.of());
            return new ArrayList<>(found);
        }

        /** @return how many forked runs (benchmark x parameter combination x fork) this stage makes. */
        public int forkedRuns() {
            int n = 0;
            for (final BenchmarkListEntry e : entries()) {
                n += combinations(e) * forksOf(e);
            }
            return n;
        }

        private int combinations(final BenchmarkListEntry e) {
            int c = 1;
            final Map<String, String[]> declared = e.getParams().orElse(Collections.emptyMap());
            for (final Map.Entry<String, String[]> p : declared.entrySet()) {
                final String[] o = params.get(p.getKey());
                c *= o != null ? o.length : p.getValue().length;
            }
            return c;
        }

        private int forksOf(final BenchmarkListEntry e) {
            return forks != null ? forks : e.getForks().orElse(5);
        }

        /**
         * @return the estimated wall time: per forked run, {@link #FORK_OVERHEAD_S} plus warmup plus
         *         measurement, plus a few seconds to build 65,536-function machines
         */
        public double estimateSeconds() {
            double s = 0;
            for (final BenchmarkListEntry e : entries()) {
                final int wi = warmupIterations != null ? warmupIterations : e.getWarmupIterations().orElse(5);
                final double wt = warmupMs != null ? warmupMs / 1000.0 : seconds(e.getWarmupTime().orElse(null));
                final int mi = measurementIterations != null ? measurementIterations
                    : e.getMeasurementIterations().orElse(5);
                final double mt = measurementMs != null ? measurementMs / 1000.0
                    : seconds(e.getMeasurementTime().orElse(null));
                final double perFork = FORK_OVERHEAD_S + wi * wt + mi * mt;
                final int forksPerCombo = forksOf(e);
                final Map<String, String[]> declared = e.getParams().orElse(Collections.emptyMap());
                final String[] fns = params.containsKey("functions") ? params.get("functions")
                    : declared.get("functions");
                final int combos = combinations(e);
                int big = 0;
                if (fns != null) {
                    for (final String f : fns) {
                        if (Integer.parseInt(f) >= 65536) {
                            big++;
                        }
                    }
                    big = big * combos / fns.length;
                }
                s += combos * forksPerCombo * perFork + big * forksPerCombo * 4.0;
            }
            return s;
        }

        private static double seconds(final TimeValue t) {
            if (t == null) {
                return 10; // JMH's default iteration time
            }
            return t.convertTo(TimeUnit.MILLISECONDS) / 1000.0;
        }

        /** @return the settings as one line for the plan. */
        public String settingsLine() {
            if (forks == null) {
                return "annotated defaults" + (gcProfiler ? ", -prof gc" : "");
            }
            return String.format(Locale.ROOT, "forks %d, warmup %d x %d ms, measurement %d x %d ms%s", forks,
                warmupIterations, warmupMs, measurementIterations, measurementMs, gcProfiler ? ", -prof gc" : "");
        }

        /** @return the parameter overrides as {@code name=a,b} pairs. */
        public String paramsLine() {
            if (params.isEmpty()) {
                return "all annotated values";
            }
            return params.entrySet().stream().map(e -> e.getKey() + "=" + String.join(",", e.getValue()))
                .sorted().collect(Collectors.joining(" "));
        }
    }
}
