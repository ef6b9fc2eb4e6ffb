package io.resetguard.model;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.state.DeviceState;
import io.resetguard.state.GroupState;
import io.resetguard.state.OpCtx;

/**
 * DeviceCounterRules - prepare/done with per-device {@code blocked}/{@code reset_depth} and a
 * per-group {@code recovery_cnt}: Linux 7.1 (M71), result-to-done, and seed-on-7.1.
 *
 * <p>Invariants kept at every commit: 6 ({@code recovery_cnt} = blocked gdevs, plus orphans of
 * removed ones), 7 ({@code blocked} iff {@code depth > 0}; result-to-done also allows a blocked gdev
 * at depth 0: quarantined after a failed reset), 8 (no underflow) and 9 (only the outermost
 * prepare/done touch the hardware).
 *
 * <p>The counter has no owner: it cannot tell a nested prepare from a concurrent prepare by another
 * thread on the same function; callers serialize with the device lock (§2.2).
 */
final class DeviceCounterRules extends ResetRules {
    DeviceCounterRules(final ProtocolModel model) {
        super(model);
    }

    /**
     * M71 §1.3.
     *
     * <pre>
     *  !ATS supported            -&gt; 0
     *  no gdev                   -&gt; WARN + -ENODEV
     *  reset_depth++ was &gt; 0     -&gt; 0 (nested: a pure counter, invariant 9)
     *  [result-to-done] already  -&gt; 0, depth 1 (quarantined after a failed reset: still parked and
     *   blocked at depth 0          counted, nothing to attach)
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
            return s.withDevice(i, d.withDepth(1)); // result-to-done quarantine: already parked
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
     * M71 §1.5, with the result-to-done rule of §2.5.
     *
     * <pre>
     *  !ATS supported            -&gt; return
     *  no gdev                   -&gt; WARN, return
     *  reset_depth == 0          -&gt; WARN (unbalanced), return
     *  --reset_depth &gt; 0         -&gt; return (still nested)
     *  [result-to-done] failed   -&gt; keep blocked and counted (quarantine), return
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
        if (model == ProtocolModel.RESULT_TO_DONE && resetResult.isError()) {
            return s.withDevice(i, d.withDepth(0)); // failed reset: depth balanced, still blocked and counted
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
