package io.resetguard.fabric;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.model.ProtocolModel;
import io.resetguard.model.ResetRules;
import io.resetguard.model.WordCell;
import io.resetguard.state.DeviceState;
import io.resetguard.state.GroupState;
import io.resetguard.state.OpCtx;
import io.resetguard.state.StateCell;
import io.resetguard.state.Transition;

import java.util.Arrays;
import java.util.Objects;

/**
 * IommuGroup - an {@code iommu_group} and the kernel entry points that act on it.
 *
 * <p>Every protocol operation builds a {@link Transition} from the fabric's {@link ResetRules} and
 * hands it to the group's {@link StateCell}; it is therefore linearizable whichever cell the fabric
 * uses, and never throws for a protocol outcome: results are {@link Errno} values and WARNs are
 * events in {@link Fabric#events()}.
 *
 * <p>Each operation has two forms: one that allocates its {@link OpCtx}, and one that takes a
 * caller-owned context (one per thread) for allocation-free hot loops.
 *
 * <p>Caller contract, as in the kernel (§1.8): a function passed to an operation must belong to this
 * group ({@link IllegalArgumentException} otherwise: that is a bug in the embedding program, not a
 * protocol outcome). Nested or concurrent prepare/done of one function are the caller's business
 * (the PCI device lock), exactly as with the kernel's counter (§2.2).
 */
public final class IommuGroup {
    private final Fabric fabric;
    private final Iommu iommu;
    private final int id;
    private final Domain blockingDomain;
    private final Domain defaultDomain;
    private final ResetRules rules;
    private final StateCell cell;
    /** The cell as the word core, or null for a builder-supplied cell (negative controls). */
    private final WordCell words;
    /** Copy-on-write array, replaced under {@code this}; empty for most groups, so no list object. */
    private volatile AttachListener[] listeners = NO_LISTENERS;
    private static final AttachListener[] NO_LISTENERS = new AttachListener[0];

    IommuGroup(final Fabric fabric, final Iommu iommu, final int id, final Domain blockingDomain,
               final Domain defaultDomain) {
        this.fabric = fabric;
        this.iommu = iommu;
        this.id = id;
        this.blockingDomain = blockingDomain;
        this.defaultDomain = defaultDomain;
        this.rules = ResetRules.of(fabric.model());
        this.cell = fabric.newCell(blockingDomain, defaultDomain, id);
        this.words = cell instanceof WordCell ? (WordCell) cell : null;
    }

    /** @return the fabric. */
    public Fabric fabric() {
        return fabric;
    }

    /** @return the IOMMU instance. */
    public Iommu iommu() {
        return iommu;
    }

    /** @return the fabric-wide group id. */
    public int id() {
        return id;
    }

    /** @return the protocol model of the fabric. */
    public ProtocolModel model() {
        return rules.model();
    }

    /** @return the rules in force. */
    public ResetRules rules() {
        return rules;
    }

    /** @return the group's blocking domain (allocated on first use; see {@link GroupState#blockingAllocated()}). */
    public Domain blockingDomain() {
        return blockingDomain;
    }

    /** @return the default domain, or null if its allocation failed at probe. */
    public Domain defaultDomain() {
        return defaultDomain;
    }

    /** @return the state cell (for stress tests and invariant checkers). */
    public StateCell cell() {
        return cell;
    }

    /** @return the current snapshot (acquire load; no lock). */
    public GroupState snapshot() {
        return cell.getStateAcquire();
    }

    private OpCtx ctx() {
        return new OpCtx().reset(fabric.faults());
    }

    private Errno run(final Transition t, final OpCtx ctx) {
        final GroupState after = cell.apply(t, ctx);
        if (listeners.length != 0) {
            notifyListeners(ctx, after);
        }
        ctx.flush(fabric.events());
        return ctx.result();
    }

    /**
     * Tell the IOMMU driver layer what the committed transition changed physically. Called after the
     * commit, outside any lock, so two notifications can arrive out of order: listeners must
     * reconcile against {@link #snapshot()}, not trust the order.
     */
    private void notifyListeners(final OpCtx ctx, final GroupState after) {
        final GroupState before = ctx.before();
        for (int k = 0; k < ctx.pendingWarnings(); k++) {
            if (ctx.pendingWarning(k) == EventType.LOG_REDUNDANT_PASID_REMOVE) {
                for (final AttachListener l : listeners) {
                    l.onRedundantPasidRemove(this, ctx.pendingWarningFn(k));
                }
            }
        }
        if (before == null || before == after) {
            return;
        }
        final boolean samePositions = before.deviceCount() == after.deviceCount();
        for (int i = 0; i < after.deviceCount(); i++) {
            final var now = after.device(i);
            // gdevs keep their positions unless one was added or removed: no search then (O(n), not O(n^2))
            final var was = samePositions && before.device(i).fn() == now.fn() ? before.device(i)
                : before.deviceOf(now.fn());
            if (was == null || was.rid() != now.rid() || !was.pasids().equals(now.pasids())) {
                for (final AttachListener l : listeners) {
                    l.onPhysicalChange(this, now.fn(), was, now);
                }
            }
        }
    }

    /** Register a listener for physical attachment changes (the emulated IOMMU driver). */
    public synchronized void addAttachListener(final AttachListener l) {
        Objects.requireNonNull(l, "listener");
        final AttachListener[] next = Arrays.copyOf(listeners, listeners.length + 1);
        next[listeners.length] = l;
        listeners = next;
    }

    private void member(final PciFunction fn) {
        if (Objects.requireNonNull(fn, "fn").group() != this) {
            throw new IllegalArgumentException(fn.bdf() + " is not a function of group " + id);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // topology

    /**
     * Create a function and add it to this group (iommu_probe_device); it lands on group->domain.
     *
     * @param bdf          its address, unique in the fabric
     * @param atsSupported {@code pci_ats_supported()}
     * @param maxPasids    PASID count, 0 without PASID support
     * @return the function
     * @throws IllegalArgumentException if the address is taken or a field is out of range
     * @throws IllegalStateException    if the injected attach fault made the probe fail; the address is
     *                                  then free again, so the caller may retry it
     */
    public PciFunction addFunction(final Bdf bdf, final boolean atsSupported, final int maxPasids) {
        final PciFunction fn = fabric.newFunction(bdf, atsSupported, maxPasids, this);
        final Errno e;
        try {
            e = hotplug(fn);
        } catch (final RuntimeException | Error x) {
            fabric.forgetFunction(fn);
            throw x;
        }
        if (e.isError()) {
            // NOTE: the failed probe left no gdev in the group; without this the address would stay
            // taken by a function nobody holds, and a retry would say "already in the fabric".
            fabric.forgetFunction(fn);
            throw new IllegalStateException("probe of " + bdf + " failed: " + e.kernelString());
        }
        return fn;
    }

    /**
     * Hot-add (or re-add) a function of this group (§7 scenario 10): attached to the current
     * group->domain, never inheriting a reset in progress. -EBUSY if present already.
     */
    public Errno hotplug(final PciFunction fn) {
        return hotplug(fn, ctx());
    }

    /** {@link #hotplug(PciFunction)} with a caller-owned context. */
    public Errno hotplug(final PciFunction fn, final OpCtx ctx) {
        member(fn);
        return run((s, c) -> rules.addDevice(this, s, fn, c), ctx);
    }

    /**
     * Hot-unplug (iommu_release_device): the function leaves the group (§7 scenario 9); later
     * prepare/done on it find no gdev. -ENODEV if absent.
     */
    public Errno unplug(final PciFunction fn) {
        return unplug(fn, ctx());
    }

    /** {@link #unplug(PciFunction)} with a caller-owned context. */
    public Errno unplug(final PciFunction fn, final OpCtx ctx) {
        member(fn);
        return run((s, c) -> rules.removeDevice(this, s, fn, c), ctx);
    }

    // ------------------------------------------------------------------------------------------------
    // reset hooks

    /**
     * pci_dev_reset_iommu_prepare() - park {@code fn} on the blocking domain before a reset.
     *
     * <p>What it does and returns depends on the model ({@link ProtocolModel}); see
     * {@code GroupFlagRules.prepare} and {@code DeviceCounterRules.prepare}. A non-ATS function is
     * never parked (0).
     *
     * <p>Caller: on 0, call {@link #finishReset} (or {@link #done}) after the reset; on an error, do
     * not reset.
     *
     * @param fn a function of this group
     * @return 0, or -EBUSY (7.0 re-entry), -ENOMEM, an attach error, -ENODEV (7.1, no gdev)
     */
    public Errno prepare(final PciFunction fn) {
        return prepare(fn, ctx());
    }

    /** {@link #prepare(PciFunction)} with a caller-owned context. */
    public Errno prepare(final PciFunction fn, final OpCtx ctx) {
        member(fn);
        // NOTE: the one-word path when it suffices and nobody needs before/after snapshots
        if (words != null && listeners.length == 0 && words.tryPrepare(fn, ctx)) {
            ctx.flush(fabric.events());
            return ctx.result();
        }
        return run((s, c) -> rules.prepare(this, s, fn, c), ctx);
    }

    /**
     * pci_dev_reset_iommu_done() - re-attach {@code fn} to the group's current domain and PASIDs.
     * Equivalent to {@code done(fn, Errno.OK)}.
     *
     * @param fn a function of this group
     */
    public void done(final PciFunction fn) {
        done(fn, Errno.OK, ctx());
    }

    /**
     * pci_dev_reset_iommu_done() with the reset result, as the QUAR series passes it (docs/protocol.md
     * §2.5, §2.5a). Only the done(result) models (result-to-done, quar-v6:
     * {@link ProtocolModel.AfterReset#PASS_RESULT}) read {@code resetResult}; the others ignore it.
     *
     * @param fn          a function of this group
     * @param resetResult the result of the reset
     */
    public void done(final PciFunction fn, final Errno resetResult) {
        done(fn, resetResult, ctx());
    }

    /** {@link #done(PciFunction, Errno)} with a caller-owned context. */
    public void done(final PciFunction fn, final Errno resetResult, final OpCtx ctx) {
        member(fn);
        Objects.requireNonNull(resetResult, "resetResult");
        if (words != null && listeners.length == 0 && words.tryDone(fn, resetResult, ctx)) {
            ctx.flush(fabric.events());
            return;
        }
        final GroupState after = cell.apply((s, c) -> rules.done(this, s, fn, resetResult, c), ctx);
        if (listeners.length != 0) {
            notifyListeners(ctx, after);
            notifyResetDeviceDone(fn, ctx.before(), after);
        }
        ctx.flush(fabric.events());
    }

    /**
     * Call {@link AttachListener#onResetDeviceDone} if the done() just committed moved {@code fn}'s
     * RID off the blocking domain. Reads the before/after snapshots the context kept, so a racing
     * transition of a sibling cannot make it fire twice or not at all.
     */
    private void notifyResetDeviceDone(final PciFunction fn, final GroupState before, final GroupState after) {
        if (before == null || before == after) {
            return;
        }
        final var was = before.deviceOf(fn);
        final var now = after.deviceOf(fn);
        if (was != null && now != null && was.rid() == blockingDomain && now.rid() != blockingDomain) {
            for (final AttachListener l : listeners) {
                l.onResetDeviceDone(this, fn);
            }
        }
    }

    /**
     * What a reset method does after the reset itself: the model's rule
     * ({@link ResetRules#callsDoneAfterReset}) decides whether to call {@code done(rc)}; when it
     * says no (the seed's rule after a failed reset of an ATS function) this logs "Reset failed.
     * Blocking ATS to protect memory" and the function stays blocked.
     *
     * @param fn a function of this group
     * @param rc the reset method's result
     * @return {@code true} if done() was called
     */
    public boolean finishReset(final PciFunction fn, final Errno rc) {
        return finishReset(fn, rc, ctx());
    }

    /** {@link #finishReset(PciFunction, Errno)} with a caller-owned context. */
    public boolean finishReset(final PciFunction fn, final Errno rc, final OpCtx ctx) {
        member(fn);
        if (!rules.callsDoneAfterReset(fn, rc)) {
            fabric.events().record(EventType.LOG_RESET_FAILED_BLOCKING_ATS, fn.bdf(), "reset returned " + rc.kernelString());
            return false;
        }
        done(fn, rc, ctx);
        return true;
    }

    // ------------------------------------------------------------------------------------------------
    // attach paths (§1.6)

    /**
     * iommu_attach_group(): -EBUSY during a reset or if a non-default domain is attached.
     *
     * @throws IllegalArgumentException if {@code domain} was allocated by another {@link Fabric}
     */
    public Errno attachGroup(final Domain domain) {
        return attachGroup(domain, ctx());
    }

    /** {@link #attachGroup(Domain)} with a caller-owned context. */
    public Errno attachGroup(final Domain domain, final OpCtx ctx) {
        Objects.requireNonNull(domain, "domain").requireFabric(fabric);
        if (words != null && listeners.length == 0) {
            final Errno e = words.tryRefuseSetDomain(domain, true, defaultDomain, ctx);
            if (e != null) {
                return e; // decided from one read; nothing written, nothing logged
            }
        }
        return run((s, c) -> rules.attachGroup(this, s, domain, c), ctx);
    }

    /** iommu_replace_group_handle(): -EBUSY during a reset. */
    public Errno replaceGroup(final Domain domain) {
        return replaceGroup(domain, ctx());
    }

    /** {@link #replaceGroup(Domain)} with a caller-owned context. */
    public Errno replaceGroup(final Domain domain, final OpCtx ctx) {
        Objects.requireNonNull(domain, "domain").requireFabric(fabric);
        if (words != null && listeners.length == 0) {
            final Errno e = words.tryRefuseSetDomain(domain, false, defaultDomain, ctx);
            if (e != null) {
                return e;
            }
        }
        return run((s, c) -> rules.replaceGroup(this, s, domain, c), ctx);
    }

    /**
     * iommu_detach_group(): a must-succeed teardown back to the core domain. 7.0: WARNs during a
     * reset and leaves group->domain on the old domain; 7.1: updates group->domain, blocked devices
     * follow at done().
     */
    public void detachGroup() {
        run((s, c) -> rules.detachGroup(this, s, c), ctx());
    }

    /** iommu_group_claim_dma_owner(): -EPERM if owned, -EBUSY during a reset. */
    public Errno claimDmaOwner() {
        return run((s, c) -> rules.claimDmaOwner(this, s, c), ctx());
    }

    /** iommu_group_release_dma_owner(): must-succeed move to the default domain. */
    public Errno releaseDmaOwner() {
        return run((s, c) -> rules.releaseDmaOwner(this, s, c), ctx());
    }

    /** iommu_attach_device_pasid(): -EBUSY during a reset. */
    public Errno attachPasid(final PciFunction fn, final int pasid, final Domain domain) {
        member(fn);
        return run((s, c) -> rules.attachPasid(this, s, fn, pasid, domain, c), ctx());
    }

    /** iommu_replace_device_pasid(): -EBUSY during a reset. */
    public Errno replacePasid(final PciFunction fn, final int pasid, final Domain domain) {
        member(fn);
        return run((s, c) -> rules.replacePasid(this, s, fn, pasid, domain, c), ctx());
    }

    /** iommu_detach_device_pasid(): not fenced; the PASID is erased and will not be restored. */
    public Errno detachPasid(final PciFunction fn, final int pasid) {
        member(fn);
        return run((s, c) -> rules.detachPasid(this, s, fn, pasid, c), ctx());
    }

    /** iommu_deferred_attach(): -EBUSY while fenced, which fails the DMA map. */
    public Errno deferredAttach(final PciFunction fn) {
        return deferredAttach(fn, ctx());
    }

    /** {@link #deferredAttach(PciFunction)} with a caller-owned context. */
    public Errno deferredAttach(final PciFunction fn, final OpCtx ctx) {
        member(fn);
        return run((s, c) -> rules.deferredAttach(this, s, fn, c), ctx);
    }

    /**
     * iommu_driver_get_domain_for_dev() (called by drivers under the group mutex): the blocking domain
     * while {@code fn} is parked, else group->domain.
     *
     * @return the domain, or null (no domain, or {@code fn} not in the group)
     */
    public Domain driverGetDomain(final PciFunction fn) {
        member(fn);
        final OpCtx ctx = ctx();
        cell.apply((s, c) -> rules.driverGetDomain(this, s, fn, c), ctx);
        return ctx.domainOut();
    }

    /**
     * Whether {@code fn} is parked on the blocking domain for a reset: its gdev is blocked (7.1
     * family) or it set resetting_domain (7.0 family). Not a kernel function: the emulator's view of
     * invariant 3, used by the PCI layer's liveness check and by the oracle. One acquire load.
     *
     * @return {@code true} if parked; {@code false} also if {@code fn} left the group
     */
    public boolean isParked(final PciFunction fn) {
        if (words != null) {
            return words.isParked(fn);
        }
        final GroupState s = snapshot();
        final int i = s.indexOf(fn);
        return i >= 0 && rules.parked(s, i);
    }

    /**
     * iommu_get_domain_for_dev() (external callers, no mutex): group->domain, the logical domain,
     * also during a reset. A single acquire load.
     */
    public Domain getDomain(final PciFunction fn) {
        member(fn);
        return words != null ? words.domain() : snapshot().domain();
    }

    /**
     * {@code fn}'s gdev as it is at one instant (one linearizable read of the word core, without
     * building the whole snapshot).
     *
     * @return the gdev, or null if {@code fn} is not in the group
     */
    public DeviceState deviceState(final PciFunction fn) {
        return words != null ? words.deviceOf(fn) : snapshot().deviceOf(fn);
    }

    @Override
    public String toString() {
        return "group" + id + "@" + iommu.name();
    }
}
