package io.resetguard.ats;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventLog;
import io.resetguard.event.EventType;
import io.resetguard.fabric.AttachListener;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.Iommu;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.fault.FaultPoint;
import io.resetguard.inv.AtcEndpoint;
import io.resetguard.inv.InvCommand;
import io.resetguard.inv.InvCompletion;
import io.resetguard.inv.IommuEngine;
import io.resetguard.mem.PhysMem;
import io.resetguard.pci.HwResetListener;
import io.resetguard.pci.PciCore;
import io.resetguard.pci.PciDev;
import io.resetguard.state.DeviceState;
import io.resetguard.time.Scheduler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * AtsSystem - ATS, the ATCs and their invalidation, playing three parts of docs/protocol.md §5:
 * <ul>
 * <li><b>the OS</b>: {@link #map} and {@link #unmap} in the IOMMU's order (clear the PTE, invalidate
 *     the IOTLB, send ATC invalidations to every ATS-enabled function using the domain, wait, and
 *     only then free the page; or, lazily, batch the flush and the frees);</li>
 * <li><b>the IOMMU and its driver</b>: translation requests answered from the attached domain (none
 *     for a blocked or fenced function), translated requests forwarded without a page walk unless
 *     the function's translated requests are blocked, and the ATS enable/disable ordering of §1.7,
 *     applied whenever the core moves a function on or off a translating domain
 *     ({@link AttachListener});</li>
 * <li><b>the device</b>: its ATC ({@link Atc}), its answers to invalidations ({@link InvResponse}),
 *     its DMA ({@link #dma}), and the ATC flush of a completed function reset.</li>
 * </ul>
 * Every translated access is checked against {@link PhysMem}: an access through an entry cached
 * before its page was freed is recorded as {@link EventType#VIOLATION_MEMORY_CORRUPTION} or
 * {@link EventType#VIOLATION_STALE_READ} (invariant 1). An invalidation that reaches a parked
 * function is {@link EventType#VIOLATION_INVALIDATION_TO_BLOCKED} (invariant 3).
 *
 * <p>Thread-safe. All waiting goes through the scheduler.
 */
public final class AtsSystem implements AttachListener, HwResetListener, AtcEndpoint {
    /** A function using a domain through its RID ({@link InvCommand#NO_PASID}) or a PASID. */
    /**
     * The order of a domain's users: by function id, then PASID. The ATC invalidations of an unmap go
     * out in this order, so which one sits right before a SYNC (the SMMUv3 culprit guess) is the same
     * on every run, not an accident of identity hash codes.
     */
    private static final java.util.Comparator<Use> USE_ORDER =
        java.util.Comparator.<Use>comparingInt(u -> u.f().fn().id()).thenComparingInt(Use::pasid);

    record Use(AtsFunction f, int pasid) {
    }

    /** One of a function's attachments, as indexed in {@code users}. */
    record DomainUse(Domain domain, Use use) {
    }

    private final Fabric fabric;
    private final PciCore pci;
    private final PhysMem mem;
    private final AtsConfig config;
    private final Scheduler scheduler;
    private final EventLog events;
    private final Map<Iommu, IommuEngine> engines = new ConcurrentHashMap<>();
    private final Map<PciFunction, AtsFunction> functions = new ConcurrentHashMap<>();
    private final Map<Domain, IoPageTable> tables = new ConcurrentHashMap<>();
    private final Map<Domain, Set<Use>> users = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Object[]> lazyQueue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean lazyFlushScheduled = new AtomicBoolean();
    private final AtomicInteger pagesFreed = new AtomicInteger();

    /**
     * @param fabric the IOMMU side; every group that exists now is watched
     * @param pci    the PCI side (its scheduler is the clock)
     * @param mem    physical memory
     * @param config settings
     */
    public AtsSystem(final Fabric fabric, final PciCore pci, final PhysMem mem, final AtsConfig config) {
        this.fabric = Objects.requireNonNull(fabric, "fabric");
        this.pci = Objects.requireNonNull(pci, "pci");
        this.mem = Objects.requireNonNull(mem, "mem");
        this.config = Objects.requireNonNull(config, "config");
        this.scheduler = pci.scheduler();
        this.events = fabric.events();
        for (final Iommu i : fabric.iommus()) {
            engine(i);
        }
        for (final IommuGroup g : fabric.groups()) {
            g.addAttachListener(this);
        }
        pci.addHwResetListener(this);
        pci.resetBarrier(this::beforeHwReset);
    }

    /**
     * The {@link io.resetguard.pci.ResetBarrier} of the PCI core: a hardware reset of {@code dev}
     * starts only once the sync behind prepare()'s final ATC flush (see {@link #reconcile}) has
     * completed or timed out, as the driver's blocking-domain attach waits for it before prepare()
     * returns (docs/protocol.md §1.7, §7 scenario 15). Nothing pending: at once.
     */
    private void beforeHwReset(final PciDev dev, final Runnable proceed) {
        final AtsFunction f = functions.get(dev.fn());
        final InvCompletion flushed = f == null ? null : f.disableSync;
        if (flushed == null || flushed.isDone()) {
            proceed.run();
            return;
        }
        flushed.onComplete(rc -> proceed.run());
    }

    /** @return the settings. */
    public AtsConfig config() {
        return config;
    }

    /** @return physical memory. */
    public PhysMem mem() {
        return mem;
    }

    /** @return the invalidation engine of {@code iommu} (created on first use). */
    public IommuEngine engine(final Iommu iommu) {
        final IommuEngine e = engines.get(iommu); // the common case, without a capturing lambda
        return e != null ? e : engines.computeIfAbsent(iommu, i -> new IommuEngine(i, scheduler, events,
            config.flavour(), config.timeoutNs(), config.queue(), config.queueCapacity(), this));
    }

    /** @return every engine. */
    public List<IommuEngine> engines() {
        return new ArrayList<>(engines.values());
    }

    /**
     * Start tracking a group created after this system (its attach changes drive the driver).
     *
     * @param g the group
     */
    public void watch(final IommuGroup g) {
        g.addAttachListener(this);
    }

    /**
     * Give a PCI function its ATS side. Its ATS starts enabled if it is supported and the function
     * sits on a translating domain (the ATC starts empty, so no flush is needed).
     *
     * @return the ATS function
     */
    public AtsFunction attach(final PciDev dev) {
        if (dev.fn().fabric() != fabric) {
            throw new IllegalArgumentException(dev.fn().bdf() + " is a function of another Fabric than this "
                + "AtsSystem's");
        }
        final AtsFunction f = new AtsFunction(dev.fn(), dev, config.atcCapacity(), config.answerLatencyNs());
        if (functions.putIfAbsent(dev.fn(), f) != null) {
            throw new IllegalArgumentException(dev.fn().bdf() + " already has an ATS side");
        }
        final DeviceState ds = dev.fn().group().deviceState(dev.fn());
        if (dev.fn().atsSupported() && ds != null && ds.rid() != null && !ds.rid().isBlocking()) {
            f.atsEnabled(true);
        }
        updateUses(f, ds);
        return f;
    }

    /** @return the ATS side of {@code fn}, or null. */
    public AtsFunction function(final PciFunction fn) {
        return functions.get(fn);
    }

    /** @return the page table of a paging domain (created on first use). */
    public IoPageTable table(final Domain d) {
        if (d.isBlocking()) {
            throw new IllegalArgumentException(d + " is a blocking domain: it has no page table");
        }
        return tables.computeIfAbsent(d, k -> new IoPageTable());
    }

    // ------------------------------------------------------------------------------------------------
    // the OS: map and unmap

    /**
     * Allocate a page for {@code owner} and map it at {@code iovaPage} of {@code d}.
     *
     * @return the page reference, or -1 if memory is exhausted
     * @throws IllegalArgumentException if {@code d} was allocated by another {@link Fabric}
     */
    public long map(final Domain d, final long iovaPage, final int owner, final boolean write) {
        d.requireFabric(fabric);
        final long ref = mem.alloc(owner);
        if (ref >= 0) {
            table(d).map(iovaPage, ref, write);
        }
        return ref;
    }

    /**
     * Unmap {@code iovaPage} of {@code d} and free its page, in the IOMMU's order.
     *
     * <p>Strict: clear the PTE, invalidate the IOTLB, send an ATC invalidation to every ATS-enabled
     * function using the domain, sync every engine involved, then free the page and call
     * {@code done}. Lazy: clear the PTE, queue the page for the next batched flush (global ATC
     * invalidations and a sync, at most {@link AtsConfig#lazyFlushNs()} later) and call {@code done}
     * at once; the page is freed after that flush.
     *
     * <p>Under SMMUv3 a timed-out invalidation still lets the sync complete with 0, so the page is
     * freed: the stale ATC entry is exactly the hazard of §5. Under VT-d a sync aborted with -EAGAIN
     * is resubmitted up to {@link AtsConfig#vtdMaxRetries()} times (the kernel would retry without
     * bound, §3.4); then the page is freed and {@code done} gets -ETIMEDOUT. Under AMD a sync the
     * driver's completion wait gave up on (after about 100 ms, docs/protocol.md §3.5) completes with
     * -EIO; the page is freed all the same (the callers do not act on it) and {@code done} gets -EIO.
     *
     * @param done receives 0, -EFAULT if nothing was mapped there, -ETIMEDOUT (VT-d gave up) or -EIO
     *             (AMD gave up waiting)
     */
    public void unmap(final Domain d, final long iovaPage, final Consumer<Errno> done) {
        final IoPageTable.Pte pte = table(d).unmap(iovaPage);
        if (pte == null) {
            done.accept(Errno.EFAULT);
            return;
        }
        if (!config.strict()) {
            lazyQueue.add(new Object[] {d, pte.ref()});
            scheduleLazyFlush();
            done.accept(Errno.OK);
            return;
        }
        final List<InvCommand> cmds = new ArrayList<>(2);
        final Set<Use> us = users.get(d);
        if (us != null) {
            for (final Use u : us) { // weakly consistent: a user added meanwhile is flushed when it attaches
                cmds.add(InvCommand.atcRange(u.f.fn(), u.pasid, iovaPage, 1));
            }
        }
        invalidateAndWait(cmds, 0, rc -> {
            freePage(d, pte.ref());
            done.accept(rc);
        });
    }

    private void scheduleLazyFlush() {
        if (lazyFlushScheduled.compareAndSet(false, true)) {
            scheduler.schedule(config.lazyFlushNs(), this::lazyFlush);
        }
    }

    /** The flush queue: one global invalidation per user of every queued domain, one sync, then the frees. */
    private void lazyFlush() {
        lazyFlushScheduled.set(false);
        final List<Object[]> batch = new ArrayList<>();
        Object[] e;
        while ((e = lazyQueue.poll()) != null) {
            batch.add(e);
        }
        if (batch.isEmpty()) {
            return;
        }
        final Map<PciFunction, InvCommand> cmds = new LinkedHashMap<>(); // submission order: the users' order
        for (final Object[] b : batch) {
            for (final Use u : usersOf((Domain) b[0])) {
                cmds.putIfAbsent(u.f.fn(), InvCommand.atcAll(u.f.fn()));
            }
        }
        invalidateAndWait(new ArrayList<>(cmds.values()), 0, rc -> {
            for (final Object[] b : batch) {
                freePage((Domain) b[0], (Long) b[1]);
            }
        });
    }

    private void freePage(final Domain d, final long ref) {
        if (!mem.free(ref)) {
            events.record(EventType.WARN_DOUBLE_FREE, null, PhysMem.toString(ref));
            return;
        }
        pagesFreed.incrementAndGet();
        if (events.retaining()) {
            events.record(EventType.INFO_PAGE_FREED, null, PhysMem.toString(ref) + " of " + d);
        }
    }

    /**
     * Submit {@code cmds} and a sync on every engine they go to; {@code done} runs once all syncs
     * completed. Never spins: a full queue is retried from the scheduler.
     */
    private void invalidateAndWait(final List<InvCommand> cmds, final int attempt, final Consumer<Errno> done) {
        if (cmds.isEmpty()) {
            done.accept(Errno.OK);
            return;
        }
        final IommuEngine only = engine(cmds.get(0).target().group().iommu());
        if (sameEngine(only, cmds)) { // the common case: one engine, one sync, no bookkeeping
            submitAll(only, cmds, 0, c -> c.onComplete(rc -> {
                if (rc != Errno.EAGAIN) {
                    done.accept(rc == Errno.EIO ? Errno.EIO : Errno.OK); // AMD: -EIO, and the caller proceeds
                } else if (attempt < config.vtdMaxRetries()) {
                    invalidateAndWait(cmds, attempt + 1, done); // qi_submit_sync() restarts
                } else {
                    done.accept(Errno.ETIMEDOUT);
                }
            }));
            return;
        }
        final Map<IommuEngine, List<InvCommand>> byEngine = new LinkedHashMap<>();
        for (final InvCommand c : cmds) {
            byEngine.computeIfAbsent(engine(c.target().group().iommu()), k -> new ArrayList<>()).add(c);
        }
        final AtomicInteger left = new AtomicInteger(byEngine.size());
        final AtomicBoolean again = new AtomicBoolean();
        final AtomicBoolean eio = new AtomicBoolean();
        for (final Map.Entry<IommuEngine, List<InvCommand>> e : byEngine.entrySet()) {
            submitAll(e.getKey(), e.getValue(), 0, c -> c.onComplete(rc -> {
                if (rc == Errno.EAGAIN) {
                    again.set(true);
                } else if (rc == Errno.EIO) {
                    eio.set(true);
                }
                if (left.decrementAndGet() == 0) {
                    if (!again.get()) {
                        done.accept(eio.get() ? Errno.EIO : Errno.OK);
                    } else if (attempt < config.vtdMaxRetries()) {
                        invalidateAndWait(cmds, attempt + 1, done); // qi_submit_sync() restarts
                    } else {
                        done.accept(Errno.ETIMEDOUT);
                    }
                }
            }));
        }
    }

    private boolean sameEngine(final IommuEngine e, final List<InvCommand> cmds) {
        for (int i = 1; i < cmds.size(); i++) {
            if (cmds.get(i).target().group().iommu() != e.iommu()) {
                return false;
            }
        }
        return true;
    }

    private void submitAll(final IommuEngine engine, final List<InvCommand> cmds, final int from,
                           final Consumer<InvCompletion> then) {
        for (int i = from; i < cmds.size(); i++) {
            if (engine.submit(cmds.get(i)).isError()) {
                final int at = i;
                scheduler.schedule(1_000, () -> submitAll(engine, cmds, at, then)); // queue full: back off 1 µs
                return;
            }
        }
        final InvCompletion c = engine.trySync();
        if (c == null) {
            scheduler.schedule(1_000, () -> submitAll(engine, cmds, cmds.size(), then)); // back off 1 µs
            return;
        }
        then.accept(c);
    }

    private List<Use> usersOf(final Domain d) {
        final Set<Use> s = users.get(d);
        return s == null ? List.of() : new ArrayList<>(s);
    }

    // ------------------------------------------------------------------------------------------------
    // the device: translation requests and DMA

    /**
     * A Translation Request from {@code f} for ({@code pasid}, {@code iovaPage}): the IOMMU answers
     * from the domain the function is physically attached to; a blocked, fenced or ATS-disabled
     * function, or an unmapped page, gets none.
     *
     * @return 0 (the ATC now holds the translation) or -EFAULT
     */
    public Errno translate(final AtsFunction f, final int pasid, final long iovaPage) {
        final long epoch = f.atc().epoch();
        final Domain dom = physicalDomain(f, pasid);
        if (dom == null || dom.isBlocking() || !f.atsEnabled() || f.fenced() || f.quarantined()) {
            return Errno.EFAULT;
        }
        final IoPageTable.Pte pte = table(dom).lookup(iovaPage);
        if (pte == null) {
            return Errno.EFAULT;
        }
        f.countTranslation();
        f.atc().fill(new Atc.Entry(pasid, iovaPage, pte.ref(), pte.write(), scheduler.nanoTime()), epoch);
        return Errno.OK;
    }

    /**
     * A DMA by {@code f} to ({@code pasid}, {@code iovaPage}). With ATS the device uses its ATC
     * (asking for a translation on a miss) and sends a translated request, which the IOMMU forwards
     * without a page walk unless the function's translated requests are blocked; without ATS the
     * IOMMU translates it from the attached domain.
     *
     * @return 0 if the access reached memory (checked by the oracle), -EIO if bus mastering or the
     *         IOMMU stopped it, -EFAULT if there was no translation or no write permission
     */
    public Errno dma(final AtsFunction f, final int pasid, final long iovaPage, final boolean write) {
        final PciDev d = f.dev();
        if (!d.busMaster() && f.honorsBusMaster()) {
            f.countRejected();
            return Errno.EIO;
        }
        Atc.Entry e = f.atc().lookup(pasid, iovaPage);
        if (e == null) {
            if (!f.atsEnabled() || f.fenced()) {
                return untranslated(f, pasid, iovaPage, write);
            }
            final Errno t = translate(f, pasid, iovaPage);
            if (t.isError()) {
                f.countRejected();
                return t;
            }
            e = f.atc().lookup(pasid, iovaPage);
            if (e == null) {
                return Errno.EFAULT; // the completion raced an invalidation and was discarded
            }
        }
        // a translated request: forwarded without a page walk unless blocked for this function
        final Domain dom = physicalDomain(f, pasid);
        if (dom == null || dom.isBlocking() || !f.atsEnabled() || f.fenced() || f.quarantined()) {
            f.countRejected();
            return Errno.EIO;
        }
        if (write && !e.write()) {
            f.countRejected();
            return Errno.EFAULT;
        }
        access(f, e, write);
        return Errno.OK;
    }

    private Errno untranslated(final AtsFunction f, final int pasid, final long iovaPage, final boolean write) {
        final Domain dom = physicalDomain(f, pasid);
        if (dom == null || dom.isBlocking()) {
            f.countRejected();
            return Errno.EIO;
        }
        final IoPageTable.Pte pte = table(dom).lookup(iovaPage);
        if (pte == null || write && !pte.write()) {
            f.countRejected();
            return Errno.EFAULT;
        }
        f.countAccepted();
        return Errno.OK; // the walk is current: nothing stale can be reached
    }

    private void access(final AtsFunction f, final Atc.Entry e, final boolean write) {
        f.countAccepted();
        final PhysMem.Access a = mem.check(e.ref());
        if (a == PhysMem.Access.VALID) {
            return;
        }
        final int owner = mem.owner(PhysMem.pfn(e.ref()));
        events.record(write ? EventType.VIOLATION_MEMORY_CORRUPTION : EventType.VIOLATION_STALE_READ, f.fn().bdf(),
            (write ? "write" : "read") + " to " + PhysMem.toString(e.ref()) + " (iova " + e.iovaPage() + ", pasid "
                + e.pasid() + ", cached at " + e.cachedAtNs() / 1_000_000 + "ms): page now "
                + (a == PhysMem.Access.FREED ? "free" : "owned by " + owner));
    }

    private Domain physicalDomain(final AtsFunction f, final int pasid) {
        final DeviceState ds = f.fn().group().deviceState(f.fn());
        if (ds == null) {
            return null;
        }
        return pasid == InvCommand.NO_PASID ? ds.rid() : ds.pasids().get(pasid);
    }

    // ------------------------------------------------------------------------------------------------
    // the driver: fence, and reconcile with the core's attach changes (§1.7)

    /**
     * Whether {@code f}'s ATS side is as {@link #attach} left it and holds nothing in flight: its ATC
     * is empty, it is not fenced, no reconcile or re-enable is pending, its device answers
     * invalidations normally and honours bus mastering, and ATS is enabled exactly when the function
     * supports it. The simulator lends a function's core objects to another function only in this
     * state. Call from the thread that drives the scheduler, between tasks.
     *
     * @return {@code true} if nothing distinguishes {@code f} from a freshly attached function
     */
    public boolean quiescent(final AtsFunction f) {
        return f.response() == InvResponse.NORMAL && f.honorsBusMaster() && f.resetCuresHang() && !f.fenced()
            && !f.quarantined()
            && f.atsEnabled() == f.fn().atsSupported() && !f.reconciling.get() && !f.reconcileAgain
            && !f.enablePending && f.atc().size() == 0;
    }

    /**
     * Fence {@code fn} at once (the review's direction, §2.4/§2.5): translated requests blocked,
     * ATC invalidations muted. The next re-attach to a translating domain (done() of a reset) lifts
     * it after flushing the ATC.
     *
     * @return {@code false} if it was already fenced or has no ATS side
     */
    public boolean fence(final PciFunction fn) {
        final AtsFunction f = functions.get(fn);
        if (f == null || f.fenced()) {
            return false;
        }
        f.fenced(true);
        events.record(EventType.LOG_ATS_FENCED, fn.bdf(), "");
        return true;
    }

    /**
     * Quarantine {@code fn} as the QUAR v4 agreement has the IOMMU driver do on an ATC invalidation
     * timeout of its batch (docs/protocol.md §2.5 steps 3-4, §2.5a): {@code pci_disable_ats()},
     * STE.EATS cleared (translated requests rejected) and the ATS invalidation entries of its domain
     * marked broken (further ATC invalidations muted). No reset is started here.
     *
     * <p>The quarantine holds until one of:
     * <ul>
     * <li>{@link #onResetDeviceDone}: a reset's done() that the model let unblock the function (step 7;
     *     under the seed models a failed reset skips done(), under result-to-done a failed result
     *     keeps the function blocked, so only a good reset lifts it there);</li>
     * <li>an attach of the function to a translating domain other than the one it was quarantined on:
     *     that domain's invalidation entries are not marked, and the attach sets EATS again (Jason
     *     Gunthorpe, 19 May 2026: a racing attach re-sets EATS, times out again and is quarantined
     *     again). [inference] The restore of the same domain by a done() is not such an attach: it
     *     waits for {@code reset_device_done}.</li>
     * </ul>
     * Caller: the driver's interrupt path (a {@link io.resetguard.inv.IommuEngine.TimeoutListener}).
     *
     * @return {@code true} if it was not quarantined before (and has an ATS side)
     */
    public boolean quarantine(final PciFunction fn) {
        final AtsFunction f = functions.get(fn);
        if (f == null || f.quarantined()) {
            return false;
        }
        final DeviceState ds = fn.group().snapshot().deviceOf(fn);
        f.quarantinedOn = ds == null ? null : ds.rid();
        // NOTE: quarantined before ATS goes off, so that a reconcile running meanwhile on another
        // thread sees the quarantine when it sees ATS off, and does not re-enable ATS on this domain
        f.quarantined(true);
        f.atsEnabled(false);
        events.record(EventType.LOG_ATS_QUARANTINED, fn.bdf(), "");
        return true;
    }

    /**
     * The QUAR {@code reset_device_done} op (docs/protocol.md §2.5 step 7): done() unblocked
     * {@code fn}, so revert the quarantine (EATS, the muted invalidation entries) and re-enable ATS
     * through the usual flush-then-enable order.
     */
    @Override
    public void onResetDeviceDone(final IommuGroup group, final PciFunction fn) {
        final AtsFunction f = functions.get(fn);
        if (f == null || !f.quarantined()) {
            return;
        }
        f.quarantined(false);
        f.quarantinedOn = null;
        events.record(EventType.INFO_ATS_QUARANTINE_LIFTED, fn.bdf(), "");
        reconcile(f);
    }

    @Override
    public void onPhysicalChange(final IommuGroup group, final PciFunction fn, final DeviceState before,
                                 final DeviceState after) {
        final AtsFunction f = functions.get(fn);
        if (f != null) {
            reconcile(f);
        }
    }

    @Override
    public void onRedundantPasidRemove(final IommuGroup group, final PciFunction fn) {
        final AtsFunction f = functions.get(fn);
        if (f != null) {
            // 7.0: the blocked domain's set_dev_pasid() again, and the driver invalidates that PASID's ATC
            final IommuEngine e = engine(fn.group().iommu());
            if (e.submit(InvCommand.atcPasid(fn, 1).withPurpose(InvCommand.Purpose.REDUNDANT)).isOk()) {
                e.sync();
            }
        }
    }

    /**
     * Bring the driver's per-function state in line with where the core attached the function, one
     * reconciler at a time per function (notifications may arrive out of order; the snapshot is the
     * truth):
     * <ul>
     * <li>moved to the blocking domain: {@code pci_disable_ats()}, then flush the whole ATC;</li>
     * <li>moved to a translating domain: flush the whole ATC, and once that sync completed enable ATS
     *     and lift a fence (the STE is rewritten).</li>
     * </ul>
     */
    private void reconcile(final AtsFunction f) {
        f.reconcileAgain = true;
        while (f.reconcileAgain && f.reconciling.compareAndSet(false, true)) {
            f.reconcileAgain = false;
            try {
                reconcileOnce(f);
            } finally {
                f.reconciling.set(false);
            }
        }
    }

    private void reconcileOnce(final AtsFunction f) {
        final PciFunction fn = f.fn();
        final DeviceState ds = fn.group().deviceState(fn);
        updateUses(f, ds);
        final Domain rid = ds == null ? null : ds.rid();
        final boolean translating = rid != null && !rid.isBlocking();
        final IommuEngine engine = engine(fn.group().iommu());
        if (!translating && f.atsEnabled()) {
            f.atsEnabled(false); // pci_disable_ats(), wmb(), then the final flush
            if (engine.submit(InvCommand.disableFlush(fn)).isOk()) {
                f.disableSync = engine.sync(); // what a hardware reset of fn waits for (beforeHwReset)
            }
        } else if (translating && fn.atsSupported() && (!f.atsEnabled() || f.fenced()) && !f.enablePending
            && !(f.quarantined() && f.quarantinedOn == rid)) {
            final boolean liftsQuarantine = f.quarantined(); // an attach to another domain (see quarantine())
            f.enablePending = true;
            final List<InvCommand> flush = List.of(InvCommand.atcAll(fn).withPurpose(InvCommand.Purpose.ENABLE_FLUSH));
            invalidateAndWait(flush, 0, rc -> {
                f.enablePending = false;
                final DeviceState now = fn.group().deviceState(fn);
                if (now != null && now.rid() != null && !now.rid().isBlocking()) {
                    if (f.atsEnabled() && !f.fenced() && !f.quarantined()) {
                        events.record(EventType.WARN_ATS_ENABLE_ORDER, fn.bdf(), "enabled twice");
                    }
                    f.fenced(false);
                    // NOTE: the attach writes the STE with EATS after its flush. A quarantine imposed
                    // during that flush (the flush itself timed out) or before it (liftsQuarantine) is
                    // overwritten: the accepted race of the QUAR v4 agreement; the next invalidation
                    // times out and quarantines the function again.
                    if (liftsQuarantine || f.quarantined()) {
                        f.quarantined(false);
                        f.quarantinedOn = null;
                    }
                    f.atsEnabled(true); // invalidate first, then pci_enable_ats() (invariant 5)
                } else {
                    reconcile(f);
                }
            });
        }
    }

    /** Index the (domain, PASID) pairs {@code f} is attached to now, replacing what it had. */
    private void updateUses(final AtsFunction f, final DeviceState ds) {
        final List<DomainUse> now = new ArrayList<>();
        if (ds != null) {
            if (ds.rid() != null && !ds.rid().isBlocking()) {
                now.add(new DomainUse(ds.rid(), new Use(f, InvCommand.NO_PASID)));
            }
            for (int k = 0; k < ds.pasids().size(); k++) {
                final Domain d = ds.pasids().domainAt(k);
                if (!d.isBlocking()) {
                    now.add(new DomainUse(d, new Use(f, ds.pasids().pasidAt(k))));
                }
            }
        }
        for (final DomainUse old : f.attachedTo) {
            final Set<Use> s = users.get(old.domain());
            if (s != null) {
                s.remove(old.use());
            }
        }
        for (final DomainUse u : now) {
            users.computeIfAbsent(u.domain(), k -> new ConcurrentSkipListSet<>(USE_ORDER)).add(u.use());
        }
        f.attachedTo = List.copyOf(now);
    }

    // ------------------------------------------------------------------------------------------------
    // the device: invalidations and resets

    @Override
    public boolean accepts(final InvCommand cmd) {
        final PciFunction fn = cmd.target();
        final AtsFunction f = functions.get(fn);
        if (f == null) {
            return false;
        }
        switch (cmd.purpose()) {
            case DISABLE_FLUSH:
                return true; // part of prepare(): the final flush after pci_disable_ats()
            case REDUNDANT:
                // Invariant 3, checked where the driver decides to send: only 7.0's redundant
                // set_dev_pasid() sends to a function that is parked now. (Checking at delivery would
                // also flag an invalidation decided just before a racing prepare() committed, which the
                // kernel's prepare() drains, and which is therefore no violation.)
                if (fn.group().isParked(fn)) {
                    events.record(EventType.VIOLATION_INVALIDATION_TO_BLOCKED, fn.bdf(), cmd.toString());
                }
                return true;
            case ENABLE_FLUSH:
                return !fn.group().isParked(fn);
            default:
                return f.atsEnabled() && !f.fenced() && !f.quarantined() && !fn.group().isParked(fn);
        }
    }

    @Override
    public void deliver(final IommuEngine engine, final InvCommand cmd, final int itag, final long tagGen) {
        final PciFunction fn = cmd.target();
        final AtsFunction f = functions.get(fn);
        if (f == null) {
            return;
        }
        final long now = scheduler.nanoTime();
        if (fabric.faults().draw(FaultPoint.INVALIDATION, fn).isError()) {
            return; // dropped by the function: the engine's timeout will fire
        }
        final boolean loseCompletion = fabric.faults().draw(FaultPoint.COMPLETION, fn).isError();
        switch (f.response()) {
            case HANG:
                return;
            case IGNORE_IN_RESET:
                if (f.dev().inHwReset(now)) {
                    return;
                }
                break;
            case LATE:
                scheduler.schedule(config.timeoutNs() + f.lateByNs(), () -> {
                    f.atc().invalidate(cmd);
                    answer(engine, f, itag, tagGen);
                });
                return;
            default:
                break;
        }
        scheduler.schedule(f.answerLatencyNs(), () -> {
            f.atc().invalidate(cmd);
            if (!loseCompletion) {
                answer(engine, f, itag, tagGen);
            }
        });
    }

    /**
     * The device's Invalidate Completion messages for one request: {@link AtsFunction#completionMessages()}
     * of them, each carrying its Completion Count (docs/protocol.md §2.5a), sent together.
     */
    private static void answer(final IommuEngine engine, final AtsFunction f, final int itag, final long tagGen) {
        final int count = f.completionCount();
        final int messages = f.completionMessages();
        for (int m = 0; m < messages; m++) {
            engine.complete(f.fn(), itag, tagGen, count);
        }
    }

    @Override
    public void onHwReset(final PciDev dev, final long readyAtNs) {
        final AtsFunction f = functions.get(dev.fn());
        if (f == null || readyAtNs == Long.MAX_VALUE) {
            return; // a reset that never completes neither flushes the ATC nor cures a hang
        }
        scheduler.schedule(Math.max(0, readyAtNs - scheduler.nanoTime()), () -> {
            f.atc().flush();
            if (f.response() == InvResponse.HANG && f.resetCuresHang()) {
                f.response(InvResponse.NORMAL); // what recovery by reset is for
            }
        });
    }

    /** @return pages freed by unmaps so far. */
    public int pagesFreed() {
        return pagesFreed.get();
    }
}
