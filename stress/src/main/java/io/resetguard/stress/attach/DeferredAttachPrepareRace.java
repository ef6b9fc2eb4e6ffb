package io.resetguard.stress.attach;

import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.ProtocolModel;
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
import org.openjdk.jcstress.infra.results.LLLLLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * DeferredAttachPrepareRace - a DMA map through {@code iommu_deferred_attach()} (the lazy RID
 * attach of the DMA API) races {@code prepare(A)} (docs/protocol.md §1.6 row 3, §7 scenario 8:
 * -EBUSY while fenced, which makes the map fail; it must never move a parked RID).
 *
 * <p>The fixture is one linux-7.1 group with one ATS function A {@code 0000:3b:00.0} on the default
 * domain. actor1 calls {@code deferredAttach(A)}, actor2 {@code prepare(A)}. The arbiter reads the
 * group, plays done(A), and reads it again.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  deferred_attach(A)     "0" (before the reset: A already on group-&gt;domain, nothing to do)
 *                             or "-EBUSY" (during: the DMA map fails)
 *  r2  prepare(A)             "0"
 *  r3  RID of A               BLK
 *  r4  recovery_cnt           1
 *  r5  RID after done(A)      DEF
 *  r6  sound                  invariants before and after done(A), no event at all
 * </pre>
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t DeferredAttachPrepareRace.Linux71}
 */
public final class DeferredAttachPrepareRace {
    private DeferredAttachPrepareRace() {
    }

    /**
     * linux-7.1, lock-free cell.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t DeferredAttachPrepareRace.Linux71}
     */
    @Race(value = "deferred_attach(A) || prepare(A)", scenarios = {8}, invariants = {3})
    @JCStressTest
    @Description("linux-7.1: iommu_deferred_attach racing prepare, lock-free cell")
    @Outcome(id = "0, 0, BLK, 1, DEF, true", expect = ACCEPTABLE,
        desc = "deferred attach before prepare: nothing to attach (0); then A parked")
    @Outcome(id = "-EBUSY, 0, BLK, 1, DEF, true", expect = ACCEPTABLE,
        desc = "deferred attach during the reset: -EBUSY, the DMA map fails; A stays parked")
    @Outcome(id = ".*, 0, DEF, .*", expect = FORBIDDEN, desc = "the deferred attach moved a parked RID")
    @Outcome(expect = FORBIDDEN, desc = "anything else: a WARN, wrong counters, or an invariant broken")
    @State
    public static class Linux71 {
        private final IommuGroup group;
        private final PciFunction a;

        /** linux-7.1, lock-free cell. */
        public Linux71() {
            group = Probe.group(ProtocolModel.LINUX_7_1, StateImpl.LOCK_FREE);
            a = Probe.atsFunction(group, Probe.BDF_A);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLL_Result r) {
            r.r1 = group.deferredAttach(a).kernelString();
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLL_Result r) {
            r.r2 = group.prepare(a).kernelString();
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLL_Result r) {
            final GroupState before = group.snapshot();
            r.r3 = Probe.rid(group, before, a, null);
            r.r4 = before.recoveryCnt();
            group.done(a);
            final GroupState after = group.snapshot();
            r.r5 = Probe.rid(group, after, a, null);
            r.r6 = Probe.sound(group, before) && Probe.sound(group, after) && Probe.events(group) == 0;
        }
    }
}
