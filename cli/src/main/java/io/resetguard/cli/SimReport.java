package io.resetguard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.resetguard.sim.ModelResult;
import io.resetguard.sim.SimConfig;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * SimReport - the comparison table on the console and the report directory: {@code report.json}
 * (the shape other tools read) and {@code index.html} (tables and inline SVG charts, no network).
 *
 * <p>The directory is written to a temporary sibling and moved into place at the end, so a failed
 * run never leaves a half-written report.
 */
final class SimReport {
    private static final String[] COLUMNS = {"model", "resets", "failedResets", "blockedAtEnd", "corruptions",
        "livenessViolations", "useAfterFree", "invalidations", "timeouts", "invLatP50ns", "invLatP99ns", "events/s"};

    private SimReport() {
    }

    /** Print the comparison table. */
    static void table(final List<ModelResult> rs, final PrintWriter out) {
        final String fmt = "%-15s %8s %12s %12s %11s %18s %12s %13s %9s %11s %11s %12s%n";
        out.printf(Locale.ROOT, fmt, (Object[]) COLUMNS);
        for (final ModelResult r : rs) {
            out.printf(Locale.ROOT, fmt, r.model().cliName(), r.resets(), r.failedResets(), r.blockedAtEnd(),
                r.corruptions(), r.livenessViolations(), r.useAfterFree(), r.invalidations(), r.timeouts(),
                r.invalidationLatencyP50Ns(), r.invalidationLatencyP99Ns(),
                String.format(Locale.ROOT, "%.0f", r.eventsPerWallSecond()));
        }
    }

    /** The report.json tree. */
    static ObjectNode json(final SimConfig c, final List<ModelResult> rs, final double wallSeconds) {
        final ObjectMapper om = new ObjectMapper();
        final ObjectNode root = om.createObjectNode();
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
        h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>ResetGuard simulation</title>")
            .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}")
            .append("td,th{border:1px solid #999;padding:4px 8px;text-align:right}th{background:#eee}")
            .append("td:first-child{text-align:left}.chart{display:inline-block;margin:1em}</style></head><body>");
        h.append("<h1>ResetGuard fleet simulation</h1><p>")
            .append(esc(String.format(Locale.ROOT, "%,d functions on %d IOMMUs, %s of virtual time, seed %d, fault rate "
                + "%.4f, reset failure rate %.2f, late rate %.4f, ignore-in-reset rate %.4f, recovery %s, %s; "
                + "%.1f s of wall time on %d CPUs, %s %s.",
                c.functions(), c.iommus(), Durations.format(c.durationNs()), c.seed(), c.faultRate(),
                c.resetFailRate(), c.lateRate(), c.ignoreInResetRate(), c.recovery().cliName(), c.flavour().cliName(), wallSeconds,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version")))).append("</p><table><tr>");
        for (final String col : COLUMNS) {
            h.append("<th>").append(esc(col)).append("</th>");
        }
        h.append("</tr>");
        for (final ModelResult r : rs) {
            h.append("<tr><td>").append(esc(r.model().cliName())).append("</td>");
            for (final Object v : new Object[] {r.resets(), r.failedResets(), r.blockedAtEnd(), r.corruptions(),
                r.livenessViolations(), r.useAfterFree(), r.invalidations(), r.timeouts(),
                r.invalidationLatencyP50Ns(), r.invalidationLatencyP99Ns(),
                String.format(Locale.ROOT, "%.0f", r.eventsPerWallSecond())}) {
                h.append("<td>").append(esc(String.valueOf(v))).append("</td>");
            }
            h.append("</tr>");
        }
        h.append("</table>");
        h.append(chart("Memory corruptions", rs, r -> r.corruptions()));
        h.append(chart("Functions blocked at the end", rs, r -> r.blockedAtEnd()));
        h.append(chart("Liveness violations", rs, r -> r.livenessViolations()));
        h.append(chart("Failed resets", rs, r -> r.failedResets()));
        h.append(chart("Invalidation timeouts", rs, r -> r.timeouts()));
        h.append(chart("Simulated events per wall second", rs, ModelResult::eventsPerWallSecond));
        return h.append("</body></html>").toString();
    }

    /** A horizontal bar chart as inline SVG. */
    private static String chart(final String title, final List<ModelResult> rs, final ToDoubleFunction<ModelResult> f) {
        final int rowH = 22;
        final int labelW = 120;
        final int barW = 320;
        final double max = Math.max(1e-9, rs.stream().mapToDouble(f).max().orElse(0));
        final StringBuilder s = new StringBuilder("<div class=\"chart\"><h3>").append(esc(title)).append("</h3>");
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(labelW + barW + 90).append("\" height=\"")
            .append(rs.size() * rowH + 4).append("\">");
        for (int i = 0; i < rs.size(); i++) {
            final double v = f.applyAsDouble(rs.get(i));
            final int y = i * rowH + 2;
            final int w = (int) Math.round(barW * v / max);
            s.append("<text x=\"0\" y=\"").append(y + 15).append("\" font-size=\"12\">")
                .append(esc(rs.get(i).model().cliName())).append("</text>");
            s.append("<rect x=\"").append(labelW).append("\" y=\"").append(y).append("\" width=\"").append(w)
                .append("\" height=\"").append(rowH - 6).append("\" fill=\"#4a7ab5\"/>");
            s.append("<text x=\"").append(labelW + w + 4).append("\" y=\"").append(y + 15)
                .append("\" font-size=\"12\">").append(esc(String.format(Locale.ROOT, "%,.0f", v))).append("</text>");
        }
        return s.append("</svg></div>").toString();
    }

    private static String esc(final String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
