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
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLLLLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * AttachPrepareRace - VFIO/iommufd attaches a new paging domain to a group while one of its
 * functions is being prepared for a reset (docs/protocol.md §1.6 row 1, §7 scenario 6;
 * invariants 10 and 11).
 *
 * <p>The fixture is one group with two ATS functions: A {@code 0000:3b:00.0}, which is reset, and
 * its sibling B {@code 0000:3b:00.1}, plus a fresh paging domain NEW. actor1 attaches NEW to the
 * group; actor2 calls {@code prepare(A)}. The arbiter reads the group, then finishes the reset with
 * {@code done(A)} and reads A's attachment again.
 *
 * <p>Either the attach linearizes first: it returns 0, moves both functions and group-&gt;domain to
 * NEW, prepare then parks A, and done re-attaches A to NEW, the <em>current</em> group-&gt;domain
 * (invariant 10). Or prepare linearizes first: the attach is fenced with -EBUSY and changes nothing
 * (invariant 11), and done puts A back on the default domain.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  attach/replace of NEW     "0" or "-EBUSY"
 *  r2  prepare(A)                "0"
 *  r3  group-&gt;domain            NEW / DEF
 *  r4  RID of B                  NEW / DEF
 *  r5  RID of A after the race   BLK (parked)
 *  r6  RID of A after done(A)    NEW / DEF
 *  r7  sound                     Invariants.check() empty before and after done(A), no
 *                                OOPS/VIOLATION event, and the fence is 0 again after done(A)
 * </pre>
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t AttachPrepareRace.Linux71Attach}.
 * Only linux-7.1 with {@code iommu_attach_group()} is in the gate (run-time budget); the campaign
 * also runs the replace path under linux-7.0's flag fence ({@code Linux70Replace}) and the locking
 * cell ({@code Linux71AttachLocking}), with the same outcomes.
 */
public final class AttachPrepareRace {
    private AttachPrepareRace() {
    }

    /** One group, A (reset) and sibling B, and a new paging domain. */
    abstract static class Fixture {
        final IommuGroup group;
        final PciFunction a;
        final PciFunction b;
        final Domain fresh;

        Fixture(final ProtocolModel model, final StateImpl impl) {
            group = Probe.group(model, impl);
            a = Probe.atsFunction(group, Probe.BDF_A);
            b = Probe.atsFunction(group, Probe.BDF_B);
            fresh = group.fabric().allocPagingDomain();
        }

        final void prepareA(final LLLLLLL_Result r) {
            r.r2 = group.prepare(a).kernelString();
        }

        final void observeThenDone(final LLLLLLL_Result r) {
            final GroupState before = group.snapshot();
            r.r3 = Probe.domain(group, before.domain(), fresh);
            r.r4 = Probe.rid(group, before, b, fresh);
            r.r5 = Probe.rid(group, before, a, fresh);
            group.done(a);
            final GroupState after = group.snapshot();
            r.r6 = Probe.rid(group, after, a, fresh);
            r.r7 = Probe.sound(group, before) && Probe.sound(group, after) && Probe.fence(group, after) == 0;
        }
    }

    /**
     * linux-7.1, {@code iommu_attach_group()}: fenced by recovery_cnt while A is blocked.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t AttachPrepareRace.Linux71Attach}
     */
    @Race(value = "attach_group(NEW) || prepare(A)", scenarios = {6}, invariants = {10, 11})
    @Gate
    @JCStressTest
    @Description("linux-7.1: iommu_attach_group(NEW) racing prepare(A), lock-free cell")
    @Outcome(id = "0, 0, NEW, NEW, BLK, NEW, true", expect = ACCEPTABLE,
        desc = "attach -> prepare: group on NEW; A parked, and done re-attached A to NEW")
    @Outcome(id = "-EBUSY, 0, DEF, DEF, BLK, DEF, true", expect = ACCEPTABLE,
        desc = "prepare -> attach: attach fenced (-EBUSY), nothing changed; done back to DEF")
    @Outcome(id = "0, 0, NEW, NEW, BLK, DEF, .*", expect = FORBIDDEN,
        desc = "done re-attached the stale pre-attach domain instead of the current group->domain")
    @Outcome(id = {"0, 0, NEW, NEW, NEW, .*", "0, 0, NEW, DEF, .*"}, expect = FORBIDDEN,
        desc = "the attach moved the parked function off the blocking domain or missed the sibling")
    @Outcome(id = "-EBUSY, 0, NEW, .*", expect = FORBIDDEN, desc = "-EBUSY but group->domain changed")
    @Outcome(expect = FORBIDDEN, desc = "anything else: wrong state, or an invariant broken")
    @State
    public static class Linux71Attach extends Fixture {
        /** linux-7.1, lock-free cell. */
        public Linux71Attach() {
            super(ProtocolModel.LINUX_7_1, StateImpl.LOCK_FREE);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            r.r1 = group.attachGroup(fresh).kernelString();
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            prepareA(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observeThenDone(r);
        }
    }

    /**
     * linux-7.0, {@code iommu_replace_group_handle()}: fenced by the group's resetting_domain flag.
     * The outcomes are those of {@link Linux71Attach}: replace first moves the group and both functions
     * to NEW and done re-attaches A to NEW; prepare first fences the replace with -EBUSY.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t AttachPrepareRace.Linux70Replace}
     */
    @Race(value = "attach_group(NEW) || prepare(A)", scenarios = {6}, invariants = {10, 11})
    @JCStressTest
    @JCStressMeta(Linux71Attach.class)
    @Description("linux-7.0: iommu_replace_group_handle(NEW) racing prepare(A), lock-free cell")
    @State
    public static class Linux70Replace extends Fixture {
        /** linux-7.0, lock-free cell. */
        public Linux70Replace() {
            super(ProtocolModel.LINUX_7_0, StateImpl.LOCK_FREE);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            r.r1 = group.replaceGroup(fresh).kernelString();
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            prepareA(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observeThenDone(r);
        }
    }

    /**
     * {@link Linux71Attach} on the locking cell (group-&gt;mutex).
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t AttachPrepareRace.Linux71AttachLocking}
     */
    @Race(value = "attach_group(NEW) || prepare(A)", scenarios = {6}, invariants = {10, 11})
    @JCStressTest
    @JCStressMeta(Linux71Attach.class)
    @Description("linux-7.1: iommu_attach_group(NEW) racing prepare(A), locking cell")
    @State
    public static class Linux71AttachLocking extends Fixture {
        /** linux-7.1, locking cell. */
        public Linux71AttachLocking() {
            super(ProtocolModel.LINUX_7_1, StateImpl.LOCKING);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            r.r1 = group.attachGroup(fresh).kernelString();
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            prepareA(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observeThenDone(r);
        }
    }
}
