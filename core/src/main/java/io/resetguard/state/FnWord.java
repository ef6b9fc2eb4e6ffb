package io.resetguard.state;

/**
 * FnWord - the layout of one function's (gdev slot's) {@code long} of reset state
 * (docs/state-core.md §2.2). Words live in a {@code long[]} with a stride of
 * {@link #STRIDE} longs, so two siblings never write one cache line.
 *
 * <pre>
 *   63 62 61               42 41  40  39  38 37          26 25                            0
 *  +--+--+-------------------+---+---+------+--------------+-------------------------------+
 *  |FZ|0 |  EPOCH stamp (20) |PAS|PRS|BLKD 2|  DEPTH (12)  |  RID domain code (26)         |
 *  +--+--+-------------------+---+---+------+--------------+-------------------------------+
 *   FZ     frozen by the installed multi-word descriptor: nobody but its helpers may change it
 *   EPOCH  the epoch of the group word this word belongs to; a reader that read the group word
 *          first trusts the pair only if the stamps are equal (no multi-word op committed between)
 *   PAS    the function has physical PASID attachments (their table is in the overflow object)
 *   PRS    the slot holds a gdev
 *   BLKD   gdev-&gt;blocked: 0 NONE, 1 RESETTING, 2 BROKEN ({@link GdevBlocked} ordinal)
 *   DEPTH  gdev-&gt;reset_depth
 *   RID    the domain the RID is physically attached to ({@link DomainTable} code, 0: none)
 * </pre>
 */
public final class FnWord {
    private FnWord() {
    }

    /** Longs between two function words (64 bytes). */
    public static final int STRIDE = 8;
    /** Mask of the RID code. */
    public static final long RID_MASK = (1L << DomainTable.ID_BITS) - 1;
    private static final int DEPTH_SHIFT = 26;
    /** Largest depth. */
    public static final int MAX_DEPTH = 0xFFF;
    private static final long DEPTH_MASK = (long) MAX_DEPTH << DEPTH_SHIFT;
    private static final int BLKD_SHIFT = 38;
    private static final long BLKD_MASK = 3L << BLKD_SHIFT;
    /** Slot in use. */
    public static final long PRS = 1L << 40;
    /** Physical PASIDs present. */
    public static final long PAS = 1L << 41;
    private static final int EPOCH_SHIFT = 42;
    /** Frozen. */
    public static final long FZ = 1L << 63;
    /** Never a valid word: a rule's answer "take the multi-word path". */
    public static final long SLOW = -1L;

    /** @return the RID domain code. */
    public static int rid(final long f) {
        return (int) (f & RID_MASK);
    }

    /** @return reset_depth. */
    public static int depth(final long f) {
        return (int) ((f & DEPTH_MASK) >>> DEPTH_SHIFT);
    }

    /** @return gdev-&gt;blocked as the ordinal of {@link GdevBlocked}. */
    public static int blocked(final long f) {
        return (int) ((f & BLKD_MASK) >>> BLKD_SHIFT);
    }

    /** @return the epoch stamp. */
    public static int epoch(final long f) {
        return (int) ((f >>> EPOCH_SHIFT) & GroupWord.EPOCH_MASK);
    }

    /** @return whether frozen. */
    public static boolean frozen(final long f) {
        return f < 0;
    }

    /** @return whether the slot holds a gdev. */
    public static boolean present(final long f) {
        return (f & PRS) != 0;
    }

    /** @return f with blocked, depth and RID replaced (stamp and flags kept). */
    public static long with(final long f, final int blocked, final int depth, final int rid) {
        return (f & ~(BLKD_MASK | DEPTH_MASK | RID_MASK)) | ((long) blocked << BLKD_SHIFT)
            | ((long) depth << DEPTH_SHIFT) | rid;
    }

    /** @return f with the epoch stamp replaced. */
    public static long withEpoch(final long f, final int epoch) {
        return (f & ~(GroupWord.EPOCH_MASK << EPOCH_SHIFT)) | (((long) epoch & GroupWord.EPOCH_MASK) << EPOCH_SHIFT);
    }

    /**
     * @return a present, unfrozen word
     * @throws IllegalStateException if the depth does not fit
     */
    public static long of(final int blocked, final int depth, final int rid, final boolean pasids, final int epoch) {
        if (depth < 0 || depth > MAX_DEPTH) {
            throw new IllegalStateException("reset_depth " + depth + " does not fit the word");
        }
        return withEpoch(with(PRS | (pasids ? PAS : 0), blocked, depth, rid), epoch);
    }

    /** @return the word of an empty slot. */
    public static long absent(final int epoch) {
        return withEpoch(0L, epoch);
    }

    /** @return a readable form. */
    public static String toString(final long f) {
        return "F{fz=" + frozen(f) + ", epoch=" + epoch(f) + ", present=" + present(f) + ", blocked=" + blocked(f)
            + ", depth=" + depth(f) + ", rid=" + rid(f) + ", pas=" + ((f & PAS) != 0) + '}';
    }
}
