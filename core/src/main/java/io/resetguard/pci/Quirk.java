package io.resetguard.pci;

/**
 * Device-specific reset quirks ({@code pci_dev_reset_methods[]} in quirks.c) that the emulator
 * models, one per behaviour that matters to the IOMMU hooks (docs/protocol.md §2.2, §4.1).
 */
public enum Quirk {
    /**
     * {@code reset_intel_82599_sfp_virtfn} (8086:10ed): calls {@code pcie_flr()} and ignores its
     * result. Nests one prepare/done inside the device_specific pair.
     */
    FLR_IGNORE_RESULT(0x8086, 0x10ed, "reset_intel_82599_sfp_virtfn"),
    /**
     * {@code reset_hinic_vf_dev} (19e5:375e): {@code pcie_flr()}, then waits up to 15 s for the
     * device firmware. The IOMMU must stay blocked until the outer done() (Kevin Tian, §2.2).
     */
    FLR_THEN_FIRMWARE_WAIT(0x19e5, 0x375e, "reset_hinic_vf_dev"),
    /**
     * {@code reset_ivb_igd} (8086:0166): a register sequence polled for up to 50 ms; no FLR inside.
     */
    REGISTER_SEQUENCE(0x8086, 0x0166, "reset_ivb_igd");

    /** How long {@link #FLR_THEN_FIRMWARE_WAIT} polls for firmware, in ms (HINIC_OPERATION_TIMEOUT). */
    public static final long FIRMWARE_TIMEOUT_MS = 15_000;
    /** The firmware poll interval of {@link #FLR_THEN_FIRMWARE_WAIT}, in ms. */
    public static final long FIRMWARE_POLL_MS = 100;
    /** How long {@link #REGISTER_SEQUENCE} takes, in ms. */
    public static final long REGISTER_SEQUENCE_MS = 5;

    private final int vendor;
    private final int device;
    private final String kernelName;

    Quirk(final int vendor, final int device, final String kernelName) {
        this.vendor = vendor;
        this.device = device;
        this.kernelName = kernelName;
    }

    /** @return the PCI vendor id it matches. */
    public int vendor() {
        return vendor;
    }

    /** @return the PCI device id it matches. */
    public int device() {
        return device;
    }

    /** @return the kernel function that implements it. */
    public String kernelName() {
        return kernelName;
    }

    /** @return the quirk matching vendor/device, or null ({@code pci_dev_specific_reset} returns -ENOTTY). */
    public static Quirk match(final int vendor, final int device) {
        for (final Quirk q : values()) {
            if (q.vendor == vendor && q.device == device) {
                return q;
            }
        }
        return null;
    }
}
