package io.resetguard.model;

import io.resetguard.fabric.IommuGroup;
import io.resetguard.state.DeviceState;
import io.resetguard.state.GdevBlocked;
import io.resetguard.state.GroupState;

import java.util.ArrayList;
import java.util.List;

/**
 * Invariants - the state invariants of docs/protocol.md §6 that a single {@link GroupState}
 * snapshot must satisfy at every commit (every release of {@code group->mutex}).
 *
 * <p>Checked here, by number:
 * <ul>
 * <li>3 blocked means blocked: a parked gdev's RID is on the blocking domain and it has no PASID
 *     attached;</li>
 * <li>6 recovery_cnt equals the blocked gdevs (plus the orphans of removed blocked gdevs);</li>
 * <li>7 blocked iff reset_depth &gt; 0; under the done(result) models ({@link ProtocolModel.AfterReset#PASS_RESULT})
 *     depth &gt; 0 implies blocked, and with the enum of quar-v6 RESETTING iff depth &gt; 0 and BROKEN
 *     only at depth 0; BROKEN never appears under a bool model;</li>
 * <li>8 reset_depth never negative;</li>
 * <li>12 group-&gt;domain never a freed domain (the 7.0 use-after-free breaks it);</li>
 * <li>14 flag models: resetting_domain set implies a blocking domain exists; the counter fields
 *     stay zero;</li>
 * <li>and the physical consequence: a RID on the blocking domain implies it was allocated.</li>
 * </ul>
 * Invariants 9, 10 and 11 are about transitions, not snapshots, and are tested per operation.
 *
 * <p>This is a checker for tests, the jcstress arbiters and the oracle; the protocol code never
 * calls it.
 */
public final class Invariants {
    private Invariants() {
    }

    /**
     * @param g the group (its model, blocking domain)
     * @param s a snapshot of it
     * @return the violated invariants, each as one line naming its number; empty if all hold
     */
    public static List<String> check(final IommuGroup g, final GroupState s) {
        final List<String> v = new ArrayList<>(0);
        final ProtocolModel m = g.model();
        final ResetRules rules = ResetRules.of(m);
        if (s.domain() != null && s.domain().isFreed()) {
            v.add("12: group->domain " + s.domain() + " is freed");
        }
        for (int i = 0; i < s.deviceCount(); i++) {
            final DeviceState d = s.device(i);
            if (d.depth() < 0) {
                v.add("8: " + d.fn().bdf() + " reset_depth " + d.depth() + " < 0");
            }
            if (d.rid() == g.blockingDomain() && !s.blockingAllocated()) {
                v.add("1.7: " + d.fn().bdf() + " on a blocking domain that was never allocated");
            }
            if (rules.parked(s, i)) {
                if (d.rid() != g.blockingDomain()) {
                    v.add("3: " + d.fn().bdf() + " parked but its RID is on " + d.rid());
                }
                if (!d.pasids().isEmpty()) {
                    // a PASID whose removal the driver failed stays attached, with a WARN (§1.2 step 6)
                    v.add("3: " + d.fn().bdf() + " parked but PASIDs " + d.pasids() + " are attached");
                }
            }
        }
        if (m.bookkeeping() == ProtocolModel.Bookkeeping.DEVICE_COUNTER) {
            if (s.resetting()) {
                v.add("14: counter model has resetting_domain set");
            }
            final int expected = s.blockedCount() + s.orphanedRecoveries();
            if (s.recoveryCnt() != expected) {
                v.add("6: recovery_cnt " + s.recoveryCnt() + " != blocked gdevs " + s.blockedCount()
                    + " + orphans " + s.orphanedRecoveries());
            }
            final boolean enumState = m.gdevBlocked() == ProtocolModel.GdevBlockedKind.ENUM_WITH_BROKEN;
            for (int i = 0; i < s.deviceCount(); i++) {
                final DeviceState d = s.device(i);
                final boolean ok;
                if (enumState) {
                    ok = (d.blockedState() == GdevBlocked.RESETTING) == d.depth() > 0;
                } else if (m.doneKeepsFailedBlocked()) {
                    ok = !d.broken() && (d.depth() == 0 || d.blocked());
                } else {
                    ok = !d.broken() && d.blocked() == d.depth() > 0;
                }
                if (!ok) {
                    v.add("7: " + d.fn().bdf() + " blocked=" + d.blockedState() + " reset_depth=" + d.depth());
                }
            }
        } else {
            if (s.resetting() && !s.blockingAllocated()) {
                v.add("14: resetting_domain set without a blocking domain");
            }
            if (s.resettingBy() != null && !s.resetting()) {
                v.add("14: a function is parked but resetting_domain is NULL");
            }
            if (s.orphanedRecoveries() > 0 && !s.resetting()) {
                v.add("14: an orphaned reset without resetting_domain");
            }
            if (s.recoveryCnt() != 0 || s.blockedCount() != 0) {
                v.add("14: flag model has counter state");
            }
            for (int i = 0; i < s.deviceCount(); i++) {
                if (s.device(i).depth() != 0) {
                    v.add("14: flag model has reset_depth on " + s.device(i).fn().bdf());
                }
            }
        }
        return v;
    }

    /**
     * The liveness finding of a group whose recovery can never end because a function was removed
     * while blocked (docs/protocol.md §2.5a, the 7.1-era {@code __iommu_group_remove_device()}
     * unlinks and frees the gdev without touching {@code blocked} or {@code recovery_cnt}; under
     * the flag models {@code resetting_domain} stays set). The leaked unit is still counted
     * (invariant 6 holds with it), so this is not a state invariant but a liveness report, which
     * says in plain words what the leak does to the siblings.
     *
     * @param g the group
     * @param s a snapshot of it
     * @return one line naming the removed functions and the fenced siblings, or null if nothing leaked
     */
    public static String orphanedFence(final IommuGroup g, final GroupState s) {
        if (s.orphanedRecoveries() == 0) {
            return null;
        }
        final StringBuilder who = new StringBuilder();
        for (final io.resetguard.fabric.PciFunction fn : s.orphans()) {
            who.append(who.length() == 0 ? "" : ", ").append(fn == null ? "a removed function" : fn.bdf());
        }
        final String what = g.model().bookkeeping() == ProtocolModel.Bookkeeping.DEVICE_COUNTER
            ? s.orphanedRecoveries() + " recovery_cnt unit(s) leaked (recovery_cnt " + s.recoveryCnt() + ")"
            : "resetting_domain left set";
        return "group " + g.id() + ": " + what + " by " + who + ", removed while blocked; siblings of " + who
            + " stay fenced: every attach in the group returns -EBUSY until the group is torn down";
    }
}
