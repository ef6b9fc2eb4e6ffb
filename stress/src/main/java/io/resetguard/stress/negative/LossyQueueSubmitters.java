package io.resetguard.stress.negative;

import io.resetguard.ats.AtsConfig;
import io.resetguard.ats.AtsSystem;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.inv.IommuEngine;
import io.resetguard.pci.PciCore;
import io.resetguard.stress.Gate;
import io.resetguard.stress.Planted;
import io.resetguard.stress.inv.ConcurrentSubmittersRace;
import org.jctools.queues.MpscArrayQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLLLLLL_Result;

/**
 * LossyQueueSubmitters - NEGATIVE CONTROL, "a command queue that loses an offer". This test is
 * expected to FAIL: the gate ({@code JcstressSuiteIT}) requires jcstress to observe a FORBIDDEN
 * outcome.
 *
 * <p>It runs {@link ConcurrentSubmittersRace} itself: each sample holds a race object and calls its
 * actors and arbiter. So the fixture is the same (one linux-7.1 group on {@code smmu0}, functions A
 * and B attached to an {@code AtsSystem} with the race's settings, the inline scheduler), and so are
 * the actors (submit an ATC invalidation for one's own function, then a SYNC), the arbiter and,
 * through {@code @JCStressMeta}, the outcomes. One thing differs. The race object is built with an
 * engine source, and the actors submit to a real {@link IommuEngine} over a {@link LossyQueue}. The
 * lossy queue wraps a JCTools {@code MpscArrayQueue} of the race's capacity, the queue the race's
 * engine gets from {@code QueueKind.JCTOOLS_MPSC}. The engine is built through its constructor that
 * takes a command queue. It answers to the fixture's {@code AtsSystem}, as the race's engine does, so
 * the devices, their ATCs and the arbiter's counters are the real ones. (The system's own engine is
 * still built, and stays idle.)
 *
 * <p>What it proves: the suite sees a command lost between a submitter and the drainer. When both
 * submitters are inside {@code offer} at once, the lossy queue drops one element and reports it
 * queued. The engine then counts the command as submitted but never dispatches it. A dropped ATC_INV
 * lets its SYNC complete before the function's ATC processed anything ("EARLY", issued/completed
 * "1/1", and that function's ATC processed nothing, so the arbiter's last field is false). A dropped
 * SYNC never completes ("PENDING"). Every one of these is FORBIDDEN in the race. The two offers
 * overlap in only about 0.3% of the samples (the fixture, not the queue, takes a sample's time), but
 * every JVM configuration of a quick run sees some, the interpreter-only ones included.
 *
 * <p>How to run it alone:
 * {@code cd stress/target && java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar
 * -m quick -fsm 0 -sc false -t LossyQueueSubmitters}. Expect "[FAILED]" with FORBIDDEN samples and
 * exit code 1.
 */
@Gate
@Planted({".*, (PENDING|EARLY), .*", "0, 0, OK, OK, ., [^4], .*"})
@JCStressTest
@JCStressMeta(ConcurrentSubmittersRace.class)
@Description("NEGATIVE CONTROL (must fail): two submitters on a real IommuEngine whose command queue drops contended offers")
@State
public class LossyQueueSubmitters {
    /** The race itself, on the lossy engine. Not extended: see the race's engine-source constructor. */
    private final ConcurrentSubmittersRace race = new ConcurrentSubmittersRace(LossyQueueSubmitters::lossyEngine);

    /**
     * The engine of the race's settings for {@code group}'s IOMMU, answered by {@code ats}, whose
     * command queue is a lossy MPSC queue.
     */
    private static IommuEngine lossyEngine(final IommuGroup group, final PciCore pci, final AtsSystem ats) {
        final AtsConfig c = ats.config();
        return new IommuEngine(group.iommu(), pci.scheduler(), group.fabric().events(), c.flavour(), c.timeoutNs(),
            new LossyQueue<>(new MpscArrayQueue<>(c.queueCapacity())), c.queueCapacity(), ats);
    }

    /** @param r result */
    @Actor
    public void actor1(final LLLLLLLL_Result r) {
        race.actor1(r);
    }

    /** @param r result */
    @Actor
    public void actor2(final LLLLLLLL_Result r) {
        race.actor2(r);
    }

    /** @param r result */
    @Arbiter
    public void arbiter(final LLLLLLLL_Result r) {
        race.arbiter(r);
    }
}
