package io.resetguard.stress.inv;

import io.resetguard.pci.ResetFaults;
import io.resetguard.pci.ResetOutcome;
import io.resetguard.recovery.RecoveryPolicy;
import io.resetguard.state.GroupState;
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
 * FailedWorkerResetRace - {@code done()} after a failed reset performed by another thread
 * (docs/protocol.md §7 scenario 4, invariant 4): under the seed, the ATC-timeout recovery worker
 * (§3.2) and a user's {@code echo 1 > reset} reset the same function, and at least one of the two
 * resets fails. Whichever thread resets last decides: a later good reset must unblock the function,
 * and a failed reset must never unblock it.
 *
 * <p>The fixture is a {@link SeedWorkerRig} (one seed group, one ATS function A with FLR and PM, an
 * inline PCI core, a recovery worker with {@link RecoveryPolicy#SEED_WORKER}) with reset faults: in
 * {@link SecondResetSucceeds} every method fails its first run on A with {@code -ENOTTY} (the code
 * a readiness timeout returns; with Immediate Readiness there is no wait to time out) and succeeds
 * afterwards, so the first full reset to run fails and the second succeeds, whichever thread runs
 * which; in {@link BothFail} every run fails. actor1 reports an ATC timeout for A (the worker runs
 * inline); actor2 resets A through {@code pci_reset_function()}.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  the worker's reset failed       1 / 0 (Recovery.failed())
 *  r2  the user's reset                "0" / "-ENOTTY"
 *  r3  full resets                     2 (serialized by the device lock)
 *  r4  A parked at the end             false after a later good reset; true if both failed
 *  r5  RID of A                        DEF / BLK
 *  r6  bus mastering of A              observed, not judged: the worker clears it and sets it again
 *                                      only after its own good reset (§3.2 step d), and a user reset
 *                                      restores what it saved
 *  r7  sound                           invariants, no OOPS/VIOLATION, nothing in flight, lock free
 * </pre>
 */
public final class FailedWorkerResetRace {
    private FailedWorkerResetRace() {
    }

    /** The shared fixture: the seed, a recovery worker and a user reset of one function. */
    abstract static class Fixture {
        final SeedWorkerRig rig;

        Fixture(final ResetFaults faults) {
            rig = new SeedWorkerRig(faults);
        }

        void timeout() {
            rig.timeout();
        }

        void userReset(final LLLLLLL_Result r) {
            rig.pci.resetFunction(rig.dev, rc -> r.r2 = rc.kernelString());
        }

        void observe(final LLLLLLL_Result r) {
            final GroupState s = rig.group.snapshot();
            r.r1 = rig.recovery.failed();
            r.r3 = rig.dev.fullResets();
            r.r4 = rig.group.isParked(rig.a);
            r.r5 = Probe.rid(rig.group, s, rig.a, null);
            r.r6 = rig.dev.busMaster();
            r.r7 = Probe.sound(rig.group, s) && !rig.recovery.inFlight(rig.a) && rig.dev.lock().owner() == null;
        }
    }

    /**
     * The first full reset fails, the second succeeds.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t FailedWorkerResetRace.SecondResetSucceeds}
     */
    @Race(value = "seed worker reset(A) fails || later reset_function(A)", scenarios = {4}, invariants = {4, 16, 17})
    @Gate
    @JCStressTest
    @Description("seed: one of a recovery worker's and a user's reset of A fails, the later one succeeds")
    @Outcome(id = "1, 0, 2, false, DEF, (true|false), true", expect = ACCEPTABLE_INTERESTING,
        desc = "the worker's reset failed (A kept blocked, bus mastering off); the user's later good reset "
            + "unblocked A: a done() after another thread's failed reset")
    @Outcome(id = "0, -ENOTTY, 2, false, DEF, true, true", expect = ACCEPTABLE,
        desc = "the user's reset failed (A kept blocked); the worker's later good reset unblocked A and set "
            + "bus mastering again")
    @Outcome(id = ".*, true, BLK, .*", expect = FORBIDDEN,
        desc = "A stuck blocked although the later reset succeeded (liveness)")
    @Outcome(expect = FORBIDDEN, desc = "anything else: both or neither failed, or an invariant broken")
    @State
    public static class SecondResetSucceeds extends Fixture {
        /** Every method fails its first run on A and succeeds afterwards. */
        public SecondResetSucceeds() {
            super((fn, m, attempt) -> attempt == 0 ? ResetOutcome.ENOTTY : ResetOutcome.SUCCESS);
        }

        /** The IOMMU interrupt path: an ATC timeout for A; the worker runs inline. */
        @Actor
        public void actor1() {
            timeout();
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            userReset(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * Both resets fail: A must stay blocked whichever thread came last.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t FailedWorkerResetRace.BothFail}
     */
    @Race(value = "seed worker reset(A) fails || reset_function(A) fails", scenarios = {4}, invariants = {4, 16, 17})
    @JCStressTest
    @Description("seed: a recovery worker's and a user's reset of A both fail")
    @Outcome(id = "1, -ENOTTY, 2, true, BLK, (true|false), true", expect = ACCEPTABLE,
        desc = "both failed in either order: A stays blocked (Reset failed. Blocking ATS to protect memory)")
    @Outcome(id = ".*, false, DEF, .*", expect = FORBIDDEN,
        desc = "a failed reset unblocked A: its stale ATC could write into freed memory (invariant 4)")
    @Outcome(expect = FORBIDDEN, desc = "anything else: a reset succeeded, or an invariant broken")
    @State
    public static class BothFail extends Fixture {
        /** Every method run fails. */
        public BothFail() {
            super((fn, m, attempt) -> ResetOutcome.ENOTTY);
        }

        /** The IOMMU interrupt path: an ATC timeout for A; the worker runs inline. */
        @Actor
        public void actor1() {
            timeout();
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            userReset(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observe(r);
        }
    }
}
