package io.resetguard.ats;

import io.resetguard.fabric.PciFunction;
import io.resetguard.pci.PciDev;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * AtsFunction - the ATS side of one function: its ATC, the endpoint's ATS Enable bit, the driver's
 * fence, and the device behaviour that fault injection controls.
 *
 * <p>{@code atsEnabled} is the endpoint's ATS Enable and the IOMMU's "translated requests allowed"
 * together (the driver sets both when it attaches a translating domain, §1.7); {@code fenced} is the
 * driver's quarantine after an ATC timeout (STE.EATS cleared and invalidations muted, §2.4/§2.5),
 * lifted by the next re-attach. Both are volatile: the device side reads them on every DMA.
 */
public final class AtsFunction {
    private final PciFunction fn;
    private final PciDev dev;
    private final Atc atc;
    private volatile boolean atsEnabled;
    private volatile boolean fenced;
    private volatile InvResponse response = InvResponse.NORMAL;
    private volatile long answerLatencyNs;
    private volatile long lateByNs;
    private volatile boolean honorsBusMaster = true;
    private volatile boolean resetCuresHang = true;
    final AtomicBoolean reconciling = new AtomicBoolean();
    volatile boolean reconcileAgain;
    volatile boolean enablePending;
    volatile java.util.List<AtsSystem.DomainUse> attachedTo = java.util.List.of();
    final AtomicLong dmaAccepted = new AtomicLong();
    final AtomicLong dmaRejected = new AtomicLong();
    final AtomicLong translations = new AtomicLong();

    AtsFunction(final PciFunction fn, final PciDev dev, final int atcCapacity, final long answerLatencyNs) {
        this.fn = fn;
        this.dev = dev;
        this.atc = new Atc(atcCapacity);
        this.answerLatencyNs = answerLatencyNs;
    }

    /** @return the function. */
    public PciFunction fn() {
        return fn;
    }

    /** @return its PCI device. */
    public PciDev dev() {
        return dev;
    }

    /** @return its ATC. */
    public Atc atc() {
        return atc;
    }

    /** @return whether ATS is enabled (endpoint and IOMMU). */
    public boolean atsEnabled() {
        return atsEnabled;
    }

    void atsEnabled(final boolean b) {
        atsEnabled = b;
    }

    /** @return whether the driver fenced the function after an ATC timeout. */
    public boolean fenced() {
        return fenced;
    }

    void fenced(final boolean b) {
        fenced = b;
    }

    /** @return how it answers invalidations. */
    public InvResponse response() {
        return response;
    }

    /** Set how it answers invalidations from now on (e.g. it stops answering). */
    public void response(final InvResponse r) {
        response = java.util.Objects.requireNonNull(r, "response");
    }

    /** @return how long a normal answer takes, in emulated ns. */
    public long answerLatencyNs() {
        return answerLatencyNs;
    }

    /** Set the answer latency. */
    public void answerLatencyNs(final long ns) {
        if (ns < 0) {
            throw new IllegalArgumentException("answerLatencyNs must be >= 0, was " + ns);
        }
        answerLatencyNs = ns;
    }

    /** @return how long after the timeout a {@link InvResponse#LATE} answer comes. */
    public long lateByNs() {
        return lateByNs;
    }

    /** Set the lateness of {@link InvResponse#LATE} answers. */
    public void lateByNs(final long ns) {
        lateByNs = ns;
    }

    /** @return whether its DMA stops when Bus Master Enable is clear. */
    public boolean honorsBusMaster() {
        return honorsBusMaster;
    }

    /**
     * Set whether its DMA obeys Bus Master Enable. A function that stopped answering invalidations
     * cannot be trusted to: only the IOMMU's fence protects memory from it (Jason Gunthorpe, §2.4).
     */
    public void honorsBusMaster(final boolean b) {
        honorsBusMaster = b;
    }

    /** @return whether a completed function reset makes a {@link InvResponse#HANG} function answer again. */
    public boolean resetCuresHang() {
        return resetCuresHang;
    }

    /** Set whether a completed reset cures a hang (false: a function that no reset can fix). */
    public void resetCuresHang(final boolean b) {
        resetCuresHang = b;
    }

    /** @return DMAs the IOMMU let through. */
    public long dmaAccepted() {
        return dmaAccepted.get();
    }

    /** @return DMAs the IOMMU (or bus mastering) stopped. */
    public long dmaRejected() {
        return dmaRejected.get();
    }

    @Override
    public String toString() {
        return "ats " + fn.bdf();
    }
}
