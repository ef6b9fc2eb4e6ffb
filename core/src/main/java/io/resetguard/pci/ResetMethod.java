package io.resetguard.pci;

/**
 * The kernel's reset methods, in the order of {@code pci_reset_fn_methods[]} (docs/protocol.md
 * §4.1), with their sysfs {@code reset_method} names.
 */
public enum ResetMethod {
    /** {@code pci_dev_specific_reset}: a quirk table entry; prepare/done also in probe mode. */
    DEVICE_SPECIFIC("device_specific"),
    /** {@code pci_dev_acpi_reset}: ACPI {@code _RST}. */
    ACPI("acpi"),
    /** {@code pcie_reset_flr}: PCIe function level reset. */
    FLR("flr"),
    /** {@code pci_af_flr}: conventional-PCI Advanced Features FLR. */
    AF_FLR("af_flr"),
    /** {@code pci_pm_reset}: D0 -&gt; D3hot -&gt; D0; -EINVAL if not in D0. */
    PM("pm"),
    /** {@code pci_reset_bus_function}: slot reset, else parent secondary bus reset; prepare/done also in probe mode. */
    BUS("bus"),
    /** {@code cxl_reset_bus_function}: unmask SBR at the CXL port, then {@code bus} (nested prepare/done). */
    CXL_BUS("cxl_bus");

    private final String sysfsName;

    ResetMethod(final String sysfsName) {
        this.sysfsName = sysfsName;
    }

    /**
     * @return whether this method's probe runs the IOMMU hooks: {@code device_specific} wraps the
     *         quirk's {@code reset(dev, probe)} in prepare/done, and {@code bus} prepares before its
     *         slot/bus checks, also in probe mode (docs/protocol.md §4.1)
     */
    public boolean probeRunsHooks() {
        return this == DEVICE_SPECIFIC || this == BUS;
    }

    /** @return the name sysfs {@code reset_method} shows and accepts. */
    public String sysfsName() {
        return sysfsName;
    }

    /** @return the method with this sysfs name, or null. */
    public static ResetMethod ofSysfsName(final String name) {
        for (final ResetMethod m : values()) {
            if (m.sysfsName.equals(name)) {
                return m;
            }
        }
        return null;
    }
}
