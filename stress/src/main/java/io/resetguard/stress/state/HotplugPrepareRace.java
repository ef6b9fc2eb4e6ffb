package io.resetguard.stress.state;

import io.resetguard.errno.Errno;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.DeviceState;
import io.resetguard.state.GroupState;
import io.resetguard.state.StateImpl;
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
 * HotplugPrepareRace - a new sibling C is hot-added to the group while function A is being prepared
 * for a reset (docs/protocol.md §7 scenario 10, raised in Kevin Tian's review of an earlier
 * revision: the new device must land on group-&gt;domain and must not inherit the blocking state).
 *
 * <p>The fixture is one group with ATS functions A {@code 0000:3b:00.0} and C {@code 0000:3b:00.2};
 * C was probed and released again in the constructor, so the race re-adds it. actor1 calls
 * {@code prepare(A)}, actor2 {@code iommu_group_add_device(C)} ({@code hotplug}). The arbiter reads
 * the group, then finishes A's reset with done(A) and checks that C was not touched.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  prepare(A)                 "0"
 *  r2  hotplug(C)                 "0"
 *  r3  RID of A                   BLK
 *  r4  RID of C                   DEF (group-&gt;domain, never the blocking domain)
 *  r5  C's gdev                   "0/false": reset_depth 0, not blocked
 *  r6  fence                      linux-7.1: recovery_cnt (1: only A); linux-7.0: resetting flag (1)
 *  r7  sound                      invariants before and after done(A) and at every physical change;
 *                                 C on DEF after done(A); no OOPS/VIOLATION event
 * </pre>
 * Either order gives the same state, so there is one acceptable outcome per model.
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t HotplugPrepareRace.Linux71}
 */
public final class HotplugPrepareRace {
    private HotplugPrepareRace() {
    }

    /** One group, A present, C known but not in the group. */
    abstract static class Fixture {
        final IommuGroup group;
        final PciFunction a;
        final PciFunction c;
        final Probe.Watch watch;

        Fixture(final ProtocolModel model, final StateImpl impl) {
            group = Probe.group(model, impl);
            a = Probe.atsFunction(group, Probe.BDF_A);
            c = Probe.atsFunction(group, Probe.BDF_C);
            if (group.unplug(c).isError()) {
                throw new IllegalStateException("fixture unplug failed");
            }
            watch = Probe.Watch.on(group);
        }

        final void prepare(final LLLLLLL_Result r) {
            r.r1 = group.prepare(a).kernelString();
        }

        final void hotplug(final LLLLLLL_Result r) {
            r.r2 = group.hotplug(c).kernelString();
        }

        final void observe(final LLLLLLL_Result r) {
            final GroupState s = group.snapshot();
            r.r3 = Probe.rid(group, s, a, null);
            r.r4 = Probe.rid(group, s, c, null);
            final DeviceState dc = s.deviceOf(c);
            r.r5 = dc == null ? "GONE" : dc.depth() + "/" + dc.blocked();
            r.r6 = Probe.fence(group, s);
            group.done(a, Errno.OK);
            final GroupState after = group.snapshot();
            r.r7 = Probe.sound(group, s) && Probe.sound(group, after) && watch.violations() == 0
                && "DEF".equals(Probe.rid(group, after, c, null)) && "DEF".equals(Probe.rid(group, after, a, null));
        }
    }

    /**
     * linux-7.1, lock-free cell.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t HotplugPrepareRace.Linux71}
     */
    @Race(value = "hotplug(C) || prepare(A)", scenarios = {10})
    @JCStressTest
    @Description("linux-7.1: hot-add of sibling C racing prepare(A), lock-free cell")
    @Outcome(id = "0, 0, BLK, DEF, 0/false, 1, true", expect = ACCEPTABLE,
        desc = "either order: A parked, C on group->domain and not parked; the fence (7.1 recovery_cnt, "
            + "7.0 resetting_domain) is A's alone")
    @Outcome(id = "0, 0, BLK, BLK, .*", expect = FORBIDDEN, desc = "C inherited the blocking domain")
    @Outcome(id = "0, 0, BLK, DEF, 1/true, .*", expect = FORBIDDEN, desc = "C inherited A's blocked state")
    @Outcome(expect = FORBIDDEN, desc = "anything else: an error, a WARN, or an invariant broken")
    @State
    public static class Linux71 extends Fixture {
        /** linux-7.1, lock-free cell. */
        public Linux71() {
            super(ProtocolModel.LINUX_7_1, StateImpl.LOCK_FREE);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            prepare(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            hotplug(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * linux-7.0: the flag is group-wide but {@code parked()} names only A; C still lands on
     * group-&gt;domain. Same outcome as {@link Linux71} (the fence field is the flag, 1).
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t HotplugPrepareRace.Linux70}
     */
    @Race(value = "hotplug(C) || prepare(A)", scenarios = {10})
    @JCStressTest
    @JCStressMeta(Linux71.class)
    @Description("linux-7.0: hot-add of sibling C racing prepare(A), lock-free cell")
    @State
    public static class Linux70 extends Fixture {
        /** linux-7.0, lock-free cell. */
        public Linux70() {
            super(ProtocolModel.LINUX_7_0, StateImpl.LOCK_FREE);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            prepare(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            hotplug(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observe(r);
        }
    }
}
