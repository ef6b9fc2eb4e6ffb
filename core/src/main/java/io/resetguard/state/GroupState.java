package io.resetguard.state;

import io.resetguard.fabric.Domain;
import io.resetguard.fabric.PciFunction;

import java.util.Arrays;
import java.util.Objects;

/**
 * GroupState - one immutable snapshot of everything an {@code iommu_group} keeps under
 * {@code group->mutex}, plus the physical attachments of its devices.
 *
 * <p>A transition never mutates a snapshot; it builds the next one. The lock-free state cell swaps
 * snapshots with one compare-and-set, the locking cell stores them under the group lock; in both
 * cases a reader that loads the reference (acquire) sees a consistent whole, because every field is
 * final (JLS 17.5) and the arrays are never written after construction.
 *
 * <pre>
 *  GroupState                                  kernel (docs/protocol.md §1.1)
 *  +--------------------+
 *  | domain             |  group-&gt;domain         logical domain; null if default-domain alloc failed
 *  | blockingAllocated  |  group-&gt;blocking_domain != NULL (the object itself is the group's own)
 *  | resetting          |  group-&gt;resetting_domain != NULL (M70/SEED); it can only be the
 *  |                    |                        blocking domain (invariant 14), so a flag suffices
 *  | resettingBy        |  (emulator)            the function that set it while it is in the group
 *  | recoveryCnt        |  group-&gt;recovery_cnt   (M71 family) gdevs blocked for a reset/recovery
 *  | orphans[]          |  (emulator)            recovery_cnt units (M71) or a resetting flag (M70)
 *  |                    |                        left behind by a gdev removed while blocked
 *  | owned              |  group-&gt;owner != NULL  DMA ownership claimed (VFIO/iommufd)
 *  | pasidArray         |  group-&gt;pasid_array    PASID (&gt;= 1) -&gt; domain, retained over a reset
 *  | devices[]  --------+--&gt; DeviceState (gdev): blocked, reset_depth, physical RID/PASIDs
 *  +--------------------+
 * </pre>
 */
public final class GroupState {
    private static final PciFunction[] NO_ORPHANS = new PciFunction[0];
    private final Domain domain;
    private final boolean blockingAllocated;
    private final boolean resetting;
    private final PciFunction resettingBy;
    private final int recoveryCnt;
    private final PciFunction[] orphans;
    private final boolean owned;
    private final PasidTable pasidArray;
    private final DeviceState[] devices;

    private GroupState(final Domain domain, final boolean blockingAllocated, final boolean resetting,
                       final PciFunction resettingBy,
                       final int recoveryCnt, final PciFunction[] orphans, final boolean owned,
                       final PasidTable pasidArray, final DeviceState[] devices) {
        this.domain = domain;
        this.blockingAllocated = blockingAllocated;
        this.resetting = resetting;
        this.resettingBy = resettingBy;
        this.recoveryCnt = recoveryCnt;
        this.orphans = orphans;
        this.owned = owned;
        this.pasidArray = pasidArray;
        this.devices = devices;
    }

    /**
     * The state of a new group: attached to {@code defaultDomain} (may be null), no devices.
     *
     * @param defaultDomain the group's default domain, or null if its allocation failed
     * @return the initial snapshot
     */
    public static GroupState initial(final Domain defaultDomain) {
        return new GroupState(defaultDomain, false, false, null, 0, NO_ORPHANS, false, PasidTable.EMPTY, new DeviceState[0]);
    }

    /**
     * A snapshot with every field given, for decoders of other representations (the word core's
     * {@link GroupOverflow#decode}). The arrays are not copied: the caller must never write them.
     */
    public static GroupState of(final Domain domain, final boolean blockingAllocated, final boolean resetting,
                                final PciFunction resettingBy, final int recoveryCnt, final PciFunction[] orphans,
                                final boolean owned, final PasidTable pasidArray, final DeviceState[] devices) {
        return new GroupState(domain, blockingAllocated, resetting, resettingBy, recoveryCnt,
            orphans.length == 0 ? NO_ORPHANS : orphans, owned, pasidArray, devices);
    }

    /** @return group->domain (may be null). */
    public Domain domain() {
        return domain;
    }

    /** @return whether group->blocking_domain was allocated. */
    public boolean blockingAllocated() {
        return blockingAllocated;
    }

    /**
     * @return the function that set group->resetting_domain (M70/SEED) and is still in the group, or
     *         null (not resetting, or that function was removed while resetting)
     */
    public PciFunction resettingBy() {
        return resettingBy;
    }

    /** @return {@code group->resetting_domain != NULL} (M70/SEED). */
    public boolean resetting() {
        return resetting;
    }

    /** @return group->recovery_cnt (M71 family). */
    public int recoveryCnt() {
        return recoveryCnt;
    }

    /** @return recovery_cnt units that belong to gdevs removed while blocked (emulator bookkeeping). */
    public int orphanedRecoveries() {
        return orphans.length;
    }

    /**
     * @return the functions removed while blocked (M71 family) or while holding resetting_domain
     *         (flag models), one per orphaned unit, oldest first; a copy
     */
    public PciFunction[] orphans() {
        return orphans.clone();
    }

    /** @return whether DMA ownership is claimed. */
    public boolean owned() {
        return owned;
    }

    /** @return group->pasid_array. */
    public PasidTable pasidArray() {
        return pasidArray;
    }

    /** @return the number of devices in the group. */
    public int deviceCount() {
        return devices.length;
    }

    /** @return the i-th gdev. */
    public DeviceState device(final int i) {
        return devices[i];
    }

    /** @return the index of {@code fn}'s gdev, or -1 ({@code __dev_to_gdev()} returning NULL). */
    public int indexOf(final PciFunction fn) {
        final DeviceState[] d = devices;
        for (int i = 0; i < d.length; i++) {
            if (d[i].fn() == fn) {
                return i;
            }
        }
        return -1;
    }

    /** @return fn's gdev, or null. */
    public DeviceState deviceOf(final PciFunction fn) {
        final int i = indexOf(fn);
        return i < 0 ? null : devices[i];
    }

    /** @return the number of gdevs with {@code blocked == true}. */
    public int blockedCount() {
        int n = 0;
        for (final DeviceState d : devices) {
            if (d.blocked()) {
                n++;
            }
        }
        return n;
    }

    /** @return a copy with group->domain replaced. */
    public GroupState withDomain(final Domain d) {
        return d == domain ? this : new GroupState(d, blockingAllocated, resetting, resettingBy, recoveryCnt,
            orphans, owned, pasidArray, devices);
    }

    /** @return a copy with the blocking domain marked allocated. */
    public GroupState withBlockingAllocated() {
        return blockingAllocated ? this : new GroupState(domain, true, resetting, resettingBy, recoveryCnt,
            orphans, owned, pasidArray, devices);
    }

    /** @return a copy with resetting_domain set (by {@code fn}) or cleared ({@code null}). */
    public GroupState withResettingBy(final PciFunction fn) {
        if (fn == resettingBy && resetting == (fn != null)) {
            return this;
        }
        return new GroupState(domain, blockingAllocated, fn != null, fn, recoveryCnt, orphans, owned,
            pasidArray, devices);
    }

    /**
     * @return a copy whose resetting_domain stays set while the function that set it is forgotten
     *         (it left the group mid-reset): nobody is parked, yet every attach stays fenced
     */
    public GroupState withResettingOrphaned() {
        return new GroupState(domain, blockingAllocated, true, null, recoveryCnt, appended(orphans, resettingBy),
            owned, pasidArray, devices);
    }

    /** @return a copy with recovery_cnt replaced. */
    public GroupState withRecoveryCnt(final int n) {
        return n == recoveryCnt ? this : new GroupState(domain, blockingAllocated, resetting, resettingBy, n,
            orphans, owned, pasidArray, devices);
    }

    /** @return a copy with one more orphaned recovery unit, left by {@code removed}. */
    public GroupState withOrphan(final PciFunction removed) {
        return new GroupState(domain, blockingAllocated, resetting, resettingBy, recoveryCnt,
            appended(orphans, Objects.requireNonNull(removed, "removed")), owned, pasidArray, devices);
    }

    private static PciFunction[] appended(final PciFunction[] a, final PciFunction fn) {
        final PciFunction[] copy = Arrays.copyOf(a, a.length + 1);
        copy[a.length] = fn;
        return copy;
    }

    /** @return a copy with DMA ownership replaced. */
    public GroupState withOwned(final boolean o) {
        return o == owned ? this : new GroupState(domain, blockingAllocated, resetting, resettingBy, recoveryCnt,
            orphans, o, pasidArray, devices);
    }

    /** @return a copy with pasid_array replaced. */
    public GroupState withPasidArray(final PasidTable t) {
        return t == pasidArray ? this : new GroupState(domain, blockingAllocated, resetting, resettingBy, recoveryCnt,
            orphans, owned, t, devices);
    }

    /** @return a copy with the i-th gdev replaced. */
    public GroupState withDevice(final int i, final DeviceState d) {
        if (devices[i] == d) {
            return this;
        }
        final DeviceState[] copy = devices.clone();
        copy[i] = d;
        return new GroupState(domain, blockingAllocated, resetting, resettingBy, recoveryCnt, orphans, owned,
            pasidArray, copy);
    }

    /**
     * @return a copy with the i-th gdev and recovery_cnt replaced (one snapshot, not two: prepare and
     *         done of the device-counter models change both)
     */
    public GroupState withDevice(final int i, final DeviceState d, final int recoveryCount) {
        if (recoveryCount == recoveryCnt) {
            return withDevice(i, d);
        }
        return new GroupState(domain, blockingAllocated, resetting, resettingBy, recoveryCount, orphans,
            owned, pasidArray, replaced(i, d));
    }

    /**
     * @return a copy with the i-th gdev replaced and resetting_domain set by {@code fn}, or cleared
     *         together with the orphaned-recovery count when {@code fn} is null (one snapshot: prepare
     *         and done of the group-flag models change both)
     */
    public GroupState withDeviceAndResettingBy(final int i, final DeviceState d, final PciFunction fn) {
        final PciFunction[] o = fn == null ? NO_ORPHANS : orphans;
        if (fn == resettingBy && resetting == (fn != null) && o == orphans) {
            return withDevice(i, d);
        }
        return new GroupState(domain, blockingAllocated, fn != null, fn, recoveryCnt, o, owned, pasidArray,
            replaced(i, d));
    }

    private DeviceState[] replaced(final int i, final DeviceState d) {
        if (devices[i] == d) {
            return devices; // arrays are never written after construction: sharing is safe
        }
        final DeviceState[] copy = devices.clone();
        copy[i] = d;
        return copy;
    }

    /** @return a copy with {@code d} appended. */
    public GroupState withDeviceAdded(final DeviceState d) {
        final DeviceState[] copy = Arrays.copyOf(devices, devices.length + 1);
        copy[devices.length] = d;
        return new GroupState(domain, blockingAllocated, resetting, resettingBy, recoveryCnt, orphans, owned,
            pasidArray, copy);
    }

    /** @return a copy without the i-th gdev. */
    public GroupState withDeviceRemoved(final int i) {
        final DeviceState[] copy = new DeviceState[devices.length - 1];
        System.arraycopy(devices, 0, copy, 0, i);
        System.arraycopy(devices, i + 1, copy, i, devices.length - i - 1);
        return new GroupState(domain, blockingAllocated, resetting, resettingBy, recoveryCnt, orphans, owned,
            pasidArray, copy);
    }

    @Override
    public boolean equals(final Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof GroupState)) {
            return false;
        }
        final GroupState s = (GroupState) o;
        return domain == s.domain && blockingAllocated == s.blockingAllocated && resetting == s.resetting
            && resettingBy == s.resettingBy
            && recoveryCnt == s.recoveryCnt && Arrays.equals(orphans, s.orphans) && owned == s.owned
            && pasidArray.equals(s.pasidArray) && Arrays.equals(devices, s.devices);
    }

    @Override
    public int hashCode() {
        return Objects.hash(domain, blockingAllocated, resetting, resettingBy, recoveryCnt, orphans.length, owned,
            pasidArray, Arrays.hashCode(devices));
    }

    @Override
    public String toString() {
        return "GroupState{domain=" + domain + ", blockingAllocated=" + blockingAllocated
            + ", resetting=" + resetting + ", resettingBy=" + (resettingBy == null ? null : resettingBy.bdf())
            + ", recoveryCnt=" + recoveryCnt + ", orphanedRecoveries=" + orphans.length + ", owned=" + owned
            + ", pasidArray=" + pasidArray + ", devices=" + Arrays.toString(devices) + '}';
    }
}
