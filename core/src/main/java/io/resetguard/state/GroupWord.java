package io.resetguard.state;

/**
 * GroupWord - the layout of a group's one {@code long} of reset state (docs/state-core.md §2.1).
 *
 * <pre>
 *   63 62      57 56                37 36        30 29  28  27  26 25                         0
 *  +--+---------+--------------------+------------+---+---+---+---+----------------------------+
 *  |OP| 0       |      EPOCH (20)    |RESETBY (7) |OWN|PRK|RST|BLK|   DOMAIN code (26)         |
 *  +--+---------+--------------------+------------+---+---+---+---+----------------------------+
 *   OP      a multi-word descriptor is installed (the cell's desc field); the other bits are the
 *           state BEFORE the operation until it commits
 *   EPOCH   bumped by every multi-word operation that completes (committed or failed); every
 *           function word carries the epoch of the group word it belongs to
 *   RESETBY 7.0/seed: slot + 1 of the function that set resetting_domain (0: none or removed;
 *           127: a slot above {@link #MAX_SLOT}, kept in the overflow)
 *   OWN     group-&gt;owner != NULL
 *   PRK     7.0/seed: the RESETBY function's RID is on the blocking domain whatever its own word
 *           says (set by the one-CAS prepare, folded into the function word by the next
 *           multi-word operation)
 *   RST     group-&gt;resetting_domain != NULL (7.0/seed)
 *   BLK     group-&gt;blocking_domain allocated
 *   DOMAIN  group-&gt;domain as a {@link DomainTable} code (0: NULL)
 * </pre>
 * recovery_cnt is not in the word: it is derived (blocked function words plus orphans, plus the
 * overflow's adjustment, which every rule keeps at 0), so a 7.1-family prepare/done never writes the
 * group's line.
 */
public final class GroupWord {
    private GroupWord() {
    }

    /** Mask of the domain code. */
    public static final long DOMAIN_MASK = (1L << DomainTable.ID_BITS) - 1;
    /** Blocking domain allocated. */
    public static final long BLK = 1L << 26;
    /** resetting_domain set. */
    public static final long RST = 1L << 27;
    /** The resetting function is parked by the group word. */
    public static final long PRK = 1L << 28;
    /** DMA owner claimed. */
    public static final long OWN = 1L << 29;
    private static final int RESETBY_SHIFT = 30;
    private static final long RESETBY_MASK = 0x7FL << RESETBY_SHIFT;
    /** Largest slot RESETBY can name; a larger one is in the overflow (RESETBY 127). */
    public static final int MAX_SLOT = 125;
    /** {@link #resettingSlot} of a group word whose resetting slot is kept in the overflow. */
    public static final int SLOT_IN_OVERFLOW = -2;
    /** First bit of the epoch. */
    public static final int EPOCH_SHIFT = 37;
    /** Epoch width. */
    public static final int EPOCH_BITS = 20;
    /** Epoch mask (unshifted). */
    public static final long EPOCH_MASK = (1L << EPOCH_BITS) - 1;
    /** Operation in progress. */
    public static final long OP = 1L << 63;

    /** @return the domain code. */
    public static int domain(final long g) {
        return (int) (g & DOMAIN_MASK);
    }

    /** @return g with the domain code replaced. */
    public static long withDomain(final long g, final int code) {
        return (g & ~DOMAIN_MASK) | code;
    }

    /** @return slot of the resetting function, or -1. */
    public static int resettingSlot(final long g) {
        final int code = (int) ((g & RESETBY_MASK) >>> RESETBY_SHIFT);
        return code == 127 ? SLOT_IN_OVERFLOW : code - 1;
    }

    /** @return g with the resetting slot replaced (-1: none). */
    public static long withResettingSlot(final long g, final int slot) {
        final long code = slot > MAX_SLOT ? 127 : slot + 1;
        return (g & ~RESETBY_MASK) | (code << RESETBY_SHIFT);
    }

    /** @return the epoch. */
    public static int epoch(final long g) {
        return (int) ((g >>> EPOCH_SHIFT) & EPOCH_MASK);
    }

    /** @return g with the epoch replaced (masked: wraps). */
    public static long withEpoch(final long g, final long epoch) {
        return (g & ~(EPOCH_MASK << EPOCH_SHIFT)) | ((epoch & EPOCH_MASK) << EPOCH_SHIFT);
    }

    /** @return the next epoch after {@code e}, wrapping. */
    public static int nextEpoch(final int e) {
        return (int) ((e + 1) & EPOCH_MASK);
    }

    /** @return {@code true} if a descriptor is installed. */
    public static boolean op(final long g) {
        return g < 0;
    }

    /** @return whether {@code bit} is set. */
    public static boolean has(final long g, final long bit) {
        return (g & bit) != 0;
    }

    /** @return a readable form, for messages and tests. */
    public static String toString(final long g) {
        return "G{op=" + op(g) + ", epoch=" + epoch(g) + ", domain=" + domain(g) + ", blk=" + has(g, BLK)
            + ", rst=" + has(g, RST) + ", prk=" + has(g, PRK) + ", own=" + has(g, OWN) + ", resetBy="
            + resettingSlot(g) + '}';
    }
}
