package io.resetguard.bench.report;

import io.resetguard.report.Svg;

import io.resetguard.bench.report.JmhResults.Metric;
import io.resetguard.bench.report.JmhResults.Run;
import io.resetguard.bench.report.Targets.Result;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * ReportBuilder - turns JMH results into the report's {@link Doc}: the targets with their measured
 * ratios and verdicts, one table (and chart) per benchmark family, the lock-free against locking
 * comparison, a closing note on every miss, and every run in an appendix. Every table carries the
 * JVM, the CPU and the run settings of the rows it shows.
 */
final class ReportBuilder {
    /** What the report says about how it was produced. */
    record RunInfo(String source, String profile, String wallTime) {
    }

    private static final double[] PCTS = {50, 90, 99, 99.9, 99.99, 100};
    private static final String[] PCT_NAMES = {"p50", "p90", "p99", "p99.9", "p99.99", "max"};

    private final JmhResults results;
    private final Environment env;
    private final RunInfo info;
    private final List<Result> targets;

    ReportBuilder(final JmhResults results, final Environment env, final RunInfo info) {
        this.results = results;
        this.env = env;
        this.info = info;
        this.targets = Targets.evaluate(results);
    }

    /** @return the evaluated targets. */
    List<Result> targets() {
        return targets;
    }

    Doc build() {
        final Doc doc = new Doc("ResetGuard benchmark report");
        summary(doc);
        targetSection(doc);
        prepareDone(doc);
        reset(doc);
        latency(doc);
        throughput(doc);
        lockFreeVsLocking(doc);
        closingNote(doc);
        appendix(doc);
        return doc;
    }

    // ------------------------------------------------------------------------------------------------
    // helpers

    private static <T> String distinct(final Collection<Run> runs, final java.util.function.Function<Run, T> f) {
        final Set<String> s = new LinkedHashSet<>();
        for (final Run r : runs) {
            final T v = f.apply(r);
            s.add(v == null ? "?" : v.toString());
        }
        return String.join(" / ", s);
    }

    /** @return the JVM, CPU and settings line of a table showing {@code runs}. */
    String caption(final Collection<Run> runs) {
        final String cpu = "rendering machine".equals(env.source())
            ? "CPU (of the machine that drew this report; the results record none): " + env.cpuLine()
            : "CPU: " + env.cpuLine();
        if (runs.isEmpty()) {
            return cpu + "; JVM " + env.javaRuntime();
        }
        return "JVM: " + distinct(runs, r -> r.vmName() + " " + r.vmVersion()) + " (JDK "
            + distinct(runs, Run::jdkVersion) + "; fork arguments: " + distinct(runs, r -> String.join(" ", r.jvmArgs()))
            + "). " + cpu + "; memory " + env.memoryLine() + ". Settings: forks " + distinct(runs, Run::forks)
            + "; warmup " + distinct(runs, r -> r.warmupIterations() + " x " + r.warmupTime()) + "; measurement "
            + distinct(runs, r -> r.measurementIterations() + " x " + r.measurementTime()) + "; threads "
            + distinct(runs, Run::threads) + ".";
    }

    private static String scoreCell(final Metric m) {
        return Double.isNaN(m.error()) ? Stats.fmt(m.score()) : Stats.fmt(m.score()) + " ± " + Stats.fmt(m.error());
    }

    private static String forks(final List<Double> v) {
        return v.isEmpty() ? "-" : v.stream().map(Stats::fmt).collect(Collectors.joining(", "));
    }

    /** Counters that describe the work rather than count failures; shown apart, never flagged. */
    static final Set<String> INFO_COUNTERS = Set.of("doorbells", "roundTrips", "retries");

    /**
     * @return the non-zero failure counters ({@code name=total}, summed over every measured iteration
     *         of every fork, as JMH reports AuxCounters of type EVENTS), {@code 0} if all are zero,
     *         {@code -} if the run has none
     */
    static String counters(final Run r) {
        final List<String> nz = new ArrayList<>();
        final List<String> info = new ArrayList<>();
        final int[] n = {0};
        r.counters().forEach((k, m) -> {
            if (INFO_COUNTERS.contains(k)) {
                if (m.score() != 0 && !Double.isNaN(m.score()) && !k.equals("roundTrips")) {
                    info.add(k + " " + Stats.fmt(m.score()));
                }
                return;
            }
            n[0]++;
            if (m.score() != 0 && !Double.isNaN(m.score())) {
                nz.add(k + "=" + Stats.fmt(m.score()));
            }
        });
        final String failures = n[0] == 0 ? "-" : nz.isEmpty() ? "0" : String.join(", ", nz);
        return info.isEmpty() ? failures : failures + " (" + String.join(", ", info) + ")";
    }

    /** @return bytes allocated per operation (JMH's GC profiler), or {@code -} if it did not run. */
    private static String alloc(final Run r) {
        final double a = Targets.allocPerOp(r);
        return Double.isNaN(a) ? "-" : a < 0.5 ? "0" : Stats.fmt(a);
    }

    private static String machine(final Run r) {
        return Targets.sharedFabric(r) ? "shared" : "per thread (diagnostic)";
    }

    private static String p(final Run r, final String name) {
        final String v = r.param(name);
        return v == null ? "-" : v;
    }

    // ------------------------------------------------------------------------------------------------
    // sections

    private void summary(final Doc doc) {
        final Doc.Section s = doc.section("Summary");
        s.para("Produced by " + io.resetguard.report.ProjectVersion.generator() + " (resetguard bench) from " + info.source() + " (" + results.runs().size()
            + " benchmark runs" + (info.profile() == null ? "" : ", profile " + info.profile())
            + (info.wallTime() == null ? "" : ", wall time " + info.wallTime()) + ").");
        final List<String> b = new ArrayList<>();
        b.add("CPU: " + env.cpuLine() + ("rendering machine".equals(env.source())
            ? " (the machine that drew this report: the JSON did not come with an environment.json)" : ""));
        b.add("Memory: " + env.memoryLine() + "; OS: " + env.os());
        b.add("Forked JVMs: " + distinct(results.runs(), r -> r.vmName() + " " + r.vmVersion() + " ("
            + r.jvm() + ")"));
        b.add("Report JVM: " + env.javaRuntime() + "; environment recorded " + env.recordedAt()
            + "; load average then (1, 5, 15 min): " + env.loadAverage());
        if (env.cpuBusy() != null && !env.cpuBusy().isEmpty()) {
            b.add("Other work on the CPUs (percent busy in " + BenchReport.BUSY_SAMPLE_MS + " ms samples before each "
                + "JMH run, while none of the report's benchmarks ran): "
                + env.cpuBusy().stream().map(Stats::fmt).collect(Collectors.joining(", ")));
        }
        s.bullets(b);
        if (env.busy()) {
            s.para("WARNING: the machine was not quiet (" + (env.cpuBusy() != null && !env.cpuBusy().isEmpty()
                ? "a sample before a JMH run found the CPUs at least " + Stats.fmt(Environment.BUSY_PERCENT)
                    + "% busy with other work" : "load average " + env.loadAverage() + " on " + env.cpus()
                    + " CPUs when the run started")
                + "): other work shared the CPUs, and the numbers below may be low or noisy. Rerun on a quiet "
                + "machine before quoting them.");
        }
        s.para("How to read: scores are JMH's (mean ± 99.9% confidence half-width over all measured iterations of "
            + "all forks); per-fork values are each fork's mean (for latencies: each fork's p50). Two-thread "
            + "results on this kind of 2-core VM are bimodal from fork to fork, so read the per-fork columns. "
            + "Counters (AuxCounters) are totals over all measured iterations of all forks; a failure counter "
            + "(EBUSY, errors, timeouts, late completions, kept-blocked, refused, ...) other than 0 means the score "
            + "is not that of the healthy path; in parentheses, counters that describe the work (lock-free CAS "
            + "retries, doorbells). Latency tails in the milliseconds are the OS preempting a spinning thread on a "
            + "2-CPU machine, not the protocol.");
    }

    private void targetSection(final Doc doc) {
        final Doc.Section s = doc.section("Targets");
        final List<List<String>> rows = new ArrayList<>();
        final Set<Run> runs = new LinkedHashSet<>();
        for (final Result t : targets) {
            rows.add(List.of(t.id(), t.statement(), t.measured(), Stats.ratio(t.ratio()), t.needed(),
                t.verdict().label(), String.join("\n", t.perFork())));
            runs.addAll(t.runs());
        }
        s.table(new Doc.Table("Issue 6 targets, measured side by side in this run",
            caption(runs), List.of("ID", "Target", "Measured", "Ratio", "Needed", "Verdict", "Per fork"), rows));
        final long missed = targets.stream().filter(t -> t.verdict() == Targets.Verdict.MISS).count();
        if (missed > 0) {
            s.para(missed + " of " + targets.size() + " targets missed; the closing note says why.");
        }
    }

    private void prepareDone(final Doc doc) {
        final List<Run> runs = results.select(r -> r.className().equals("PrepareDoneBench"));
        if (runs.isEmpty()) {
            return;
        }
        final Doc.Section s = doc.section("Prepare+done against one CAS (ns per operation per thread, lower is better)");
        s.para("PrepareDoneBench: one pci_dev_reset_iommu_prepare() + pci_dev_reset_iommu_done() of one function "
            + "(two group transitions), against one bare AtomicReference compare-and-set. \"functions\" is the group "
            + "size; with two threads each thread has its own function in the same group.");
        final List<List<String>> rows = new ArrayList<>();
        for (final Run r : runs) {
            rows.add(List.of(r.method(), p(r, "model"), p(r, "stateImpl"), p(r, "functions"),
                String.valueOf(r.threads()), scoreCell(r.primary()), forks(r.primary().perForkMeans()), alloc(r),
                counters(r)));
        }
        s.table(new Doc.Table("PrepareDoneBench (" + unitOf(runs) + ")", caption(runs),
            List.of("Method", "Model", "Cell", "Functions", "Threads", "Score", "Per fork", "Alloc B/op", "Counters"),
            rows));
        final List<Svg.Series> series = new ArrayList<>();
        final Map<String, List<double[]>> byKey = new TreeMap<>();
        for (final Run r : runs) {
            if (r.param("functions") == null) {
                continue;
            }
            final String key = p(r, "stateImpl") + ", " + r.threads() + "t" + (p(r, "model").equals(Targets.MODEL)
                ? "" : ", " + p(r, "model"));
            byKey.computeIfAbsent(key, k -> new ArrayList<>())
                .add(new double[] {Double.parseDouble(r.param("functions")), r.primary().score()});
        }
        byKey.forEach((k, v) -> series.add(new Svg.Series(k, v)));
        if (distinctFunctions(runs) >= 2) {
            s.chart(new Doc.Chart("chart-prepare-done.svg", "prepare+done time against functions in the group",
                Svg.lineChart("prepare+done time against functions in the group", "functions in the group (log)",
                    "ns per pair (log)", series, true, true, null)));
        }
    }

    private static int distinctFunctions(final List<Run> runs) {
        final Set<String> f = new TreeSet<>();
        runs.forEach(r -> {
            if (r.param("functions") != null) {
                f.add(r.param("functions"));
            }
        });
        return f.size();
    }

    private static String unitOf(final List<Run> runs) {
        return distinct(runs, r -> r.primary().unit());
    }

    private void reset(final Doc doc) {
        final List<Run> runs = results.select(r -> r.className().equals("ResetBench"));
        if (runs.isEmpty()) {
            return;
        }
        final Doc.Section s = doc.section("Whole emulated reset (million resets per second, higher is better)");
        s.para("ResetBench: pci_reset_function() with an instant FLR (Immediate Readiness) on the inline scheduler, "
            + "round robin over N functions, each function alone in its group; with two threads each owns half of the "
            + "functions. Scores are summed over the threads. Machine \"per thread\" is a diagnostic: each thread "
            + "builds its own fabric, kernel log and PCI core, so the threads share nothing they write.");
        final List<List<String>> rows = new ArrayList<>();
        for (final Run r : runs) {
            rows.add(List.of(r.method(), p(r, "model"), p(r, "stateImpl"), machine(r), p(r, "functions"),
                String.valueOf(r.threads()), Stats.fmt(Targets.mops(r.primary())) + (Double.isNaN(r.primary().error())
                    ? "" : " ± " + Stats.fmt(r.primary().error() * Targets.mops(r.primary()) / r.primary().score())),
                Stats.fmt(1e3 / Targets.mops(r.primary()) * r.threads()),
                forks(Targets.mopsPerFork(r.primary())), alloc(r), counters(r)));
        }
        s.table(new Doc.Table("ResetBench (M resets/s)", caption(runs), List.of("Method", "Model", "Cell",
            "Machine", "Functions", "Threads", "M/s", "ns per reset per thread", "Per fork (M/s)", "Alloc B/op",
            "Counters"), rows));
        final Map<String, List<double[]>> byKey = new TreeMap<>();
        for (final Run r : runs) {
            final String key = p(r, "stateImpl") + ", " + r.threads() + "t"
                + (Targets.sharedFabric(r) ? "" : ", own machines") + (p(r, "model").equals(Targets.MODEL) ? ""
                : ", " + p(r, "model"));
            byKey.computeIfAbsent(key, k -> new ArrayList<>())
                .add(new double[] {Double.parseDouble(p(r, "functions")), Targets.mops(r.primary())});
        }
        final List<Svg.Series> series = new ArrayList<>();
        byKey.forEach((k, v) -> series.add(new Svg.Series(k, v)));
        s.chart(new Doc.Chart("chart-reset.svg", "whole-reset throughput against function count",
            Svg.lineChart("Whole-reset throughput against function count", "functions (log)", "M resets/s", series,
                true, false, null, List.of(new Svg.RefLine(10, "target: 10 M/s on 2 threads at 4,096")))));
    }

    private List<Run> latencyRuns() {
        final List<Run> out = new ArrayList<>();
        out.addAll(results.select(r -> r.shortName().equals("InvalidationHandoffBench.roundTrip")));
        out.addAll(results.select(r -> r.shortName().equals("QueuePingPongBench.pingPong")));
        out.addAll(results.select(r -> r.className().equals("InvalidationBench") && r.mode().equals("sample")));
        return out;
    }

    static String latencyLabel(final Run r) {
        switch (r.shortName()) {
            case "InvalidationHandoffBench.roundTrip":
                return "invalidation via IOMMU thread, " + p(r, "queue") + ", " + p(r, "functions") + " fn";
            case "QueuePingPongBench.pingPong":
                return "ping-pong, " + p(r, "channel");
            default:
                return "invalidation, submitter drains, " + p(r, "queue") + ", " + p(r, "functions") + " fn, "
                    + r.threads() + " submitter" + (r.threads() == 1 ? "" : "s");
        }
    }

    private void latency(final Doc doc) {
        final List<Run> runs = latencyRuns();
        if (runs.isEmpty()) {
            return;
        }
        final Doc.Section s = doc.section("Invalidation round trip and the bare queue ping-pong (latency, ns)");
        s.para("Submit an ATC invalidation and a sync, wait for the sync's completion. \"via IOMMU thread\" "
            + "(InvalidationHandoffBench): the engine is drained by a second thread, so the round trip crosses the "
            + "cores as the ping-pong does; its row is the submitter's samples. \"submitter drains\" "
            + "(InvalidationBench): the engine's own design, whoever wakes it drains it, so with one submitter "
            + "nothing crosses the cores. The ping-pong (QueuePingPongBench) is one message each way through two "
            + "queues of the same kind, or two padded AtomicLongs (\"atomic\").");
        final List<List<String>> rows = new ArrayList<>();
        for (final Run r : runs) {
            final Metric m = Targets.latencyOf(r);
            final List<String> row = new ArrayList<>();
            row.add(latencyLabel(r));
            for (final double pct : PCTS) {
                row.add(Stats.fmt(m.percentile(pct)));
            }
            row.add(Stats.fmt(m.score()));
            row.add(forks(Targets.perForkP50(r)));
            row.add(forks(Targets.perForkP999(r)));
            final double bells = Targets.doorbellsPerRoundTrip(r);
            row.add(Double.isNaN(bells) ? "-" : Stats.fmt(bells));
            row.add(counters(r));
            rows.add(row);
        }
        final List<String> headers = new ArrayList<>(List.of("Round trip"));
        headers.addAll(List.of(PCT_NAMES));
        headers.addAll(List.of("mean", "Per-fork p50", "Per-fork p99.9", "Doorbells per round trip", "Counters"));
        s.table(new Doc.Table("Latency percentiles (ns)", caption(runs), headers, rows));
        final List<Svg.Series> series = new ArrayList<>();
        for (final Run r : runs) {
            final Metric m = Targets.latencyOf(r);
            final List<double[]> pts = new ArrayList<>();
            for (int i = 0; i < PCTS.length - 1; i++) {
                pts.add(new double[] {i, m.percentile(PCTS[i])});
            }
            series.add(new Svg.Series(shortLatencyLabel(r), pts));
        }
        s.chart(new Doc.Chart("chart-latency.svg", "round-trip latency percentiles",
            Svg.lineChart("Round-trip latency percentiles", "percentile", "ns (log)", series, false, true,
                List.of("p50", "p90", "p99", "p99.9", "p99.99"))));
    }

    private static String shortLatencyLabel(final Run r) {
        switch (r.shortName()) {
            case "InvalidationHandoffBench.roundTrip":
                return "inv. IOMMU thread " + p(r, "queue") + " " + p(r, "functions") + "fn";
            case "QueuePingPongBench.pingPong":
                return "ping-pong " + p(r, "channel");
            default:
                return "inv. inline " + p(r, "queue") + " " + p(r, "functions") + "fn " + r.threads() + "t";
        }
    }

    private void throughput(final Doc doc) {
        final List<Run> runs = results.select(r -> r.className().equals("InvalidationBench") && r.mode().equals("thrpt"));
        if (runs.isEmpty()) {
            return;
        }
        final Doc.Section s = doc.section("Invalidation throughput (million round trips per second, higher is better)");
        s.para("InvalidationBench throughput: the same round trip, the submitters draining the engine; with two "
            + "submitters each owns half of the functions and the one that loses the engine's draining flag waits "
            + "for the other to drain its commands. Summed over the submitters.");
        final List<List<String>> rows = new ArrayList<>();
        final List<Svg.Bar> bars = new ArrayList<>();
        for (final Run r : runs) {
            final double m = Targets.mops(r.primary());
            rows.add(List.of(p(r, "queue"), p(r, "functions"), String.valueOf(r.threads()), Stats.fmt(m),
                forks(Targets.mopsPerFork(r.primary())), alloc(r), counters(r)));
            bars.add(new Svg.Bar(p(r, "queue") + ", " + p(r, "functions") + " fn, " + r.threads() + " submitter"
                + (r.threads() == 1 ? "" : "s"), m));
        }
        s.table(new Doc.Table("InvalidationBench throughput (M/s)", caption(runs),
            List.of("Queue", "Functions", "Submitters", "M/s", "Per fork (M/s)", "Alloc B/op", "Counters"), rows));
        s.chart(new Doc.Chart("chart-invalidation-throughput.svg", "invalidation throughput by queue",
            Svg.barChart("Invalidation round trips per second by command queue", "M round trips/s", bars, List.of())));
    }

    private void lockFreeVsLocking(final Doc doc) {
        final Map<String, Run[]> pairs = new LinkedHashMap<>();
        for (final Run r : results.runs()) {
            final String cell = r.param("stateImpl");
            if (cell == null || !(cell.equals("lock-free") || cell.equals("locking"))) {
                continue;
            }
            final Map<String, String> rest = new TreeMap<>(r.params());
            rest.remove("stateImpl");
            final String key = r.shortName() + " " + rest + " t=" + r.threads();
            final Run[] pair = pairs.computeIfAbsent(key, k -> new Run[2]);
            pair[cell.equals("lock-free") ? 0 : 1] = r;
        }
        final List<List<String>> rows = new ArrayList<>();
        final List<Svg.Bar> bars = new ArrayList<>();
        final List<Run> used = new ArrayList<>();
        for (final Map.Entry<String, Run[]> e : pairs.entrySet()) {
            final Run lf = e.getValue()[0];
            final Run lk = e.getValue()[1];
            if (lf == null || lk == null) {
                continue;
            }
            used.add(lf);
            used.add(lk);
            final boolean time = lf.primary().unit().endsWith("/op");
            final double adv = time ? lk.primary().score() / lf.primary().score()
                : lf.primary().score() / lk.primary().score();
            final Map<String, String> rest = new TreeMap<>(lf.params());
            rest.remove("stateImpl");
            // short bar labels: the defaults (linux-7.1, one shared machine) go unsaid
            final String label = lf.method() + " " + rest.entrySet().stream()
                .filter(x -> !(x.getKey().equals("model") && x.getValue().equals(Targets.MODEL))
                    && !(x.getKey().equals("fabric") && x.getValue().equals("shared")))
                .map(x -> (x.getKey().equals("functions") ? "f" : x.getKey()) + "=" + x.getValue())
                .collect(Collectors.joining(" ")) + " t=" + lf.threads();
            rows.add(List.of(lf.shortName(), rest.entrySet().stream().map(x -> x.getKey() + "=" + x.getValue())
                    .collect(Collectors.joining(", ")), String.valueOf(lf.threads()),
                Stats.fmt(lf.primary().score()) + " " + lf.primary().unit(),
                Stats.fmt(lk.primary().score()) + " " + lk.primary().unit(), Stats.ratio(adv)));
            bars.add(new Svg.Bar(label, adv));
        }
        if (rows.isEmpty()) {
            return;
        }
        final Doc.Section s = doc.section("Lock-free against locking (same run, same parameters)");
        s.para("The lock-free cell's advantage: locking time / lock-free time for times, lock-free / locking for "
            + "throughputs; above 1 the lock-free cell is faster. T2's bar is prepareDoneContended at 1 function.");
        s.table(new Doc.Table("Lock-free advantage", caption(used),
            List.of("Benchmark", "Parameters", "Threads", "Lock-free", "Locking", "Advantage"), rows));
        s.chart(new Doc.Chart("chart-lockfree-vs-locking.svg", "lock-free advantage over locking",
            Svg.barChart("Lock-free advantage over locking (above 1: lock-free faster)", "advantage (x)", bars,
                List.of(new Svg.RefLine(1, "1x"), new Svg.RefLine(2, "target 2x")))));
    }

    private void closingNote(final Doc doc) {
        final Doc.Section s = doc.section("Closing note");
        final List<String> items = new ArrayList<>();
        for (final Result t : targets) {
            final String head = t.id() + " " + t.verdict().label() + " (" + Stats.ratio(t.ratio()) + ", needed "
                + t.needed() + "): " + t.statement() + ".";
            items.add(t.why().isEmpty() ? head : head + " " + t.why());
        }
        s.bullets(items);
        s.para(String.format(Locale.ROOT, "Caveats: %s. A 2-core VM shares its cores with the JMH harness, the JIT "
            + "and the GC, so two-thread results move from fork to fork (see the per-fork values) and latency tails "
            + "(p99.9 and up) show preemption. Ratios inside one run are more trustworthy than absolute numbers "
            + "across runs.", env.cpuLine()));
    }

    private void appendix(final Doc doc) {
        final Doc.Section s = doc.section("All results");
        final List<List<String>> rows = new ArrayList<>();
        for (final Run r : results.runs()) {
            rows.add(List.of(r.shortName(), r.mode(), String.valueOf(r.threads()),
                r.params().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", ")),
                scoreCell(r.primary()) + " " + r.primary().unit(), r.settings(), counters(r)));
        }
        s.table(new Doc.Table("Every run in the results", caption(results.runs()),
            List.of("Benchmark", "Mode", "Threads", "Parameters", "Score", "Settings", "Counters"), rows));
    }
}
