package io.resetguard.pci;

/**
 * ResetBarrier - what has to finish before a function's hardware reset starts.
 *
 * <p>In the kernel, {@code pci_dev_reset_iommu_prepare()} returns only once the IOMMU driver has
 * attached the blocking domain, and the driver's part of that attach is to disable ATS, issue the
 * final ATC invalidation and wait for its completion (or its timeout) before it returns
 * (docs/protocol.md §1.7 on what the driver is expected to do, and the SMMUv3 ordering there;
 * §7 scenario 15: "prepare must have disabled ATS and drained invalidations before the FLR bit is
 * set"). In the emulator that wait is a continuation: the PCI core asks the barrier before every
 * hardware reset (FLR bit, D3hot, {@code _RST}, secondary bus reset, a quirk's register sequence)
 * and starts it when the barrier says so.
 *
 * <p>Implementations must call {@code proceed} exactly once, on any thread, now or later; they must
 * not call it while holding a lock the reset path may take.
 */
@FunctionalInterface
public interface ResetBarrier {
    /** No barrier: the hardware reset starts at once (a PCI core without an ATS layer). */
    ResetBarrier NONE = (dev, proceed) -> proceed.run();

    /**
     * @param dev     the function about to be reset
     * @param proceed starts the hardware reset
     */
    void beforeHwReset(PciDev dev, Runnable proceed);
}
