package io.resetguard.stress.attach;

import io.resetguard.fabric.Domain;
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
import org.openjdk.jcstress.infra.results.LLLLLLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * PasidAttachPrepareRace - {@code iommu_attach_device_pasid(A, 1, NEW)} (an SVA bind, an iommufd
 * PASID attach) races {@code prepare(A)} (docs/protocol.md §1.6 row 4, §7 scenario 7;
 * invariants 3, 10 and 11).
 *
 * <p>The fixture is one linux-7.1 group with one ATS function A {@code 0000:3b:00.0} that supports
 * two PASIDs (PASID 1 is valid), and a fresh paging domain NEW. actor1 attaches NEW to PASID 1,
 * actor2 prepares A. The arbiter reads the group, plays done(A) and reads it again.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  attach_device_pasid(A, 1, NEW)   "0" or "-EBUSY"
 *  r2  prepare(A)                       "0"
 *  r3  PASID 1 of A while parked        NULL (prepare removed every PASID: blocked means blocked)
 *  r4  pasid_array[1]                   NEW / NULL (the logical attachment)
 *  r5  PASID 1 of A after done(A)       NEW (restored from pasid_array) / NULL
 *  r6  RID of A after done(A)           DEF
 *  r7  sound                            invariants before and after done(A), no OOPS/VIOLATION
 * </pre>
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t PasidAttachPrepareRace.Linux71}
 */
public final class PasidAttachPrepareRace {
    private PasidAttachPrepareRace() {
    }

    /**
     * linux-7.1, lock-free cell.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t PasidAttachPrepareRace.Linux71}
     */
    @Race(value = "attach_device_pasid(A, 1, NEW) || prepare(A)", scenarios = {7}, invariants = {3, 10, 11})
    @JCStressTest
    @Description("linux-7.1: PASID attach racing prepare, lock-free cell")
    @Outcome(id = "0, 0, NULL, NEW, NEW, DEF, true", expect = ACCEPTABLE,
        desc = "attach first: prepare removed PASID 1 from the hardware, done restored it from pasid_array")
    @Outcome(id = "-EBUSY, 0, NULL, NULL, NULL, DEF, true", expect = ACCEPTABLE,
        desc = "prepare first: the PASID attach was fenced (-EBUSY) and changed nothing")
    @Outcome(id = "0, 0, NEW, .*", expect = FORBIDDEN, desc = "a PASID is attached to a parked function")
    @Outcome(id = "-EBUSY, 0, NULL, NEW, .*", expect = FORBIDDEN, desc = "-EBUSY but pasid_array changed")
    @Outcome(id = "0, 0, NULL, NEW, NULL, .*", expect = FORBIDDEN, desc = "done did not restore the attached PASID")
    @Outcome(expect = FORBIDDEN, desc = "anything else: a WARN, or an invariant broken")
    @State
    public static class Linux71 {
        private final IommuGroup group;
        private final PciFunction a;
        private final Domain fresh;

        /** linux-7.1, lock-free cell. */
        public Linux71() {
            group = Probe.group(ProtocolModel.LINUX_7_1, StateImpl.LOCK_FREE);
            a = group.addFunction(Probe.BDF_A, true, 2);
            fresh = group.fabric().allocPagingDomain();
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            r.r1 = group.attachPasid(a, 1, fresh).kernelString();
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            r.r2 = group.prepare(a).kernelString();
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            final GroupState before = group.snapshot();
            r.r3 = Probe.pasid(group, before, a, 1, fresh);
            r.r4 = Probe.domain(group, before.pasidArray().get(1), fresh);
            group.done(a);
            final GroupState after = group.snapshot();
            r.r5 = Probe.pasid(group, after, a, 1, fresh);
            r.r6 = Probe.rid(group, after, a, fresh);
            r.r7 = Probe.sound(group, before) && Probe.sound(group, after) && Probe.events(group) == 0;
        }
    }
}
