package io.resetguard.stress.pci;

import io.resetguard.event.EventType;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.ProtocolModel;
import io.resetguard.pci.PciCore;
import io.resetguard.pci.PciDev;
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
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * ResetResetRace - two full {@code pci_reset_function()} calls on the same function from two threads
 * (docs/protocol.md §4.3, §6 invariant 17: "two full-function resets of the same device never
 * overlap (device lock)"; §7 scenario 1, the sysfs {@code reset} write racing another resetter).
 *
 * <p>The fixture is one group with one ATS function A {@code 0000:3b:00.0}, enumerated on a
 * {@link PciCore} driven by an {@code InlineScheduler} with {@link Probe#INSTANT_FLR} capabilities
 * (methods [flr, pm]; the FLR has Immediate Readiness, so a reset takes no emulated wait). Both
 * actors call {@code resetFunction(A)}. The device lock is a non-blocking hand-off lock: a reset that
 * finds it taken leaves its continuation, and the owner's unlock runs that continuation on the
 * owner's thread. Each actor's callback records whether it ran on another thread than the caller.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  reset of actor1                "0"
 *  r2  reset of actor2                "0"
 *  r3  hand-offs                      0: the resets did not contend for the lock;
 *                                     1: one reset waited and was handed the lock by the other
 *  r4  completed full resets          2
 *  r5  RID of A                       DEF (unblocked at the end)
 *  r6  recovery_cnt / reset_depth     "0/0"
 *  r7  sound                          no VIOLATION_RESET_OVERLAP (the PCI core counts full resets in
 *                                     flight), no other violation (liveness: still blocked after a
 *                                     good reset), invariants at every physical change and at the
 *                                     end, bus mastering restored, device lock free
 * </pre>
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t ResetResetRace.Linux71}
 */
public final class ResetResetRace {
    private ResetResetRace() {
    }

    /** One group, one ATS function on the PCI core. */
    abstract static class Fixture {
        final IommuGroup group;
        final PciFunction a;
        final PciDev dev;
        final Probe.Watch watch;
        final PciCore core;
        volatile Thread caller1;
        volatile Thread caller2;
        volatile boolean handoff1;
        volatile boolean handoff2;

        Fixture(final ProtocolModel model, final StateImpl impl) {
            group = Probe.group(model, impl);
            a = Probe.atsFunction(group, Probe.BDF_A);
            core = Probe.pci(group.fabric());
            dev = core.attach(a, Probe.INSTANT_FLR, null);
            watch = Probe.Watch.on(group);
        }

        final void reset1(final LLLLLLL_Result r) {
            caller1 = Thread.currentThread();
            core.resetFunction(dev, rc -> {
                r.r1 = rc.kernelString();
                handoff1 = Thread.currentThread() != caller1;
            });
        }

        final void reset2(final LLLLLLL_Result r) {
            caller2 = Thread.currentThread();
            core.resetFunction(dev, rc -> {
                r.r2 = rc.kernelString();
                handoff2 = Thread.currentThread() != caller2;
            });
        }

        final void observe(final LLLLLLL_Result r) {
            final GroupState s = group.snapshot();
            r.r3 = (handoff1 ? 1 : 0) + (handoff2 ? 1 : 0);
            r.r4 = dev.fullResets();
            r.r5 = Probe.rid(group, s, a, null);
            r.r6 = s.recoveryCnt() + "/" + Probe.depth(s, a);
            r.r7 = Probe.sound(group, s) && watch.violations() == 0
                && Probe.count(group, EventType.VIOLATION_RESET_OVERLAP) == 0
                && dev.busMaster() && dev.lock().owner() == null && !dev.fullResetInFlight();
        }
    }

    /**
     * linux-7.1, lock-free cell.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t ResetResetRace.Linux71}
     */
    @Race(value = "reset_function(A) || reset_function(A)", scenarios = {1}, invariants = {16, 17})
    @Gate
    @JCStressTest
    @Description("linux-7.1: two pci_reset_function() calls on one function, device lock")
    @Outcome(id = "0, 0, 0, 2, DEF, 0/0, true", expect = ACCEPTABLE,
        desc = "the resets ran one after the other without contending; both worked; A unblocked")
    @Outcome(id = "0, 0, 1, 2, DEF, 0/0, true", expect = ACCEPTABLE_INTERESTING,
        desc = "one reset found the device lock held, waited, and was handed the lock: serialized")
    @Outcome(id = "0, 0, ., 2, DEF, 0/0, false", expect = FORBIDDEN,
        desc = "both completed but overlapped (VIOLATION_RESET_OVERLAP), or left bus mastering / the lock wrong")
    @Outcome(id = ".*, BLK, .*", expect = FORBIDDEN, desc = "A still blocked after two good resets")
    @Outcome(expect = FORBIDDEN, desc = "anything else: a reset failed or never completed, or an invariant broken")
    @State
    public static class Linux71 extends Fixture {
        /** linux-7.1, lock-free cell. */
        public Linux71() {
            super(ProtocolModel.LINUX_7_1, StateImpl.LOCK_FREE);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            reset1(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            reset2(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * seed: the same outcomes (re-entry returns 0, done unparks).
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t ResetResetRace.Seed}
     */
    @Race(value = "reset_function(A) || reset_function(A)", scenarios = {1}, invariants = {16, 17})
    @JCStressTest
    @JCStressMeta(Linux71.class)
    @Description("seed: two pci_reset_function() calls on one function, device lock")
    @State
    public static class Seed extends Fixture {
        /** seed, lock-free cell. */
        public Seed() {
            super(ProtocolModel.SEED, StateImpl.LOCK_FREE);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            reset1(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            reset2(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observe(r);
        }
    }
}
