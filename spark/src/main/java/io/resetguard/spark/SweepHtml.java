package io.resetguard.spark;

import com.fasterxml.jackson.databind.JsonNode;
import io.resetguard.cli.SweepSupport;
import io.resetguard.model.ProtocolModel;
import io.resetguard.sim.ModelResult;
import io.resetguard.sim.SimConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * SweepHtml - the sweep's {@code index.html}: line charts of the counts that tell the models apart
 * (corruptions, liveness violations, functions blocked at the end, failed resets, invalidation
 * timeouts) against each swept setting, one line per model, with labelled axes and units, and a table
 * of every run. Inline SVG, no script, no network.
 *
 * <p>With a grid, each chart puts one grid field's values on the x axis (in the grid's order, evenly
 * spaced) and the mean over the runs that share that value (all seeds, all other grid values) on the
 * y axis. Without a grid the x axis is the runs (seeds or replications).
 */
final class SweepHtml {
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f"};

    /** A chart's metric: its name in report.json, its title, and its reader. */
    private record Metric(String field, String title, ToLongFunction<ModelResult> f) {
    }

    private static final Metric[] METRICS = {
        new Metric("corruptions", "Memory corruptions", ModelResult::corruptions),
        new Metric("livenessViolations", "Liveness violations", ModelResult::livenessViolations),
        new Metric("blockedAtEnd", "Functions blocked at the end", ModelResult::blockedAtEnd),
        new Metric("failedResets", "Failed resets", ModelResult::failedResets),
        new Metric("timeouts", "Invalidation timeouts", ModelResult::timeouts),
    };

    private SweepHtml() {
    }

    /** @return the page. */
    static String page(final List<SweepRun.Result> results, final Grid grid, final String master,
                       final double wallSeconds) {
        final StringBuilder h = new StringBuilder();
        h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>ResetGuard sweep</title>")
            .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}")
            .append("td,th{border:1px solid #999;padding:3px 6px;text-align:right}th{background:#eee}")
            .append(".chart{display:inline-block;margin:0.5em}</style></head><body>");
        h.append("<h1>ResetGuard sweep</h1><p>").append(esc(String.format(Locale.ROOT,
            "%d run(s) on Spark master %s, %.1f s of wall time (Spark's start-up included).", results.size(),
            master, wallSeconds)));
        if (!results.isEmpty()) {
            final SimConfig c = results.get(0).run().config();
            h.append(' ').append(esc(String.format(Locale.ROOT, "First run: %,d functions on %d IOMMUs, %s of "
                    + "virtual time, fault rate %s, reset failure rate %s, recovery %s, %s.", c.functions(), c.iommus(),
                SweepSupport.duration(c.durationNs()), c.faultRate(), c.resetFailRate(), c.recovery().cliName(),
                c.flavour().cliName())));
        }
        h.append("</p>");
        if (grid.fields().isEmpty()) {
            final List<String> xs = new ArrayList<>();
            for (final SweepRun.Result r : results) {
                xs.add(runLabel(r.run()));
            }
            h.append("<h2>Per run</h2>");
            for (final Metric m : METRICS) {
                final Map<ProtocolModel, double[]> ys = new LinkedHashMap<>();
                for (int i = 0; i < results.size(); i++) {
                    for (final ModelResult r : results.get(i).results()) {
                        ys.computeIfAbsent(r.model(), k -> new double[results.size()])[i] = m.f().applyAsLong(r);
                    }
                }
                h.append(chart(m.title(), "run", xs, m.title().toLowerCase(Locale.ROOT) + " per run (count)", ys));
            }
        } else {
            for (final String field : grid.fields()) {
                final List<String> xs = new ArrayList<>();
                for (final JsonNode v : grid.values().get(field)) {
                    xs.add(v.isTextual() ? v.asText() : v.toString());
                }
                h.append("<h2>Against ").append(esc(field)).append("</h2>");
                for (final Metric m : METRICS) {
                    final Map<ProtocolModel, double[]> sums = new LinkedHashMap<>();
                    final int[] n = new int[xs.size()];
                    for (final SweepRun.Result r : results) {
                        final JsonNode v = r.run().point().get(field);
                        final int x = indexOf(grid.values().get(field), v);
                        n[x]++;
                        for (final ModelResult mr : r.results()) {
                            sums.computeIfAbsent(mr.model(), k -> new double[xs.size()])[x] += m.f().applyAsLong(mr);
                        }
                    }
                    for (final double[] s : sums.values()) {
                        for (int i = 0; i < s.length; i++) {
                            s[i] = n[i] == 0 ? 0 : s[i] / n[i];
                        }
                    }
                    h.append(chart(m.title(), field + " (" + unit(field) + ")", xs,
                        "mean " + m.title().toLowerCase(Locale.ROOT) + " per run (count)", sums));
                }
            }
        }
        h.append("<h2>Every run</h2>").append(table(results));
        return h.append("</body></html>").toString();
    }

    private static int indexOf(final List<JsonNode> vs, final JsonNode v) {
        for (int i = 0; i < vs.size(); i++) {
            if (vs.get(i).equals(v)) {
                return i;
            }
        }
        throw new IllegalStateException("a run's grid value is not in the grid: " + v);
    }

    private static String runLabel(final SweepRun r) {
        return r.replication() == 0 ? "seed " + r.config().seed() : "rep " + r.replication();
    }

    /** @return the unit of a grid field's values, for the x axis' label. */
    static String unit(final String field) {
        switch (field) {
            case "functions":
                return "ATS functions";
            case "iommus":
                return "IOMMU instances";
            case "duration":
                return "virtual time";
            case "cyclePeriod":
                return "mean virtual time between cycles";
            case "operatorResetDelay":
                return "virtual time";
            case "writesPerCycle":
                return "translated writes per cycle";
            case "completionCount":
                return "completion messages per invalidation";
            case "recovery":
                return "policy";
            case "flavour":
                return "IOMMU flavour";
            default:
                return field.endsWith("Rate") ? "probability" : "value";
        }
    }

    /**
     * A line chart: x categories evenly spaced, y from 0 to a round maximum with ticks, one line per
     * model with a legend.
     */
    static String chart(final String title, final String xLabel, final List<String> xs, final String yLabel,
                        final Map<ProtocolModel, double[]> ys) {
        final int w = 560;
        final int ht = 300;
        final int left = 70;
        final int right = 130;
        final int top = 20;
        final int bottom = 60;
        final int pw = w - left - right;
        final int ph = ht - top - bottom;
        double max = 0;
        for (final double[] y : ys.values()) {
            for (final double v : y) {
                max = Math.max(max, v);
            }
        }
        final double step = niceStep(max / 4);
        final double yMax = Math.max(step, Math.ceil(max / step) * step);
        final StringBuilder s = new StringBuilder("<div class=\"chart\"><h3>").append(esc(title)).append("</h3>");
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(ht)
            .append("\" role=\"img\" aria-label=\"").append(esc(title + " against " + xLabel)).append("\">");
        // axes
        s.append(line(left, top, left, top + ph)).append(line(left, top + ph, left + pw, top + ph));
        for (double t = 0; t <= yMax + step / 2; t += step) {
            final double y = top + ph - ph * t / yMax;
            s.append(line(left - 4, y, left, y));
            s.append(text(left - 6, y + 4, "end", fmt(t)));
        }
        final int n = xs.size();
        final double[] xPos = new double[n];
        for (int i = 0; i < n; i++) {
            xPos[i] = left + (n == 1 ? pw / 2.0 : pw * (0.05 + 0.9 * i / (n - 1)));
            s.append(line(xPos[i], top + ph, xPos[i], top + ph + 4));
            s.append(text(xPos[i], top + ph + 16, "middle", xs.get(i)));
        }
        s.append(text(left + pw / 2.0, ht - 18, "middle", xLabel));
        s.append("<text x=\"14\" y=\"").append(top + ph / 2).append("\" font-size=\"11\" text-anchor=\"middle\" ")
            .append("transform=\"rotate(-90 14 ").append(top + ph / 2).append(")\">").append(esc(yLabel))
            .append("</text>");
        int k = 0;
        for (final Map.Entry<ProtocolModel, double[]> e : ys.entrySet()) {
            final String col = COLOURS[k % COLOURS.length];
            final StringBuilder pts = new StringBuilder();
            for (int i = 0; i < n; i++) {
                final double y = top + ph - ph * e.getValue()[i] / yMax;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", xPos[i], y));
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\">"
                    + "<title>%s: %s</title></circle>", xPos[i], y, col, esc(e.getKey().cliName()),
                    esc(fmt(e.getValue()[i]))));
            }
            s.append("<polyline fill=\"none\" stroke=\"").append(col).append("\" stroke-width=\"1.5\" points=\"")
                .append(pts.toString().trim()).append("\"/>");
            final int ly = top + 12 + 16 * k;
            s.append(line(left + pw + 10, ly - 4, left + pw + 28, ly - 4).replace("#333", col));
            s.append(text(left + pw + 32, ly, "start", e.getKey().cliName()));
            k++;
        }
        return s.append("</svg></div>").toString();
    }

    /** @return 1, 2 or 5 times a power of ten, at least {@code raw} (1 for 0). */
    static double niceStep(final double raw) {
        if (!(raw > 0)) {
            return 1;
        }
        final double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (final double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= raw) {
                return Math.max(m * p, 1e-12);
            }
        }
        return 10 * p;
    }

    private static String table(final List<SweepRun.Result> results) {
        final StringBuilder t = new StringBuilder("<table><tr><th>run</th><th>seed</th><th>replication</th>"
            + "<th>grid</th><th>model</th>");
        final LinkedHashSet<String> cols = new LinkedHashSet<>(List.of("resets", "failedResets", "blockedAtEnd",
            "corruptions", "livenessViolations", "useAfterFree", "invalidations", "timeouts"));
        for (final String c : cols) {
            t.append("<th>").append(c).append("</th>");
        }
        t.append("</tr>");
        for (final SweepRun.Result res : results) {
            for (final ModelResult r : res.results()) {
                t.append("<tr><td>").append(res.run().index()).append("</td><td>").append(res.run().config().seed())
                    .append("</td><td>").append(res.run().replication()).append("</td><td>")
                    .append(esc(res.run().point().toString())).append("</td><td>").append(esc(r.model().cliName()))
                    .append("</td>");
                for (final long v : new long[] {r.resets(), r.failedResets(), r.blockedAtEnd(), r.corruptions(),
                    r.livenessViolations(), r.useAfterFree(), r.invalidations(), r.timeouts()}) {
                    t.append("<td>").append(String.format(Locale.ROOT, "%,d", v)).append("</td>");
                }
                t.append("</tr>");
            }
        }
        return t.append("</table>").toString();
    }

    private static String fmt(final double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%,.2f", v);
    }

    private static String line(final double x1, final double y1, final double x2, final double y2) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>",
            x1, y1, x2, y2);
    }

    private static String text(final double x, final double y, final String anchor, final String s) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"%s\">%s</text>",
            x, y, anchor, esc(s));
    }

    private static String esc(final String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
