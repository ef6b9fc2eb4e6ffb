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
import org.openjdk.jcstress.infra.results.LLLLLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * PrepareDoneRace - a function that is already prepared (parked on the blocking domain) gets a
 * second {@code prepare()} from one thread while another thread calls {@code done()} for the first
 * one (docs/protocol.md §1.2-§1.5, §2.2; §7 scenarios 1 and 4: a recovery worker's private
 * prepare racing a sysfs reset's done, which the device lock does not serialize).
 *
 * <p>The fixture is one group with one ATS function {@code 0000:3b:00.0}; the constructor calls
 * {@code prepare(fn)} once (result 0), so the race starts from "parked, one reset pending". actor1
 * calls {@code prepare(fn)}, actor2 calls {@code done(fn)}; the arbiter reads the group.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  prepare() of actor1        "0" or "-EBUSY"
 *  r2  RID of the function        BLK (parked) / DEF (re-attached to the default domain)
 *  r3  gdev-&gt;reset_depth
 *  r4  recovery_cnt
 *  r5  kernel log events          all WARNs in the expected outcomes
 *  r6  sound                      Invariants.check() empty, no OOPS/VIOLATION event
 * </pre>
 * Any outcome not listed, in particular any with {@code sound == false}, is FORBIDDEN.
 *
 * <p>Only linux-7.1 is in the build's gate (each jcstress test costs about 25 s there); the campaign
 * runs the flag models too ({@code Linux70}, {@code Seed}, each with its own outcomes) and the
 * locking cell. Under the flag models: linux-7.0 gives "-EBUSY, DEF, 0, 0, 1, true" (prepare first: WARN, then done unparks) or
 * "0, BLK, 0, 1, 0, true" (done first, then prepare parks again); seed gives "0, BLK, 0, 1, 0, true"
 * or "0, DEF, 0, 0, 0, true": prepare returns 0 ("Already prepared") and the following done unparks,
 * so the second caller resets a function it was told is blocked (observed in about two thirds of
 * the samples; §2.3 note: one done() clears the flag however many prepares preceded it).
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t PrepareDoneRace.Linux71}
 */
public final class PrepareDoneRace {
    private PrepareDoneRace() {
    }

    /** One group, one ATS function, prepared once before the race. */
    abstract static class Fixture {
        final IommuGroup group;
        final PciFunction fn;

        Fixture(final ProtocolModel model, final StateImpl impl) {
            group = Probe.group(model, impl);
            fn = Probe.atsFunction(group, Probe.BDF_A);
            final Errno first = group.prepare(fn);
            if (first.isError()) {
                throw new IllegalStateException("fixture prepare failed: " + first.kernelString());
            }
        }

        final void prepare(final LLLLLL_Result r) {
            r.r1 = group.prepare(fn).kernelString();
        }

        final void done() {
            group.done(fn);
        }

        final void observe(final LLLLLL_Result r) {
            final GroupState s = group.snapshot();
            r.r2 = Probe.rid(group, s, fn, null);
            r.r3 = Probe.depth(s, fn);
            r.r4 = Probe.fence(group, s);
            r.r5 = Probe.events(group);
            r.r6 = Probe.sound(group, s);
        }
    }

    /**
     * linux-7.1: the counter makes the two orders commute. prepare first: depth 1 -&gt; 2 (nested, no
     * hardware change), done 2 -&gt; 1 (still nested). done first: 1 -&gt; 0 unblocks (RID to the
     * default domain, recovery_cnt 0), prepare 0 -&gt; 1 blocks again. Either way the function ends
     * parked at depth 1 with recovery_cnt 1, so exactly one outcome is acceptable.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t PrepareDoneRace.Linux71}
     */
    @Race(value = "prepare(A) || done(A), A prepared", scenarios = {1, 4})
    @Gate
    @JCStressTest
    @Description("linux-7.1: prepare racing done on a prepared function, lock-free cell")
    @Outcome(id = "0, BLK, 1, 1, 0, true", expect = ACCEPTABLE,
        desc = "either order: blocked, reset_depth 1, recovery_cnt 1")
    @Outcome(id = "0, DEF, .*", expect = FORBIDDEN,
        desc = "prepare returned 0 but the function is unblocked: done's unblock overwrote the prepare")
    @Outcome(id = "0, BLK, 2, .*", expect = FORBIDDEN,
        desc = "reset_depth 2: the done was lost; the device would never unblock")
    @Outcome(expect = FORBIDDEN, desc = "anything else: wrong counters, a WARN, or an invariant broken")
    @State
    public static class Linux71 extends Fixture {
        /** linux-7.1, lock-free cell. */
        public Linux71() {
            super(ProtocolModel.LINUX_7_1, StateImpl.LOCK_FREE);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLL_Result r) {
            prepare(r);
        }

        /** Second thread: done(). */
        @Actor
        public void actor2() {
            done();
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * linux-7.0: prepare() while resetting_domain is set WARNs and returns -EBUSY. prepare first:
     * -EBUSY with one WARN, then done unparks (DEF, flag 0). done first: the function is unparked,
     * then prepare parks it again (BLK, flag 1, no WARN).
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t PrepareDoneRace.Linux70}
     */
    @Race(value = "prepare(A) || done(A), A prepared", scenarios = {1, 4})
    @JCStressTest
    @Description("linux-7.0: prepare racing done on a prepared function, lock-free cell")
    @Outcome(id = "-EBUSY, DEF, 0, 0, 1, true", expect = ACCEPTABLE,
        desc = "prepare first: WARN + -EBUSY, nothing changed; then done unparked the function")
    @Outcome(id = "0, BLK, 0, 1, 0, true", expect = ACCEPTABLE,
        desc = "done first: unparked; then prepare parked the function again")
    @Outcome(id = "0, DEF, .*", expect = FORBIDDEN,
        desc = "prepare returned 0 but the function is unblocked: done's unblock overwrote the prepare")
    @Outcome(expect = FORBIDDEN, desc = "anything else: wrong state, a missing WARN, or an invariant broken")
    @State
    public static class Linux70 extends Fixture {
        /** linux-7.0, lock-free cell. */
        public Linux70() {
            super(ProtocolModel.LINUX_7_0, StateImpl.LOCK_FREE);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLL_Result r) {
            prepare(r);
        }

        /** Second thread: done(). */
        @Actor
        public void actor2() {
            done();
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * seed: a second prepare() returns 0 ("Already prepared") without a WARN. done first: unparked,
     * then parked again. prepare first: 0, then the done unparks, so the caller of the second prepare
     * now resets a function it was told is blocked: ACCEPTABLE_INTERESTING, the seed's documented
     * weakness (§2.3: one done() clears the flag however many prepares preceded it), not an invariant
     * violation.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t PrepareDoneRace.Seed}
     */
    @Race(value = "prepare(A) || done(A), A prepared", scenarios = {1, 4})
    @JCStressTest
    @Description("seed: prepare racing done on a prepared function, lock-free cell")
    @Outcome(id = "0, BLK, 0, 1, 0, true", expect = ACCEPTABLE,
        desc = "done first: unparked; then prepare parked the function again")
    @Outcome(id = "0, DEF, 0, 0, 0, true", expect = ACCEPTABLE_INTERESTING,
        desc = "prepare first: 'Already prepared' (0), then done unparked: the caller resets an unblocked function (§2.3)")
    @Outcome(id = "-EBUSY, .*", expect = FORBIDDEN, desc = "the seed never returns -EBUSY on re-entry")
    @Outcome(expect = FORBIDDEN, desc = "anything else: wrong state, a WARN, or an invariant broken")
    @State
    public static class Seed extends Fixture {
        /** seed, lock-free cell. */
        public Seed() {
            super(ProtocolModel.SEED, StateImpl.LOCK_FREE);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLL_Result r) {
            prepare(r);
        }

        /** Second thread: done(). */
        @Actor
        public void actor2() {
            done();
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * {@link Linux71} on the locking cell (group-&gt;mutex): the same single outcome.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t PrepareDoneRace.Linux71Locking}
     */
    @Race(value = "prepare(A) || done(A), A prepared", scenarios = {1, 4})
    @JCStressTest
    @JCStressMeta(Linux71.class)
    @Description("linux-7.1: prepare racing done on a prepared function, locking cell")
    @State
    public static class Linux71Locking extends Fixture {
        /** linux-7.1, locking cell. */
        public Linux71Locking() {
            super(ProtocolModel.LINUX_7_1, StateImpl.LOCKING);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLL_Result r) {
            prepare(r);
        }

        /** Second thread: done(). */
        @Actor
        public void actor2() {
            done();
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLL_Result r) {
            observe(r);
        }
    }
}
