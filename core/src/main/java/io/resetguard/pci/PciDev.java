package io.resetguard.pci;

import io.resetguard.fabric.PciFunction;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * PciDev - the PCI-core state of one function ({@code struct pci_dev} beyond what the IOMMU layer
 * keeps): capabilities, upstream bridge, device lock, power state, bus mastering, the probed reset
 * methods and the emulated hardware reset window.
 *
 * <p>Concurrency: the fields a full reset changes (power, bus master, saved state) are written by
 * the task that holds the device lock; they are volatile because observers (tests, the ATS layer,
 * the oracle) read them without the lock. The reset-method list is replaced as a whole (sysfs
 * {@code reset_method} store).
 */
public final class PciDev {
    /** PCI power states the emulator distinguishes. */
    public enum Power {
        /** Fully on. */
        D0,
        /** D3hot. */
        D3HOT
    }

    private final PciFunction fn;
    private final PciCaps caps;
    private final PciBridge bridge;
    private final Quirk quirk;
    private final DeviceLock lock;
    private volatile ResetMethod[] methods = new ResetMethod[0];
    private volatile Power power = Power.D0;
    private volatile boolean busMaster = true;
    private volatile boolean savedBusMaster = true;
    private volatile boolean disconnected;
    private volatile long hwResetStartNs = Long.MIN_VALUE;
    private volatile long readyAtNs = Long.MIN_VALUE;
    private volatile io.resetguard.errno.Errno lastResetResult;
    private final AtomicLong probeStarts = new AtomicLong();
    private final AtomicLong probeEnds = new AtomicLong();
    private volatile boolean probeLeftParked;
    private final AtomicInteger fullResetsInFlight = new AtomicInteger();
    private final AtomicInteger fullResets = new AtomicInteger();
    private final AtomicIntegerArray attempts = new AtomicIntegerArray(ResetMethod.values().length);

    PciDev(final PciFunction fn, final PciCaps caps, final PciBridge bridge, final DeviceLock lock) {
        this.fn = fn;
        this.caps = caps;
        this.bridge = bridge;
        this.quirk = Quirk.match(caps.vendor(), caps.device());
        this.lock = lock;
    }

    /** @return the function (its IOMMU side). */
    public PciFunction fn() {
        return fn;
    }

    /** @return the capabilities. */
    public PciCaps caps() {
        return caps;
    }

    /** @return the upstream bridge, or null on a root bus. */
    public PciBridge bridge() {
        return bridge;
    }

    /** @return the matching quirk, or null. */
    public Quirk quirk() {
        return quirk;
    }

    /** @return the device lock. */
    public DeviceLock lock() {
        return lock;
    }

    /** @return {@code dev->reset_methods}, in walk order (a copy). */
    public List<ResetMethod> resetMethods() {
        return List.of(methods);
    }

    ResetMethod[] methodsArray() {
        return methods;
    }

    void methods(final ResetMethod[] m) {
        this.methods = m.clone();
    }

    /** @return the power state. */
    public Power power() {
        return power;
    }

    /** Set the power state (tests: put a function in D3hot to see pm's -EINVAL). */
    public void power(final Power p) {
        this.power = p;
    }

    /** @return PCI_COMMAND Bus Master Enable. */
    public boolean busMaster() {
        return busMaster;
    }

    /** {@code pci_set_master()} / {@code pci_clear_master()}. */
    public void busMaster(final boolean on) {
        this.busMaster = on;
    }

    boolean savedBusMaster() {
        return savedBusMaster;
    }

    void savedBusMaster(final boolean b) {
        this.savedBusMaster = b;
    }

    /** @return whether the function is marked disconnected ({@code pci_dev_wait()} returns -ENOTTY at once). */
    public boolean disconnected() {
        return disconnected;
    }

    /** Mark the function disconnected (surprise removal). */
    public void disconnected(final boolean d) {
        this.disconnected = d;
    }

    /**
     * Start a hardware reset at {@code nowNs}: from now until {@code readyAtNs} the function does not
     * answer config reads and may ignore ATS invalidations (PCIe r6.0 §10.3.1).
     */
    void hwReset(final long nowNs, final long readyAtNs) {
        this.hwResetStartNs = nowNs;
        this.readyAtNs = readyAtNs;
    }

    /** @return whether the function answers config reads at {@code nowNs}. */
    public boolean readyAt(final long nowNs) {
        return nowNs >= readyAtNs;
    }

    /** @return whether a hardware reset is in progress at {@code nowNs}. */
    public boolean inHwReset(final long nowNs) {
        return nowNs >= hwResetStartNs && nowNs < readyAtNs;
    }

    /** @return how many full resets ({@code pci_reset_function()} and variants) completed. */
    public int fullResets() {
        return fullResets.get();
    }

    /** @return the number of this method's runs so far, then counts this one. */
    int nextAttempt(final ResetMethod m) {
        return attempts.getAndIncrement(m.ordinal());
    }

    /** Enter a full reset. @return how many full resets are now in flight (1 unless the lock failed). */
    int enterFullReset() {
        probeLeftParked = false; // whatever a probe left, this reset decides now
        return fullResetsInFlight.incrementAndGet();
    }

    /** A probe with live IOMMU hooks ({@link ResetMethod#probeRunsHooks()}) starts (before its prepare()). */
    void probeStarted() {
        probeStarts.incrementAndGet();
    }

    /**
     * That probe ended (after its done(), or after it kept the function blocked).
     *
     * @param parked whether it left the function parked: unparked when the probe started, parked
     *               when it ended, and no full reset in flight
     */
    void probeEnded(final boolean parked) {
        probeLeftParked = parked;
        probeEnds.incrementAndGet();
    }

    /** @return how many probes with live hooks started (volatile read; only grows). */
    public long probeStartsVolatile() {
        return probeStarts.get();
    }

    /** @return how many of them ended (volatile read; only grows; never above the starts). */
    public long probeEndsVolatile() {
        return probeEnds.get();
    }

    /** @return probes with live hooks in flight now (racy by nature; exact at quiescence). */
    public long probesInFlight() {
        return probeStarts.get() - probeEnds.get();
    }

    /**
     * @return whether the last probe with live hooks found the function unparked and left it parked
     *         while no full reset was in flight, and no full reset started since (the seed rule
     *         applied to a probe's -ENOTTY: §4.1, §9)
     */
    public boolean probeLeftParked() {
        return probeLeftParked;
    }

    void exitFullReset(final io.resetguard.errno.Errno rc) {
        lastResetResult = rc;
        fullResets.incrementAndGet();
        fullResetsInFlight.decrementAndGet();
    }

    /** @return the result of the last completed full reset, or null if none completed. */
    public io.resetguard.errno.Errno lastResetResult() {
        return lastResetResult;
    }

    /** @return whether a full reset is in progress. */
    public boolean fullResetInFlight() {
        return fullResetsInFlight.get() > 0;
    }

    @Override
    public String toString() {
        return fn.bdf() + Arrays.toString(methods);
    }
}
