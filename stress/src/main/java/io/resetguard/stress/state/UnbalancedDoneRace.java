package io.resetguard.stress.state;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
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
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * UnbalancedDoneRace - under linux-7.1 a function prepared once gets two concurrent
 * {@code done()} calls (docs/protocol.md §1.5, §2.2; invariants 6, 8 and 9: "reset_depth never
 * underflows; unbalanced done() is a WARN and a no-op"). This is the caller bug of a done() without
 * its prepare(), e.g. a reset path that calls done() twice, racing the legitimate one.
 *
 * <p>The fixture is one group with one ATS function {@code 0000:3b:00.0}, prepared once in the
 * constructor (blocked, reset_depth 1, recovery_cnt 1). Both actors call {@code done(fn)}; done()
 * returns void, so the actors report nothing and the arbiter reads the group and the kernel log.
 *
 * <p>Whichever done() commits first takes reset_depth 1 -&gt; 0 and really unblocks (RID back to the
 * default domain, recovery_cnt 0); the other finds reset_depth 0, logs
 * {@code WARN_ON(gdev->reset_depth == 0)} and changes nothing. If both read reset_depth 1 (a lost
 * update) there would be two "real" unblocks and no WARN at all.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  RID of the function                      DEF (unblocked) / BLK
 *  r2  gdev-&gt;reset_depth
 *  r3  recovery_cnt
 *  r4  WARN_DONE_UNBALANCED events              exactly 1 expected
 *  r5  other log events (e.g. WARN recovery_cnt underflow)
 *  r6  sound                                    Invariants.check() empty, no OOPS/VIOLATION event
 * </pre>
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t UnbalancedDoneRace.Linux71}
 */
public final class UnbalancedDoneRace {
    private UnbalancedDoneRace() {
    }

    /** One group, one ATS function prepared once. */
    abstract static class Fixture {
        final IommuGroup group;
        final PciFunction fn;

        Fixture(final StateImpl impl) {
            group = Probe.group(ProtocolModel.LINUX_7_1, impl);
            fn = Probe.atsFunction(group, Probe.BDF_A);
            final Errno first = group.prepare(fn);
            if (first.isError()) {
                throw new IllegalStateException("fixture prepare failed: " + first.kernelString());
            }
        }

        final void done() {
            group.done(fn);
        }

        final void observe(final LLLLLL_Result r) {
            final GroupState s = group.snapshot();
            final long unbalanced = Probe.count(group, EventType.WARN_DONE_UNBALANCED);
            r.r1 = Probe.rid(group, s, fn, null);
            r.r2 = Probe.depth(s, fn);
            r.r3 = s.recoveryCnt();
            r.r4 = unbalanced;
            r.r5 = Probe.events(group) - unbalanced;
            r.r6 = Probe.sound(group, s);
        }
    }

    /**
     * linux-7.1, lock-free cell.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t UnbalancedDoneRace.Linux71}
     */
    @Race(value = "done(A) || done(A), A prepared once", scenarios = {}, invariants = {8})
    @JCStressTest
    @Description("linux-7.1: done racing done on a function prepared once, lock-free cell")
    @Outcome(id = "DEF, 0, 0, 1, 0, true", expect = ACCEPTABLE,
        desc = "one real unblock (depth 1 -> 0, recovery_cnt 0), the other done WARNed and did nothing")
    @Outcome(id = "DEF, 0, 0, 0, 0, true", expect = FORBIDDEN,
        desc = "no WARN: both done() calls read reset_depth 1 (lost update), two real unblocks")
    @Outcome(id = "BLK, .*", expect = FORBIDDEN, desc = "still blocked after two done() calls")
    @Outcome(expect = FORBIDDEN, desc = "anything else: underflow, wrong WARN count, or an invariant broken")
    @State
    public static class Linux71 extends Fixture {
        /** Lock-free cell. */
        public Linux71() {
            super(StateImpl.LOCK_FREE);
        }

        /** First thread: done(). */
        @Actor
        public void actor1() {
            done();
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
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t UnbalancedDoneRace.Linux71Locking}
     */
    @Race(value = "done(A) || done(A), A prepared once", invariants = {8})
    @JCStressTest
    @JCStressMeta(Linux71.class)
    @Description("linux-7.1: done racing done on a function prepared once, locking cell")
    @State
    public static class Linux71Locking extends Fixture {
        /** Locking cell. */
        public Linux71Locking() {
            super(StateImpl.LOCKING);
        }

        /** First thread: done(). */
        @Actor
        public void actor1() {
            done();
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
