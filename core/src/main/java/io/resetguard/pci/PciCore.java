package io.resetguard.pci;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Bdf;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.fault.FaultPoint;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.OpCtx;
import io.resetguard.time.Scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.resetguard.time.Scheduler.MS;

/**
 * PciCore - the emulated PCI core: the reset methods of {@code pci.c}/{@code quirks.c}/
 * {@code pci-acpi.c}, their probing, the method walk, the reset entry points and their locks
 * (docs/protocol.md §4), with the IOMMU hooks of each method placed as in the kernel and the
 * post-reset rule of the fabric's {@link io.resetguard.model.ProtocolModel}
 * ({@link IommuGroup#finishReset}).
 *
 * <p>Every wait (pending-transaction drain, the 100 ms FLR settle, readiness polling with doubling
 * delay up to 60 s, D3hot delays, bus-reset assertion, firmware waits) goes through the
 * {@link Scheduler}; nothing blocks a thread. Entry points therefore take a {@link ResetCallback}
 * that receives the kernel function's return value when the reset finishes in emulated time.
 *
 * <p>Method table (§4.1) and where the IOMMU hooks sit:
 * <pre>
 *  method           probe-mode result            prepare                       done (per model)
 *  ---------------  ---------------------------  ----------------------------  ----------------
 *  device_specific  0 if a quirk matches         before the quirk, ALSO probe  after the quirk
 *  acpi             0 if _RST exists             after the probe check         after _RST
 *  flr              0 if FLR cap                 after pending-tx wait         after readiness
 *  af_flr           0 if AF FLR cap              after pending-tx wait         after readiness
 *  pm               0 if PM cap                  after the D0 check (-EINVAL)  after readiness
 *  bus              0 if slot/parent reset, or   before slot/parent, ALSO      after
 *                   CXL-masked (then -ENOTTY)    probe
 *  cxl_bus          0 if CXL port DVSEC          after probe check; nests bus  after bus
 * </pre>
 * "ALSO probe" holds where the model's {@link ProtocolModel#probeHooks()} is
 * {@link ProtocolModel.ProbeHooks#PREPARE_DONE}; under quar-v6 ({@link ProtocolModel.ProbeHooks#NONE},
 * docs/protocol.md §2.5a) a probe makes no IOMMU change at all.
 *
 * <p>Thread-safety: entry points may be called from any thread; two full resets of one function are
 * serialized by its {@link DeviceLock} (invariant 17, checked: an overlap is recorded as
 * {@link EventType#VIOLATION_RESET_OVERLAP}). A reset's steps run one after another, each on the
 * thread the scheduler runs it on.
 */
public final class PciCore {
    /** PCI_RESET_WAIT: polls beyond this log "not ready; waiting". */
    static final long RESET_WAIT_MS = 1000;
    /** PCIE_RESET_READY_POLL_MS: readiness timeout of a reset. */
    static final long READY_POLL_MS = 60_000;
    /** The FLR settle time (PCIe r4.0 §6.6.2: an FLR completes within 100 ms). */
    static final long FLR_SETTLE_MS = 100;
    /** pci_dev_d3_sleep(): the default D3hot delay. */
    static final long D3_DELAY_MS = 10;
    /** Secondary bus reset assertion (at least 2 ms, pci_reset_secondary_bus). */
    static final long SBR_ASSERT_MS = 2;
    /** Wait after a secondary bus reset before polling (pci_bridge_wait_for_secondary_bus). */
    static final long SBR_SETTLE_MS = 100;
    /** Emulated duration of evaluating ACPI _RST. */
    static final long ACPI_RST_MS = 10;
    /** Firmware ready time after the FLR of {@link Quirk#FLR_THEN_FIRMWARE_WAIT}. */
    static final long FIRMWARE_READY_MS = 300;

    private final Fabric fabric;
    private final Scheduler scheduler;
    private volatile ResetFaults faults = ResetFaults.NONE;
    private final Map<PciFunction, PciDev> devs = new ConcurrentHashMap<>();
    private final List<HwResetListener> listeners = new CopyOnWriteArrayList<>();
    private volatile ResetBarrier barrier = ResetBarrier.NONE;

    /**
     * @param fabric    the IOMMU side (its model decides the post-reset rule)
     * @param scheduler the clock and timer of every wait
     */
    public PciCore(final Fabric fabric, final Scheduler scheduler) {
        this.fabric = Objects.requireNonNull(fabric, "fabric");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        fabric.events().clock(scheduler);
    }

    /** @return the scheduler. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** @return the fabric. */
    public Fabric fabric() {
        return fabric;
    }

    /** Replace the reset-method fault plan. */
    public void faults(final ResetFaults f) {
        this.faults = Objects.requireNonNull(f, "faults");
    }

    /** Be told of every hardware reset. */
    public void addHwResetListener(final HwResetListener l) {
        listeners.add(Objects.requireNonNull(l, "listener"));
    }

    /**
     * Set what every hardware reset waits for first (the ATS layer's final flush, see
     * {@link ResetBarrier}); replaces the previous one. {@link ResetBarrier#NONE} by default.
     */
    public void resetBarrier(final ResetBarrier b) {
        this.barrier = Objects.requireNonNull(b, "barrier");
    }

    // ------------------------------------------------------------------------------------------------
    // topology

    /**
     * Add an upstream bridge.
     *
     * @param bdf         its address
     * @param hotplugSlot the downstream port has a hotplug slot
     * @param cxlPort     it has the CXL port DVSEC
     * @param sbrMasked   the CXL port masks secondary bus reset
     * @return the bridge
     */
    public PciBridge addBridge(final Bdf bdf, final boolean hotplugSlot, final boolean cxlPort,
                               final boolean sbrMasked) {
        if (sbrMasked && !cxlPort) {
            throw new IllegalArgumentException("bridge " + bdf + ": sbrMasked needs cxlPort");
        }
        return new PciBridge(Objects.requireNonNull(bdf, "bdf"), new DeviceLock(scheduler), hotplugSlot, cxlPort,
            sbrMasked);
    }

    /**
     * Enumerate {@code fn} on the PCI side and probe its reset methods (pci_init_reset_methods()).
     *
     * <p>At enumeration the probe runs from {@code pci_init_capabilities()}, before
     * {@code device_add()} reaches {@code iommu_probe_device()}, so the probe-mode IOMMU hooks find
     * no IOMMU and do nothing [inf from probe.c]. Later probes (sysfs {@code reset_method}) run them,
     * except under a model whose probes make no IOMMU change (quar-v6, docs/protocol.md §2.5a).
     *
     * @param fn     the function, already in its IOMMU group
     * @param caps   its capabilities
     * @param bridge its upstream bridge, or null for a root bus
     * @return the PCI device
     * @throws IllegalArgumentException if {@code fn} belongs to another {@link Fabric} or is attached already
     */
    public PciDev attach(final PciFunction fn, final PciCaps caps, final PciBridge bridge) {
        if (Objects.requireNonNull(fn, "fn").fabric() != fabric) {
            throw new IllegalArgumentException(fn.bdf() + " is a function of another Fabric than this PciCore's");
        }
        final PciDev d = new PciDev(Objects.requireNonNull(fn, "fn"), Objects.requireNonNull(caps, "caps"), bridge,
            new DeviceLock(scheduler));
        if (devs.putIfAbsent(fn, d) != null) {
            throw new IllegalArgumentException(fn.bdf() + " is already attached to the PCI core");
        }
        if (bridge != null) {
            bridge.addChild(d);
        }
        d.methods(probeAll(d, false));
        return d;
    }

    /** @return the PCI device of {@code fn}, or null. */
    public PciDev dev(final PciFunction fn) {
        return devs.get(fn);
    }

    // ------------------------------------------------------------------------------------------------
    // entry points (§4.3)

    /**
     * pci_reset_function() - lock the bridge then the device, save and disable (clears bus
     * mastering), walk the methods, restore (always), call reset_done (always), unlock.
     *
     * @param d the function
     * @param k receives 0, -ENOTTY (no method worked or none is listed), or the error that stopped the walk
     */
    public void resetFunction(final PciDev d, final ResetCallback k) {
        if (d.methodsArray().length == 0) {
            k.complete(Errno.ENOTTY);
            return;
        }
        final Object owner = new Object();
        final PciBridge br = d.bridge();
        final Runnable locked = () -> fullReset(d, owner, rc -> {
            d.lock().unlock(owner);
            if (br != null) {
                br.lock().unlock(owner);
            }
            k.complete(rc);
        });
        if (br == null) {
            d.lock().lock(owner, locked);
        } else {
            br.lock().lock(owner, () -> d.lock().lock(owner, locked));
        }
    }

    /**
     * pci_reset_function_locked() - as {@link #resetFunction} for a caller that already holds the
     * device lock with token {@code owner}; no bridge lock.
     *
     * @throws IllegalStateException if {@code owner} does not hold the device lock
     */
    public void resetFunctionLocked(final PciDev d, final Object owner, final ResetCallback k) {
        if (!d.lock().isHeldBy(owner)) {
            throw new IllegalStateException(d.fn().bdf() + ": pci_reset_function_locked() without the device lock");
        }
        if (d.methodsArray().length == 0) {
            k.complete(Errno.ENOTTY);
            return;
        }
        fullReset(d, owner, k);
    }

    /**
     * pci_try_reset_function() - as {@link #resetFunction} but only try the device lock (no bridge
     * lock): -EAGAIN at once if it is held.
     */
    public void tryResetFunction(final PciDev d, final ResetCallback k) {
        if (d.methodsArray().length == 0) {
            k.complete(Errno.ENOTTY);
            return;
        }
        final Object owner = new Object();
        if (!d.lock().tryLock(owner)) {
            k.complete(Errno.EAGAIN);
            return;
        }
        fullReset(d, owner, rc -> {
            d.lock().unlock(owner);
            k.complete(rc);
        });
    }

    /**
     * __pci_reset_function_locked() - the bare method walk: no locks, no save/restore (the caller's
     * job, as for VFIO). §4.2: -ENOTTY moves on, 0 or any other error ends the walk.
     */
    public void resetWalk(final PciDev d, final ResetCallback k) {
        walk(new Call(d, true), d.methodsArray(), 0, k);
    }

    /**
     * Run one method, as the walk would (or in probe mode, as probing does), hooks included.
     *
     * @param probe PCI_RESET_PROBE
     */
    public void runMethod(final PciDev d, final ResetMethod m, final boolean probe, final ResetCallback k) {
        method(new Call(d, true), m, probe, k);
    }

    // ------------------------------------------------------------------------------------------------
    // probing and sysfs reset_method (§4.2)

    /**
     * Probe one method now ({@code pci_reset_fn_methods[m].reset_fn(dev, PCI_RESET_PROBE)}), with
     * the IOMMU hooks of device_specific and bus, which run prepare/done in probe mode too, unless
     * the model's probes make no IOMMU change ({@link ProtocolModel.ProbeHooks#NONE}, quar-v6).
     *
     * @return 0 if supported, -ENOTTY if not, or another error
     */
    public Errno probe(final PciDev d, final ResetMethod m) {
        return probeSync(new Call(d, true), m);
    }

    /**
     * Write sysfs {@code reset_method}: {@code "default"} re-probes every method; an empty string
     * disables resets; otherwise a space-separated list of method names, each of which must exist,
     * appear once and probe as supported (else -EINVAL and the list is unchanged).
     *
     * @param text the sysfs text, not null
     * @return 0 or -EINVAL
     * @throws NullPointerException if {@code text} is null
     */
    public Errno storeResetMethods(final PciDev d, final String text) {
        // an empty string disables resets on purpose; a null is a caller's bug, not a request to disable
        final String t = Objects.requireNonNull(text, "text (use \"\" to disable resets)").trim();
        if (t.equals("default")) {
            d.methods(probeAll(d, true));
            return Errno.OK;
        }
        if (t.isEmpty()) {
            d.methods(new ResetMethod[0]);
            return Errno.OK;
        }
        final List<ResetMethod> list = new ArrayList<>();
        for (final String name : t.split("\\s+")) {
            final ResetMethod m = ResetMethod.ofSysfsName(name);
            if (m == null || list.contains(m)) {
                log(EventType.LOG_UNSUPPORTED_RESET_METHOD, d, "'" + name + "'");
                return Errno.EINVAL;
            }
            if (probe(d, m).isError()) {
                log(EventType.LOG_UNSUPPORTED_RESET_METHOD, d, "'" + name + "'");
                return Errno.EINVAL;
            }
            list.add(m);
        }
        d.methods(list.toArray(new ResetMethod[0]));
        return Errno.OK;
    }

    /** @return sysfs {@code reset_method}: the methods in walk order, space separated. */
    public String showResetMethods(final PciDev d) {
        final StringBuilder sb = new StringBuilder();
        for (final ResetMethod m : d.methodsArray()) {
            sb.append(sb.length() == 0 ? "" : " ").append(m.sysfsName());
        }
        return sb.toString();
    }

    private ResetMethod[] probeAll(final PciDev d, final boolean hooks) {
        final List<ResetMethod> list = new ArrayList<>();
        final Call c = new Call(d, hooks);
        for (final ResetMethod m : ResetMethod.values()) {
            final Errno rc = probeSync(c, m);
            if (rc.isOk()) {
                list.add(m);
            } else if (rc != Errno.ENOTTY) {
                break; // any other value stops probing
            }
        }
        return list.toArray(new ResetMethod[0]);
    }

    private Errno probeSync(final Call c, final ResetMethod m) {
        final Errno[] out = new Errno[1];
        method(c, m, true, rc -> out[0] = rc);
        if (out[0] == null) {
            throw new IllegalStateException("probe of " + m + " waited: probe paths must not sleep");
        }
        return out[0];
    }

    // ------------------------------------------------------------------------------------------------
    // the full reset and the walk

    /** The state of one reset chain: the device, its IOMMU context, whether hooks are live. */
    private final class Call {
        final PciDev d;
        final IommuGroup group;
        final OpCtx ctx = new OpCtx();
        final boolean hooks;

        Call(final PciDev d, final boolean hooks) {
            this.d = d;
            this.group = d.fn().group();
            this.hooks = hooks;
        }
    }

    private void fullReset(final PciDev d, final Object owner, final ResetCallback k) {
        if (d.enterFullReset() > 1) {
            log(EventType.VIOLATION_RESET_OVERLAP, d, "a second full reset entered");
        }
        final Call c = new Call(d, true);
        saveAndDisable(d, () -> walk(c, d.methodsArray(), 0, rc -> {
            restore(d, rc);
            d.exitFullReset(rc);
            // §2.6: a successful reset must leave the function unblocked unless another reset of it
            // is in progress, and a full reset holds the device lock, so no other full reset is. A
            // reset-method probe takes no device lock, though, and its prepare() may hold the
            // function for a moment: that is not a leak. So the check counts only if no probe was in
            // flight at any time while it looked: ends are read before the state and starts after
            // it (both volatile; ends <= starts, both only grow), and equal values mean none was. A
            // probe that ended before the first read and left the function parked is a leak, and is
            // reported as one.
            if (rc.isOk()) {
                final long probeEnds = d.probeEndsVolatile();
                if (c.group.isParked(d.fn()) && d.probeStartsVolatile() == probeEnds) {
                    log(EventType.VIOLATION_LIVENESS, d, d.probeLeftParked()
                        ? "still blocked after a successful reset: a reset-method probe left it blocked"
                        : "still blocked after a successful reset");
                }
            }
            k.complete(rc);
        }));
    }

    /** pci_dev_save_and_disable(): force D0, save state, clear the Command register (bus mastering). */
    private void saveAndDisable(final PciDev d, final Runnable next) {
        final Runnable save = () -> {
            d.savedBusMaster(d.busMaster());
            d.busMaster(false);
            next.run();
        };
        if (d.power() != PciDev.Power.D0) {
            d.power(PciDev.Power.D0);
            scheduler.schedule(D3_DELAY_MS * MS, save);
        } else {
            save.run();
        }
    }

    /** pci_dev_restore(): restore state (bus mastering as saved), then the driver's reset_done(). */
    private void restore(final PciDev d, final Errno rc) {
        d.busMaster(d.savedBusMaster());
        final io.resetguard.event.EventLog log = fabric.events();
        log.record(EventType.INFO_RESET_DONE_CALLBACK, d.fn().bdf(), log.retaining() ? "reset returned " + rc.kernelString() : "");
    }

    private void walk(final Call c, final ResetMethod[] methods, final int i, final ResetCallback k) {
        if (i >= methods.length) {
            k.complete(Errno.ENOTTY);
            return;
        }
        final ResetMethod m = methods[i];
        info(EventType.INFO_RESET_METHOD_TRY, c.d, m, null);
        method(c, m, false, rc -> {
            info(EventType.INFO_RESET_METHOD_RESULT, c.d, m, rc);
            if (rc != Errno.ENOTTY) {
                k.complete(rc);
            } else {
                walk(c, methods, i + 1, k);
            }
        });
    }

    private void method(final Call c, final ResetMethod m, final boolean probe, final ResetCallback k) {
        if (probe && c.hooks && fabric.model().probeHooks() == ProtocolModel.ProbeHooks.NONE) {
            // quar-v6 (docs/protocol.md §2.5a): probing makes no IOMMU change at all, no prepare/done
            dispatch(new Call(c.d, false), m, true, k);
            return;
        }
        if (!probe || !c.hooks || !m.probeRunsHooks()) {
            dispatch(c, m, probe, k);
            return;
        }
        // A probe of device_specific or bus prepare()s the function, and a sysfs probe does it
        // without the device lock (§4.1, §7 scenario 14). Count it in flight from before its
        // prepare to after its done (or its decision to keep the function blocked), so the liveness
        // checks can tell its transient block from a leak; and record whether it left the function
        // parked where it found it unparked, with no full reset holding it (the seed rule keeps the
        // function blocked on a probe's -ENOTTY). Probe paths never wait, so the callback has run
        // when dispatch() returns.
        final PciDev d = c.d;
        final boolean wasParked = c.group.isParked(d.fn());
        d.probeStarted();
        final boolean[] completed = new boolean[1];
        final boolean[] ended = new boolean[1];
        try {
            dispatch(c, m, true, rc -> {
                completed[0] = true;
                if (!ended[0]) {
                    ended[0] = true;
                    d.probeEnded(!wasParked && c.group.isParked(d.fn()) && !d.fullResetInFlight());
                }
                k.complete(rc);
            });
        } finally {
            if (!ended[0]) {
                ended[0] = true;
                d.probeEnded(false); // it threw, or waited: never leave it counted in flight
            }
        }
        if (!completed[0]) {
            throw new IllegalStateException("probe of " + m + " waited: probe paths must not sleep");
        }
    }

    private void dispatch(final Call c, final ResetMethod m, final boolean probe, final ResetCallback k) {
        switch (m) {
            case DEVICE_SPECIFIC:
                deviceSpecific(c, probe, k);
                break;
            case ACPI:
                acpi(c, probe, k);
                break;
            case FLR:
                if (!c.d.caps().flr()) {
                    k.complete(Errno.ENOTTY);
                } else if (probe) {
                    k.complete(Errno.OK);
                } else {
                    functionLevelReset(c, ResetMethod.FLR, k);
                }
                break;
            case AF_FLR:
                if (!c.d.caps().afFlr()) {
                    k.complete(Errno.ENOTTY);
                } else if (probe) {
                    k.complete(Errno.OK);
                } else {
                    functionLevelReset(c, ResetMethod.AF_FLR, k);
                }
                break;
            case PM:
                pm(c, probe, k);
                break;
            case BUS:
                bus(c, probe, k);
                break;
            case CXL_BUS:
                cxlBus(c, probe, k);
                break;
            default:
                throw new AssertionError(m);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // IOMMU hooks

    private ResetOutcome outcome(final Call c, final ResetMethod m, final boolean probe) {
        if (probe) {
            return ResetOutcome.SUCCESS;
        }
        final ResetOutcome o = faults.outcome(c.d.fn(), m, c.d.nextAttempt(m));
        if (o != ResetOutcome.SUCCESS) {
            return o;
        }
        final Errno e = fabric.faults().draw(FaultPoint.RESET_METHOD, c.d.fn());
        switch (e) {
            case OK:
                return ResetOutcome.SUCCESS;
            case ENOTTY:
                return ResetOutcome.ENOTTY;
            case ENOMEM:
                return ResetOutcome.PREPARE_ENOMEM;
            case EINVAL:
                return ResetOutcome.EINVAL;
            default:
                return ResetOutcome.EIO;
        }
    }

    /** pci_dev_reset_iommu_prepare() as a method calls it; logs the failure as the kernel does. */
    private Errno prepare(final Call c, final ResetMethod m, final ResetOutcome o) {
        if (!c.hooks) {
            return Errno.OK;
        }
        final Errno rc = o == ResetOutcome.PREPARE_ENOMEM ? Errno.ENOMEM
            : c.group.prepare(c.d.fn(), c.ctx.reset(fabric.faults()));
        if (rc.isError()) {
            log(EventType.LOG_IOMMU_PREPARE_FAILED, c.d, m.sysfsName() + ": " + rc.kernelString());
        }
        return rc;
    }

    /**
     * The common start of a hooked method: draw its outcome, refuse with -EINVAL before prepare (the
     * outcome says so, or {@code refuse}: pm's D0 check), then prepare().
     *
     * @return the outcome, or null if the method already completed {@code k} with an error
     */
    private ResetOutcome enter(final Call c, final ResetMethod m, final boolean probe, final boolean refuse,
                               final ResetCallback k) {
        final ResetOutcome o = outcome(c, m, probe);
        if (refuse || o == ResetOutcome.EINVAL) {
            k.complete(Errno.EINVAL);
            return null;
        }
        final Errno p = prepare(c, m, o);
        if (p.isError()) {
            k.complete(p);
            return null;
        }
        return o;
    }

    /** The method's post-reset IOMMU step under the fabric's model, then the continuation. */
    private void finish(final Call c, final Errno rc, final ResetCallback k) {
        if (c.hooks) {
            c.group.finishReset(c.d.fn(), rc, c.ctx.reset(fabric.faults()));
        }
        k.complete(rc);
    }

    // ------------------------------------------------------------------------------------------------
    // hardware and waits

    /**
     * The function starts a hardware reset once the {@link ResetBarrier} lets it (prepare()'s final
     * ATC flush has completed or timed out); it answers again after its ready delay (or never). Then
     * {@code next} runs: the method's own wait.
     */
    private void trigger(final PciDev d, final ResetOutcome o, final Runnable next) {
        barrier.beforeHwReset(d, () -> {
            final long now = scheduler.nanoTime();
            final long readyAt = o == ResetOutcome.READINESS_TIMEOUT ? Long.MAX_VALUE
                : now + d.caps().readyDelayMs() * MS;
            d.hwReset(now, readyAt);
            for (final HwResetListener l : listeners) {
                l.onHwReset(d, readyAt);
            }
            next.run();
        });
    }

    /** The outcome's effect on a method's own result once its wait returned {@code rc}. */
    private static Errno after(final ResetOutcome o, final Errno rc) {
        return rc.isOk() && o == ResetOutcome.EIO ? Errno.EIO : rc;
    }

    /**
     * pci_dev_wait() (§4.5): poll with a delay that starts at 1 ms and doubles; -ENOTTY at once if
     * disconnected, -ENOTTY ("giving up") once the delay exceeds the timeout; logs "waiting" past 1 s.
     */
    private void devWait(final Call c, final String what, final long timeoutMs, final ResetOutcome o,
                         final ResetCallback k) {
        poll(c, what, timeoutMs, o, 1, k);
    }

    private void poll(final Call c, final String what, final long timeoutMs, final ResetOutcome o, final long delayMs,
                      final ResetCallback k) {
        final PciDev d = c.d;
        if (d.disconnected() || o == ResetOutcome.ENOTTY) {
            k.complete(Errno.ENOTTY);
            return;
        }
        if (d.readyAt(scheduler.nanoTime())) {
            if (delayMs > RESET_WAIT_MS) {
                log(EventType.INFO_READY_AFTER, d, (delayMs - 1) + "ms after " + what);
            }
            k.complete(Errno.OK);
            return;
        }
        if (delayMs > timeoutMs) {
            log(EventType.LOG_NOT_READY_GIVING_UP, d, "not ready " + (delayMs - 1) + "ms after " + what + "; giving up");
            k.complete(Errno.ENOTTY);
            return;
        }
        if (delayMs > RESET_WAIT_MS) {
            log(EventType.LOG_NOT_READY_WAITING, d, "not ready " + (delayMs - 1) + "ms after " + what + "; waiting");
        }
        scheduler.schedule(delayMs * MS, () -> poll(c, what, timeoutMs, o, delayMs * 2, k));
    }

    /**
     * pci_wait_for_pending_transaction(): up to four checks, 0/100/200/400 ms apart; on timeout log
     * and go ahead.
     */
    private void pendingWait(final Call c, final ResetMethod m, final int i, final long waitedMs, final Runnable next) {
        if (c.d.caps().pendingTxMs() <= waitedMs) {
            next.run();
            return;
        }
        if (i == 4) {
            log(EventType.LOG_PENDING_TRANSACTION_TIMEOUT, c.d, m.sysfsName());
            next.run();
            return;
        }
        final long sleep = i == 0 ? 0 : (1L << (i - 1)) * 100;
        scheduler.schedule(sleep * MS, () -> pendingWait(c, m, i + 1, waitedMs + sleep, next));
    }

    // ------------------------------------------------------------------------------------------------
    // the methods (§4.1)

    /** pcie_flr() / pci_af_flr() once past the capability and probe checks. Quirks call it directly. */
    private void functionLevelReset(final Call c, final ResetMethod m, final ResetCallback k) {
        final ResetOutcome o = outcome(c, m, false);
        if (o == ResetOutcome.EINVAL) {
            k.complete(Errno.EINVAL);
            return;
        }
        pendingWait(c, m, 0, 0, () -> {
            // Have to call it after waiting for pending DMA transaction
            final Errno p = prepare(c, m, o);
            if (p.isError()) {
                k.complete(p);
                return;
            }
            trigger(c.d, o, () -> {
                if (c.d.caps().immReady()) {
                    finish(c, after(o, o == ResetOutcome.ENOTTY ? Errno.ENOTTY : Errno.OK), k);
                    return;
                }
                final String what = m == ResetMethod.FLR ? "FLR" : "AF_FLR";
                scheduler.schedule(FLR_SETTLE_MS * MS,
                    () -> devWait(c, what, READY_POLL_MS, o, rc -> finish(c, after(o, rc), k)));
            });
        });
    }

    /** pci_pm_reset(): -EINVAL if not in D0 (before prepare); D3hot, delay, D0, delay, readiness. */
    private void pm(final Call c, final boolean probe, final ResetCallback k) {
        if (!c.d.caps().pm()) {
            k.complete(Errno.ENOTTY);
            return;
        }
        if (probe) {
            k.complete(Errno.OK);
            return;
        }
        final ResetOutcome o = enter(c, ResetMethod.PM, false, c.d.power() != PciDev.Power.D0, k);
        if (o == null) {
            return;
        }
        trigger(c.d, o, () -> {
            c.d.power(PciDev.Power.D3HOT);
            scheduler.schedule(D3_DELAY_MS * MS, () -> {
                c.d.power(PciDev.Power.D0);
                scheduler.schedule(D3_DELAY_MS * MS, () -> devWait(c, "PM D3hot->D0", READY_POLL_MS, o,
                    rc -> finish(c, after(o, rc), k)));
            });
        });
    }

    /** pci_dev_acpi_reset(): -ENOTTY without _RST; prepare; evaluate _RST; its failure is -ENOTTY. */
    private void acpi(final Call c, final boolean probe, final ResetCallback k) {
        if (!c.d.caps().acpiRst()) {
            k.complete(Errno.ENOTTY);
            return;
        }
        if (probe) {
            k.complete(Errno.OK);
            return;
        }
        final ResetOutcome o = enter(c, ResetMethod.ACPI, false, false, k);
        if (o == null) {
            return;
        }
        trigger(c.d, o, () -> scheduler.schedule(ACPI_RST_MS * MS, () -> {
            Errno rc = Errno.OK;
            if (o == ResetOutcome.ENOTTY || o == ResetOutcome.READINESS_TIMEOUT) {
                log(EventType.LOG_ACPI_RST_FAILED, c.d, "");
                rc = Errno.ENOTTY;
            }
            finish(c, after(o, rc), k);
        }));
    }

    /**
     * pci_dev_specific_reset() + __pci_dev_specific_reset(): -ENOTTY without a matching quirk;
     * prepare (also in probe mode); the quirk; the model's done rule (also in probe mode).
     */
    private void deviceSpecific(final Call c, final boolean probe, final ResetCallback k) {
        final Quirk q = c.d.quirk();
        if (q == null) {
            k.complete(Errno.ENOTTY);
            return;
        }
        final ResetOutcome o = enter(c, ResetMethod.DEVICE_SPECIFIC, probe, false, k);
        if (o == null) {
            return;
        }
        if (probe) {
            finish(c, Errno.OK, k);
            return;
        }
        switch (q) {
            case FLR_IGNORE_RESULT:
                // reset_intel_82599_sfp_virtfn(): pcie_flr(dev); return 0;
                functionLevelReset(c, ResetMethod.FLR, rc -> finish(c, after(o, Errno.OK), k));
                break;
            case FLR_THEN_FIRMWARE_WAIT:
                // reset_hinic_vf_dev(): pcie_flr(), then poll for firmware for up to 15 s; the outer
                // prepare keeps the IOMMU blocked during that wait (§2.2).
                functionLevelReset(c, ResetMethod.FLR, rc -> {
                    if (rc.isError()) {
                        finish(c, rc, k);
                        return;
                    }
                    final long readyAt = o == ResetOutcome.READINESS_TIMEOUT ? Long.MAX_VALUE
                        : scheduler.nanoTime() + FIRMWARE_READY_MS * MS;
                    firmwareWait(c, readyAt, 0, fw -> finish(c, after(o, fw), k));
                });
                break;
            case REGISTER_SEQUENCE:
                // reset_ivb_igd(): a register sequence, polled for completion
                trigger(c.d, o, () -> scheduler.schedule(Quirk.REGISTER_SEQUENCE_MS * MS, () -> {
                    Errno rc = Errno.OK;
                    if (o == ResetOutcome.ENOTTY) {
                        rc = Errno.ENOTTY;
                    } else if (o == ResetOutcome.READINESS_TIMEOUT) {
                        rc = Errno.ETIMEDOUT;
                    }
                    finish(c, after(o, rc), k);
                }));
                break;
            default:
                throw new AssertionError(q);
        }
    }

    private void firmwareWait(final Call c, final long readyAtNs, final long waitedMs, final ResetCallback k) {
        if (scheduler.nanoTime() >= readyAtNs) {
            k.complete(Errno.OK);
            return;
        }
        if (waitedMs >= Quirk.FIRMWARE_TIMEOUT_MS) {
            log(EventType.LOG_QUIRK_FIRMWARE_TIMEOUT, c.d, waitedMs + "ms");
            k.complete(Errno.ETIMEDOUT);
            return;
        }
        scheduler.schedule(Quirk.FIRMWARE_POLL_MS * MS,
            () -> firmwareWait(c, readyAtNs, waitedMs + Quirk.FIRMWARE_POLL_MS, k));
    }

    /**
     * pci_reset_bus_function(): below a CXL port with SBR masked: probe 0, reset -ENOTTY, no hooks.
     * Otherwise prepare (also in probe mode), slot reset, else parent secondary bus reset, then the
     * model's done rule (also in probe mode).
     */
    private void bus(final Call c, final boolean probe, final ResetCallback k) {
        final PciBridge br = c.d.bridge();
        if (br != null && br.cxlPort() && br.sbrMasked()) {
            k.complete(probe ? Errno.OK : Errno.ENOTTY);
            return;
        }
        final ResetOutcome o = enter(c, ResetMethod.BUS, probe, false, k);
        if (o == null) {
            return;
        }
        final boolean sole = br != null && br.children().size() == 1;
        if (sole && br.hotplugSlot()) {
            secondaryBusReset(c, probe, o, "slot reset", k);     // pci_dev_reset_slot_function
        } else if (sole) {
            secondaryBusReset(c, probe, o, "bus reset", k);      // pci_parent_bus_reset
        } else {
            finish(c, Errno.ENOTTY, k); // root bus, or not alone on the bus: neither applies
        }
    }

    private void secondaryBusReset(final Call c, final boolean probe, final ResetOutcome o, final String what,
                                   final ResetCallback k) {
        if (probe) {
            finish(c, Errno.OK, k);
            return;
        }
        trigger(c.d, o, () -> scheduler.schedule((SBR_ASSERT_MS + SBR_SETTLE_MS) * MS, () -> devWait(c, what,
            READY_POLL_MS - SBR_SETTLE_MS, o, rc -> finish(c, after(o, rc), k))));
    }

    /**
     * cxl_reset_bus_function(): -ENOTTY without the CXL port DVSEC; prepare; unmask SBR; the bus
     * method (which nests its own prepare/done); restore the mask; the model's done rule.
     */
    private void cxlBus(final Call c, final boolean probe, final ResetCallback k) {
        final PciBridge br = c.d.bridge();
        if (br == null || !br.cxlPort()) {
            k.complete(Errno.ENOTTY);
            return;
        }
        if (probe) {
            k.complete(Errno.OK);
            return;
        }
        final ResetOutcome o = enter(c, ResetMethod.CXL_BUS, false, false, k);
        if (o == null) {
            return;
        }
        final boolean wasMasked = br.sbrMasked();
        br.sbrMasked(false);
        bus(c, false, rc -> {
            if (wasMasked) {
                br.sbrMasked(true);
            }
            finish(c, after(o, rc), k);
        });
    }

    private void log(final EventType t, final PciDev d, final String detail) {
        fabric.events().record(t, d.fn().bdf(), detail);
    }

    /** Log an INFO event, building its detail only if the log still retains events (counted either way). */
    private void info(final EventType t, final PciDev d, final ResetMethod m, final Errno rc) {
        final io.resetguard.event.EventLog log = fabric.events();
        log.record(t, d.fn().bdf(), !log.retaining() ? "" : rc == null ? m.sysfsName() : m.sysfsName() + " " + rc.kernelString());
    }
}
