package io.resetguard.stress.inv;

import io.resetguard.ats.AtsConfig;
import io.resetguard.ats.AtsFunction;
import io.resetguard.ats.AtsSystem;
import io.resetguard.errno.Errno;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.inv.InvCommand;
import io.resetguard.inv.InvCompletion;
import io.resetguard.inv.IommuEngine;
import io.resetguard.inv.QueueKind;
import io.resetguard.mem.PhysMem;
import io.resetguard.model.ProtocolModel;
import io.resetguard.pci.PciCore;
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
 * ConcurrentSubmittersRace - two threads submit ATC invalidations and syncs to one IOMMU's command
 * queue at the same time (docs/protocol.md §5 "IOMMU-side sequencing", §7 scenario 12 with
 * healthy devices: several functions' invalidations under the syncs of one queue).
 *
 * <p>The fixture is one linux-7.1 group on IOMMU {@code smmu0} with two ATS functions A
 * {@code 0000:3b:00.0} and B {@code 0000:3b:00.1}, a PCI core on an {@code InlineScheduler}, and an
 * {@link AtsSystem} with the default settings (SMMUv3 flavour, JCTools MPSC command queue - of 8
 * entries here -, 1 s timeout, 2 µs answers). On the inline scheduler the engine's drain runs on whichever submitter wins
 * the {@code draining} flag, and every device answer is delivered inline. actor1 submits
 * {@code ATC_INV A} then a {@code SYNC}; actor2 the same for B. Each records, when its sync
 * completes, whether its own invalidation had reached the device's ATC by then (the ATC's epoch
 * counts the invalidations it processed), and whether the completion came on the other thread (the
 * other submitter drained its commands).
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  submit(ATC_INV A)         "0"
 *  r2  submit(ATC_INV B)         "0"
 *  r3  sync of actor1            OK: completed with 0 after A's ATC processed its invalidation;
 *                                EARLY: completed before; PENDING: never completed; else the errno
 *  r4  sync of actor2            as r3, for B
 *  r5  hand-offs                 how many syncs completed on the other submitter's thread (0..2)
 *  r6  submitted                 commands accepted by the queue: 4
 *  r7  issued/completed          "2/2": each invalidation issued once and completed once
 *  r8  sound                     each ATC processed exactly one invalidation (no duplicate), no
 *                                timeout, mute, late completion or refused offer, no ITag busy, the
 *                                engine idle, no violation event
 * </pre>
 *
 * <p>A lost command shows as PENDING or a count of 3 / "1/1"; a duplicated one as "3/3" or an ATC
 * that processed two invalidations; a sync that overtook its invalidation as EARLY. The negative
 * control {@code negative.LossyQueueSubmitters} runs the same fixture and actors on an engine whose
 * command queue drops an offer under contention (see {@link EngineSource}).
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t ConcurrentSubmittersRace}
 */
@Race(value = "submit(ATC_INV A)+sync || submit(ATC_INV B)+sync, one queue", scenarios = {12})
@Gate
@JCStressTest
@Description("two submitters on one IommuEngine command queue (inline scheduler)")
@Outcome(id = "0, 0, OK, OK, 0, 4, 2/2, true", expect = ACCEPTABLE,
    desc = "each submitter drained its own commands: both syncs completed after their invalidations")
@Outcome(id = {"0, 0, OK, OK, 1, 4, 2/2, true", "0, 0, OK, OK, 2, 4, 2/2, true"}, expect = ACCEPTABLE_INTERESTING,
    desc = "a submitter's commands were drained by the other thread: its sync completed there, in order")
@Outcome(id = ".*, (PENDING|EARLY), .*", expect = FORBIDDEN, desc = "a sync never completed or overtook its invalidation")
@Outcome(id = "0, 0, OK, OK, ., [^4], .*", expect = FORBIDDEN, desc = "a command was lost or duplicated in the queue")
@Outcome(expect = FORBIDDEN, desc = "anything else: lost/duplicated invalidation, a timeout, or an unsound engine")
@State
public class ConcurrentSubmittersRace {
    /**
     * The default ATS settings with a command queue of 8 entries (a test queues at most 5 commands;
     * the default 1024-entry array would dominate the fixture's footprint, and jcstress shrinks its
     * strides to fit). Immutable, shared by every sample.
     */
    static final AtsConfig CONFIG = AtsConfig.defaults().withQueue(QueueKind.JCTOOLS_MPSC, 8);

    private final IommuEngine engine;
    private final AtsFunction a;
    private final AtsFunction b;
    private final IommuGroup group;
    private volatile String syncA = "PENDING";
    private volatile String syncB = "PENDING";
    private volatile boolean handoffA;
    private volatile boolean handoffB;

    /**
     * Which engine a sample's actors submit to, once the fixture is built. This race takes the ATS
     * system's own engine of {@code smmu0}; the negative control {@code negative.LossyQueueSubmitters}
     * builds another one over a broken command queue, answered by the same ATS system, and so runs
     * this fixture, these actors and this arbiter unchanged.
     */
    @FunctionalInterface
    public interface EngineSource {
        /**
         * @param group the fixture's group (on {@code smmu0})
         * @param pci   its PCI core (the inline scheduler)
         * @param ats   its ATS system, with functions A and B attached
         * @return the engine the actors submit to and the arbiter reads
         */
        IommuEngine engine(IommuGroup group, PciCore pci, AtsSystem ats);
    }

    /** Two ATS functions behind one engine: the ATS system's own. */
    public ConcurrentSubmittersRace() {
        this((g, pci, ats) -> ats.engine(g.iommu()));
    }

    /**
     * Two ATS functions behind the engine that {@code engines} picks. For negative controls: a
     * control holds a race built this way and calls its actors and arbiter. (It must not extend this
     * class: {@code @Outcome} and {@code @Description} are {@code @Inherited}, and next to
     * {@code @JCStressMeta} every outcome would be declared twice, which jcstress 0.16 grades wrongly.)
     *
     * @param engines where the engine comes from
     */
    public ConcurrentSubmittersRace(final EngineSource engines) {
        group = Probe.group(ProtocolModel.LINUX_7_1, StateImpl.LOCK_FREE);
        final PciCore pci = Probe.pci(group.fabric());
        final AtsSystem ats = new AtsSystem(group.fabric(), pci, new PhysMem(1), CONFIG);
        a = ats.attach(pci.attach(Probe.atsFunction(group, Probe.BDF_A), Probe.INSTANT_FLR, null));
        b = ats.attach(pci.attach(Probe.atsFunction(group, Probe.BDF_B), Probe.INSTANT_FLR, null));
        engine = engines.engine(group, pci, ats);
    }

    /** @return the sync token: OK only if the function's ATC already processed an invalidation. */
    static String token(final Errno rc, final AtsFunction f) {
        if (rc.isError()) {
            return rc.kernelString();
        }
        return f.atc().epoch() >= 1 ? "OK" : "EARLY";
    }

    /** @param r result */
    @Actor
    public void actor1(final LLLLLLLL_Result r) {
        final Thread me = Thread.currentThread();
        r.r1 = engine.submit(InvCommand.atcRange(a.fn(), InvCommand.NO_PASID, 1, 1)).kernelString();
        final InvCompletion c = engine.sync();
        c.onComplete(rc -> {
            syncA = token(rc, a);
            handoffA = Thread.currentThread() != me;
        });
    }

    /** @param r result */
    @Actor
    public void actor2(final LLLLLLLL_Result r) {
        final Thread me = Thread.currentThread();
        r.r2 = engine.submit(InvCommand.atcRange(b.fn(), InvCommand.NO_PASID, 1, 1)).kernelString();
        final InvCompletion c = engine.sync();
        c.onComplete(rc -> {
            syncB = token(rc, b);
            handoffB = Thread.currentThread() != me;
        });
    }

    /** @param r result */
    @Arbiter
    public void arbiter(final LLLLLLLL_Result r) {
        r.r3 = syncA;
        r.r4 = syncB;
        r.r5 = (handoffA ? 1 : 0) + (handoffB ? 1 : 0);
        r.r6 = engine.submitted();
        r.r7 = engine.issued() + "/" + engine.completed();
        r.r8 = a.atc().epoch() == 1 && b.atc().epoch() == 1
            && engine.timeouts() == 0 && engine.muted() == 0 && engine.lateCompletions() == 0
            && engine.refused() == 0 && engine.idle() && engine.itagsBusy() == 0
            && Probe.sound(group);
    }
}
