package io.resetguard.ats;

import io.resetguard.fabric.PciFunction;
import io.resetguard.pci.PciDev;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * AtsFunction - the ATS side of one function: its ATC, the endpoint's ATS Enable bit, the driver's
 * fence, and the device behaviour that fault injection controls.
 *
 * <p>{@code atsEnabled} is the endpoint's ATS Enable and the IOMMU's "translated requests allowed"
 * together (the driver sets both when it attaches a translating domain, §1.7); {@code fenced} is the
 * driver's fence after an ATC timeout under {@code fence-then-reset} (STE.EATS cleared and
 * invalidations muted, §2.4/§2.5), lifted by the next re-attach; {@code quarantined} is the QUAR v4
 * quarantine of the {@code quarantine} policy (docs/protocol.md §2.5a, {@link AtsSystem#quarantine}),
 * lifted by {@code reset_device_done} or an attach to another domain. All are volatile: the device
 * side reads them on every DMA. {@code completionCount} is a device property: how many Invalidate
 * Completion messages it sends per request.
 */
public final class AtsFunction {
    private final PciFunction fn;
    private final PciDev dev;
    private final Atc atc;
    private volatile boolean atsEnabled;
    private volatile boolean fenced;
    private volatile boolean quarantined;
    /** The RID domain the quarantine was imposed on (whose ATS invalidation entries are marked broken). */
    volatile io.resetguard.fabric.Domain quarantinedOn;
    private volatile int completionCount = 1;
    private volatile int completionMessages = -1;
    private volatile InvResponse response = InvResponse.NORMAL;
    private volatile long answerLatencyNs;
    private volatile long lateByNs;
    private volatile boolean honorsBusMaster = true;
    private volatile boolean resetCuresHang = true;
    final AtomicBoolean reconciling = new AtomicBoolean();
    volatile boolean reconcileAgain;
    volatile boolean enablePending;
    /** The sync behind the last final flush of prepare() (pci_disable_ats() + ATC flush), or null. */
    volatile io.resetguard.inv.InvCompletion disableSync;
    volatile java.util.List<AtsSystem.DomainUse> attachedTo = java.util.List.of();
    // statistics, bumped with a volatile getAndAdd through VarHandles: fields of this object rather
    // than three AtomicLongs, so a DMA touches this object and no other
    @SuppressWarnings("unused") private volatile long dmaAccepted;
    @SuppressWarnings("unused") private volatile long dmaRejected;
    @SuppressWarnings("unused") private volatile long translations;
    private static final VarHandle DMA_ACCEPTED;
    private static final VarHandle DMA_REJECTED;
    private static final VarHandle TRANSLATIONS;

    static {
        try {
            final MethodHandles.Lookup l = MethodHandles.lookup();
            DMA_ACCEPTED = l.findVarHandle(AtsFunction.class, "dmaAccepted", long.class);
            DMA_REJECTED = l.findVarHandle(AtsFunction.class, "dmaRejected", long.class);
            TRANSLATIONS = l.findVarHandle(AtsFunction.class, "translations", long.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Count an accepted DMA (volatile getAndAdd). */
    void countAccepted() {
        DMA_ACCEPTED.getAndAdd(this, 1L);
    }

    /** Count a rejected DMA (volatile getAndAdd). */
    void countRejected() {
        DMA_REJECTED.getAndAdd(this, 1L);
    }

    /** Count a translation completion (volatile getAndAdd). */
    void countTranslation() {
        TRANSLATIONS.getAndAdd(this, 1L);
    }

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

    /**
     * @return whether the driver quarantined the function after an ATC timeout of its batch (QUAR v4:
     *         ATS disabled, STE.EATS cleared, invalidations muted; docs/protocol.md §2.5a), until a
     *         {@code reset_device_done} or an attach to another domain lifts it
     */
    public boolean quarantined() {
        return quarantined;
    }

    void quarantined(final boolean b) {
        quarantined = b;
    }

    /** @return the Completion Count the device puts in its Invalidate Completions (1..8). */
    public int completionCount() {
        return completionCount;
    }

    /**
     * Set the Completion Count (docs/protocol.md §2.5a): the device answers each invalidation with
     * {@code n} completion messages carrying the count {@code n} (for instance one per traffic class).
     *
     * @param n 1..8
     */
    public void completionCount(final int n) {
        if (n < 1 || n > io.resetguard.inv.IommuEngine.MAX_COMPLETION_COUNT) {
            throw new IllegalArgumentException("completionCount must be in 1..8, was " + n);
        }
        completionCount = n;
    }

    /** @return how many completion messages it really sends per invalidation (normally its count). */
    public int completionMessages() {
        final int m = completionMessages;
        return m < 0 ? completionCount : m;
    }

    /**
     * Fault injection: send {@code m} messages per invalidation instead of {@link #completionCount()}
     * (fewer: the ITag stays busy until the timeout; more: the extra ones name an ITag that is not busy).
     *
     * @param m 0..8, or -1 for "as many as the count"
     */
    public void completionMessages(final int m) {
        if (m < -1 || m > io.resetguard.inv.IommuEngine.MAX_COMPLETION_COUNT) {
            throw new IllegalArgumentException("completionMessages must be in -1..8, was " + m);
        }
        completionMessages = m;
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
        return (long) DMA_ACCEPTED.getVolatile(this);
    }

    /** @return DMAs the IOMMU (or bus mastering) stopped. */
    public long dmaRejected() {
        return (long) DMA_REJECTED.getVolatile(this);
    }

    @Override
    public String toString() {
        return "ats " + fn.bdf();
    }
}
