package io.resetguard.stress.inv;

import io.resetguard.ats.AtsSystem;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.Iommu;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.inv.IommuEngine;
import io.resetguard.mem.PhysMem;
import io.resetguard.model.ProtocolModel;
import io.resetguard.pci.PciCore;
import io.resetguard.pci.PciDev;
import io.resetguard.recovery.Recovery;
import io.resetguard.recovery.RecoveryPolicy;
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
import org.openjdk.jcstress.infra.results.LLLLLLL_Result;

import java.util.concurrent.atomic.AtomicInteger;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * DuplicateTimeoutRace - two ATC-invalidation timeouts for the same function reach the IOMMU
 * driver's interrupt path on two CPUs at once, with the seed's recovery worker (docs/protocol.md
 * §3.2 step 3b, §7 scenario 11: "storm of ATC timeouts for one device while its recovery runs
 * (dedup window)").
 *
 * <p>The fixture is one seed group with one ATS function A {@code 0000:3b:00.0}, a PCI core on an
 * {@code InlineScheduler} with {@link Probe#INSTANT_FLR} capabilities, an {@link AtsSystem} with the
 * default settings and a {@link Recovery} with {@link RecoveryPolicy#SEED_WORKER}. Both actors call
 * {@code recovery.onAtcTimeout(engine, A, A)}, the interrupt path (the engine itself reports timeouts
 * from its single drainer, so two concurrent reports stand for two IOMMU interrupt contexts; the
 * engine argument is only passed through, so one static engine serves every sample). On the
 * inline scheduler the worker runs at once on the reporting thread: it clears bus mastering,
 * prepares A under the device lock, resets A and sets bus mastering again. A hardware-reset listener
 * counts, inside every reset of a worker, how many recoveries are in flight
 * ({@code scheduled - (succeeded + failed)}, read in that order so that it never overcounts).
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  recoveries scheduled
 *  r2  timeouts dropped as duplicates
 *  r3  recoveries that succeeded
 *  r4  most recoveries in flight at once        1
 *  r5  RID of A                                 DEF (unblocked after the good reset)
 *  r6  bus mastering of A                       true
 *  r7  sound                                    scheduled + dropped == 2, nothing in flight at the end,
 *                                               a full reset per recovery, invariants, no violation
 * </pre>
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t DuplicateTimeoutRace}
 */
@Race(value = "atc_timeout(A) || atc_timeout(A), seed worker", scenarios = {11})
@Gate
@JCStressTest
@Description("seed: two concurrent ATC timeouts for one function, seed recovery worker")
@Outcome(id = "1, 1, 1, 1, DEF, true, true", expect = ACCEPTABLE_INTERESTING,
    desc = "the second timeout arrived while the first recovery ran: dropped as a duplicate")
@Outcome(id = "2, 0, 2, 1, DEF, true, true", expect = ACCEPTABLE,
    desc = "the timeouts did not overlap a recovery: two recoveries, one after the other")
@Outcome(id = ".*, 2, DEF, .*", expect = FORBIDDEN, desc = "two recoveries of A were in flight at once")
@Outcome(id = "2, 1, .*", expect = FORBIDDEN, desc = "a timeout was both scheduled and dropped")
@Outcome(expect = FORBIDDEN, desc = "anything else: a recovery lost, A left blocked, or an invariant broken")
@State
public class DuplicateTimeoutRace {
    /**
     * The engine named as the source of the injected timeouts. {@code Recovery.onAtcTimeout} only
     * passes it through, so one engine on a fabric of its own serves every sample.
     */
    static final IommuEngine INTERRUPT_SOURCE = interruptSource();

    private final IommuGroup group;
    private final PciFunction a;
    private final PciDev dev;
    private final Recovery recovery;
    private final AtomicInteger maxInFlight = new AtomicInteger();

    /** seed model, SEED_WORKER recovery. */
    public DuplicateTimeoutRace() {
        // The ATS system is built before the IOMMU exists, so it creates no invalidation engine (the
        // timeouts are injected at the interrupt path, which does not use one); that keeps the
        // fixture small enough for jcstress' strides.
        final Fabric fabric = Probe.fabric(ProtocolModel.SEED, StateImpl.LOCK_FREE);
        final PciCore pci = Probe.pci(fabric);
        final AtsSystem ats = new AtsSystem(fabric, pci, new PhysMem(1), ConcurrentSubmittersRace.CONFIG);
        group = fabric.addIommu("smmu0").addGroup();
        a = Probe.atsFunction(group, Probe.BDF_A);
        dev = pci.attach(a, Probe.INSTANT_FLR, null);
        recovery = new Recovery(ats, pci, RecoveryPolicy.SEED_WORKER, 0);
        pci.addHwResetListener((d, readyAtNs) -> {
            final long finished = recovery.succeeded() + recovery.failed();
            final long inFlight = recovery.scheduled() - finished;
            maxInFlight.accumulateAndGet((int) inFlight, Math::max);
        });
    }

    /** First interrupt context. */
    @Actor
    public void actor1() {
        recovery.onAtcTimeout(INTERRUPT_SOURCE, a, a);
    }

    /** Second interrupt context. */
    @Actor
    public void actor2() {
        recovery.onAtcTimeout(INTERRUPT_SOURCE, a, a);
    }

    /** @param r result */
    @Arbiter
    public void arbiter(final LLLLLLL_Result r) {
        final GroupState s = group.snapshot();
        r.r1 = recovery.scheduled();
        r.r2 = recovery.dropped();
        r.r3 = recovery.succeeded();
        r.r4 = maxInFlight.get();
        r.r5 = Probe.rid(group, s, a, null);
        r.r6 = dev.busMaster();
        r.r7 = recovery.scheduled() + recovery.dropped() == 2 && !recovery.inFlight(a) && recovery.failed() == 0
            && dev.fullResets() == recovery.scheduled() && Probe.sound(group, s) && dev.lock().owner() == null;
    }

    /** @return an engine of an IOMMU on a fabric of its own (built once). */
    static IommuEngine interruptSource() {
        final Fabric f = Probe.fabric(ProtocolModel.SEED, StateImpl.LOCK_FREE);
        final Iommu iommu = f.addIommu("smmu-interrupts");
        return new AtsSystem(f, Probe.pci(f), new PhysMem(1), ConcurrentSubmittersRace.CONFIG).engine(iommu);
    }
}
