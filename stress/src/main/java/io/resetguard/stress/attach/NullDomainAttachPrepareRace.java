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
import org.openjdk.jcstress.infra.results.LLLLLLLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * NullDomainAttachPrepareRace - a reset's {@code prepare(A)} in a group whose default-domain
 * allocation failed at probe ({@code group->domain == NULL}) races VFIO's
 * {@code iommu_attach_group(NEW)} (docs/protocol.md §1.2 note, §1.4, §1.5, §2.1
 * {@code d769711fcddd}, §7 scenario 13; invariants 10, 11 and 14).
 *
 * <p>The fixture is one group created with {@code Iommu.addGroup(false)} (no default domain:
 * group-&gt;domain is NULL and the ATS function A {@code 0000:3b:00.0} is probed onto no domain) and a
 * fresh paging domain NEW. actor1 attaches NEW to the group, actor2 calls {@code prepare(A)}, which
 * parks A on the blocking domain (the old-domain argument may be NULL, §1.2 note). The arbiter reads
 * the group, plays {@code done(A)} and reads it again.
 *
 * <p>Either the attach linearizes first: it returns 0 and gives the group a domain (NEW), and done
 * re-attaches A to it (invariant 10). Or prepare does: the attach is fenced with -EBUSY (invariant
 * 11), group-&gt;domain is still NULL when done runs, and the models part:
 * <ul>
 * <li>linux-7.1: done skips the RID re-attach and leaves A unblocked but parked on the blocking
 *     domain ({@code d769711fcddd}; invariant 10's NULL case), recovery_cnt back to 0;</li>
 * <li>linux-7.0: done dereferences the NULL group-&gt;domain; the emulator reports the oops as an
 *     {@code OOPS_DONE_NULL_DOMAIN} event and aborts done(), so resetting_domain stays set, A stays
 *     parked and the whole group stays fenced. This is the model's documented defect, so the outcome
 *     is ACCEPTABLE_INTERESTING and the oops is counted in r7 instead of making the sample unsound.</li>
 * </ul>
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  attach_group(NEW)          "0" (before prepare) / "-EBUSY" (after)
 *  r2  prepare(A)                 "0"
 *  r3  group-&gt;domain             NEW / NULL
 *  r4  RID of A before done(A)    BLK (parked)
 *  r5  RID of A after done(A)     NEW / BLK (NULL group-&gt;domain: 7.1 parks it, 7.0 oopses)
 *  r6  fence after done(A)        0; 1 after the 7.0 oops (resetting_domain never cleared)
 *  r7  OOPS_DONE_NULL_DOMAIN      0; 1 under linux-7.0 when group-&gt;domain was NULL at done()
 *  r8  sound                      invariants before and after done(A), no OOPS or VIOLATION other
 *                                 than r7's, and no other event at all (no WARN)
 * </pre>
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t NullDomainAttachPrepareRace.Linux70}
 * (or {@code .Linux71}).
 */
public final class NullDomainAttachPrepareRace {
    private NullDomainAttachPrepareRace() {
    }

    /** One group without a default domain, one ATS function A, a new paging domain. */
    abstract static class Fixture {
        final IommuGroup group;
        final PciFunction a;
        final Domain fresh;

        Fixture(final ProtocolModel model) {
            group = Probe.fabric(model, StateImpl.LOCK_FREE).addIommu("smmu0").addGroup(false);
            a = Probe.atsFunction(group, Probe.BDF_A);
            fresh = group.fabric().allocPagingDomain();
        }

        final void attach(final LLLLLLLL_Result r) {
            r.r1 = group.attachGroup(fresh).kernelString();
        }

        final void prepareA(final LLLLLLLL_Result r) {
            r.r2 = group.prepare(a).kernelString();
        }

        final void observeThenDone(final LLLLLLLL_Result r) {
            final GroupState before = group.snapshot();
            r.r3 = Probe.domain(group, before.domain(), fresh);
            r.r4 = Probe.rid(group, before, a, fresh);
            group.done(a);
            final GroupState after = group.snapshot();
            r.r5 = Probe.rid(group, after, a, fresh);
            r.r6 = Probe.fence(group, after);
            final long oops = Probe.count(group, EventType.OOPS_DONE_NULL_DOMAIN);
            r.r7 = oops;
            r.r8 = Probe.soundExcept(group, before, EventType.OOPS_DONE_NULL_DOMAIN)
                && Probe.soundExcept(group, after, EventType.OOPS_DONE_NULL_DOMAIN)
                && Probe.events(group) == oops;
        }
    }

    /**
     * linux-7.0: the NULL-domain oops in done() when the attach lost the race.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t NullDomainAttachPrepareRace.Linux70}
     */
    @Race(value = "attach_group(NEW) || prepare(A), group->domain NULL", scenarios = {13},
        invariants = {10, 11, 14})
    @Gate
    @JCStressTest
    @Description("linux-7.0: iommu_attach_group(NEW) racing prepare(A) in a group without a default domain")
    @Outcome(id = "0, 0, NEW, BLK, NEW, 0, 0, true", expect = ACCEPTABLE,
        desc = "attach -> prepare: the group got a domain (NEW) before the reset; done re-attached A to it")
    @Outcome(id = "-EBUSY, 0, NULL, BLK, BLK, 1, 1, true", expect = ACCEPTABLE_INTERESTING,
        desc = "prepare -> attach (-EBUSY): done() dereferenced the NULL group->domain (7.0 oops, fixed by "
            + "d769711fcddd): resetting_domain stays set, A stays parked, every later attach gets -EBUSY")
    @Outcome(id = "-EBUSY, 0, NEW, .*", expect = FORBIDDEN, desc = "-EBUSY but group->domain changed")
    @Outcome(id = "0, 0, NEW, BLK, BLK, .*", expect = FORBIDDEN,
        desc = "group->domain was NEW but done() did not re-attach A to it")
    @Outcome(id = "0, 0, NULL, .*", expect = FORBIDDEN, desc = "the attach returned 0 but the group has no domain")
    @Outcome(expect = FORBIDDEN, desc = "anything else: an oops with a domain present, a WARN, or an invariant broken")
    @State
    public static class Linux70 extends Fixture {
        /** linux-7.0. */
        public Linux70() {
            super(ProtocolModel.LINUX_7_0);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLLL_Result r) {
            attach(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLLL_Result r) {
            prepareA(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLLL_Result r) {
            observeThenDone(r);
        }
    }

    /**
     * linux-7.1: done() skips the re-attach for a NULL group-&gt;domain and leaves A parked but
     * unblocked; no oops, no fence left.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t NullDomainAttachPrepareRace.Linux71}
     */
    @Race(value = "attach_group(NEW) || prepare(A), group->domain NULL", scenarios = {13},
        invariants = {10, 11})
    @JCStressTest
    @Description("linux-7.1: iommu_attach_group(NEW) racing prepare(A) in a group without a default domain")
    @Outcome(id = "0, 0, NEW, BLK, NEW, 0, 0, true", expect = ACCEPTABLE,
        desc = "attach -> prepare: the group got a domain (NEW) before the reset; done re-attached A to it")
    @Outcome(id = "-EBUSY, 0, NULL, BLK, BLK, 0, 0, true", expect = ACCEPTABLE,
        desc = "prepare -> attach (-EBUSY): group->domain still NULL, so done() left A unblocked but parked "
            + "on the blocking domain (d769711fcddd); recovery_cnt back to 0")
    @Outcome(id = "[^,]*, [^,]*, [^,]*, [^,]*, [^,]*, [^,]*, 1, .*", expect = FORBIDDEN,
        desc = "7.1 oopsed on the NULL group->domain (the d769711fcddd fix is gone)")
    @Outcome(id = "-EBUSY, 0, NEW, .*", expect = FORBIDDEN, desc = "-EBUSY but group->domain changed")
    @Outcome(id = "0, 0, NEW, BLK, BLK, .*", expect = FORBIDDEN,
        desc = "group->domain was NEW but done() did not re-attach A to it")
    @Outcome(expect = FORBIDDEN, desc = "anything else: A moved to no domain, recovery_cnt leaked, a WARN, or an invariant broken")
    @State
    public static class Linux71 extends Fixture {
        /** linux-7.1. */
        public Linux71() {
            super(ProtocolModel.LINUX_7_1);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLLL_Result r) {
            attach(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLLL_Result r) {
            prepareA(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLLL_Result r) {
            observeThenDone(r);
        }
    }
}
