package io.resetguard.stress.attach;

import io.resetguard.event.EventType;
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
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * PasidDetachPrepareRace - {@code iommu_detach_device_pasid(A, 1)} (not fenced: a teardown) races
 * {@code prepare(A)} (docs/protocol.md §1.6 row 5, §7 scenario 7: "PASID detach during reset
 * (entry erased; M70 redundant driver call; done must not resurrect it)"; invariant 10).
 *
 * <p>The fixture is one group with one ATS function A {@code 0000:3b:00.0} with two PASIDs and a
 * paging domain NEW attached to PASID 1 in the constructor. actor1 detaches PASID 1, actor2 prepares
 * A. The arbiter reads the group, plays done(A) and reads it again.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  detach_device_pasid(A, 1)        "0"
 *  r2  prepare(A)                       "0"
 *  r3  pasid_array[1]                   NULL (erased)
 *  r4  PASID 1 of A while parked        NULL
 *  r5  PASID 1 of A after done(A)       NULL (done must not resurrect it)
 *  r6  redundant set_dev_pasid events   linux-7.1: 0; linux-7.0: 1 if the detach ran while A was parked
 *  r7  sound                            invariants before and after done(A), no OOPS/VIOLATION event
 * </pre>
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t PasidDetachPrepareRace.Linux71}
 * (or {@code .Linux70}).
 */
public final class PasidDetachPrepareRace {
    private PasidDetachPrepareRace() {
    }

    /** One group, A with PASID 1 on NEW. */
    abstract static class Fixture {
        final IommuGroup group;
        final PciFunction a;
        final Domain fresh;

        Fixture(final ProtocolModel model) {
            group = Probe.group(model, StateImpl.LOCK_FREE);
            a = group.addFunction(Probe.BDF_A, true, 2);
            fresh = group.fabric().allocPagingDomain();
            if (group.attachPasid(a, 1, fresh).isError()) {
                throw new IllegalStateException("fixture PASID attach failed");
            }
        }

        final void detach(final LLLLLLL_Result r) {
            r.r1 = group.detachPasid(a, 1).kernelString();
        }

        final void prepare(final LLLLLLL_Result r) {
            r.r2 = group.prepare(a).kernelString();
        }

        final void observe(final LLLLLLL_Result r) {
            final GroupState before = group.snapshot();
            r.r3 = Probe.domain(group, before.pasidArray().get(1), fresh);
            r.r4 = Probe.pasid(group, before, a, 1, fresh);
            group.done(a);
            final GroupState after = group.snapshot();
            r.r5 = Probe.pasid(group, after, a, 1, fresh);
            final long redundant = Probe.count(group, EventType.LOG_REDUNDANT_PASID_REMOVE);
            r.r6 = redundant;
            r.r7 = Probe.sound(group, before) && Probe.sound(group, after) && Probe.events(group) == redundant
                && "DEF".equals(Probe.rid(group, after, a, fresh));
        }
    }

    /**
     * linux-7.1: the detach skips the blocked device (fix fc3523b16d2b); either order ends with
     * PASID 1 erased and not restored.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t PasidDetachPrepareRace.Linux71}
     */
    @Race(value = "detach_device_pasid(A, 1) || prepare(A)", scenarios = {7}, invariants = {10})
    @JCStressTest
    @Description("linux-7.1: PASID detach racing prepare, lock-free cell")
    @Outcome(id = "0, 0, NULL, NULL, NULL, 0, true", expect = ACCEPTABLE,
        desc = "either order: PASID 1 erased, removed from the parked function, not restored by done")
    @Outcome(id = "0, 0, NULL, NULL, NEW, .*", expect = FORBIDDEN, desc = "done resurrected the detached PASID")
    @Outcome(id = "0, 0, NEW, .*", expect = FORBIDDEN, desc = "the detach was lost: pasid_array still has PASID 1")
    @Outcome(expect = FORBIDDEN, desc = "anything else: a WARN, or an invariant broken")
    @State
    public static class Linux71 extends Fixture {
        /** linux-7.1. */
        public Linux71() {
            super(ProtocolModel.LINUX_7_1);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            detach(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            prepare(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * linux-7.0: a detach while A is parked calls the blocked domain's set_dev_pasid again (a
     * redundant driver call that invalidates the resetting function's ATC, logged); the PASID is still
     * not restored.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t PasidDetachPrepareRace.Linux70}
     */
    @Race(value = "detach_device_pasid(A, 1) || prepare(A)", scenarios = {7}, invariants = {10})
    @JCStressTest
    @Description("linux-7.0: PASID detach racing prepare, lock-free cell")
    @Outcome(id = "0, 0, NULL, NULL, NULL, 0, true", expect = ACCEPTABLE,
        desc = "detach first: PASID 1 erased before the reset")
    @Outcome(id = "0, 0, NULL, NULL, NULL, 1, true", expect = ACCEPTABLE_INTERESTING,
        desc = "prepare first: the detach made a redundant set_dev_pasid call on the parked function (7.0 defect)")
    @Outcome(id = "0, 0, NULL, NULL, NEW, .*", expect = FORBIDDEN, desc = "done resurrected the detached PASID")
    @Outcome(expect = FORBIDDEN, desc = "anything else: a WARN, or an invariant broken")
    @State
    public static class Linux70 extends Fixture {
        /** linux-7.0. */
        public Linux70() {
            super(ProtocolModel.LINUX_7_0);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            detach(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            prepare(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observe(r);
        }
    }
}
