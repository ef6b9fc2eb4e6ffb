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

    /**
     * The {@code reset_device_done} IOMMU op that the QUAR series adds (docs/protocol.md §2.5,
     * §2.5a): called after a {@code pci_dev_reset_iommu_done()} that moved {@code fn} off the
     * blocking domain, that is the outermost done() of a reset that the model let through. A driver
     * lifts its quarantine of the function here.
     *
     * <p>Which done() calls arrive here is the model's decision: under linux-7.0 and linux-7.1 every
     * outermost done() unblocks, whatever the reset returned; under the seed models a failed reset
     * skips done(); under result-to-done a failed result keeps the function blocked, and under
     * quar-v6 (unmerged, QUAR v6 direction, docs/protocol.md §2.5a) it leaves the function BROKEN:
     * only a later reset whose outermost done() reports success arrives here. A nested done() that
     * only lowers the depth never arrives here, nor does a done() that leaves the RID parked because
     * group-&gt;domain is NULL (d769711fcddd).
     *
     * <p>Called after the commit on the thread that ran done(), outside any lock; the caller must
     * not assume the function is still unblocked when the call arrives.
     *
     * @param group the group
     * @param fn    the function that done() unblocked
     */
    default void onResetDeviceDone(final IommuGroup group, final PciFunction fn) {
    }
}
