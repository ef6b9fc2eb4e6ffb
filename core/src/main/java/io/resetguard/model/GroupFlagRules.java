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
 * GroupFlagRules - prepare/done with one {@code group->resetting_domain} per group: Linux 7.0 (M70)
 * and the seed patch on it (SEED).
 *
 * <p>Invariant 14: {@code resetting_domain} is NULL or the blocking domain (here: a boolean with the
 * function that set it as emulator shadow state), so at most one function per group is inside a
 * reset; one done() clears it however many prepare() calls preceded it (§2.3: "the seed only makes
 * sense with M70's flag semantics").
 */
final class GroupFlagRules extends ResetRules {
    GroupFlagRules(final ProtocolModel model) {
        super(model);
    }

    /**
     * M70 §1.2 / SEED §2.3.
     *
     * <pre>
     *  !ATS supported                 -&gt; 0, IOMMU untouched (a non-ATS reset keeps translating)
     *  resetting_domain set (by this  -&gt; M70: WARN + -EBUSY, nothing changed
     *  function or any sibling)          SEED: 0 ("Already prepared"), nothing changed; a sibling
     *                                    is then NOT parked (the seed's group-wide check)
     *  alloc blocking domain          -&gt; error returned unchanged
     *  RID -&gt; blocking (unless the    -&gt; error returned unchanged, blocking domain stays allocated
     *   group is on it already)
     *  every PASID &gt;= 1 removed       -&gt; failures only WARN
     *  resetting_domain = blocking    -&gt; 0
     * </pre>
     */
    @Override
    public GroupState prepare(final IommuGroup g, final GroupState s, final PciFunction fn, final OpCtx ctx) {
        if (!fn.atsSupported()) {
            return s;
        }
        final int i = s.indexOf(fn);
        if (i < 0) {
            return s; // released: dev_has_iommu() is false, early 0 [inf: M70 has no gdev lookup]
        }
        if (s.resetting()) {
            if (!model.reentryAllowed()) {
                ctx.warn(EventType.WARN_PREPARE_REENTRY, fn,
                    "resetting_domain set by " + (s.resettingBy() == null ? "a removed function" : s.resettingBy().bdf()));
                ctx.result(Errno.EBUSY);
            }
            return s;
        }
        final GroupState a = allocBlocking(s, fn, ctx);
        if (a == null) {
            return s;
        }
        DeviceState d = a.device(i);
        if (a.domain() != g.blockingDomain()) {
            final Errno e = attachRid(g, d, g.blockingDomain(), ctx);
            if (e.isError()) {
                ctx.result(e);
                return a;
            }
            d = d.withRid(g.blockingDomain());
        }
        d = removePasids(d, a.pasidArray(), ctx);
        return a.withDeviceAndResettingBy(i, d, fn);
    }

    /**
     * M70 §1.4 (SEED leaves done() itself unchanged; it changes who calls it).
     *
     * <pre>
     *  !ATS supported             -&gt; return
     *  resetting_domain NULL      -&gt; return (prepare was bypassed)
     *  no blocking domain         -&gt; WARN, return
     *  group-&gt;domain NULL         -&gt; OOPS: 7.0 dereferences it (fixed in 7.1 by d769711fcddd);
     *                                emulated as an event, done() aborts, the function stays parked
     *  RID -&gt; group-&gt;domain       -&gt; failure WARNs, the function stays on the blocking domain
     *  PASIDs restored on EVERY   -&gt; 7.0 uses __iommu_set_group_pasid() (group-wide); WARN each
     *   device of the group
     *  resetting_domain = NULL
     * </pre>
     * Whichever function calls done(), the group flag clears: a done() by a sibling unparks the group
     * while the function that prepared stays physically on the blocking domain.
     */
    @Override
    public GroupState done(final IommuGroup g, final GroupState s, final PciFunction fn, final Errno resetResult,
                           final OpCtx ctx) {
        if (!fn.atsSupported()) {
            return s;
        }
        final int i = s.indexOf(fn);
        if (i < 0 || !s.resetting()) {
            return s;
        }
        if (!s.blockingAllocated()) {
            ctx.warn(EventType.WARN_DONE_NO_BLOCKING_DOMAIN, fn, "");
            return s;
        }
        DeviceState d = s.device(i);
        final Domain target = s.domain();
        if (target != g.blockingDomain()) {
            if (target == null) {
                ctx.warn(EventType.OOPS_DONE_NULL_DOMAIN, fn, "group " + g.id());
                return s;
            }
            final Errno e = attachRid(g, d, target, ctx);
            if (e.isError()) {
                if (!target.isFreed()) {
                    ctx.warn(EventType.WARN_DONE_REATTACH_FAILED, fn, target + ": " + e.kernelString());
                }
            } else {
                d = d.withRid(target);
            }
        }
        // a flag: one done() clears it all (resetting_domain and any orphaned flag with it)
        GroupState n = s.withDeviceAndResettingBy(i, d, null);
        for (int j = 0; j < n.deviceCount(); j++) {
            final DeviceState dj = n.device(j);
            if (dj.fn().maxPasids() > 0) {
                n = n.withDevice(j, restorePasids(dj, n.pasidArray(), ctx));
            }
        }
        return n;
    }

    @Override
    protected boolean groupFenced(final GroupState s) {
        return s.resetting();
    }

    @Override
    protected boolean deviceFenced(final GroupState s, final int i) {
        return s.resetting(); // group-wide in 7.0
    }

    @Override
    public boolean parked(final GroupState s, final int i) {
        return s.resettingBy() == s.device(i).fn();
    }

    @Override
    protected boolean mustSucceedBypassesFence() {
        return false;
    }

    @Override
    protected Domain driverDomain(final IommuGroup g, final GroupState s, final int i) {
        return s.resetting() ? g.blockingDomain() : s.domain(); // returns resetting_domain group-wide
    }
}
