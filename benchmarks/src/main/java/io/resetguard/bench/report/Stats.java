package io.resetguard.bench.report;

import io.resetguard.report.Svg;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** Stats - small numeric helpers of the report. */
final class Stats {
    private Stats() {
    }

    /**
     * The nearest-rank percentile of a histogram: the smallest value whose cumulative count reaches
     * {@code ceil(p / 100 * total)} (p = 0 gives the minimum).
     *
     * @param pairs {@code [value, count]} pairs, in any order
     * @param p     0..100
     * @return the value, or NaN for an empty histogram
     */
    static double percentile(final List<double[]> pairs, final double p) {
        final List<double[]> sorted = new ArrayList<>(pairs);
        sorted.sort(Comparator.comparingDouble(a -> a[0]));
        double total = 0;
        for (final double[] a : sorted) {
            total += a[1];
        }
        if (total <= 0) {
            return Double.NaN;
        }
        final double rank = Math.max(1, Math.ceil(p / 100.0 * total));
        double seen = 0;
        for (final double[] a : sorted) {
            seen += a[1];
            if (seen >= rank) {
                return a[0];
            }
        }
        return sorted.get(sorted.size() - 1)[0];
    }

    /** @return the mean of the non-NaN values, or NaN. */
    static double mean(final List<Double> values) {
        double s = 0;
        int n = 0;
        for (final double v : values) {
            if (!Double.isNaN(v)) {
                s += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }

    /** @return the smallest non-NaN value, or NaN. */
    static double min(final List<Double> values) {
        double m = Double.NaN;
        for (final double v : values) {
            if (!Double.isNaN(v) && (Double.isNaN(m) || v < m)) {
                m = v;
            }
        }
        return m;
    }

    /** @return the largest non-NaN value, or NaN. */
    static double max(final List<Double> values) {
        double m = Double.NaN;
        for (final double v : values) {
            if (!Double.isNaN(v) && (Double.isNaN(m) || v > m)) {
                m = v;
            }
        }
        return m;
    }

    /**
     * Format a number with 3 significant digits (no exponent below 10^9): 0.123, 1.23, 12.3, 123,
     * 1234, 12345.
     */
    static String fmt(final double v) {
        return Svg.fmt(v);
    }

    /** @return the ratio formatted as {@code 2.35x}. */
    static String ratio(final double r) {
        return Double.isNaN(r) ? "n/a" : String.format(Locale.ROOT, "%.2fx", r);
    }
}
