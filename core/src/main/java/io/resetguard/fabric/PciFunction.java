package io.resetguard.fabric;

import java.util.Objects;

/**
 * PciFunction - one PCI function (a {@code struct pci_dev}) behind an IOMMU.
 *
 * <p>Static properties: its address, whether {@code pci_ats_supported()} holds (the ATS capability
 * is present and the device is trusted; docs/protocol.md §4.7: the reset hooks key off
 * <em>supported</em>, not enabled), and its PASID count ({@code dev->iommu->max_pasids}; 0 means no
 * PASID support). Its IOMMU reset state lives in its group's snapshot, not here.
 */
public final class PciFunction {
    private final Fabric fabric;
    private final int id;
    private final Bdf bdf;
    private final boolean atsSupported;
    private final int maxPasids;
    private final IommuGroup group;

    PciFunction(final Fabric fabric, final int id, final Bdf bdf, final boolean atsSupported, final int maxPasids,
                final IommuGroup group) {
        if (maxPasids < 0 || maxPasids > 1 << 20) {
            throw new IllegalArgumentException("maxPasids of " + bdf + " must be in 0..2^20, was " + maxPasids);
        }
        this.fabric = fabric;
        this.id = id;
        this.bdf = Objects.requireNonNull(bdf, "bdf");
        this.atsSupported = atsSupported;
        this.maxPasids = maxPasids;
        this.group = group;
    }

    /** @return the fabric. */
    public Fabric fabric() {
        return fabric;
    }

    /** @return a dense fabric-wide index (0, 1, 2, ...), for per-function arrays. */
    public int id() {
        return id;
    }

    /** @return the PCI address. */
    public Bdf bdf() {
        return bdf;
    }

    /** @return {@code pci_ats_supported()}. */
    public boolean atsSupported() {
        return atsSupported;
    }

    /** @return {@code max_pasids}: PASIDs 1..max_pasids-1 are usable; 0 if PASID is unsupported. */
    public int maxPasids() {
        return maxPasids;
    }

    /** @return the IOMMU group the function belongs (or belonged, after removal) to. */
    public IommuGroup group() {
        return group;
    }

    @Override
    public String toString() {
        return bdf.toString();
    }
}
