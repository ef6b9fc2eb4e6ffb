package io.resetguard.model;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.PciFunction;
import io.resetguard.fault.FaultPoint;
import io.resetguard.state.DomainTable;
import io.resetguard.state.FnWord;
import io.resetguard.state.GdevBlocked;
import io.resetguard.state.GroupWord;
import io.resetguard.state.OpCtx;

/**
 * WordRules - prepare() and done() written once as pure functions over the primitive words of
 * docs/state-core.md §2 (the word core's hot path). A cell applies them either by one
 * compare-and-set ({@link LockFreeWordCell}) or under the group lock ({@link LockingWordCell}).
 *
 * <p>Each rule is the word form of the same kernel function as {@link GroupFlagRules} or
 * {@link DeviceCounterRules} and must agree with it on every errno, event and resulting snapshot
 * (the differential test, {@code WordCoreDifferentialTest}, checks it). A rule:
 * <ul>
 * <li>returns the new word, or the word it was given when nothing changes (the cell then writes
 *     nothing), or {@link FnWord#SLOW} when the case needs more than one word (blocking-domain
 *     allocation under the 7.1 family, a non-empty {@code pasid_array} with PASID work, a done() of a
 *     sibling under 7.0, orphans): the caller then runs the multi-word path with the snapshot rules;</li>
 * <li>reports its errno and events through {@code ctx} and asks {@code ctx.draw} before each
 *     injectable call in the reference's order; a SLOW answer after a draw is safe because the
 *     context replays the draw in the multi-word attempt (OpCtx semantics);</li>
 * <li>allocates nothing unless it logs a WARN.</li>
 * </ul>
 */
public final class WordRules {
    private WordRules() {
    }

    /**
     * pci_dev_reset_iommu_prepare() under the 7.1 family (DeviceCounterRules.prepare) on the
     * function word {@code f} of an ATS function in the group.
     *
     * @param m               the model
     * @param fn              the function (ATS supported)
     * @param f               its word (present, unfrozen, stamp checked)
     * @param g               the group word it was read with
     * @param blockingCode    the group's blocking domain code
     * @param pasidArrayEmpty group-&gt;pasid_array is empty
     * @param ctx             result and draws
     * @return the new function word, {@code f}, or {@link FnWord#SLOW}
     */
    public static long prepareCounter(final ProtocolModel m, final PciFunction fn, final long f, final long g,
                                      final int blockingCode, final boolean pasidArrayEmpty, final OpCtx ctx) {
        final int depth = FnWord.depth(f);
        final int rid = FnWord.rid(f);
        if (depth > 0) {
            return depth == FnWord.MAX_DEPTH ? FnWord.SLOW : FnWord.with(f, FnWord.blocked(f), depth + 1, rid);
        }
        if (FnWord.blocked(f) != 0) {
            // kept blocked after a failed reset (result-to-done, quar-v6 BROKEN): a new attempt [inference]
            return FnWord.with(f, GdevBlocked.RESETTING.ordinal(), 1, rid);
        }
        if (!GroupWord.has(g, GroupWord.BLK)) {
            return FnWord.SLOW; // allocation writes the group word
        }
        int nrid = rid;
        if (GroupWord.domain(g) != blockingCode) {
            final Errno e = ctx.draw(FaultPoint.DEVICE_ATTACH, fn); // the blocking domain is never freed
            if (e.isError()) {
                ctx.result(e);
                return f;
            }
            nrid = blockingCode;
        }
        if (fn.maxPasids() > 0 && !pasidArrayEmpty) {
            return FnWord.SLOW; // PASID removal changes the overflow
        }
        return FnWord.with(f, GdevBlocked.RESETTING.ordinal(), 1, nrid);
    }

    /**
     * pci_dev_reset_iommu_done() under the 7.1 family (DeviceCounterRules.done) on the function word
     * {@code f} of an ATS function in the group.
     *
     * @param m                the model
     * @param fn               the function (ATS supported)
     * @param f                its word
     * @param g                the group word
     * @param blockingCode     the blocking domain's code
     * @param pasidArrayEmpty  group-&gt;pasid_array is empty
     * @param recoveryExact    the overflow's recovery adjustment is 0 (recovery_cnt is derived)
     * @param resetResult      the reset's result
     * @param domains          the fabric's domain table
     * @param groupId          for messages
     * @param ctx              events and draws
     * @return the new word, {@code f}, or {@link FnWord#SLOW}
     */
    public static long doneCounter(final ProtocolModel m, final PciFunction fn, final long f, final long g,
                                   final int blockingCode, final boolean pasidArrayEmpty,
                                   final boolean recoveryExact, final Errno resetResult,
                                   final DomainTable domains, final int groupId, final OpCtx ctx) {
        final int depth = FnWord.depth(f);
        final int rid = FnWord.rid(f);
        final int blocked = FnWord.blocked(f);
        if (depth == 0) {
            ctx.warn(EventType.WARN_DONE_UNBALANCED, fn, "");
            return f;
        }
        if (depth > 1) {
            return FnWord.with(f, blocked, depth - 1, rid);
        }
        if (m.doneKeepsFailedBlocked() && resetResult.isError()) {
            final int failed = m.gdevBlocked() == ProtocolModel.GdevBlockedKind.ENUM_WITH_BROKEN
                ? GdevBlocked.BROKEN.ordinal() : GdevBlocked.RESETTING.ordinal();
            return FnWord.with(f, failed, 0, rid);
        }
        if (!GroupWord.has(g, GroupWord.BLK)) {
            ctx.warn(EventType.WARN_DONE_NO_BLOCKING_DOMAIN, fn, "");
            return FnWord.with(f, blocked, 0, rid);
        }
        if (blocked == 0 || !recoveryExact) {
            return FnWord.SLOW; // recovery_cnt would not follow the derived count
        }
        int nrid = rid;
        final int target = GroupWord.domain(g);
        if (target != 0 && target != blockingCode) {
            final Domain t = domains.get(target);
            final Errno e;
            if (t.isFreed()) {
                ctx.warn(EventType.VIOLATION_USE_AFTER_FREE, fn, "attach of freed " + t + " (group " + groupId + ")");
                e = Errno.EINVAL;
            } else {
                e = ctx.draw(FaultPoint.DEVICE_ATTACH, fn);
                if (e.isError()) {
                    ctx.warn(EventType.WARN_DONE_REATTACH_FAILED, fn, t + ": " + e.kernelString());
                }
            }
            if (e.isOk()) {
                nrid = target;
            }
        }
        if (fn.maxPasids() > 0 && !pasidArrayEmpty) {
            return FnWord.SLOW; // PASID restore changes the overflow
        }
        return FnWord.with(f, GdevBlocked.NONE.ordinal(), 0, nrid);
    }

    /**
     * pci_dev_reset_iommu_prepare() under 7.0 and the seed (GroupFlagRules.prepare): one new group
     * word. The RID's move to the blocking domain is the PRK bit.
     *
     * @param m               the model
     * @param fn              the function (ATS supported)
     * @param slot            its slot
     * @param g               the group word
     * @param blockingCode    the blocking domain's code
     * @param pasidArrayEmpty group-&gt;pasid_array is empty
     * @param resettingFn     the function in the RESETBY slot (for the WARN text), or null
     * @param ctx             result, events and draws
     * @return the new group word, {@code g}, or {@link FnWord#SLOW}
     */
    public static long prepareFlag(final ProtocolModel m, final PciFunction fn, final int slot, final long g,
                                   final int blockingCode, final boolean pasidArrayEmpty,
                                   final PciFunction resettingFn, final OpCtx ctx) {
        if (GroupWord.has(g, GroupWord.RST)) {
            if (!m.reentryAllowed()) {
                ctx.warn(EventType.WARN_PREPARE_REENTRY, fn,
                    "resetting_domain set by " + (resettingFn == null ? "a removed function" : resettingFn.bdf()));
                ctx.result(Errno.EBUSY);
            }
            return g;
        }
        if (slot > GroupWord.MAX_SLOT) {
            return FnWord.SLOW;
        }
        long n = g;
        if (!GroupWord.has(g, GroupWord.BLK)) {
            final Errno e = ctx.draw(FaultPoint.BLOCKING_DOMAIN_ALLOC, fn);
            if (e.isError()) {
                ctx.result(e);
                return g;
            }
            n |= GroupWord.BLK;
        }
        long prk = 0;
        if (GroupWord.domain(g) != blockingCode) {
            final Errno e = ctx.draw(FaultPoint.DEVICE_ATTACH, fn);
            if (e.isError()) {
                ctx.result(e);
                return n; // the blocking domain stays allocated
            }
            prk = GroupWord.PRK;
        }
        if (!pasidArrayEmpty) {
            return FnWord.SLOW; // every PASID is removed from the device
        }
        return GroupWord.withResettingSlot(n | GroupWord.RST | prk, slot);
    }

    /**
     * pci_dev_reset_iommu_done() under 7.0 and the seed (GroupFlagRules.done) by the function that
     * set resetting_domain: one new group word.
     *
     * @param fn              the function (ATS supported)
     * @param slot            its slot
     * @param f               its word (for its RID)
     * @param g               the group word
     * @param blockingCode    the blocking domain's code
     * @param pasidArrayEmpty group-&gt;pasid_array is empty
     * @param hasOrphans      the overflow holds orphans
     * @param domains         the fabric's domain table
     * @param groupId         for messages
     * @param ctx             events and draws
     * @return the new group word, {@code g}, or {@link FnWord#SLOW}
     */
    public static long doneFlag(final PciFunction fn, final int slot, final long f, final long g,
                                final int blockingCode, final boolean pasidArrayEmpty, final boolean hasOrphans,
                                final DomainTable domains, final int groupId, final OpCtx ctx) {
        if (!GroupWord.has(g, GroupWord.RST)) {
            return g;
        }
        if (!GroupWord.has(g, GroupWord.BLK)) {
            ctx.warn(EventType.WARN_DONE_NO_BLOCKING_DOMAIN, fn, "");
            return g;
        }
        if (hasOrphans || GroupWord.resettingSlot(g) != slot) {
            return FnWord.SLOW;
        }
        final boolean prk = GroupWord.has(g, GroupWord.PRK);
        final int effective = prk ? blockingCode : FnWord.rid(f);
        int nrid = effective;
        final int target = GroupWord.domain(g);
        if (target != blockingCode) {
            if (target == 0) {
                ctx.warn(EventType.OOPS_DONE_NULL_DOMAIN, fn, "group " + groupId);
                return g;
            }
            final Domain t = domains.get(target);
            final Errno e;
            if (t.isFreed()) {
                ctx.warn(EventType.VIOLATION_USE_AFTER_FREE, fn, "attach of freed " + t + " (group " + groupId + ")");
                e = Errno.EINVAL;
            } else {
                e = ctx.draw(FaultPoint.DEVICE_ATTACH, fn);
                if (e.isError()) {
                    ctx.warn(EventType.WARN_DONE_REATTACH_FAILED, fn, t + ": " + e.kernelString());
                }
            }
            if (e.isOk()) {
                nrid = target;
            }
        }
        if (nrid != FnWord.rid(f) || !pasidArrayEmpty) {
            return FnWord.SLOW; // the RID must be written into the function word, or PASIDs restored
        }
        return GroupWord.withResettingSlot(g & ~(GroupWord.RST | GroupWord.PRK), -1);
    }
}
