package io.resetguard.inv;

/**
 * SeqWindow - the set of unresolved sequence numbers of an invalidation engine: numbers are added in
 * increasing order, removed in any order, and the smallest is asked for at every sync. A sliding
 * window of bits replaces a {@code TreeSet<Long>} (a boxed number and a tree node per invalidation).
 * <pre>
 *   bit (s &amp; 63) of words[(s &gt;&gt;&gt; 6) &amp; (words.length - 1)] is set  iff  s is unresolved
 *   every s &lt; base is resolved; every unresolved s is &lt; base + 64 * words.length
 * </pre>
 * The window grows (doubling) when an old number stays unresolved while many newer ones are added,
 * as happens while an invalidation waits for its timeout.
 *
 * <p>Thread confinement: the engine's drainer.
 */
final class SeqWindow {
    private long[] words = new long[8];
    /** A multiple of 64. */
    private long base;
    private int count;

    /** Add {@code s}, which is greater than every number added before. */
    void add(final long s) {
        if (count == 0) {
            base = s & ~63L;
        }
        while (s - base >= 64L * words.length) {
            grow();
        }
        words[index(s)] |= 1L << s;
        count++;
    }

    /** Remove {@code s} if present. */
    void remove(final long s) {
        if (s < base || s - base >= 64L * words.length) {
            return;
        }
        final int w = index(s);
        final long bit = 1L << s;
        if ((words[w] & bit) != 0) {
            words[w] &= ~bit;
            count--;
        }
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** @return the smallest unresolved number; the window must not be empty. */
    long first() {
        // NOTE: words below the first set bit hold only resolved numbers, so base may move past them
        long w;
        while ((w = words[index(base)]) == 0) {
            base += 64;
        }
        return base + Long.numberOfTrailingZeros(w);
    }

    private int index(final long s) {
        return (int) (s >>> 6) & (words.length - 1);
    }

    private void grow() {
        final long[] old = words;
        words = new long[old.length * 2];
        for (int k = 0; k < old.length; k++) {
            final long at = base + 64L * k;
            words[index(at)] = old[(int) (at >>> 6) & (old.length - 1)];
        }
    }
}
