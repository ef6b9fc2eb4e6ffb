package io.resetguard.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations - parses a duration such as {@code 7d}, {@code 1h}, {@code 1h30m}, {@code 90s},
 * {@code 250ms}, {@code 40us} into nanoseconds, and prints one back.
 *
 * <p>A duration is one or more {@code <digits><unit>} parts with units {@code d h m s ms us ns}, each
 * unit at most once and largest first ({@code 1h30m}, not {@code 30m1h}); the total must be positive
 * and fit a {@code long} of nanoseconds. Signs, fractions and spaces are refused. The error message
 * names the option or field and quotes the value as the user wrote it, never as nanoseconds.
 */
final class Durations {
    /** The units, largest first, with their length in nanoseconds. */
    private static final String[] UNITS = {"d", "h", "m", "s", "ms", "us", "ns"};
    private static final long[] NANOS = {86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L,
        1_000_000_000L, 1_000_000L, 1_000L, 1L};
    private static final Pattern WHOLE = Pattern.compile("(?:\\d+(?:d|h|ms|m|s|us|ns))+");
    private static final Pattern PART = Pattern.compile("(\\d+)(d|h|ms|m|s|us|ns)");

    private Durations() {
    }

    /**
     * Parse {@code text}.
     *
     * @param field the option or field name, for the message ({@code --duration}, {@code field 'duration'})
     * @param text  the value as given
     * @return nanoseconds, &gt; 0
     * @throws IllegalArgumentException one line naming {@code field} and quoting {@code text}
     */
    static long parse(final String field, final String text) {
        final String t = text == null ? "" : text;
        final String shown = field + " '" + Messages.clip(t) + "'";
        if (!WHOLE.matcher(t).matches()) {
            throw new IllegalArgumentException(shown + ": not a duration; write e.g. 7d, 1h30m, 90s or 250ms");
        }
        final Matcher m = PART.matcher(t);
        long total = 0;
        int last = -1;
        while (m.find()) {
            final int u = unit(m.group(2));
            if (u <= last) {
                throw new IllegalArgumentException(shown + ": give each unit once, largest first (e.g. 1h30m)");
            }
            last = u;
            try {
                total = Math.addExact(total, Math.multiplyExact(Long.parseLong(m.group(1)), NANOS[u]));
            } catch (final ArithmeticException | NumberFormatException e) {
                throw new IllegalArgumentException(shown + ": too long (more than 106,751 days)");
            }
        }
        if (total <= 0) {
            throw new IllegalArgumentException(shown + ": must be longer than zero");
        }
        return total;
    }

    private static int unit(final String u) {
        for (int i = 0; i < UNITS.length; i++) {
            if (UNITS[i].equals(u)) {
                return i;
            }
        }
        throw new AssertionError(u);
    }

    /** @return {@code ns} printed with the largest unit that states it exactly (no days: {@code 24h}). */
    static String format(final long ns) {
        for (int i = 1; i < UNITS.length; i++) {
            if (ns % NANOS[i] == 0) {
                return ns / NANOS[i] + UNITS[i];
            }
        }
        return ns + "ns";
    }
}
