package io.resetguard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.resetguard.recovery.RecoveryPolicy;
import io.resetguard.report.ProjectVersion;
import io.resetguard.report.Svg;
import io.resetguard.sim.ModelResult;
import io.resetguard.sim.SimConfig;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;
import java.util.zip.Deflater;

/**
 * SimReport - the comparison tables on the console and the report directory: {@code report.json}
 * (the shape other tools read, {@link #SCHEMA_VERSION}) and {@code index.html} (tables and accessible
 * inline SVG charts drawn by the shared {@link Svg}, no network).
 *
 * <p>The console tables use thousands separators and plain-word headers and fit 100 columns: one table
 * of what the protocol did (resets, blocked functions, corruptions, ...), one of the invalidations
 * (counts and latency in virtual time) and, under {@code --recovery quarantine} or when any model has
 * one of its counts, one of the quarantine and completion counts ({@link #showQuarantine}): how many
 * functions were quarantined, how many of them were healthy (the cost of quarantining a whole
 * timed-out batch, docs/protocol.md §2.5a), AMD completion waits given up at 100 ms, and completions
 * for an idle ITag.
 *
 * <p>{@code report.json} carries each model's invalidation latency histogram in HdrHistogram's
 * compressed encoding ({@code encodeIntoCompressedByteBuffer}, base64), so the histograms of several
 * runs (other seeds, other shards of a fleet) add up exactly: decode each with
 * {@code Histogram.decodeFromCompressedByteBuffer} and {@code add} them.
 *
 * <p>The directory is written to a temporary sibling and moved into place at the end, so a failed
 * run never leaves a half-written report.
 */
final class SimReport {
    /**
     * The version of {@code report.json}'s shape. 1: the unversioned first shape; 2: adds
     * {@code schemaVersion}, {@code generator}, each model's {@code invalidationLatencyP999Ns},
     * {@code invalidationLatencyMaxNs} and {@code invalidationLatencyHistogram}; later, without a change
     * of meaning, each model's {@code quarantined}, {@code healthyFunctionsQuarantined},
     * {@code completionWaitTimeouts} and {@code idleItagCompletions} and the settings
     * {@code operatorResetDelay}, {@code completionCountRate} and {@code completionCount}. Raise it
     * when a field changes meaning or goes away (a reader ignores fields it does not know).
     */
    static final int SCHEMA_VERSION = 2;
    /** The widest console line. */
    static final int WIDTH = 100;

    private static final String OUTCOMES = "%-14s %9s %13s %14s %11s %19s %14s%n";
    private static final String[] OUTCOME_HEADERS = {"model", "resets", "failed resets", "blocked at end",
        "corruptions", "liveness violations", "use-after-free"};
    private static final String INVALIDATIONS = "%-14s %14s %10s %11s %9s %9s %9s %13s%n";
    private static final String[] INVALIDATION_HEADERS = {"model", "invalidations", "timeouts", "latency p50", "p99",
        "p99.9", "max", "sim events/s"};

    private static final String QUARANTINE = "%-14s %12s %20s %25s %22s%n";
    private static final String[] QUARANTINE_HEADERS = {"model", "quarantined", "healthy quarantined",
        "completion-wait timeouts", "idle-ITag completions"};

    private SimReport() {
    }

    /** @return {@code n} with thousands separators, the same on every host. */
    static String count(final long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** @return a virtual-time latency as a person reads it: {@code 850 ns}, {@code 2.0 µs}, {@code 1.00 s}. */
    static String latency(final long ns) {
        if (ns < 1_000) {
            return ns + " ns";
        }
        if (ns < 1_000_000) {
            return String.format(Locale.ROOT, "%.1f µs", ns / 1e3);
        }
        if (ns < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.1f ms", ns / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f s", ns / 1e9);
    }

    /**
     * @param recovery the run's recovery policy
     * @param rs       the results
     * @return whether the quarantine table belongs in the report: under {@code --recovery quarantine}
     *         always (a 0 there is a finding), otherwise only when some model has a non-zero count
     */
    static boolean showQuarantine(final RecoveryPolicy recovery, final List<ModelResult> rs) {
        if (recovery == RecoveryPolicy.QUARANTINE) {
            return true;
        }
        for (final ModelResult r : rs) {
            if (r.quarantined() + r.healthyFunctionsQuarantined() + r.completionWaitTimeouts()
                + r.idleItagCompletions() != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Print the comparison tables (the quarantine table only if {@link #showQuarantine}), each line at
     * most {@link #WIDTH} columns.
     */
    static void table(final RecoveryPolicy recovery, final List<ModelResult> rs, final PrintWriter out) {
        out.printf(Locale.ROOT, OUTCOMES, (Object[]) OUTCOME_HEADERS);
        for (final ModelResult r : rs) {
            out.printf(Locale.ROOT, OUTCOMES, r.model().cliName(), count(r.resets()), count(r.failedResets()),
                count(r.blockedAtEnd()), count(r.corruptions()), count(r.livenessViolations()),
                count(r.useAfterFree()));
        }
        out.println();
        out.println("Invalidations (latency in virtual time, from issue to completion or timeout)");
        out.printf(Locale.ROOT, INVALIDATIONS, (Object[]) INVALIDATION_HEADERS);
        for (final ModelResult r : rs) {
            out.printf(Locale.ROOT, INVALIDATIONS, r.model().cliName(), count(r.invalidations()), count(r.timeouts()),
                latency(r.invalidationLatencyP50Ns()), latency(r.invalidationLatencyP99Ns()),
                latency(r.invalidationLatencyP999Ns()), latency(r.invalidationLatencyMaxNs()),
                count(Math.round(r.eventsPerWallSecond())));
        }
        if (showQuarantine(recovery, rs)) {
            out.println();
            out.println("Quarantine (healthy quarantined: its own invalidation did not time out, another in its batch did)");
            out.printf(Locale.ROOT, QUARANTINE, (Object[]) QUARANTINE_HEADERS);
            for (final ModelResult r : rs) {
                out.printf(Locale.ROOT, QUARANTINE, r.model().cliName(), count(r.quarantined()),
                    count(r.healthyFunctionsQuarantined()), count(r.completionWaitTimeouts()),
                    count(r.idleItagCompletions()));
            }
        }
    }

    /**
     * @param h a latency histogram
     * @return it in HdrHistogram's compressed encoding, base64; null for null
     */
    static String encode(final Histogram h) {
        if (h == null) {
            return null;
        }
        final ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        final int n = h.encodeIntoCompressedByteBuffer(buf, Deflater.BEST_COMPRESSION);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(buf.array(), n));
    }

    /**
     * @param base64 what {@link #encode} wrote
     * @return the histogram
     * @throws java.util.zip.DataFormatException if it is not a compressed HdrHistogram
     */
    static Histogram decode(final String base64) throws java.util.zip.DataFormatException {
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
    }

    /** The report.json tree. */
    static ObjectNode json(final SimConfig c, final List<ModelResult> rs, final double wallSeconds) {
        final ObjectMapper om = new ObjectMapper();
        final ObjectNode root = om.createObjectNode();
        root.put("schemaVersion", SCHEMA_VERSION);
        root.put("generator", ProjectVersion.generator());
        root.put("seed", c.seed());
        final ObjectNode s = root.putObject("settings");
        s.put("functions", c.functions());
        s.put("iommus", c.iommus());
        s.put("duration", Durations.format(c.durationNs()));
        s.put("faultRate", c.faultRate());
        s.put("resetFailRate", c.resetFailRate());
        s.put("lateRate", c.lateRate());
        s.put("ignoreInResetRate", c.ignoreInResetRate());
        s.put("cyclePeriod", Durations.format(c.cyclePeriodNs()));
        s.put("writesPerCycle", c.writesPerCycle());
        s.put("recovery", c.recovery().cliName());
        s.put("flavour", c.flavour().cliName());
        s.put("operatorResetDelay", Durations.format(c.operatorResetDelayNs()));
        s.put("completionCountRate", c.completionCountRate());
        s.put("completionCount", c.completionCount());
        s.put("threads", c.threads());
        s.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        s.put("cpus", Runtime.getRuntime().availableProcessors());
        root.put("wallSeconds", wallSeconds);
        final ObjectNode models = root.putObject("models");
        for (final ModelResult r : rs) {
            final ObjectNode m = models.putObject(r.model().cliName());
            m.put("resets", r.resets());
            m.put("failedResets", r.failedResets());
            m.put("blockedAtEnd", r.blockedAtEnd());
            m.put("corruptions", r.corruptions());
            m.put("staleReads", r.staleReads());
            m.put("livenessViolations", r.livenessViolations());
            m.put("useAfterFree", r.useAfterFree());
            m.put("invalidations", r.invalidations());
            m.put("timeouts", r.timeouts());
            m.put("invalidationLatencyP50Ns", r.invalidationLatencyP50Ns());
            m.put("invalidationLatencyP99Ns", r.invalidationLatencyP99Ns());
            m.put("invalidationLatencyP999Ns", r.invalidationLatencyP999Ns());
            m.put("invalidationLatencyMaxNs", r.invalidationLatencyMaxNs());
            m.put("invalidationLatencyHistogram", encode(r.latency()));
            m.put("quarantined", r.quarantined());
            m.put("healthyFunctionsQuarantined", r.healthyFunctionsQuarantined());
            m.put("completionWaitTimeouts", r.completionWaitTimeouts());
            m.put("idleItagCompletions", r.idleItagCompletions());
            m.put("eventsPerWallSecond", r.eventsPerWallSecond());
        }
        return root;
    }

    /**
     * Write {@code report.json} and {@code index.html} into {@code dir}: everything goes to a
     * temporary sibling first, which then replaces {@code dir} ({@link ReportDir#commit}).
     *
     * <p>The caller must have checked {@code dir} with {@link ReportDir#check} before the run; it is
     * checked again here, since the run may have taken minutes.
     */
    static void write(final Path dir, final SimConfig c, final List<ModelResult> rs, final double wallSeconds)
        throws IOException {
        write(dir, c, rs, wallSeconds, null);
    }

    /** {@link #write(Path, SimConfig, List, double)}, with the replications' section if {@code reps} is not null. */
    static void write(final Path dir, final SimConfig c, final List<ModelResult> rs, final double wallSeconds,
                      final io.resetguard.sim.Replications reps) throws IOException {
        final Path target;
        try {
            target = ReportDir.check("report directory", dir.toString());
        } catch (final IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        Files.createDirectories(target.getParent());
        final Path tmp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".tmp");
        try {
            final ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            final ObjectNode root = json(c, rs, wallSeconds);
            if (reps != null) {
                SimReplications.json(reps, root);
            }
            om.writeValue(tmp.resolve("report.json").toFile(), root);
            Files.writeString(tmp.resolve("index.html"), html(c, rs, wallSeconds), StandardCharsets.UTF_8);
            ReportDir.commit(tmp, target);
        } finally {
            if (Files.exists(tmp)) {
                ReportDir.deleteTree(tmp);
            }
        }
    }

    static String html(final SimConfig c, final List<ModelResult> rs, final double wallSeconds) {
        final StringBuilder h = new StringBuilder();
        h.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ResetGuard fleet simulation</title>")
            .append("<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:1em 0}")
            .append("td,th{border:1px solid #999;padding:4px 8px;text-align:right}th{background:#eee}")
            .append("td:first-child,th:first-child{text-align:left}figure{margin:1.5em 0}</style></head><body>");
        h.append("<h1>ResetGuard fleet simulation</h1><p>")
            .append(esc(String.format(Locale.ROOT, "%,d functions on %d IOMMUs, %s of virtual time, seed %d, fault rate "
                + "%.4f, reset failure rate %.2f, late rate %.4f, ignore-in-reset rate %.4f, recovery %s (operator reset "
                + "delay %s), %s, Completion Count %d on a share %.4f of the devices; "
                + "%.1f s of wall time on %d CPUs, %s %s; %s.",
                c.functions(), c.iommus(), Durations.format(c.durationNs()), c.seed(), c.faultRate(),
                c.resetFailRate(), c.lateRate(), c.ignoreInResetRate(), c.recovery().cliName(),
                Durations.format(c.operatorResetDelayNs()), c.flavour().cliName(), c.completionCount(),
                c.completionCountRate(), wallSeconds,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"), ProjectVersion.generator()))).append("</p>");
        h.append("<h2>What each model did</h2><table><caption>Counts over the whole fleet and run</caption><tr>");
        for (final String col : OUTCOME_HEADERS) {
            h.append("<th scope=\"col\">").append(esc(col)).append("</th>");
        }
        h.append("</tr>");
        for (final ModelResult r : rs) {
            row(h, r.model().cliName(), count(r.resets()), count(r.failedResets()), count(r.blockedAtEnd()),
                count(r.corruptions()), count(r.livenessViolations()), count(r.useAfterFree()));
        }
        h.append("</table><h2>Invalidations</h2><table><caption>Latency in virtual time, from issue to completion or "
            + "timeout</caption><tr>");
        for (final String col : INVALIDATION_HEADERS) {
            h.append("<th scope=\"col\">").append(esc(col)).append("</th>");
        }
        h.append("</tr>");
        for (final ModelResult r : rs) {
            row(h, r.model().cliName(), count(r.invalidations()), count(r.timeouts()),
                latency(r.invalidationLatencyP50Ns()), latency(r.invalidationLatencyP99Ns()),
                latency(r.invalidationLatencyP999Ns()), latency(r.invalidationLatencyMaxNs()),
                count(Math.round(r.eventsPerWallSecond())));
        }
        if (showQuarantine(c.recovery(), rs)) {
            h.append("</table><h2>Quarantine</h2><table><caption>Functions quarantined after an ATC invalidation timeout"
                + " (healthy: its own invalidation did not time out, another in its batch did), AMD completion waits given"
                + " up at 100 ms, and Invalidate Completions for an idle ITag</caption><tr>");
            for (final String col : QUARANTINE_HEADERS) {
                h.append("<th scope=\"col\">").append(esc(col)).append("</th>");
            }
            h.append("</tr>");
            for (final ModelResult r : rs) {
                row(h, r.model().cliName(), count(r.quarantined()), count(r.healthyFunctionsQuarantined()),
                    count(r.completionWaitTimeouts()), count(r.idleItagCompletions()));
            }
        }
        h.append("</table><p>Simulated events per second of wall time depend on the JIT and the machine's other load;"
            + " they are shown for the run's own record, not as a property of a model.</p>");
        h.append("<h2>Charts</h2>");
        h.append(chart("Memory corruptions by model", "memory corruptions (translated writes to freed pages)", rs,
            ModelResult::corruptions));
        h.append(chart("Functions blocked at the end by model", "functions still blocked at the end (count)", rs,
            ModelResult::blockedAtEnd));
        h.append(chart("Liveness violations by model", "liveness violations (count)", rs, ModelResult::livenessViolations));
        h.append(chart("Failed resets by model", "failed recovery resets (count)", rs, ModelResult::failedResets));
        h.append(chart("Invalidation timeouts by model", "ATC invalidations that timed out (count)", rs,
            ModelResult::timeouts));
        if (c.recovery() == RecoveryPolicy.QUARANTINE) {
            h.append(chart("Healthy functions quarantined by model", "healthy functions quarantined with a timed-out "
                + "batch (count)", rs, ModelResult::healthyFunctionsQuarantined));
        }
        h.append(latencyChart(rs));
        return h.append("</body></html>").toString();
    }

    private static void row(final StringBuilder h, final String model, final String... cells) {
        h.append("<tr><th scope=\"row\">").append(esc(model)).append("</th>");
        for (final String v : cells) {
            h.append("<td>").append(esc(v)).append("</td>");
        }
        h.append("</tr>");
    }

    /** One count per model as a horizontal bar chart (the shared {@link Svg} writer). */
    private static String chart(final String title, final String axis, final List<ModelResult> rs,
                                final ToLongFunction<ModelResult> f) {
        final List<Svg.Bar> bars = new ArrayList<>();
        for (final ModelResult r : rs) {
            bars.add(new Svg.Bar(r.model().cliName(), f.applyAsLong(r)));
        }
        return "<figure>" + Svg.barChart(title, axis, bars, List.of()) + "</figure>";
    }

    /** The invalidation latency percentiles of every model (log scale, virtual ns). */
    private static String latencyChart(final List<ModelResult> rs) {
        final List<Svg.Series> series = new ArrayList<>();
        for (final ModelResult r : rs) {
            series.add(new Svg.Series(r.model().cliName(), List.of(
                new double[] {1, r.invalidationLatencyP50Ns()}, new double[] {2, r.invalidationLatencyP99Ns()},
                new double[] {3, r.invalidationLatencyP999Ns()}, new double[] {4, r.invalidationLatencyMaxNs()})));
        }
        return "<figure>" + Svg.lineChart("Invalidation latency percentiles by model (virtual time)", "percentile",
            "latency, ns of virtual time (log)", series, false, true, List.of("p50", "p99", "p99.9", "max")) + "</figure>";
    }

    private static String esc(final String s) {
        return Svg.esc(s);
    }
}
