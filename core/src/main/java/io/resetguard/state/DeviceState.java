package io.resetguard.state;

import io.resetguard.fabric.Domain;
import io.resetguard.fabric.PciFunction;

import java.util.Objects;

/**
 * DeviceState - the immutable state of one {@code struct group_device} (gdev) inside a
 * {@link GroupState} snapshot.
 *
 * <pre>
 *  field     kernel                      meaning
 *  --------  --------------------------  --------------------------------------------------------
 *  fn        gdev-&gt;dev                   the PCI function
 *  blocked   gdev-&gt;blocked (M71, §1.1)   parked on the blocking domain for a reset or recovery; a
 *            (enum in quar-v6, §2.5a)    {@link GdevBlocked}: NONE, RESETTING or (quar-v6) BROKEN
 *  depth     gdev-&gt;reset_depth (§2.2)    prepare() nesting; only 0-&gt;1 blocks and 1-&gt;0 unblocks
 *  rid       (hardware)                  domain the RID is physically attached to (null: none)
 *  pasids    (hardware)                  physical PASID attachments of this device (PASID &gt;= 1)
 * </pre>
 *
 * <p>{@code rid} and {@code pasids} are the emulated IOMMU's hardware state (STE/context entry). They
 * live in the same snapshot as the bookkeeping so that "blocked means blocked" (invariant 3) is a
 * property of one atomic value. Under the M70 flag models {@code blocked} and {@code depth} stay
 * zero; the group's {@code resettingBy} says who is parked.
 */
public final class DeviceState {
    private final PciFunction fn;
    private final GdevBlocked blocked;
    private final int depth;
    private final Domain rid;
    private final PasidTable pasids;

    /**
     * @param fn      the function
     * @param blocked gdev->blocked
     * @param depth   gdev->reset_depth, &ge; 0
     * @param rid     physical RID attachment, may be null
     * @param pasids  physical PASID attachments, not null
     */
    public DeviceState(final PciFunction fn, final boolean blocked, final int depth, final Domain rid,
                       final PasidTable pasids) {
        this(fn, blocked ? GdevBlocked.RESETTING : GdevBlocked.NONE, depth, rid, pasids);
    }

    /**
     * @param fn      the function
     * @param blocked gdev->blocked as the enum of §2.5a
     * @param depth   gdev->reset_depth, &ge; 0
     * @param rid     physical RID attachment, may be null
     * @param pasids  physical PASID attachments, not null
     */
    public DeviceState(final PciFunction fn, final GdevBlocked blocked, final int depth, final Domain rid,
                       final PasidTable pasids) {
        this.fn = Objects.requireNonNull(fn, "fn");
        this.blocked = Objects.requireNonNull(blocked, "blocked");
        this.depth = depth;
        this.rid = rid;
        this.pasids = Objects.requireNonNull(pasids, "pasids");
    }

    /** @return a fresh gdev attached (physically) to {@code rid} with no PASIDs. */
    public static DeviceState attached(final PciFunction fn, final Domain rid) {
        return new DeviceState(fn, false, 0, rid, PasidTable.EMPTY);
    }

    /** @return the function. */
    public PciFunction fn() {
        return fn;
    }

    /** @return gdev->blocked: {@code true} for RESETTING and BROKEN. */
    public boolean blocked() {
        return blocked != GdevBlocked.NONE;
    }

    /** @return gdev->blocked as the enum of §2.5a (NONE or RESETTING under the bool models). */
    public GdevBlocked blockedState() {
        return blocked;
    }

    /** @return {@code true} if BROKEN: kept blocked after a failed reset (quar-v6). */
    public boolean broken() {
        return blocked == GdevBlocked.BROKEN;
    }

    /** @return gdev->reset_depth. */
    public int depth() {
        return depth;
    }

    /** @return the domain the RID is physically attached to, or null. */
    public Domain rid() {
        return rid;
    }

    /** @return the physical PASID attachments. */
    public PasidTable pasids() {
        return pasids;
    }

    /** @return a copy with {@code blocked} replaced. */
    public DeviceState withBlocked(final boolean b) {
        return withBlockedState(b ? GdevBlocked.RESETTING : GdevBlocked.NONE);
    }

    /** @return a copy with gdev->blocked replaced by the enum value {@code b}. */
    public DeviceState withBlockedState(final GdevBlocked b) {
        return b == blocked ? this : new DeviceState(fn, b, depth, rid, pasids);
    }

    /** @return a copy with {@code depth} replaced. */
    public DeviceState withDepth(final int d) {
        return d == depth ? this : new DeviceState(fn, blocked, d, rid, pasids);
    }

    /** @return a copy with the RID attachment replaced. */
    public DeviceState withRid(final Domain d) {
        return d == rid ? this : new DeviceState(fn, blocked, depth, d, pasids);
    }

    /**
     * @return a copy with {@code blocked}, {@code depth} and the RID attachment replaced at once (one
     *         allocation where the single-field copies would make up to three), or this if nothing
     *         changes
     */
    public DeviceState with(final boolean b, final int d, final Domain r) {
        return with(b ? GdevBlocked.RESETTING : GdevBlocked.NONE, d, r);
    }

    /** As {@link #with(boolean, int, Domain)} with the enum value of gdev->blocked. */
    public DeviceState with(final GdevBlocked b, final int d, final Domain r) {
        return b == blocked && d == depth && r == rid ? this : new DeviceState(fn, b, d, r, pasids);
    }

    /** @return a copy with the physical PASID table replaced. */
    public DeviceState withPasids(final PasidTable t) {
        return t == pasids ? this : new DeviceState(fn, blocked, depth, rid, t);
    }

    @Override
    public boolean equals(final Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof DeviceState)) {
            return false;
        }
        final DeviceState d = (DeviceState) o;
        return fn == d.fn && blocked == d.blocked && depth == d.depth && rid == d.rid && pasids.equals(d.pasids);
    }

    @Override
    public int hashCode() {
        return Objects.hash(fn, blocked.ordinal(), depth, rid, pasids);
    }

    @Override
    public String toString() {
        return fn.bdf() + "{blocked=" + (blocked == GdevBlocked.BROKEN ? "BROKEN" : String.valueOf(blocked())) + ", depth=" + depth + ", rid=" + rid + ", pasids=" + pasids + '}';
    }
}
