package io.resetguard.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Svg - the charts of every ResetGuard report (the benchmark report and the simulation report), drawn
 * as standalone SVG text (no script, no external resource): a line chart with linear or logarithmic
 * axes, and a horizontal bar chart with reference lines.
 *
 * <p>Every chart is an accessible image: the root element carries {@code role="img"} and an
 * {@code aria-labelledby} that points at its {@code <title>} (the chart's title) and its
 * {@code <desc>} (the plotted values as text, for a screen reader or a text browser), and it always
 * has a visible title and a labelled value axis. The caller must put the unit in the axis labels
 * (e.g. {@code "corruptions (count)"}, {@code "ns (log)"}); the chart does not guess one.
 */
public final class Svg {
    private static final String[] PALETTE = {
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};
    private static final int W = 760;
    private static final int LEFT = 78;
    private static final int RIGHT = 230;
    private static final int TOP = 40;
    private static final int BOTTOM = 52;

    private Svg() {
    }

    /** One line of a line chart: its name and its (x, y) points. */
    public record Series(String name, List<double[]> points) {
    }

    /** One bar: its label and value. */
    public record Bar(String label, double value) {
    }

    /** A vertical reference line of a bar chart. */
    public record RefLine(double value, String label) {
    }

    public static String esc(final String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** @return a tick label: integers with thousands separators, other values without trailing zeros. */
    public static String tick(final double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        String s = String.format(Locale.ROOT, "%.3f", v);
        while (s.endsWith("0")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    /**
     * A value as a person reads it: thousands separators from 1,000 on, three significant digits
     * below, {@code n/a} for NaN; always {@link Locale#ROOT}, so a report reads the same on every host.
     *
     * @param v the value
     * @return its text
     */
    public static String fmt(final double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        final double a = Math.abs(v);
        if (a == 0) {
            return "0";
        }
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        if (a >= 0.01) {
            return String.format(Locale.ROOT, "%.3f", v);
        }
        return String.format(Locale.ROOT, "%.2e", v);
    }

    /** @return a plotted value: a whole number as a count ({@code 1,829}), others by {@link #fmt}. */
    private static String value(final double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? tick(v) : fmt(v);
    }

    private static String num(final double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** A scale from data to pixels, linear or base-10 logarithmic. */
    private static final class Scale {
        final double lo;
        final double hi;
        final boolean log;
        final double p0;
        final double p1;

        Scale(final double lo, final double hi, final boolean log, final double p0, final double p1) {
            this.lo = lo;
            this.hi = hi;
            this.log = log;
            this.p0 = p0;
            this.p1 = p1;
        }

        double at(final double v) {
            final double a = log ? Math.log10(lo) : lo;
            final double b = log ? Math.log10(hi) : hi;
            final double x = log ? Math.log10(v) : v;
            return b == a ? (p0 + p1) / 2 : p0 + (x - a) / (b - a) * (p1 - p0);
        }
    }

    /** @return tick values: powers of ten (log) or 1/2/5 steps (linear), within [lo, hi]. */
    private static List<Double> ticks(final double lo, final double hi, final boolean log) {
        final List<Double> t = new ArrayList<>();
        if (log) {
            for (double d = Math.pow(10, Math.floor(Math.log10(lo))); d <= hi * 1.0001; d *= 10) {
                for (final double m : new double[] {1, 2, 5}) {
                    final double v = d * m;
                    if (v >= lo * 0.9999 && v <= hi * 1.0001) {
                        t.add(v);
                    }
                }
            }
            if (t.size() > 9) {
                t.removeIf(v -> Math.abs(Math.log10(v) - Math.rint(Math.log10(v))) > 1e-9);
            }
            return t;
        }
        final double span = hi - lo;
        final double raw = span / 6;
        final double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = mag;
        for (final double m : new double[] {1, 2, 5, 10}) {
            if (mag * m >= raw) {
                step = mag * m;
                break;
            }
        }
        for (double v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
            t.add(Math.abs(v) < step * 1e-9 ? 0 : v);
        }
        return t;
    }

    /**
     * A line chart.
     *
     * @param title       the title
     * @param xLabel      x axis label
     * @param yLabel      y axis label
     * @param series      the lines
     * @param xLog        logarithmic x
     * @param yLog        logarithmic y
     * @param xTickLabels labels for x ticks at the x values of the points (null: numeric ticks)
     * @return the SVG document
     */
    public static String lineChart(final String title, final String xLabel, final String yLabel, final List<Series> series,
                            final boolean xLog, final boolean yLog, final List<String> xTickLabels) {
        return lineChart(title, xLabel, yLabel, series, xLog, yLog, xTickLabels, List.of());
    }

    /**
     * A line chart with horizontal reference lines (e.g. a target).
     *
     * @param refLines horizontal lines at these y values, labelled
     * @return the SVG document
     */
    public static String lineChart(final String title, final String xLabel, final String yLabel, final List<Series> series,
                            final boolean xLog, final boolean yLog, final List<String> xTickLabels,
                            final List<RefLine> refLines) {
        double xlo = Double.MAX_VALUE;
        double xhi = -Double.MAX_VALUE;
        double ylo = Double.MAX_VALUE;
        double yhi = -Double.MAX_VALUE;
        final List<Double> xs = new ArrayList<>();
        for (final Series s : series) {
            for (final double[] p : s.points()) {
                if (Double.isNaN(p[1]) || yLog && p[1] <= 0 || xLog && p[0] <= 0) {
                    continue;
                }
                xlo = Math.min(xlo, p[0]);
                xhi = Math.max(xhi, p[0]);
                ylo = Math.min(ylo, p[1]);
                yhi = Math.max(yhi, p[1]);
                if (!xs.contains(p[0])) {
                    xs.add(p[0]);
                }
            }
        }
        final int h = 380;
        final StringBuilder sb = header(title, lineDesc(xLabel, yLabel, series), h);
        if (xlo > xhi) {
            sb.append(text(W / 2.0, h / 2.0, "no data", "middle", 13));
            return sb.append("</svg>\n").toString();
        }
        for (final RefLine r : refLines) {
            if (!yLog || r.value() > 0) {
                ylo = Math.min(ylo, r.value());
                yhi = Math.max(yhi, r.value());
            }
        }
        if (yLog) {
            ylo = Math.pow(10, Math.floor(Math.log10(ylo)));
            yhi = Math.pow(10, Math.ceil(Math.log10(yhi)));
        } else {
            ylo = Math.min(0, ylo);
            yhi = yhi * 1.1;
        }
        if (xlo == xhi) {
            xlo = xLog ? xlo / 2 : xlo - 1;
            xhi = xLog ? xhi * 2 : xhi + 1;
        }
        final Scale sx = new Scale(xlo, xhi, xLog, LEFT + 10, W - RIGHT - 10);
        final Scale sy = new Scale(ylo, yhi, yLog, h - BOTTOM, TOP);
        axes(sb, h);
        for (final double v : ticks(ylo, yhi, yLog)) {
            final double y = sy.at(v);
            sb.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(num(y)).append("\" x2=\"")
                .append(W - RIGHT).append("\" y2=\"").append(num(y)).append("\" stroke=\"#e5e5e5\"/>\n");
            sb.append(text(LEFT - 6, y + 4, tick(v), "end", 11));
        }
        xs.sort(Double::compare);
        if (xTickLabels != null || xLog) {
            for (int i = 0; i < xs.size(); i++) {
                final double x = sx.at(xs.get(i));
                final String label = xTickLabels != null && i < xTickLabels.size() ? xTickLabels.get(i)
                    : tick(xs.get(i));
                sb.append(text(x, h - BOTTOM + 16, label, "middle", 11));
            }
        } else {
            for (final double v : ticks(xlo, xhi, false)) {
                sb.append(text(sx.at(v), h - BOTTOM + 16, tick(v), "middle", 11));
            }
        }
        sb.append(text((LEFT + W - RIGHT) / 2.0, h - 12, xLabel, "middle", 12));
        sb.append("<text x=\"16\" y=\"").append(num((TOP + h - BOTTOM) / 2.0))
            .append("\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 16 ")
            .append(num((TOP + h - BOTTOM) / 2.0)).append(")\">").append(esc(yLabel)).append("</text>\n");
        for (final RefLine r : refLines) {
            final double y = sy.at(r.value());
            sb.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(num(y)).append("\" x2=\"")
                .append(W - RIGHT).append("\" y2=\"").append(num(y))
                .append("\" stroke=\"#d62728\" stroke-dasharray=\"5,4\"/>\n");
            sb.append(text(W - RIGHT - 4, y - 5, r.label(), "end", 11));
        }
        int k = 0;
        for (final Series s : series) {
            final String color = PALETTE[k % PALETTE.length];
            final StringBuilder path = new StringBuilder();
            final List<double[]> pts = new ArrayList<>(s.points());
            pts.sort((a, b) -> Double.compare(a[0], b[0]));
            for (final double[] p : pts) {
                if (Double.isNaN(p[1]) || yLog && p[1] <= 0) {
                    continue;
                }
                path.append(path.length() == 0 ? "M" : " L").append(num(sx.at(p[0]))).append(' ')
                    .append(num(sy.at(p[1])));
            }
            sb.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"").append(color)
                .append("\" stroke-width=\"2\"/>\n");
            for (final double[] p : pts) {
                if (Double.isNaN(p[1]) || yLog && p[1] <= 0) {
                    continue;
                }
                sb.append("<circle cx=\"").append(num(sx.at(p[0]))).append("\" cy=\"").append(num(sy.at(p[1])))
                    .append("\" r=\"3.5\" fill=\"").append(color).append("\"><title>").append(esc(s.name()))
                    .append(": ").append(fmt(p[1])).append("</title></circle>\n");
            }
            legend(sb, k, s.name(), color);
            k++;
        }
        return sb.append("</svg>\n").toString();
    }

    /**
     * A horizontal bar chart.
     *
     * @param title    the title
     * @param xLabel   value axis label
     * @param bars     the bars, top to bottom
     * @param refLines vertical reference lines (e.g. 1x and the target)
     * @return the SVG document
     */
    public static String barChart(final String title, final String xLabel, final List<Bar> bars, final List<RefLine> refLines) {
        final int labelW = 300;
        final int rowH = 26;
        final int top = TOP + 18;
        final int h = top + Math.max(1, bars.size()) * rowH + BOTTOM;
        final StringBuilder sb = header(title, barDesc(xLabel, bars), h);
        double hi = 0;
        for (final Bar b : bars) {
            if (!Double.isNaN(b.value())) {
                hi = Math.max(hi, b.value());
            }
        }
        for (final RefLine r : refLines) {
            hi = Math.max(hi, r.value());
        }
        hi = hi <= 0 ? 1 : hi * 1.15;
        final double x0 = labelW;
        final double x1 = W - 40;
        final Scale sx = new Scale(0, hi, false, x0, x1);
        for (final double v : ticks(0, hi, false)) {
            final double x = sx.at(v);
            sb.append("<line x1=\"").append(num(x)).append("\" y1=\"").append(top).append("\" x2=\"").append(num(x))
                .append("\" y2=\"").append(h - BOTTOM).append("\" stroke=\"#e5e5e5\"/>\n");
            sb.append(text(x, h - BOTTOM + 16, tick(v), "middle", 11));
        }
        int i = 0;
        for (final Bar b : bars) {
            final double y = top + i * rowH;
            sb.append(text(x0 - 8, y + rowH / 2.0 + 4, b.label(), "end", 11));
            if (!Double.isNaN(b.value())) {
                final double w = Math.max(1, sx.at(b.value()) - x0);
                final String color = PALETTE[i % 2 == 0 ? 0 : 7];
                sb.append("<rect x=\"").append(num(x0)).append("\" y=\"").append(num(y + 4)).append("\" width=\"")
                    .append(num(w)).append("\" height=\"").append(rowH - 8).append("\" fill=\"").append(color)
                    .append("\"><title>").append(esc(b.label())).append(": ").append(value(b.value()))
                    .append("</title></rect>\n");
                sb.append(text(x0 + w + 4, y + rowH / 2.0 + 4, value(b.value()), "start", 11));
            }
            i++;
        }
        for (final RefLine r : refLines) {
            final double x = sx.at(r.value());
            sb.append("<line x1=\"").append(num(x)).append("\" y1=\"").append(top - 6).append("\" x2=\"")
                .append(num(x)).append("\" y2=\"").append(h - BOTTOM).append("\" stroke=\"#d62728\" stroke-dasharray=\"5,4\"/>\n");
            sb.append(text(x, top - 10, r.label(), "middle", 11));
        }
        sb.append("<line x1=\"").append(num(x0)).append("\" y1=\"").append(h - BOTTOM).append("\" x2=\"").append(num(x1))
            .append("\" y2=\"").append(h - BOTTOM).append("\" stroke=\"#333\"/>\n");
        sb.append(text((x0 + x1) / 2, h - 12, xLabel, "middle", 12));
        return sb.append("</svg>\n").toString();
    }

    /** @return the text alternative of a bar chart: its axis and every bar's value. */
    private static String barDesc(final String xLabel, final List<Bar> bars) {
        final StringBuilder d = new StringBuilder("Bar chart of ").append(xLabel).append(": ");
        for (int i = 0; i < bars.size(); i++) {
            d.append(i == 0 ? "" : "; ").append(bars.get(i).label()).append(' ').append(value(bars.get(i).value()));
        }
        return d.append('.').toString();
    }

    /** @return the text alternative of a line chart: its axes and every series' points. */
    private static String lineDesc(final String xLabel, final String yLabel, final List<Series> series) {
        final StringBuilder d = new StringBuilder("Line chart of ").append(yLabel).append(" against ").append(xLabel)
            .append(": ");
        for (int i = 0; i < series.size(); i++) {
            d.append(i == 0 ? "" : "; ").append(series.get(i).name());
            for (final double[] p : series.get(i).points()) {
                d.append(' ').append(value(p[0])).append('=').append(value(p[1]));
            }
        }
        return d.append('.').toString();
    }

    private static StringBuilder header(final String title, final String desc, final int h) {
        final StringBuilder sb = new StringBuilder();
        final String id = "chart-" + Integer.toHexString(title.hashCode());
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"").append(h)
            .append("\" viewBox=\"0 0 ").append(W).append(' ').append(h)
            .append("\" font-family=\"sans-serif\" role=\"img\" aria-labelledby=\"").append(id).append("-t ")
            .append(id).append("-d\">\n");
        sb.append("<title id=\"").append(id).append("-t\">").append(esc(title)).append("</title>\n");
        sb.append("<desc id=\"").append(id).append("-d\">").append(esc(desc)).append("</desc>\n");
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        sb.append(text(W / 2.0, 22, title, "middle", 14));
        return sb;
    }

    private static void axes(final StringBuilder sb, final int h) {
        sb.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(TOP).append("\" x2=\"").append(LEFT)
            .append("\" y2=\"").append(h - BOTTOM).append("\" stroke=\"#333\"/>\n");
        sb.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(h - BOTTOM).append("\" x2=\"")
            .append(W - RIGHT).append("\" y2=\"").append(h - BOTTOM).append("\" stroke=\"#333\"/>\n");
    }

    private static void legend(final StringBuilder sb, final int k, final String name, final String color) {
        final double x = W - RIGHT + 14;
        final double y = TOP + 8 + k * 18;
        sb.append("<rect x=\"").append(num(x)).append("\" y=\"").append(num(y - 9)).append("\" width=\"12\" height=\"12\" fill=\"")
            .append(color).append("\"/>\n");
        sb.append(text(x + 17, y + 1, name, "start", 11));
    }

    private static String text(final double x, final double y, final String s, final String anchor, final int size) {
        return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + size + "\" text-anchor=\"" + anchor
            + "\">" + esc(s) + "</text>\n";
    }
}
