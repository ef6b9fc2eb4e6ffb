package io.resetguard.pci;

/**
 * PciCaps - what a function's config space and platform say about its reset abilities.
 *
 * @param vendor        PCI vendor id (quirk matching)
 * @param device        PCI device id (quirk matching)
 * @param flr           DEVCAP FLR bit, and no NO_FLR_RESET flag
 * @param afFlr         AF capability with TP and FLR
 * @param pm            PM capability with NoSoftRst clear, and no NO_PM_RESET flag
 * @param acpiRst       the ACPI companion has {@code _RST}
 * @param immReady      Immediate Readiness: the FLR returns without the 100 ms wait and readiness poll
 * @param readyDelayMs  how long after a reset trigger the function answers config reads again
 * @param pendingTxMs   how long outstanding transactions take to drain before an FLR (&gt; 700 ms: timeout)
 */
public record PciCaps(int vendor, int device, boolean flr, boolean afFlr, boolean pm, boolean acpiRst,
                      boolean immReady, long readyDelayMs, long pendingTxMs) {

    /** Validates the fields. */
    public PciCaps {
        if (vendor < 0 || vendor > 0xffff) {
            throw new IllegalArgumentException("vendor must be in 0..0xffff, was " + vendor);
        }
        if (device < 0 || device > 0xffff) {
            throw new IllegalArgumentException("device must be in 0..0xffff, was " + device);
        }
        if (readyDelayMs < 0) {
            throw new IllegalArgumentException("readyDelayMs must be >= 0, was " + readyDelayMs);
        }
        if (pendingTxMs < 0) {
            throw new IllegalArgumentException("pendingTxMs must be >= 0, was " + pendingTxMs);
        }
    }

    /** A typical PCIe endpoint (a NIC): FLR and PM reset, no quirk, no ACPI _RST. */
    public static PciCaps typical() {
        return new PciCaps(0x15b3, 0x101d, true, false, true, false, false, 0, 0);
    }

    /** A function with no reset capability at all (only a bus reset can reach it). */
    public static PciCaps none() {
        return new PciCaps(0x1af4, 0x1000, false, false, false, false, false, 0, 0);
    }

    /** @return a copy with another vendor/device (e.g. to match a {@link Quirk}). */
    public PciCaps withIds(final int v, final int d) {
        return new PciCaps(v, d, flr, afFlr, pm, acpiRst, immReady, readyDelayMs, pendingTxMs);
    }

    /** @return a copy matching {@code q}. */
    public PciCaps withQuirk(final Quirk q) {
        return withIds(q.vendor(), q.device());
    }

    /** @return a copy with FLR support set. */
    public PciCaps withFlr(final boolean b) {
        return new PciCaps(vendor, device, b, afFlr, pm, acpiRst, immReady, readyDelayMs, pendingTxMs);
    }

    /** @return a copy with AF FLR support set. */
    public PciCaps withAfFlr(final boolean b) {
        return new PciCaps(vendor, device, flr, b, pm, acpiRst, immReady, readyDelayMs, pendingTxMs);
    }

    /** @return a copy with PM reset support set. */
    public PciCaps withPm(final boolean b) {
        return new PciCaps(vendor, device, flr, afFlr, b, acpiRst, immReady, readyDelayMs, pendingTxMs);
    }

    /** @return a copy with ACPI _RST set. */
    public PciCaps withAcpiRst(final boolean b) {
        return new PciCaps(vendor, device, flr, afFlr, pm, b, immReady, readyDelayMs, pendingTxMs);
    }

    /** @return a copy with Immediate Readiness set. */
    public PciCaps withImmReady(final boolean b) {
        return new PciCaps(vendor, device, flr, afFlr, pm, acpiRst, b, readyDelayMs, pendingTxMs);
    }

    /** @return a copy with the readiness delay set. */
    public PciCaps withReadyDelayMs(final long ms) {
        return new PciCaps(vendor, device, flr, afFlr, pm, acpiRst, immReady, ms, pendingTxMs);
    }

    /** @return a copy with the pending-transaction drain time set. */
    public PciCaps withPendingTxMs(final long ms) {
        return new PciCaps(vendor, device, flr, afFlr, pm, acpiRst, immReady, readyDelayMs, ms);
    }
}
