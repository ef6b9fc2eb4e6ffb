package io.resetguard.pci;

/**
 * Told when a function's hardware reset starts (FLR bit set, D3hot entered, bus reset asserted,
 * _RST evaluated, quirk sequence started). The ATS layer uses it: a resetting function flushes its
 * ATC and may ignore invalidations until {@code readyAtNs}.
 */
@FunctionalInterface
public interface HwResetListener {
    /**
     * @param dev       the function
     * @param readyAtNs when it answers again ({@link Long#MAX_VALUE}: never)
     */
    void onHwReset(PciDev dev, long readyAtNs);
}
