package io.resetguard.stress.state;

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
 * SiblingPrepareRace - two functions of one IOMMU group are reset at the same time, each under its
 * own device lock, so their {@code prepare()} calls race legitimately (docs/protocol.md §7
 * scenario 5; §1.2 step 3, §1.3; invariants 6 and 14).
 *
 * <p>The fixture is one group with two ATS functions, A {@code 0000:3b:00.0} and B
 * {@code 0000:3b:00.1}, both on the default domain. actor1 prepares A, actor2 prepares B; the
 * arbiter reads the group.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  prepare(A)         "0" or "-EBUSY"
 *  r2  prepare(B)         "0" or "-EBUSY"
 *  r3  RID of A           BLK / DEF
 *  r4  RID of B           BLK / DEF
 *  r5  fence              linux-7.0: resetting_domain set (1/0); linux-7.1: recovery_cnt
 *  r6  kernel log events  WARNs: WARN_ON(group-&gt;resetting_domain)
 *  r7  sound              Invariants.check() empty, no OOPS/VIOLATION event
 * </pre>
 * Any outcome not listed for a model, in particular any with {@code sound == false}, is FORBIDDEN.
 *
 * <p>How to run one model: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t SiblingPrepareRace.Linux71}
 * (or {@code .Linux70}).
 */
public final class SiblingPrepareRace {
    private SiblingPrepareRace() {
    }

    /** One group, two ATS siblings. */
    abstract static class Fixture {
        final IommuGroup group;
        final PciFunction a;
        final PciFunction b;

        Fixture(final ProtocolModel model, final StateImpl impl) {
            group = Probe.group(model, impl);
            a = Probe.atsFunction(group, Probe.BDF_A);
            b = Probe.atsFunction(group, Probe.BDF_B);
        }

        final void prepareA(final LLLLLLL_Result r) {
            r.r1 = group.prepare(a).kernelString();
        }

        final void prepareB(final LLLLLLL_Result r) {
            r.r2 = group.prepare(b).kernelString();
        }

        final void observe(final LLLLLLL_Result r) {
            final GroupState s = group.snapshot();
            r.r3 = Probe.rid(group, s, a, null);
            r.r4 = Probe.rid(group, s, b, null);
            r.r5 = Probe.fence(group, s);
            r.r6 = Probe.events(group);
            r.r7 = Probe.sound(group, s);
        }
    }

    /**
     * linux-7.0: one resetting_domain per group, so "at most one device per group inside a reset"
     * (invariant 14). The sibling that commits second WARNs, gets -EBUSY and stays on the default
     * domain; its reset is refused.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t SiblingPrepareRace.Linux70}
     */
    @Race(value = "prepare(A) || prepare(B), siblings", scenarios = {5})
    @JCStressTest
    @Description("linux-7.0: prepares of two sibling functions, lock-free cell")
    @Outcome(id = "0, -EBUSY, BLK, DEF, 1, 1, true", expect = ACCEPTABLE,
        desc = "A committed first and is parked; B WARNed and got -EBUSY, unchanged")
    @Outcome(id = "-EBUSY, 0, DEF, BLK, 1, 1, true", expect = ACCEPTABLE,
        desc = "B committed first and is parked; A WARNed and got -EBUSY, unchanged")
    @Outcome(id = "0, 0, .*", expect = FORBIDDEN,
        desc = "both siblings got 0: both read resetting_domain == NULL (lost update)")
    @Outcome(expect = FORBIDDEN, desc = "anything else: wrong state, missing WARN, or an invariant broken")
    @State
    public static class Linux70 extends Fixture {
        /** linux-7.0, lock-free cell. */
        public Linux70() {
            super(ProtocolModel.LINUX_7_0, StateImpl.LOCK_FREE);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            prepareA(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            prepareB(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * linux-7.1: siblings no longer conflict; each is blocked on its own gdev and recovery_cnt
     * counts both (invariant 6). A lost update would leave one of the two unblocked with
     * recovery_cnt 1, although both callers were told 0.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t SiblingPrepareRace.Linux71}
     */
    @Race(value = "prepare(A) || prepare(B), siblings", scenarios = {5})
    @Gate
    @JCStressTest
    @Description("linux-7.1: prepares of two sibling functions, lock-free cell")
    @Outcome(id = "0, 0, BLK, BLK, 2, 0, true", expect = ACCEPTABLE,
        desc = "both blocked, recovery_cnt 2, no WARN")
    @Outcome(id = {"0, 0, BLK, DEF, 1, .*", "0, 0, DEF, BLK, 1, .*"}, expect = FORBIDDEN,
        desc = "both got 0 but one sibling is not blocked and recovery_cnt is 1: lost update")
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
            prepareA(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            prepareB(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * {@link Linux71} on the locking cell (group-&gt;mutex): the same single outcome.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t SiblingPrepareRace.Linux71Locking}
     */
    @Race(value = "prepare(A) || prepare(B), siblings", scenarios = {5})
    @JCStressTest
    @JCStressMeta(Linux71.class)
    @Description("linux-7.1: prepares of two sibling functions, locking cell")
    @State
    public static class Linux71Locking extends Fixture {
        /** linux-7.1, locking cell. */
        public Linux71Locking() {
            super(ProtocolModel.LINUX_7_1, StateImpl.LOCKING);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            prepareA(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            prepareB(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observe(r);
        }
    }
}
