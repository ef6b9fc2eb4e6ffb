package io.resetguard.stress.attach;

import io.resetguard.fabric.Domain;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.GroupState;
import io.resetguard.state.StateImpl;
import io.resetguard.stress.Gate;
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
 * OwnerReleasePrepareRace - VFIO closes the group ({@code iommu_group_release_dma_owner()}, a
 * must-succeed teardown back to the default domain) while function A is being prepared for a reset,
 * and then frees the domain it had attached (docs/protocol.md §1.6 row 2, §2.1, §7 scenario 6
 * "VFIO close/ownership release during reset"; invariants 10, 11 and 12: in 7.0 the nofail teardown
 * WARNs and leaves group-&gt;domain on the freed domain, the use-after-free that 7.1 fixed).
 *
 * <p>The fixture is one linux-7.1 group with ATS functions A {@code 0000:3b:00.0} and B
 * {@code 0000:3b:00.1}; the constructor claims DMA ownership and attaches a paging domain NEW (VFIO
 * open). actor1 releases ownership, actor2 prepares A. The arbiter frees NEW (VFIO drops its
 * domain), reads the group, plays done(A) and reads it again.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  release_dma_owner()   "0"
 *  r2  prepare(A)            "0"
 *  r3  group-&gt;domain         DEF (the teardown updated it even while A was blocked)
 *  r4  RID of B              DEF
 *  r5  RID of A              BLK (the teardown skipped the blocked A)
 *  r6  RID of A after done   DEF (done re-attached A to the current group-&gt;domain, not the freed NEW)
 *  r7  sound                 invariants (12: group-&gt;domain never freed) before and after done, no
 *                            event at all (no WARN_NOFAIL_SET_DOMAIN)
 * </pre>
 * Both orders end in the same state, so there is one acceptable outcome.
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t OwnerReleasePrepareRace.Linux71}
 */
public final class OwnerReleasePrepareRace {
    private OwnerReleasePrepareRace() {
    }

    /**
     * linux-7.1, lock-free cell.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t OwnerReleasePrepareRace.Linux71}
     */
    @Race(value = "release_dma_owner() || prepare(A)", scenarios = {6}, invariants = {10, 11, 12})
    @Gate
    @JCStressTest
    @Description("linux-7.1: VFIO ownership release (nofail teardown) racing prepare, lock-free cell")
    @Outcome(id = "0, 0, DEF, DEF, BLK, DEF, true", expect = ACCEPTABLE,
        desc = "either order: group->domain back to DEF, blocked A skipped, done re-attached A to DEF")
    @Outcome(id = "0, 0, NEW, .*", expect = FORBIDDEN,
        desc = "group->domain still on the freed NEW: the 7.0 use-after-free")
    @Outcome(id = "0, 0, DEF, DEF, BLK, NEW, .*", expect = FORBIDDEN, desc = "done re-attached the stale, freed domain")
    @Outcome(id = "0, 0, DEF, DEF, DEF, .*", expect = FORBIDDEN, desc = "the teardown moved the blocked A off the blocking domain")
    @Outcome(expect = FORBIDDEN, desc = "anything else: a WARN, or an invariant broken")
    @State
    public static class Linux71 {
        private final IommuGroup group;
        private final PciFunction a;
        private final PciFunction b;
        private final Domain fresh;

        /** linux-7.1, lock-free cell; DMA owned and NEW attached. */
        public Linux71() {
            group = Probe.group(ProtocolModel.LINUX_7_1, StateImpl.LOCK_FREE);
            a = Probe.atsFunction(group, Probe.BDF_A);
            b = Probe.atsFunction(group, Probe.BDF_B);
            fresh = group.fabric().allocPagingDomain();
            if (group.claimDmaOwner().isError() || group.attachGroup(fresh).isError()) {
                throw new IllegalStateException("fixture: VFIO open failed");
            }
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            r.r1 = group.releaseDmaOwner().kernelString();
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            r.r2 = group.prepare(a).kernelString();
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            group.fabric().freeDomain(fresh);
            final GroupState before = group.snapshot();
            r.r3 = Probe.domain(group, before.domain(), fresh);
            r.r4 = Probe.rid(group, before, b, fresh);
            r.r5 = Probe.rid(group, before, a, fresh);
            group.done(a);
            final GroupState after = group.snapshot();
            r.r6 = Probe.rid(group, after, a, fresh);
            r.r7 = Probe.sound(group, before) && Probe.sound(group, after) && Probe.events(group) == 0;
        }
    }
}
