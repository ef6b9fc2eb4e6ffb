package io.resetguard.model;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.state.DeviceState;
import io.resetguard.state.GdevBlocked;
import io.resetguard.state.GroupState;
import io.resetguard.state.OpCtx;

/**
 * DeviceCounterRules - prepare/done with per-device {@code blocked}/{@code reset_depth} and a
 * per-group {@code recovery_cnt}: Linux 7.1 (M71), result-to-done, seed-on-7.1 and quar-v6.
 *
 * <p>Invariants kept at every commit: 6 ({@code recovery_cnt} = blocked gdevs, plus orphans of
 * removed ones), 7 ({@code blocked} iff {@code depth > 0}; the {@link ProtocolModel.AfterReset#PASS_RESULT}
 * models also allow a blocked gdev at depth 0: kept blocked after a failed reset, which quar-v6 names
 * BROKEN and no other state may be at depth 0), 8 (no underflow) and 9 (only the outermost
 * prepare/done touch the hardware).
 *
 * <p>quar-v6 (unmerged, QUAR v6 direction, docs/protocol.md §2.5a). Its patch bodies were not
 * public, so these details are choices, each marked {@code [inference]} where it is made and each
 * tested in {@code QuarV6RulesTest}:
 * <ul>
 * <li>[inference] the enum is {@link GdevBlocked} NONE / RESETTING / BROKEN; RESETTING and BROKEN
 *     both count in {@code recovery_cnt} and park the RID (the counter code of M71 kept as is);</li>
 * <li>[inference] a prepare() of a BROKEN function starts a new attempt: depth 1, RESETTING, no
 *     attach change (it is parked already) and no second {@code recovery_cnt} unit;</li>
 * <li>[inference] a nested done() only balances the depth: its result is ignored, the outermost
 *     done()'s result decides (as M71's structure, {@code if (--reset_depth) return;} before
 *     anything else, implies). cxl_bus and most quirks return their inner method's error, so the
 *     outer done() sees it; a quirk that ignores its pcie_flr() result
 *     ({@code reset_intel_82599_sfp_virtfn()}, Quirk.FLR_IGNORE_RESULT) unblocks after a failed
 *     inner FLR, as that kernel code would;</li>
 * <li>[inference] a done() of a BROKEN function at depth 0 is unbalanced: WARN and no change, so
 *     it cannot lift the quarantine without a prepare();</li>
 * <li>a non-ATS function is never blocked (prepare() returns 0 without touching the IOMMU), so
 *     done() of it changes nothing whatever the result, exactly as under result-to-done.</li>
 * </ul>
 *
 * <p>The counter has no owner: it cannot tell a nested prepare from a concurrent prepare by another
 * thread on the same function; callers serialize with the device lock (§2.2).
 */
final class DeviceCounterRules extends ResetRules {
    /** The gdev state an outermost done() with a failed result leaves (PASS_RESULT models). */
    private final GdevBlocked failedState;

    DeviceCounterRules(final ProtocolModel model) {
        super(model);
        this.failedState = model.gdevBlocked() == ProtocolModel.GdevBlockedKind.ENUM_WITH_BROKEN
            ? GdevBlocked.BROKEN : GdevBlocked.RESETTING;
    }

    /**
     * M71 §1.3.
     *
     * <pre>
     *  !ATS supported            -&gt; 0
     *  no gdev                   -&gt; WARN + -ENODEV
     *  reset_depth++ was &gt; 0     -&gt; 0 (nested: a pure counter, invariant 9)
     *  [PASS_RESULT] blocked at   -&gt; 0, depth 1, RESETTING (kept blocked after a failed reset:
     *   depth 0 (quar-v6 BROKEN)    still parked and counted, nothing to attach) [inference]
     *  alloc blocking domain     -&gt; on error: depth rolled back, error returned
     *  RID -&gt; blocking           -&gt; on error: depth rolled back, error returned
     *  blocked = true            -&gt; set before the PASID loop (drivers may call get_domain)
     *  PASIDs removed            -&gt; only if max_pasids &gt; 0 (1615e8896a8f); failures WARN
     *  recovery_cnt++            -&gt; 0
     * </pre>
     */
    @Override
    public GroupState prepare(final IommuGroup g, final GroupState s, final PciFunction fn, final OpCtx ctx) {
        if (!fn.atsSupported()) {
            return s;
        }
        final int i = s.indexOf(fn);
        if (i < 0) {
            ctx.warn(EventType.WARN_NO_GROUP_DEVICE, fn, "prepare");
            ctx.result(Errno.ENODEV);
            return s;
        }
        DeviceState d = s.device(i);
        if (d.depth() > 0) {
            return s.withDevice(i, d.withDepth(d.depth() + 1));
        }
        if (d.blocked()) {
            // kept blocked after a failed reset (result-to-done, quar-v6 BROKEN): already parked and
            // counted; this prepare starts a new attempt whose done(result) decides [inference]
            return s.withDevice(i, d.with(GdevBlocked.RESETTING, 1, d.rid()));
        }
        final GroupState a = allocBlocking(s, fn, ctx);
        if (a == null) {
            return s;
        }
        Domain rid = d.rid();
        if (a.domain() != g.blockingDomain()) {
            final Errno e = attachRid(g, d, g.blockingDomain(), ctx);
            if (e.isError()) {
                ctx.result(e);
                return a;
            }
            rid = g.blockingDomain();
        }
        d = d.with(true, 1, rid);
        if (fn.maxPasids() > 0) {
            d = removePasids(d, a.pasidArray(), ctx);
        }
        return a.withDevice(i, d, a.recoveryCnt() + 1);
    }

    /**
     * M71 §1.5, with the done(result) rule of §2.5 (result-to-done) and §2.5a (quar-v6).
     *
     * <pre>
     *  !ATS supported            -&gt; return
     *  no gdev                   -&gt; WARN, return
     *  reset_depth == 0          -&gt; WARN (unbalanced), return
     *  --reset_depth &gt; 0         -&gt; return (still nested; the result is ignored [inference])
     *  [PASS_RESULT] failed      -&gt; keep blocked and counted, return: result-to-done keeps
     *                               blocked (bool), quar-v6 moves it to BROKEN
     *  no blocking domain        -&gt; WARN, return
     *  RID -&gt; group-&gt;domain      -&gt; skipped if group-&gt;domain is NULL (parked, d769711fcddd);
     *                               failure WARNs
     *  blocked = false
     *  PASIDs restored (this     -&gt; only if max_pasids &gt; 0; failures WARN
     *   device only)
     *  recovery_cnt--            -&gt; WARN if already 0
     * </pre>
     */
    @Override
    public GroupState done(final IommuGroup g, final GroupState s, final PciFunction fn, final Errno resetResult,
                           final OpCtx ctx) {
        if (!fn.atsSupported()) {
            return s;
        }
        final int i = s.indexOf(fn);
        if (i < 0) {
            ctx.warn(EventType.WARN_NO_GROUP_DEVICE, fn, "done");
            return s;
        }
        DeviceState d = s.device(i);
        if (d.depth() == 0) {
            ctx.warn(EventType.WARN_DONE_UNBALANCED, fn, "");
            return s;
        }
        final int depth = d.depth() - 1;
        if (depth > 0) {
            return s.withDevice(i, d.withDepth(depth));
        }
        if (model.doneKeepsFailedBlocked() && resetResult.isError()) {
            // failed reset: depth balanced, still blocked and counted; no reset_device_done
            return s.withDevice(i, d.with(failedState, 0, d.rid()));
        }
        if (!s.blockingAllocated()) {
            ctx.warn(EventType.WARN_DONE_NO_BLOCKING_DOMAIN, fn, "");
            return s.withDevice(i, d.withDepth(0));
        }
        Domain rid = d.rid();
        final Domain target = s.domain();
        if (target != null && target != g.blockingDomain()) {
            final Errno e = attachRid(g, d, target, ctx);
            if (e.isError()) {
                if (!target.isFreed()) {
                    ctx.warn(EventType.WARN_DONE_REATTACH_FAILED, fn, target + ": " + e.kernelString());
                }
            } else {
                rid = target;
            }
        }
        d = d.with(false, 0, rid);
        if (fn.maxPasids() > 0) {
            d = restorePasids(d, s.pasidArray(), ctx);
        }
        if (s.recoveryCnt() == 0) {
            ctx.warn(EventType.WARN_RECOVERY_CNT_UNDERFLOW, fn, "");
            return s.withDevice(i, d);
        }
        return s.withDevice(i, d, s.recoveryCnt() - 1);
    }

    @Override
    protected boolean groupFenced(final GroupState s) {
        return s.recoveryCnt() > 0;
    }

    @Override
    protected boolean deviceFenced(final GroupState s, final int i) {
        return s.device(i).blocked();
    }

    @Override
    public boolean parked(final GroupState s, final int i) {
        return s.device(i).blocked();
    }

    @Override
    protected boolean mustSucceedBypassesFence() {
        return true;
    }

    @Override
    protected Domain driverDomain(final IommuGroup g, final GroupState s, final int i) {
        return s.device(i).blocked() ? g.blockingDomain() : s.domain();
    }
}
