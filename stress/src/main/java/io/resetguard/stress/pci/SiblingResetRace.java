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
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLLLLLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * SiblingResetRace - full resets of two sibling functions of one IOMMU group from two threads, each
 * under its own device lock (docs/protocol.md §4.2, §4.3, §7 scenario 5: "M70: second gets
 * -EBUSY; M71: both proceed, recovery_cnt == 2"; invariants 6, 14 and 15).
 *
 * <p>The fixture is one group with ATS functions A {@code 0000:3b:00.0} and B {@code 0000:3b:00.1},
 * both enumerated on a PCI core with an {@code InlineScheduler} and {@link Probe#INSTANT_FLR}
 * capabilities (methods [flr, pm]). actor1 resets A, actor2 resets B. A {@link Probe.Watch} records
 * the highest fence it sees (recovery_cnt, or the 7.0 flag) and checks the invariants at every
 * physical change.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  reset_function(A)      "0" or "-EBUSY"
 *  r2  reset_function(B)      "0" or "-EBUSY"
 *  r3  RID of A               DEF
 *  r4  RID of B               DEF
 *  r5  fence at the end       0 (recovery_cnt back to 0 / resetting_domain NULL)
 *  r6  highest fence seen     7.1: 2 when both were blocked at once, else 1; 7.0: 1
 *  r7  method tries           INFO_RESET_METHOD_TRY events: 2 (one flr each; a walk that got -EBUSY
 *                             from prepare stopped at once and did not try pm)
 *  r8  sound                  invariants everywhere, no violation, WARN_PREPARE_REENTRY count equals
 *                             the number of -EBUSY results
 * </pre>
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t SiblingResetRace.Linux71}
 * (or {@code .Linux70}).
 */
public final class SiblingResetRace {
    private SiblingResetRace() {
    }

    /** One group, two ATS siblings on the PCI core. */
    abstract static class Fixture {
        final IommuGroup group;
        final PciFunction a;
        final PciFunction b;
        final PciCore pci;
        final PciDev devA;
        final PciDev devB;
        final Probe.Watch watch;

        Fixture(final ProtocolModel model) {
            group = Probe.group(model, StateImpl.LOCK_FREE);
            a = Probe.atsFunction(group, Probe.BDF_A);
            b = Probe.atsFunction(group, Probe.BDF_B);
            pci = Probe.pci(group.fabric());
            devA = pci.attach(a, Probe.INSTANT_FLR, null);
            devB = pci.attach(b, Probe.INSTANT_FLR, null);
            watch = Probe.Watch.on(group);
        }

        final void resetA(final LLLLLLLL_Result r) {
            pci.resetFunction(devA, rc -> r.r1 = rc.kernelString());
        }

        final void resetB(final LLLLLLLL_Result r) {
            pci.resetFunction(devB, rc -> r.r2 = rc.kernelString());
        }

        final void observe(final LLLLLLLL_Result r) {
            final GroupState s = group.snapshot();
            r.r3 = Probe.rid(group, s, a, null);
            r.r4 = Probe.rid(group, s, b, null);
            r.r5 = Probe.fence(group, s);
            r.r6 = watch.maxFence();
            r.r7 = Probe.count(group, EventType.INFO_RESET_METHOD_TRY);
            final long ebusy = ("-EBUSY".equals(r.r1) ? 1 : 0) + ("-EBUSY".equals(r.r2) ? 1 : 0);
            r.r8 = Probe.sound(group, s) && watch.violations() == 0
                && Probe.count(group, EventType.WARN_PREPARE_REENTRY) == ebusy
                && devA.busMaster() && devB.busMaster();
        }
    }

    /**
     * linux-7.1: both resets succeed whatever the interleaving; recovery_cnt returns to 0. When both
     * functions were blocked at the same time the watch saw recovery_cnt 2 (the attach fence counted
     * both), which is the interesting interleaving.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t SiblingResetRace.Linux71}
     */
    @Race(value = "reset_function(A) || reset_function(B), siblings", scenarios = {5}, invariants = {6, 15})
    @Gate
    @JCStressTest
    @Description("linux-7.1: full resets of two siblings of one group")
    @Outcome(id = "0, 0, DEF, DEF, 0, 1, 2, true", expect = ACCEPTABLE,
        desc = "the resets did not overlap in the IOMMU: one blocked function at a time")
    @Outcome(id = "0, 0, DEF, DEF, 0, 2, 2, true", expect = ACCEPTABLE_INTERESTING,
        desc = "both siblings blocked at once (recovery_cnt 2), both resets worked, recovery_cnt back to 0")
    @Outcome(id = "-EBUSY, .*", expect = FORBIDDEN, desc = "7.1 must not refuse a sibling's reset")
    @Outcome(id = ".*, -EBUSY, .*", expect = FORBIDDEN, desc = "7.1 must not refuse a sibling's reset")
    @Outcome(expect = FORBIDDEN, desc = "anything else: recovery_cnt leaked, a function left blocked, or an invariant broken")
    @State
    public static class Linux71 extends Fixture {
        /** linux-7.1. */
        public Linux71() {
            super(ProtocolModel.LINUX_7_1);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLLL_Result r) {
            resetA(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLLL_Result r) {
            resetB(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * linux-7.0: one resetting_domain per group. If the resets overlap, the later prepare WARNs and
     * returns -EBUSY; flr returns that error, which is not -ENOTTY, so the walk stops at once (pm is
     * never tried) and pci_reset_function() returns -EBUSY.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t SiblingResetRace.Linux70}
     */
    @Race(value = "reset_function(A) || reset_function(B), siblings", scenarios = {5}, invariants = {14, 15})
    @JCStressTest
    @Description("linux-7.0: full resets of two siblings of one group")
    @Outcome(id = "0, 0, DEF, DEF, 0, 1, 2, true", expect = ACCEPTABLE,
        desc = "the resets did not overlap: both worked")
    @Outcome(id = {"0, -EBUSY, DEF, DEF, 0, 1, 2, true", "-EBUSY, 0, DEF, DEF, 0, 1, 2, true"},
        expect = ACCEPTABLE_INTERESTING,
        desc = "overlap: the later prepare got -EBUSY (WARN) and the walk stopped at flr; the other reset worked")
    @Outcome(id = "-EBUSY, -EBUSY, .*", expect = FORBIDDEN, desc = "both refused: nobody held the flag")
    @Outcome(id = ".*, 3, .*", expect = FORBIDDEN, desc = "a walk went on to pm after -EBUSY")
    @Outcome(expect = FORBIDDEN, desc = "anything else: the flag leaked, a function left parked, or an invariant broken")
    @State
    public static class Linux70 extends Fixture {
        /** linux-7.0. */
        public Linux70() {
            super(ProtocolModel.LINUX_7_0);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLLL_Result r) {
            resetA(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLLL_Result r) {
            resetB(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLLL_Result r) {
            observe(r);
        }
    }
}
