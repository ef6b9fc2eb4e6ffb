package io.resetguard.cli;

import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * Numbers - strict parsing of the numbers a user gives on the command line or in a scenario file.
 *
 * <p>Java's own parsers accept forms no user means ({@code 0.5d}, {@code 0x1p-1}, {@code NaN},
 * {@code Infinity}) and round {@code 1e-400} silently to zero; these accept plain decimal notation
 * only and refuse a value that does not survive the conversion. Each throws an
 * IllegalArgumentException whose message is the problem alone; the caller prefixes the option or
 * field and the value.
 */
final class Numbers {
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?");

    private Numbers() {
    }

    /** @return {@code text} as an int: optional sign and decimal digits only. */
    static int parseInt(final String text) {
        final long v = parseLong(text);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("out of range (at most " + Integer.MAX_VALUE + ")");
        }
        return (int) v;
    }

    /** @return {@code text} as a long: optional sign and decimal digits only. */
    static long parseLong(final String text) {
        if (text == null || !INTEGER.matcher(text).matches()) {
            throw new IllegalArgumentException("not a whole number");
        }
        try {
            return Long.parseLong(text);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("out of range (at most " + Long.MAX_VALUE + ")");
        }
    }

    /**
     * @return {@code text} as a finite double: plain decimal notation with an optional exponent; a
     *         non-zero value that underflows to zero or overflows to infinity is refused
     */
    static double parseDouble(final String text) {
        if (text == null || !DECIMAL.matcher(text).matches()) {
            throw new IllegalArgumentException("not a decimal number");
        }
        final BigDecimal exact;
        try {
            exact = new BigDecimal(text);
        } catch (final NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("out of range");
        }
        final double d = exact.doubleValue();
        if (Double.isInfinite(d)) {
            throw new IllegalArgumentException("out of range (too large)");
        }
        if (d == 0 && exact.signum() != 0 || d != 0 && Math.abs(d) < Double.MIN_NORMAL) {
            throw new IllegalArgumentException("too small to represent (it would be rounded to 0)");
        }
        return d;
    }
}
