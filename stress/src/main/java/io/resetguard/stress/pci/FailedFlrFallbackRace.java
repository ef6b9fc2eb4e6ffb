package io.resetguard.stress.pci;

import io.resetguard.event.EventType;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.ProtocolModel;
import io.resetguard.pci.PciCaps;
import io.resetguard.pci.PciCore;
import io.resetguard.pci.PciDev;
import io.resetguard.pci.ResetMethod;
import io.resetguard.pci.ResetOutcome;
import io.resetguard.pci.ScriptedResetFaults;
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
 * FailedFlrFallbackRace - a {@code pci_reset_function(A)} whose FLR times out waiting for readiness
 * ({@code pci_dev_wait()} gives up with -ENOTTY, so the walk goes on) and whose next method, pm,
 * succeeds, races VFIO's {@code iommu_attach_group(NEW)} (docs/protocol.md §4.2, §4.5, §7
 * scenario 3: "SEED: one done() unblocks; M71+skip-done: depth leak (2.6)"; invariants 3, 4, 11
 * and 15).
 *
 * <p>The fixture is one group with one ATS function A {@code 0000:3b:00.0}, enumerated on a PCI core
 * with an {@code InlineScheduler} and {@link #FLR_THEN_PM} capabilities (methods [flr, pm]; no
 * Immediate Readiness, so the FLR polls for readiness), a {@link ScriptedResetFaults} plan that
 * makes the first FLR never become ready ({@link ResetOutcome#READINESS_TIMEOUT}: 100 ms settle, then
 * polls doubling from 1 ms until the delay passes 60 s, all inline in zero real time), a fresh
 * paging domain NEW and a {@link Probe.Watch}. actor1 resets A (flr: prepare, FLR, -ENOTTY, the
 * model's post-reset rule; then pm: prepare, D3hot/D0, done); actor2 attaches NEW. The arbiter reads
 * the group after both.
 *
 * <p>What each model does after the failed FLR (§2.3, §2.5, §2.6):
 * <ul>
 * <li>seed: the FLR skips done() ("Reset failed. Blocking ATS to protect memory"), A stays parked
 *     between the methods (invariant 4); pm's prepare is a re-entry that returns 0, and its one
 *     done() clears the group flag: A ends unblocked;</li>
 * <li>seed-on-7.1: the FLR skips done() at reset_depth 1; pm's prepare makes it 2 and its done() 1:
 *     A stays blocked with recovery_cnt 1 although the reset returned 0, and every attach of the
 *     group gets -EBUSY from then on. This is the model's documented defect (§2.6), so its outcomes
 *     are ACCEPTABLE_INTERESTING, and the PCI core's {@code VIOLATION_LIVENESS} ("still blocked after
 *     a successful reset") is counted in r7 instead of making the sample unsound;</li>
 * <li>result-to-done: the FLR calls done(-ENOTTY): depth back to 0 but A kept blocked (quarantine);
 *     pm's prepare takes it at depth 1 without touching the hardware, its done(0) unblocks A.</li>
 * </ul>
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  reset_function(A)       "0" (pm worked)
 *  r2  attach_group(NEW)       "0" (before the FLR's prepare, or after A was unblocked) /
 *                              "-EBUSY" (while A was blocked: in the FLR, between the methods, in pm;
 *                              seed-on-7.1: also any time after the reset, the fence never drops)
 *  r3  group-&gt;domain          NEW / DEF
 *  r4  RID of A                NEW / DEF; BLK only under seed-on-7.1 (§2.6)
 *  r5  fence/reset_depth       "0/0"; "1/1" under seed-on-7.1 (recovery_cnt 1, depth 1 leaked)
 *  r6  done() skipped          LOG_RESET_FAILED_BLOCKING_ATS events: 1 under the seed rule (the
 *                              failed FLR), 0 under result-to-done
 *  r7  liveness violations     VIOLATION_LIVENESS events: 0; 1 under seed-on-7.1
 *  r8  sound                   invariants at every physical change and at the end, no OOPS or
 *                              VIOLATION other than r7's, the FLR gave up once (LOG_NOT_READY_GIVING_UP)
 *                              and the walk tried exactly flr and pm, one full reset, bus mastering
 *                              restored, device lock free
 * </pre>
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t FailedFlrFallbackRace.Seed}
 * (or {@code .SeedOn71}, {@code .ResultToDone}).
 */
public final class FailedFlrFallbackRace {
    /**
     * A typical endpoint without Immediate Readiness: the FLR sleeps 100 ms and polls for readiness
     * (so a readiness timeout is possible), then pm is the next method. Immutable, shared.
     */
    static final PciCaps FLR_THEN_PM = PciCaps.typical();

    private FailedFlrFallbackRace() {
    }

    /** One group, one ATS function on the PCI core whose first FLR times out, a paging domain NEW. */
    abstract static class Fixture {
        final IommuGroup group;
        final PciFunction a;
        final Domain fresh;
        final PciCore pci;
        final PciDev dev;
        final Probe.Watch watch;

        Fixture(final ProtocolModel model) {
            group = Probe.group(model, StateImpl.LOCK_FREE);
            a = Probe.atsFunction(group, Probe.BDF_A);
            fresh = group.fabric().allocPagingDomain();
            pci = Probe.pci(group.fabric());
            dev = pci.attach(a, FLR_THEN_PM, null);
            pci.faults(new ScriptedResetFaults().then(a, ResetMethod.FLR, ResetOutcome.READINESS_TIMEOUT));
            watch = Probe.Watch.on(group);
        }

        final void reset(final LLLLLLLL_Result r) {
            pci.resetFunction(dev, rc -> r.r1 = rc.kernelString());
        }

        final void attach(final LLLLLLLL_Result r) {
            r.r2 = group.attachGroup(fresh).kernelString();
        }

        final void observe(final LLLLLLLL_Result r) {
            final GroupState s = group.snapshot();
            r.r3 = Probe.domain(group, s.domain(), fresh);
            r.r4 = Probe.rid(group, s, a, fresh);
            r.r5 = Probe.fence(group, s) + "/" + Probe.depth(s, a);
            r.r6 = Probe.count(group, EventType.LOG_RESET_FAILED_BLOCKING_ATS);
            r.r7 = Probe.count(group, EventType.VIOLATION_LIVENESS);
            r.r8 = Probe.soundExcept(group, s, EventType.VIOLATION_LIVENESS) && watch.violations() == 0
                && Probe.count(group, EventType.LOG_NOT_READY_GIVING_UP) == 1
                && Probe.count(group, EventType.INFO_RESET_METHOD_TRY) == 2
                && dev.fullResets() == 1 && !dev.fullResetInFlight()
                && dev.busMaster() && dev.lock().owner() == null;
        }
    }

    /**
     * seed: the failed FLR keeps A blocked (no done()), pm's done() unblocks it.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t FailedFlrFallbackRace.Seed}
     */
    @Race(value = "reset_function(A), flr times out, pm works || attach_group(NEW)", scenarios = {3},
        invariants = {3, 4, 11, 15})
    @Gate
    @JCStressTest
    @Description("seed: pci_reset_function(A) with a timed-out FLR and a good pm, racing iommu_attach_group(NEW)")
    @Outcome(id = "0, 0, NEW, NEW, 0/0, 1, 0, true", expect = ACCEPTABLE,
        desc = "attach before the FLR's prepare (pm's done re-attached A to NEW) or after pm's done: all on NEW")
    @Outcome(id = "0, -EBUSY, DEF, DEF, 0/0, 1, 0, true", expect = ACCEPTABLE,
        desc = "attach while A was blocked (in the FLR, between the methods: the seed kept A parked, or in pm): -EBUSY")
    @Outcome(id = ".*, BLK, .*", expect = FORBIDDEN,
        desc = "A still blocked after pm succeeded: the seed's one done() must clear the group flag (§2.3)")
    @Outcome(id = "0, 0, NEW, DEF, .*", expect = FORBIDDEN,
        desc = "the attach succeeded but A ended on the old domain (done re-attached a stale domain)")
    @Outcome(id = "0, -EBUSY, NEW, .*", expect = FORBIDDEN, desc = "-EBUSY but group->domain changed")
    @Outcome(expect = FORBIDDEN, desc = "anything else: the reset failed, done() was not skipped after the failed FLR, or an invariant broken")
    @State
    public static class Seed extends Fixture {
        /** seed. */
        public Seed() {
            super(ProtocolModel.SEED);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLLL_Result r) {
            reset(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLLL_Result r) {
            attach(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * seed-on-7.1: the §2.6 depth leak. Whatever the interleaving, A ends blocked at reset_depth 1
     * with recovery_cnt 1 after a reset that returned 0; both outcomes are the model's documented
     * defect.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t FailedFlrFallbackRace.SeedOn71}
     */
    @Race(value = "reset_function(A), flr times out, pm works || attach_group(NEW)", scenarios = {3},
        invariants = {3, 4, 11, 15})
    @JCStressTest
    @Description("seed-on-7.1: pci_reset_function(A) with a timed-out FLR and a good pm, racing iommu_attach_group(NEW)")
    @Outcome(id = "0, 0, NEW, BLK, 1/1, 1, 1, true", expect = ACCEPTABLE_INTERESTING,
        desc = "§2.6 hazard: attach before the FLR's prepare; the skipped done() leaked reset_depth 1, so after "
            + "pm's good reset A is stuck on BLK (VIOLATION_LIVENESS) while group->domain is NEW")
    @Outcome(id = "0, -EBUSY, DEF, BLK, 1/1, 1, 1, true", expect = ACCEPTABLE_INTERESTING,
        desc = "§2.6 hazard: the leaked depth keeps A blocked and recovery_cnt at 1 after a good reset "
            + "(VIOLATION_LIVENESS); this attach, and every later one in the group, gets -EBUSY")
    @Outcome(id = "[^,]*, [^,]*, [^,]*, (NEW|DEF), .*", expect = FORBIDDEN,
        desc = "A unblocked: the model no longer shows the §2.6 depth leak it exists to show")
    @Outcome(expect = FORBIDDEN, desc = "anything else: the reset failed, the counters disagree, or an invariant broken")
    @State
    public static class SeedOn71 extends Fixture {
        /** seed-on-7.1. */
        public SeedOn71() {
            super(ProtocolModel.SEED_ON_7_1);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLLL_Result r) {
            reset(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLLL_Result r) {
            attach(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * result-to-done (the QUAR direction): done(-ENOTTY) balances the depth and keeps A quarantined;
     * pm's good reset unblocks it. No done() is skipped (r6 is 0).
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t FailedFlrFallbackRace.ResultToDone}
     */
    @Race(value = "reset_function(A), flr times out, pm works || attach_group(NEW)", scenarios = {3},
        invariants = {3, 4, 11, 15})
    @JCStressTest
    @Description("result-to-done: pci_reset_function(A) with a timed-out FLR and a good pm, racing iommu_attach_group(NEW)")
    @Outcome(id = "0, 0, NEW, NEW, 0/0, 0, 0, true", expect = ACCEPTABLE,
        desc = "attach before the FLR's prepare or after pm's done: all on NEW")
    @Outcome(id = "0, -EBUSY, DEF, DEF, 0/0, 0, 0, true", expect = ACCEPTABLE,
        desc = "attach while A was blocked, including the quarantine between the methods "
            + "(done(-ENOTTY) at depth 0 kept A blocked): -EBUSY")
    @Outcome(id = ".*, BLK, .*", expect = FORBIDDEN,
        desc = "A still blocked after pm succeeded: done(0) must lift the quarantine (§2.5)")
    @Outcome(id = "0, 0, NEW, DEF, .*", expect = FORBIDDEN,
        desc = "the attach succeeded but A ended on the old domain (done re-attached a stale domain)")
    @Outcome(id = "0, -EBUSY, NEW, .*", expect = FORBIDDEN, desc = "-EBUSY but group->domain changed")
    @Outcome(expect = FORBIDDEN, desc = "anything else: the reset failed, a depth leaked, or an invariant broken")
    @State
    public static class ResultToDone extends Fixture {
        /** result-to-done. */
        public ResultToDone() {
            super(ProtocolModel.RESULT_TO_DONE);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLLL_Result r) {
            reset(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLLL_Result r) {
            attach(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLLL_Result r) {
            observe(r);
        }
    }
}
