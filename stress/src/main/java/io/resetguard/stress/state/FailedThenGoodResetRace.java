package io.resetguard.stress.state;

import io.resetguard.errno.Errno;
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
import org.openjdk.jcstress.infra.results.LLLLLLLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * FailedThenGoodResetRace - a reset of A that fails ({@code prepare(A); done(A, -EIO)}) racing a
 * reset of A that succeeds ({@code prepare(A); done(A, 0)}) on another thread, with no device lock
 * between them: a recovery's reset against an operator's or AER's (docs/protocol.md §2.5a, §2.2;
 * §7 scenario 4; invariants 4, 6 and 7).
 *
 * <p>The fixture is one group with two ATS functions, A {@code 0000:3b:00.0} and sibling B, and a
 * counter of the driver's {@code reset_device_done} calls. actor1 runs the failed reset, actor2
 * the good one; the arbiter reads the group. {@code reset_depth} has no owner (§2.2), so when the
 * two resets overlap the inner done() only lowers the depth and the outermost one decides
 * ([inference] for quar-v6: a nested done()'s result is ignored). Whatever the order, the depth
 * is balanced; A ends unblocked (good reset decided last) or BROKEN (failed reset decided last),
 * and its RID, recovery_cnt and the reset_device_done count agree with that.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  prepare(A) of actor1 (failing)   "0"
 *  r2  prepare(A) of actor2 (good)      "0"
 *  r3  gdev-&gt;blocked of A              NONE / RESETTING / BROKEN
 *  r4  reset_depth of A
 *  r5  recovery_cnt
 *  r6  RID of A                         BLK / DEF
 *  r7  reset_device_done calls
 *  r8  sound                            Invariants.check() empty, no OOPS/VIOLATION event
 * </pre>
 *
 * <p>The gate runs {@link QuarV6}; the campaign also runs the locking cell ({@link QuarV6Locking})
 * and result-to-done ({@link ResultToDone}, RESETTING at depth 0 where quar-v6 says BROKEN).
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t FailedThenGoodResetRace}
 */
public final class FailedThenGoodResetRace {
    private FailedThenGoodResetRace() {
    }

    /** One group, A and sibling B, a reset_device_done counter. */
    abstract static class Fixture {
        final IommuGroup group;
        final PciFunction a;
        final Probe.ResetDone hook;

        Fixture(final ProtocolModel model, final StateImpl impl) {
            group = Probe.group(model, impl);
            a = Probe.atsFunction(group, Probe.BDF_A);
            Probe.atsFunction(group, Probe.BDF_B);
            hook = Probe.ResetDone.on(group);
        }

        final void failedReset(final LLLLLLLL_Result r) {
            r.r1 = group.prepare(a).kernelString();
            group.done(a, Errno.EIO);
        }

        final void goodReset(final LLLLLLLL_Result r) {
            r.r2 = group.prepare(a).kernelString();
            group.done(a, Errno.OK);
        }

        final void observe(final LLLLLLLL_Result r) {
            final GroupState s = group.snapshot();
            r.r3 = Probe.gdev(s, a);
            r.r4 = Probe.depth(s, a);
            r.r5 = Probe.fence(group, s);
            r.r6 = Probe.rid(group, s, a, null);
            r.r7 = hook.calls();
            r.r8 = Probe.sound(group, s);
        }
    }

    /**
     * quar-v6 on the lock-free cell.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t FailedThenGoodResetRace.QuarV6}
     */
    @Race(value = "failed reset(A) || good reset(A)", scenarios = {4}, invariants = {4, 6, 7})
    @Gate
    @JCStressTest
    @Description("quar-v6: prepare+done(A, -EIO) racing prepare+done(A, 0), lock-free cell")
    @Outcome(id = "0, 0, NONE, 0, 0, DEF, 1, true", expect = ACCEPTABLE,
        desc = "the good reset's done() was the outermost, or came after: A unblocked, reset_device_done once")
    @Outcome(id = "0, 0, BROKEN, 0, 1, BLK, 1, true", expect = ACCEPTABLE,
        desc = "good reset first (unblocked, reset_device_done), then the failed one left A BROKEN")
    @Outcome(id = "0, 0, BROKEN, 0, 1, BLK, 0, true", expect = ACCEPTABLE_INTERESTING,
        desc = "the good reset ran inside the failed one: its done() was nested, the failed outermost decided")
    @Outcome(id = "0, 0, NONE, 0, 0, DEF, 0, true", expect = FORBIDDEN,
        desc = "A unblocked without reset_device_done: the driver keeps its quarantine")
    @Outcome(id = {".*, NONE, 0, 0, BLK, .*", ".*, BROKEN, 0, 1, DEF, .*"}, expect = FORBIDDEN,
        desc = "gdev state and RID disagree (invariant 3)")
    @Outcome(id = ".*, RESETTING, .*", expect = FORBIDDEN, desc = "a depth or a state leaked: RESETTING at the end")
    @Outcome(expect = FORBIDDEN, desc = "anything else: a depth leaked, wrong counters, or an invariant broken")
    @State
    public static class QuarV6 extends Fixture {
        /** quar-v6, lock-free cell. */
        public QuarV6() {
            super(ProtocolModel.QUAR_V6, StateImpl.LOCK_FREE);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLLL_Result r) {
            failedReset(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLLL_Result r) {
            goodReset(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * {@link QuarV6} on the locking cell (group-&gt;mutex): the same outcomes.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t FailedThenGoodResetRace.QuarV6Locking}
     */
    @Race(value = "failed reset(A) || good reset(A)", scenarios = {4}, invariants = {4, 6, 7})
    @JCStressTest
    @JCStressMeta(QuarV6.class)
    @Description("quar-v6: prepare+done(A, -EIO) racing prepare+done(A, 0), locking cell")
    @State
    public static class QuarV6Locking extends Fixture {
        /** quar-v6, locking cell. */
        public QuarV6Locking() {
            super(ProtocolModel.QUAR_V6, StateImpl.LOCKING);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLLL_Result r) {
            failedReset(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLLL_Result r) {
            goodReset(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * result-to-done: as {@link QuarV6}, with RESETTING at depth 0 where quar-v6 says BROKEN (its
     * gdev-&gt;blocked is a bool).
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t FailedThenGoodResetRace.ResultToDone}
     */
    @Race(value = "failed reset(A) || good reset(A)", scenarios = {4}, invariants = {4, 6, 7})
    @JCStressTest
    @Description("result-to-done: prepare+done(A, -EIO) racing prepare+done(A, 0), lock-free cell")
    @Outcome(id = "0, 0, NONE, 0, 0, DEF, 1, true", expect = ACCEPTABLE,
        desc = "the good reset decided last: A unblocked, reset_device_done once")
    @Outcome(id = "0, 0, RESETTING, 0, 1, BLK, 1, true", expect = ACCEPTABLE,
        desc = "good reset first, then the failed one kept A blocked")
    @Outcome(id = "0, 0, RESETTING, 0, 1, BLK, 0, true", expect = ACCEPTABLE_INTERESTING,
        desc = "the good reset ran inside the failed one: the failed outermost done() decided")
    @Outcome(id = ".*, BROKEN, .*", expect = FORBIDDEN, desc = "BROKEN under a bool model")
    @Outcome(expect = FORBIDDEN, desc = "anything else: a depth leaked, wrong counters, or an invariant broken")
    @State
    public static class ResultToDone extends Fixture {
        /** result-to-done, lock-free cell. */
        public ResultToDone() {
            super(ProtocolModel.RESULT_TO_DONE, StateImpl.LOCK_FREE);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLLL_Result r) {
            failedReset(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLLL_Result r) {
            goodReset(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLLL_Result r) {
            observe(r);
        }
    }
}
