package io.resetguard.state;

import io.resetguard.fabric.Domain;
import io.resetguard.fabric.PciFunction;

import java.util.IdentityHashMap;

/**
 * GroupOverflow - the part of a group's state that does not fit in words: which function holds which
 * slot and in what order the gdevs were added, the physical PASID tables, {@code pasid_array}, the
 * orphans, and the function-word array itself (docs/state-core.md §2.3).
 *
 * <p>Immutable. The cell's reference to it changes only when a multi-word operation commits (while
 * the group word has OP set), so a reader that read the group word without OP, then this object, then
 * a function word whose epoch stamp equals the group word's epoch, holds three values that were
 * current together (the proof is in docs/state-core.md §4).
 *
 * <pre>
 *  bySlot[slot]   the gdev's function, null for a free slot
 *  order[]        slots in gdev order (GroupState.device(i) is bySlot[order[i]])
 *  pasids[slot]   physical PASID table of the slot's function (EMPTY unless its word has PAS)
 *  pasidArray     group-&gt;pasid_array
 *  orphans[]      see GroupState.orphans()
 *  recoveryAdjust recovery_cnt minus its derived value; 0 under every rule (kept so that an
 *                 arbitrary snapshot round-trips exactly)
 *  words          long[capacity * FnWord.STRIDE]: the function words; replaced only on growth,
 *                 and the words of a replaced array stay frozen for ever
 * </pre>
 */
public final class GroupOverflow {
    final PciFunction[] bySlot;
    final int[] order;
    final PasidTable[] pasids;
    final PasidTable pasidArray;
    final PciFunction[] orphans;
    final int recoveryAdjust;
    final long[] words;
    /** The resetting slot when it is above GroupWord.MAX_SLOT, else -1. */
    final int bigResettingSlot;
    private final IdentityHashMap<PciFunction, Integer> index;

    GroupOverflow(final PciFunction[] bySlot, final int[] order, final PasidTable[] pasids,
                  final PasidTable pasidArray, final PciFunction[] orphans, final int recoveryAdjust,
                  final long[] words, final int bigResettingSlot) {
        this.bigResettingSlot = bigResettingSlot;
        this.bySlot = bySlot;
        this.order = order;
        this.pasids = pasids;
        this.pasidArray = pasidArray;
        this.orphans = orphans;
        this.recoveryAdjust = recoveryAdjust;
        this.words = words;
        if (bySlot.length > 8) {
            index = new IdentityHashMap<>();
            for (int i = 0; i < bySlot.length; i++) {
                if (bySlot[i] != null) {
                    index.put(bySlot[i], i);
                }
            }
        } else {
            index = null;
        }
    }

    /** @return the slot capacity. */
    public int capacity() {
        return bySlot.length;
    }

    /** @return the function words (stride {@link FnWord#STRIDE}). */
    public long[] words() {
        return words;
    }

    /** @return fn's slot, or -1. No allocation. */
    public int slotOf(final PciFunction fn) {
        if (index != null) {
            final Integer i = index.get(fn);
            return i == null ? -1 : i;
        }
        final PciFunction[] b = bySlot;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == fn) {
                return i;
            }
        }
        return -1;
    }

    /** @return the function in {@code slot}, or null. */
    public PciFunction fn(final int slot) {
        return slot < 0 || slot >= bySlot.length ? null : bySlot[slot];
    }

    /**
     * @param g a group word read with this overflow
     * @return the slot of the function that set resetting_domain, or -1
     */
    public int resettingSlot(final long g) {
        final int s = GroupWord.resettingSlot(g);
        return s == GroupWord.SLOT_IN_OVERFLOW ? bigResettingSlot : s;
    }

    /** @return whether pasid_array is empty. */
    public boolean pasidArrayEmpty() {
        return pasidArray.isEmpty();
    }

    /** @return whether there are orphans. */
    public boolean hasOrphans() {
        return orphans.length != 0;
    }

    /** @return recovery_cnt minus its derived value (0 under every rule). */
    public int recoveryAdjust() {
        return recoveryAdjust;
    }

    /** @return the physical PASIDs of {@code slot}. */
    public PasidTable pasids(final int slot) {
        return pasids[slot];
    }

    // ------------------------------------------------------------------------------------------------
    // codec

    /**
     * The overflow and words of a new group: no gdevs, capacity 1.
     *
     * @param epoch the initial epoch
     */
    public static GroupOverflow initial(final int epoch) {
        final long[] w = new long[FnWord.STRIDE];
        w[0] = FnWord.absent(epoch);
        return new GroupOverflow(new PciFunction[1], new int[0], new PasidTable[] {PasidTable.EMPTY},
            PasidTable.EMPTY, new PciFunction[0], 0, w, -1);
    }

    /**
     * Decode a snapshot from a group word, this overflow and function words read from it.
     *
     * @param g             the group word (OP ignored)
     * @param f             f[slot]: the function words read (FZ ignored)
     * @param domains       the fabric's domain table
     * @param blocking      the group's blocking domain
     * @param countsBlocked recovery_cnt counts blocked gdevs and orphans (7.1 family)
     * @return the snapshot (allocates)
     */
    public GroupState decode(final long g, final long[] f, final DomainTable domains, final Domain blocking,
                             final boolean countsBlocked) {
        final DeviceState[] devs = new DeviceState[order.length];
        int blocked = 0;
        final int resetSlot = resettingSlot(g);
        final boolean rst = GroupWord.has(g, GroupWord.RST);
        for (int i = 0; i < order.length; i++) {
            final int slot = order[i];
            final long w = f[slot];
            final int b = FnWord.blocked(w) & 3;
            final GdevBlocked kind = b == 0 ? GdevBlocked.NONE : b == 1 ? GdevBlocked.RESETTING : GdevBlocked.BROKEN;
            if (b != 0) {
                blocked++;
            }
            final Domain rid = rst && resetSlot == slot && GroupWord.has(g, GroupWord.PRK) ? blocking
                : domains.get(FnWord.rid(w));
            devs[i] = new DeviceState(bySlot[slot], kind, FnWord.depth(w), rid, pasids[slot]);
        }
        final int derived = countsBlocked ? blocked + orphans.length : 0;
        return GroupState.of(domains.get(GroupWord.domain(g)), GroupWord.has(g, GroupWord.BLK), rst,
            rst ? fn(resetSlot) : null, derived + recoveryAdjust, orphans, GroupWord.has(g, GroupWord.OWN),
            pasidArray, devs);
    }

    /** Output of {@link #encode}: the new group word, the new overflow, and the new words. */
    public static final class Encoded {
        /** The new group word (no OP). */
        public final long group;
        /** The new overflow. */
        public final GroupOverflow overflow;
        /** newWords[slot]: the new function words, over the new overflow's capacity. */
        public final long[] fnWords;

        Encoded(final long group, final GroupOverflow overflow, final long[] fnWords) {
            this.group = group;
            this.overflow = overflow;
            this.fnWords = fnWords;
        }
    }

    /**
     * Encode snapshot {@code s} as the successor of this overflow: functions keep their slots, new
     * ones take the lowest free slot, and the word array is replaced (a new, not yet published
     * array holding the new words) only if the capacity must grow.
     *
     * @param s             the snapshot
     * @param epoch         the epoch of the new words
     * @param domains       the fabric's domain table
     * @param countsBlocked as in {@link #decode}
     * @return the encoding (allocates)
     * @throws IllegalStateException if a slot, depth or domain id does not fit its field
     */
    public Encoded encode(final GroupState s, final int epoch, final DomainTable domains, final boolean countsBlocked) {
        final int n = s.deviceCount();
        int cap = bySlot.length;
        while (cap < n) {
            cap *= 2;
        }
        final PciFunction[] slots = new PciFunction[cap];
        final int[] ord = new int[n];
        final boolean[] keep = new boolean[cap];
        // functions that stay keep their slot
        for (int i = 0; i < n; i++) {
            final PciFunction fn = s.device(i).fn();
            final int old = slotOf(fn);
            ord[i] = old >= 0 && old < cap && !keep[old] ? old : -1;
            if (ord[i] >= 0) {
                keep[old] = true;
                slots[old] = fn;
            }
        }
        for (int i = 0; i < n; i++) {
            if (ord[i] < 0) {
                int free = 0;
                while (slots[free] != null) {
                    free++;
                }
                ord[i] = free;
                slots[free] = s.device(i).fn();
            }
        }
        final PasidTable[] pas = new PasidTable[cap];
        java.util.Arrays.fill(pas, PasidTable.EMPTY);
        final long[] fw = new long[cap];
        for (int slot = 0; slot < cap; slot++) {
            fw[slot] = FnWord.absent(epoch);
        }
        int blocked = 0;
        int resetSlot = -1;
        for (int i = 0; i < n; i++) {
            final DeviceState d = s.device(i);
            final int slot = ord[i];
            pas[slot] = d.pasids();
            fw[slot] = FnWord.of(d.blockedState().ordinal(), d.depth(), domains.codeChecked(d.rid()),
                !d.pasids().isEmpty(), epoch);
            if (d.blocked()) {
                blocked++;
            }
            if (s.resettingBy() == d.fn()) {
                resetSlot = slot;
            }
        }
        final PciFunction[] orph = s.orphans();
        final int derived = countsBlocked ? blocked + orph.length : 0;
        long g = GroupWord.withDomain(0L, domains.codeChecked(s.domain()));
        g |= s.blockingAllocated() ? GroupWord.BLK : 0;
        g |= s.resetting() ? GroupWord.RST : 0;
        g |= s.owned() ? GroupWord.OWN : 0;
        g = GroupWord.withResettingSlot(g, s.resetting() ? resetSlot : -1);
        g = GroupWord.withEpoch(g, epoch);
        final long[] arr;
        if (cap == bySlot.length) {
            arr = words;
        } else {
            arr = new long[cap * FnWord.STRIDE];
            for (int slot = 0; slot < cap; slot++) {
                arr[slot * FnWord.STRIDE] = fw[slot];
            }
        }
        return new Encoded(g, new GroupOverflow(slots, ord, pas, s.pasidArray(), orph,
            s.recoveryCnt() - derived, arr, resetSlot > GroupWord.MAX_SLOT ? resetSlot : -1), fw);
    }
}
