package io.resetguard.stress.pci;

import io.resetguard.fabric.Domain;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.ProtocolModel;
import io.resetguard.pci.PciCore;
import io.resetguard.pci.PciDev;
import io.resetguard.state.GroupState;
import io.resetguard.state.StateImpl;
import io.resetguard.stress.Probe;
import io.resetguard.stress.Race;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLLLLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * ResetAttachRace - a full {@code pci_reset_function(A)} races VFIO's {@code iommu_attach_group(NEW)}
 * (docs/protocol.md §4.3, §1.6 row 1, §7 scenario 6; invariants 3, 10 and 11: the attach gets 0
 * before or after the reset, or -EBUSY during it, and never changes a parked function).
 *
 * <p>The fixture is one linux-7.1 group with ATS functions A {@code 0000:3b:00.0} (reset) and B
 * {@code 0000:3b:00.1}, A enumerated on a PCI core with an {@code InlineScheduler} and
 * {@link Probe#INSTANT_FLR} capabilities, a fresh paging domain NEW, and a {@link Probe.Watch} that
 * checks the invariants at every physical attachment change (so "moved while parked" is caught
 * where it happens). actor1 resets A (flr: prepare, FLR, done), actor2 attaches NEW. The arbiter
 * reads the group after both.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  reset_function(A)       "0"
 *  r2  attach_group(NEW)       "0" (before the reset's prepare or after its done) / "-EBUSY" (during)
 *  r3  group-&gt;domain          NEW / DEF
 *  r4  RID of A                NEW / DEF (never BLK: the reset finished)
 *  r5  RID of B                NEW / DEF
 *  r6  recovery_cnt            0
 *  r7  sound                   invariants at every physical change and at the end, no violation
 *                              (liveness, overlap), bus mastering restored
 * </pre>
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t ResetAttachRace.Linux71}
 */
public final class ResetAttachRace {
    private ResetAttachRace() {
    }

    /**
     * linux-7.1, lock-free cell.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t ResetAttachRace.Linux71}
     */
    @Race(value = "reset_function(A) || attach_group(NEW)", scenarios = {6}, invariants = {3, 10, 11})
    @JCStressTest
    @Description("linux-7.1: pci_reset_function(A) racing iommu_attach_group(NEW)")
    @Outcome(id = "0, 0, NEW, NEW, NEW, 0, true", expect = ACCEPTABLE,
        desc = "attach before prepare (done re-attached A to NEW) or after done: everything on NEW")
    @Outcome(id = "0, -EBUSY, DEF, DEF, DEF, 0, true", expect = ACCEPTABLE,
        desc = "attach while A was parked: fenced with -EBUSY, nothing changed")
    @Outcome(id = "0, 0, NEW, DEF, .*", expect = FORBIDDEN,
        desc = "the attach succeeded but A ended on the old domain (done re-attached a stale domain)")
    @Outcome(id = "0, -EBUSY, NEW, .*", expect = FORBIDDEN, desc = "-EBUSY but group->domain changed")
    @Outcome(expect = FORBIDDEN, desc = "anything else: a parked function moved, the reset failed, or an invariant broken")
    @State
    public static class Linux71 {
        private final IommuGroup group;
        private final PciFunction a;
        private final PciFunction b;
        private final Domain fresh;
        private final PciCore pci;
        private final PciDev dev;
        private final Probe.Watch watch;

        /** linux-7.1, lock-free cell. */
        public Linux71() {
            group = Probe.group(ProtocolModel.LINUX_7_1, StateImpl.LOCK_FREE);
            a = Probe.atsFunction(group, Probe.BDF_A);
            b = Probe.atsFunction(group, Probe.BDF_B);
            fresh = group.fabric().allocPagingDomain();
            pci = Probe.pci(group.fabric());
            dev = pci.attach(a, Probe.INSTANT_FLR, null);
            watch = Probe.Watch.on(group);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            pci.resetFunction(dev, rc -> r.r1 = rc.kernelString());
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            r.r2 = group.attachGroup(fresh).kernelString();
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            final GroupState s = group.snapshot();
            r.r3 = Probe.domain(group, s.domain(), fresh);
            r.r4 = Probe.rid(group, s, a, fresh);
            r.r5 = Probe.rid(group, s, b, fresh);
            r.r6 = s.recoveryCnt();
            r.r7 = Probe.sound(group, s) && watch.violations() == 0 && dev.busMaster();
        }
    }
}
