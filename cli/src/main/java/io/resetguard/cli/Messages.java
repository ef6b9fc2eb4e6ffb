package io.resetguard.cli;

/**
 * Messages - keeps every error line the command line prints to one readable line.
 *
 * <p>A value the user gave (a path, an option value, a JSON excerpt) may be megabytes long or hold
 * line breaks; {@link #clip} makes it one short line, so that no error line grows past about
 * {@link #MAX_LINE} characters.
 */
final class Messages {
    /** The longest error line, in characters, that {@link #line} lets through. */
    static final int MAX_LINE = 200;
    /** The longest quoted value, in characters, that {@link #clip} lets through. */
    static final int MAX_VALUE = 80;

    private Messages() {
    }

    /** @return {@code s} on one line (control characters as spaces), cut to {@link #MAX_VALUE} with an ellipsis. */
    static String clip(final String s) {
        return cut(s, MAX_VALUE);
    }

    /** @return {@code s} on one line, cut to {@link #MAX_LINE} with an ellipsis. */
    static String line(final String s) {
        return cut(s, MAX_LINE);
    }

    /** @return {@code s} on one line, cut to {@code max} characters with an ellipsis. */
    static String cut(final String s, final int max) {
        if (s == null) {
            return "null";
        }
        final int n = Math.min(s.length(), max + 1);
        final StringBuilder b = new StringBuilder(n + 1);
        for (int i = 0; i < n; i++) {
            final char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? ' ' : c);
        }
        if (s.length() > max) {
            b.setLength(max - 1);
            b.append('\u2026');
        }
        return b.toString();
    }
}
