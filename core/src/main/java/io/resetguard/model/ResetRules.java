package io.resetguard.model;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.fault.FaultPoint;
import io.resetguard.state.DeviceState;
import io.resetguard.state.GroupState;
import io.resetguard.state.OpCtx;
import io.resetguard.state.PasidTable;

/**
 * ResetRules - the protocol of one {@link ProtocolModel}, written once as pure transitions
 * ({@code GroupState -> GroupState}) that a {@link io.resetguard.state.StateCell} applies.
 *
 * <p>Each method corresponds to a kernel function running under {@code group->mutex}; its Javadoc
 * cites the section of {@code docs/protocol.md} it implements. Every method:
 * <ul>
 * <li>returns the next snapshot, or {@code s} itself when nothing changes;</li>
 * <li>puts its errno in {@code ctx.result(...)}, its WARNs in {@code ctx.warn(...)}, and asks
 *     {@code ctx.draw(...)} before every call that fault injection may fail;</li>
 * <li>never throws for a protocol outcome.</li>
 * </ul>
 * This class holds what the two bookkeeping styles share (the attach paths of §1.6 with the fence
 * as a hook); {@link GroupFlagRules} and {@link DeviceCounterRules} hold prepare/done.
 *
 * <p>The physical attachments in {@link DeviceState} stand for the IOMMU hardware: a successful
 * {@code __iommu_attach_device()} is a change of {@code rid}, a successful {@code set_dev_pasid()}
 * a change of the device's PASID table.
 */
public abstract class ResetRules {
    private static final ResetRules[] BY_MODEL = new ResetRules[ProtocolModel.values().length];

    static {
        for (final ProtocolModel m : ProtocolModel.values()) {
            BY_MODEL[m.ordinal()] = m.bookkeeping() == ProtocolModel.Bookkeeping.GROUP_FLAG
                ? new GroupFlagRules(m) : new DeviceCounterRules(m);
        }
    }

    /** The model these rules implement. */
    protected final ProtocolModel model;

    ResetRules(final ProtocolModel model) {
        this.model = model;
    }

    /** @return the (shared, stateless) rules of {@code model}. */
    public static ResetRules of(final ProtocolModel model) {
        return BY_MODEL[model.ordinal()];
    }

    /** @return the model. */
    public ProtocolModel model() {
        return model;
    }

    // ------------------------------------------------------------------------------------------------
    // prepare / done: per bookkeeping style

    /**
     * pci_dev_reset_iommu_prepare() - block the function's RID and PASIDs before a reset.
     *
     * @param g   the group
     * @param s   current snapshot
     * @param fn  the function about to be reset
     * @param ctx result: 0 or the error that stops the reset
     * @return the next snapshot
     */
    public abstract GroupState prepare(IommuGroup g, GroupState s, PciFunction fn, OpCtx ctx);

    /**
     * pci_dev_reset_iommu_done() - undo prepare() after a reset.
     *
     * @param g           the group
     * @param s           current snapshot
     * @param fn          the function that was reset
     * @param resetResult the reset's result; only the {@link ProtocolModel.AfterReset#PASS_RESULT}
     *                    models read it
     * @param ctx         result is always 0 (the kernel function returns void)
     * @return the next snapshot
     */
    public abstract GroupState done(IommuGroup g, GroupState s, PciFunction fn, Errno resetResult, OpCtx ctx);

    /**
     * The reset methods' post-reset rule (docs/protocol.md §2.3, §2.5, §2.5a): whether a method
     * that ran prepare() calls done() after its reset returned {@code rc}.
     *
     * <ul>
     * <li>{@link ProtocolModel.AfterReset#ALWAYS_DONE} (linux-7.0, linux-7.1): always;</li>
     * <li>{@link ProtocolModel.AfterReset#DONE_ON_SUCCESS_OR_NO_ATS} (seed, seed-on-7.1): only if
     *     {@code rc == 0} or ATS is not supported; otherwise the method logs "Reset failed. Blocking
     *     ATS to protect memory" and the function stays blocked (the seed's own rule);</li>
     * <li>{@link ProtocolModel.AfterReset#PASS_RESULT} (result-to-done, quar-v6): always, with
     *     {@code rc}; done() decides.</li>
     * </ul>
     *
     * <p>Pure: the caller (IommuGroup.finishReset) logs the seed's message when this says no.
     *
     * @param fn the function that was reset
     * @param rc the reset method's result
     * @return {@code true} if done() must be called
     */
    public final boolean callsDoneAfterReset(final PciFunction fn, final Errno rc) {
        return model.afterReset() != ProtocolModel.AfterReset.DONE_ON_SUCCESS_OR_NO_ATS
            || rc.isOk() || !fn.atsSupported();
    }

    /**
     * Whether a group-wide attach/replace (and any PASID attach/replace) is fenced with -EBUSY
     * (§1.6 rows 1 and 4, invariant 11).
     */
    protected abstract boolean groupFenced(GroupState s);

    /** Whether {@code iommu_deferred_attach()} of gdev {@code i} is fenced with -EBUSY (§1.6 row 3). */
    protected abstract boolean deviceFenced(GroupState s, int i);

    /** Whether gdev {@code i} is parked on the blocking domain for a reset (invariant 3). */
    public abstract boolean parked(GroupState s, int i);

    // ------------------------------------------------------------------------------------------------
    // attach paths shared by every model (§1.6)

    /**
     * __iommu_group_set_domain_internal() - move every device of the group to {@code newDomain}.
     *
     * <p>§1.6 row 1: returns 0 if the group is already on {@code newDomain}; WARN + -EINVAL for a
     * NULL domain; -EBUSY while a reset is pending. Under the M71 family a MUST_SUCCEED caller
     * bypasses the fence, skips blocked devices (they stay on the blocking domain until done()
     * attaches them to the new group->domain) and updates group->domain (fix 5474e6e17a26). Under the
     * flag models MUST_SUCCEED does not bypass the fence: the nofail wrapper WARNs and group->domain
     * keeps pointing at the old domain, which the caller then frees: the 7.0 use-after-free.
     *
     * @param mustSucceed IOMMU_SET_DOMAIN_MUST_SUCCEED
     */
    public GroupState setDomain(final IommuGroup g, final GroupState s, final Domain newDomain,
                                final boolean mustSucceed, final OpCtx ctx) {
        if (s.domain() == newDomain) {
            return s;
        }
        if (newDomain == null) {
            ctx.warn(EventType.WARN_SET_DOMAIN_NULL, null, "group " + g.id());
            ctx.result(Errno.EINVAL);
            return s;
        }
        if (newDomain.isFreed()) {
            ctx.warn(EventType.WARN_ATTACH_FREED_DOMAIN, null, "group " + g.id() + " domain " + newDomain);
            ctx.result(Errno.EINVAL);
            return s;
        }
        if (groupFenced(s) && !(mustSucceed && mustSucceedBypassesFence())) {
            // This is a concurrent attach during a device reset. Reject it until done() attaches the
            // device back to group->domain.
            ctx.result(Errno.EBUSY);
            return s;
        }
        GroupState n = s;
        Errno firstError = Errno.OK;
        for (int i = 0; i < s.deviceCount(); i++) {
            final DeviceState d = s.device(i);
            if (parked(s, i)) {
                continue; // only reachable with mustSucceed under the M71 family: done() re-attaches
            }
            final Errno e = attachRid(g, d, newDomain, ctx);
            if (e.isError()) {
                if (!mustSucceed) {
                    ctx.result(e); // revert: nothing was committed to s
                    return s;
                }
                if (firstError.isOk()) {
                    firstError = e;
                }
                continue;
            }
            n = n.withDevice(i, d.withRid(newDomain));
        }
        ctx.result(firstError);
        return n.withDomain(newDomain);
    }

    /** Whether a MUST_SUCCEED set_domain proceeds while fenced (M71 family only). */
    protected abstract boolean mustSucceedBypassesFence();

    /**
     * __iommu_group_set_domain_nofail() - a teardown that cannot fail; a failure is a WARN (§1.6 row 2).
     */
    public GroupState setDomainNofail(final IommuGroup g, final GroupState s, final Domain newDomain,
                                      final OpCtx ctx) {
        final GroupState n = setDomain(g, s, newDomain, true, ctx);
        if (ctx.result().isError()) {
            ctx.warn(EventType.WARN_NOFAIL_SET_DOMAIN, null,
                "group " + g.id() + " to " + newDomain + ": " + ctx.result().kernelString());
            ctx.result(Errno.OK);
        }
        return n;
    }

    /**
     * iommu_attach_group() - attach a paging domain to a group that is on its default (or blocking)
     * domain; -EBUSY if another domain is attached, else as {@link #setDomain} (§1.6 row 1).
     */
    public GroupState attachGroup(final IommuGroup g, final GroupState s, final Domain domain, final OpCtx ctx) {
        final Domain cur = s.domain();
        if (cur != null && cur != g.defaultDomain() && cur != g.blockingDomain()) {
            ctx.result(Errno.EBUSY);
            return s;
        }
        return setDomain(g, s, domain, false, ctx);
    }

    /** iommu_replace_group_handle() - replace the group's domain; as {@link #setDomain} (§1.6 row 1). */
    public GroupState replaceGroup(final IommuGroup g, final GroupState s, final Domain domain, final OpCtx ctx) {
        return setDomain(g, s, domain, false, ctx);
    }

    /**
     * iommu_detach_group() via __iommu_group_set_core_domain(): back to the blocking domain if DMA is
     * owned, else the default domain, with the nofail wrapper (§1.6 row 2).
     */
    public GroupState detachGroup(final IommuGroup g, final GroupState s, final OpCtx ctx) {
        return setDomainNofail(g, s, s.owned() ? g.blockingDomain() : g.defaultDomain(), ctx);
    }

    /**
     * iommu_group_claim_dma_owner() - take DMA ownership: -EPERM if owned, -EBUSY if a non-default
     * domain is attached, allocate the blocking domain, move the group to it (§1.6 rows 8 and 1).
     */
    public GroupState claimDmaOwner(final IommuGroup g, final GroupState s, final OpCtx ctx) {
        if (s.owned()) {
            ctx.result(Errno.EPERM);
            return s;
        }
        if (s.domain() != null && s.domain() != g.defaultDomain()) {
            ctx.result(Errno.EBUSY);
            return s;
        }
        final GroupState a = allocBlocking(s, null, ctx);
        if (a == null) {
            return s;
        }
        final GroupState n = setDomain(g, a, g.blockingDomain(), false, ctx);
        if (ctx.result().isError()) {
            return a; // the blocking domain stays allocated, as in the kernel
        }
        return n.withOwned(true);
    }

    /**
     * iommu_group_release_dma_owner() - give DMA ownership back: nofail move to the default domain
     * (§1.6 row 2). -EINVAL (no-op) if not owned.
     */
    public GroupState releaseDmaOwner(final IommuGroup g, final GroupState s, final OpCtx ctx) {
        if (!s.owned()) {
            ctx.result(Errno.EINVAL);
            return s;
        }
        return setDomainNofail(g, s, g.defaultDomain(), ctx).withOwned(false);
    }

    /**
     * iommu_attach_device_pasid() - attach {@code domain} to {@code pasid} of every PASID-capable
     * device of the group: -EINVAL for a bad PASID, -EBUSY while fenced (§1.6 row 4) or if the PASID
     * is in use; a driver failure reverts and returns its error.
     */
    public GroupState attachPasid(final IommuGroup g, final GroupState s, final PciFunction fn, final int pasid,
                                  final Domain domain, final OpCtx ctx) {
        return setPasid(g, s, fn, pasid, domain, false, ctx);
    }

    /**
     * iommu_replace_device_pasid() - replace the domain of an attached PASID; -EINVAL if it is not
     * attached, otherwise as {@link #attachPasid}.
     */
    public GroupState replacePasid(final IommuGroup g, final GroupState s, final PciFunction fn, final int pasid,
                                   final Domain domain, final OpCtx ctx) {
        return setPasid(g, s, fn, pasid, domain, true, ctx);
    }

    private GroupState setPasid(final IommuGroup g, final GroupState s, final PciFunction fn, final int pasid,
                                final Domain domain, final boolean replace, final OpCtx ctx) {
        if (s.indexOf(fn) < 0) {
            ctx.result(Errno.ENODEV);
            return s;
        }
        if (pasid < 1 || pasid >= fn.maxPasids() || domain == null) {
            ctx.result(Errno.EINVAL);
            return s;
        }
        if (domain.isFreed()) {
            ctx.warn(EventType.WARN_ATTACH_FREED_DOMAIN, fn, "pasid " + pasid + " domain " + domain);
            ctx.result(Errno.EINVAL);
            return s;
        }
        if (groupFenced(s)) {
            ctx.result(Errno.EBUSY); // PASID attach/replace during a reset (§1.6 row 4, §7 scenario 7)
            return s;
        }
        final Domain cur = s.pasidArray().get(pasid);
        if (replace ? cur == null : cur != null) {
            ctx.result(replace ? Errno.EINVAL : Errno.EBUSY);
            return s;
        }
        GroupState n = s;
        for (int i = 0; i < s.deviceCount(); i++) {
            final DeviceState d = s.device(i);
            if (d.fn().maxPasids() == 0) {
                continue;
            }
            final Errno e = ctx.draw(FaultPoint.SET_DEV_PASID, d.fn());
            if (e.isError()) {
                ctx.result(e);
                return s;
            }
            n = n.withDevice(i, d.withPasids(d.pasids().with(pasid, domain)));
        }
        return n.withPasidArray(n.pasidArray().with(pasid, domain));
    }

    /**
     * iommu_detach_device_pasid() - detach {@code pasid} from every device and erase it from
     * pasid_array, so done() does not restore it (§1.6 row 5, §7 scenario 7). Not fenced. Under the
     * flag models the parked device gets a redundant blocked-domain set_dev_pasid (logged); the M71
     * family skips blocked devices (fix fc3523b16d2b).
     */
    public GroupState detachPasid(final IommuGroup g, final GroupState s, final PciFunction fn, final int pasid,
                                  final OpCtx ctx) {
        if (s.indexOf(fn) < 0) {
            ctx.result(Errno.ENODEV);
            return s;
        }
        if (s.pasidArray().get(pasid) == null) {
            ctx.result(Errno.EINVAL);
            return s;
        }
        GroupState n = s;
        for (int i = 0; i < s.deviceCount(); i++) {
            final DeviceState d = s.device(i);
            if (parked(s, i)) {
                if (model.hasLinux70Defects()) {
                    ctx.warn(EventType.LOG_REDUNDANT_PASID_REMOVE, d.fn(), "pasid " + pasid);
                } else {
                    continue;
                }
            }
            n = n.withDevice(i, d.withPasids(d.pasids().without(pasid)));
        }
        return n.withPasidArray(n.pasidArray().without(pasid));
    }

    /**
     * iommu_deferred_attach() - the DMA-map fast path attaches the RID lazily; -EBUSY while fenced
     * (§1.6 row 3, §7 scenario 8), which makes the DMA map fail.
     */
    public GroupState deferredAttach(final IommuGroup g, final GroupState s, final PciFunction fn, final OpCtx ctx) {
        final int i = s.indexOf(fn);
        if (i < 0) {
            ctx.result(Errno.ENODEV);
            return s;
        }
        if (deviceFenced(s, i)) {
            ctx.result(Errno.EBUSY);
            return s;
        }
        final DeviceState d = s.device(i);
        final Domain target = s.domain();
        if (target == null || d.rid() == target) {
            return s;
        }
        final Errno e = attachRid(g, d, target, ctx);
        if (e.isError()) {
            ctx.result(e);
            return s;
        }
        return s.withDevice(i, d.withRid(target));
    }

    /**
     * iommu_driver_get_domain_for_dev() - the domain a driver must treat as attached: the blocking
     * domain while the device is parked for a reset, else group->domain (§1.6 row 6). Read-only;
     * result in {@link OpCtx#domainOut()}.
     */
    public GroupState driverGetDomain(final IommuGroup g, final GroupState s, final PciFunction fn, final OpCtx ctx) {
        final int i = s.indexOf(fn);
        if (i < 0) {
            ctx.result(Errno.ENODEV);
            return s;
        }
        ctx.domainOut(driverDomain(g, s, i));
        return s;
    }

    /** The domain {@code iommu_driver_get_domain_for_dev()} returns for gdev {@code i}. */
    protected abstract Domain driverDomain(IommuGroup g, GroupState s, int i);

    /**
     * iommu_group_add_device() - hotplug a function into the group: it lands on group->domain and
     * does not inherit any blocked state (§7 scenario 10).
     */
    public GroupState addDevice(final IommuGroup g, final GroupState s, final PciFunction fn, final OpCtx ctx) {
        if (s.indexOf(fn) >= 0) {
            ctx.result(Errno.EBUSY);
            return s;
        }
        final DeviceState fresh = DeviceState.attached(fn, null);
        final Domain target = s.domain();
        if (target == null) {
            return s.withDeviceAdded(fresh);
        }
        final Errno e = attachRid(g, fresh, target, ctx);
        if (e.isError()) {
            ctx.result(e);
            return s;
        }
        return s.withDeviceAdded(fresh.withRid(target));
    }

    /**
     * __iommu_group_remove_device() - hot-unplug: the gdev leaves the group (§7 scenario 9). A
     * blocked gdev's unit of recovery_cnt (RESETTING or, under quar-v6, BROKEN) is not given back:
     * the 7.1-era code unlinks and frees the gdev without touching {@code blocked} or
     * {@code recovery_cnt} (docs/protocol.md §2.5a), so the siblings stay fenced until the group is
     * torn down; under the flag models a function removed mid-reset leaves resetting_domain set.
     * Both are kept, with the removed function, in {@link GroupState#orphans()} so the oracle can
     * report them ({@link Invariants#orphanedFence}).
     */
    public GroupState removeDevice(final IommuGroup g, final GroupState s, final PciFunction fn, final OpCtx ctx) {
        final int i = s.indexOf(fn);
        if (i < 0) {
            ctx.result(Errno.ENODEV);
            return s;
        }
        final GroupState n = s.withDeviceRemoved(i);
        if (s.resettingBy() == fn) {
            return n.withResettingOrphaned();
        }
        return s.device(i).blocked() ? n.withOrphan(fn) : n; // RESETTING or (quar-v6) BROKEN alike
    }

    // ------------------------------------------------------------------------------------------------
    // helpers

    /**
     * __iommu_group_alloc_blocking_domain(): allocate on first use; ENOMEM (or the injected error) on
     * failure.
     *
     * @return the snapshot with the blocking domain allocated, or {@code null} with the error in ctx
     */
    protected static GroupState allocBlocking(final GroupState s, final PciFunction fn, final OpCtx ctx) {
        if (s.blockingAllocated()) {
            return s;
        }
        final Errno e = ctx.draw(FaultPoint.BLOCKING_DOMAIN_ALLOC, fn);
        if (e.isError()) {
            ctx.result(e);
            return null;
        }
        return s.withBlockingAllocated();
    }

    /**
     * __iommu_attach_device() of one RID. Attaching a freed domain is the use-after-free of §1.6: it
     * is reported as a violation and not performed (the RID stays where it is); the call then
     * reports -EINVAL to its caller.
     */
    protected static Errno attachRid(final IommuGroup g, final DeviceState d, final Domain target, final OpCtx ctx) {
        if (target.isFreed()) {
            ctx.warn(EventType.VIOLATION_USE_AFTER_FREE, d.fn(),
                "attach of freed " + target + " (group " + g.id() + ")");
            return Errno.EINVAL;
        }
        return ctx.draw(FaultPoint.DEVICE_ATTACH, d.fn());
    }

    /**
     * Remove every PASID of {@code pasidArray} from the device (prepare() step 6); a driver failure
     * only WARNs and leaves that PASID attached.
     */
    protected static DeviceState removePasids(final DeviceState d, final PasidTable pasidArray, final OpCtx ctx) {
        DeviceState out = d;
        for (int k = 0; k < pasidArray.size(); k++) {
            final int pasid = pasidArray.pasidAt(k);
            if (ctx.draw(FaultPoint.SET_DEV_PASID, d.fn()).isError()) {
                ctx.warn(EventType.WARN_PREPARE_PASID_REMOVE_FAILED, d.fn(), "pasid " + pasid);
                continue;
            }
            out = out.withPasids(out.pasids().without(pasid));
        }
        return out;
    }

    /**
     * Re-attach every PASID of {@code pasidArray} to the device (done()); a driver failure only
     * WARNs.
     */
    protected static DeviceState restorePasids(final DeviceState d, final PasidTable pasidArray, final OpCtx ctx) {
        DeviceState out = d;
        for (int k = 0; k < pasidArray.size(); k++) {
            final int pasid = pasidArray.pasidAt(k);
            if (ctx.draw(FaultPoint.SET_DEV_PASID, d.fn()).isError()) {
                ctx.warn(EventType.WARN_DONE_PASID_RESTORE_FAILED, d.fn(), "pasid " + pasid);
                continue;
            }
            out = out.withPasids(out.pasids().with(pasid, pasidArray.domainAt(k)));
        }
        return out;
    }
}
