package io.resetguard.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations such as {@code 1h}, {@code 30m}, {@code 90s}, {@code 250ms} into nanoseconds. */
final class Durations {
    private static final Pattern P = Pattern.compile("(\\d+)(ms|s|m|h)");

    private Durations() {
    }

    /**
     * @param field the option or field name, for the message
     * @param text  the value
     * @return nanoseconds, &gt; 0
     * @throws IllegalArgumentException naming {@code field}
     */
    static long parse(final String field, final String text) {
        final Matcher m = P.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(field + " must look like 1h, 30m, 90s or 250ms, was '" + text + "'");
        }
        final long n = Long.parseLong(m.group(1));
        final long unit;
        switch (m.group(2)) {
            case "ms":
                unit = 1_000_000L;
                break;
            case "s":
                unit = 1_000_000_000L;
                break;
            case "m":
                unit = 60_000_000_000L;
                break;
            default:
                unit = 3_600_000_000_000L;
                break;
        }
        if (n <= 0 || n > Long.MAX_VALUE / unit) {
            throw new IllegalArgumentException(field + " must be positive and below 290 years, was '" + text + "'");
        }
        return n * unit;
    }

    /** @return {@code ns} printed with the largest exact unit. */
    static String format(final long ns) {
        if (ns % 3_600_000_000_000L == 0) {
            return ns / 3_600_000_000_000L + "h";
        }
        if (ns % 60_000_000_000L == 0) {
            return ns / 60_000_000_000L + "m";
        }
        if (ns % 1_000_000_000L == 0) {
            return ns / 1_000_000_000L + "s";
        }
        return ns / 1_000_000L + "ms";
    }
}
