package io.resetguard.fabric;

import io.resetguard.state.DeviceState;

/**
 * AttachListener - the emulated IOMMU driver's view of the core: told after each committed
 * transition that changed where a function's RID or PASIDs are physically attached.
 *
 * <p>Notifications run after the commit on the operating thread and may be reordered between
 * concurrent operations; an implementation must reconcile with the group's current snapshot.
 */
public interface AttachListener {
    /**
     * @param group  the group
     * @param fn     the function
     * @param before its gdev before (null if it was just added)
     * @param after  its gdev now
     */
    void onPhysicalChange(IommuGroup group, PciFunction fn, DeviceState before, DeviceState after);

    /**
     * Linux 7.0's PASID detach called the blocked domain's {@code set_dev_pasid()} again on a
     * function that is parked for a reset (§1.6 row 5, fixed by fc3523b16d2b): the driver issues an
     * ATC invalidation to a resetting function.
     *
     * @param group the group
     * @param fn    the parked function
     */
    default void onRedundantPasidRemove(final IommuGroup group, final PciFunction fn) {
    }
}
