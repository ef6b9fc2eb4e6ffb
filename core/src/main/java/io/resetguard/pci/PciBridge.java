package io.resetguard.pci;

import io.resetguard.fabric.Bdf;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * PciBridge - an upstream bridge (downstream port): it owns the secondary bus that a bus reset
 * resets, its own device lock ({@code pci_reset_function()} locks the bridge before the device),
 * and optionally a hotplug slot and a CXL port DVSEC.
 */
public final class PciBridge {
    private final Bdf bdf;
    private final DeviceLock lock;
    private final boolean hotplugSlot;
    private final boolean cxlPort;
    private volatile boolean sbrMasked;
    private final List<PciDev> children = new CopyOnWriteArrayList<>();

    PciBridge(final Bdf bdf, final DeviceLock lock, final boolean hotplugSlot, final boolean cxlPort,
              final boolean sbrMasked) {
        this.bdf = bdf;
        this.lock = lock;
        this.hotplugSlot = hotplugSlot;
        this.cxlPort = cxlPort;
        this.sbrMasked = sbrMasked;
    }

    /** @return the bridge's address. */
    public Bdf bdf() {
        return bdf;
    }

    /** @return the bridge's device lock. */
    public DeviceLock lock() {
        return lock;
    }

    /** @return whether the downstream port has a hotplug slot (slot reset). */
    public boolean hotplugSlot() {
        return hotplugSlot;
    }

    /** @return whether the port has the CXL port DVSEC ({@code cxl_bus} method). */
    public boolean cxlPort() {
        return cxlPort;
    }

    /** @return whether the CXL port masks secondary bus reset (PCI_DVSEC_CXL_PORT_CTL without UNMASK_SBR). */
    public boolean sbrMasked() {
        return sbrMasked;
    }

    void sbrMasked(final boolean masked) {
        this.sbrMasked = masked;
    }

    /** @return the functions on the secondary bus. */
    public List<PciDev> children() {
        return java.util.Collections.unmodifiableList(children);
    }

    void addChild(final PciDev d) {
        children.add(d);
    }

    @Override
    public String toString() {
        return "bridge " + bdf;
    }
}
