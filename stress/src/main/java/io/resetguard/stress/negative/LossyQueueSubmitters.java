package io.resetguard.stress.negative;

import io.resetguard.stress.Gate;
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
 * LossyQueueSubmitters - NEGATIVE CONTROL, "a queue that can lose a command". This test is expected
 * to FAIL: the gate ({@code JcstressSuiteIT}) requires jcstress to observe a FORBIDDEN outcome.
 *
 * <p>It replays {@link ConcurrentSubmittersRace} (same outcomes, through {@code @JCStressMeta}):
 * two submitters each queue an ATC invalidation for their own device and a SYNC. The command queue
 * is a real JCTools {@code MpscArrayQueue} (the engine's default) wrapped in a {@link LossyQueue}
 * that drops an offer made while another offer is in progress and reports it as queued.
 *
 * <p>The engine itself cannot take this queue: {@code IommuEngine} creates its queue from the
 * {@code QueueKind} enum. So the control runs the engine's offer/wake/drain protocol as copied in
 * {@link QueueDrainReplica} (an inline drain, devices that answer at once) over the lossy queue. The
 * drops show as a sync that never completes (PENDING), "1/1" issued/completed, or a device that
 * processed no invalidation - each FORBIDDEN in the real test.
 *
 * <p>How to run: {@code cd stress/target && java -jar jcstress.jar -t LossyQueueSubmitters}
 * (expect "[FAILED]" and exit code 1).
 */
@Gate
@JCStressTest
@JCStressMeta(ConcurrentSubmittersRace.class)
@Description("NEGATIVE CONTROL (must fail): two submitters through a command queue that drops contended offers")
@State
public class LossyQueueSubmitters {
    private static final int CAPACITY = 8;

    private final QueueDrainReplica engine =
        new QueueDrainReplica(new LossyQueue<>(new MpscArrayQueue<>(CAPACITY)), CAPACITY, 2);
    private volatile String syncA = "PENDING";
    private volatile String syncB = "PENDING";
    private volatile boolean handoffA;
    private volatile boolean handoffB;

    private String token(final String rc, final int device) {
        if (!"0".equals(rc)) {
            return rc;
        }
        return engine.delivered.get(device) >= 1 ? "OK" : "EARLY";
    }

    /** @param r result */
    @Actor
    public void actor1(final LLLLLLLL_Result r) {
        final Thread me = Thread.currentThread();
        r.r1 = engine.submit(0);
        engine.sync().onComplete(rc -> {
            syncA = token(rc, 0);
            handoffA = Thread.currentThread() != me;
        });
    }

    /** @param r result */
    @Actor
    public void actor2(final LLLLLLLL_Result r) {
        final Thread me = Thread.currentThread();
        r.r2 = engine.submit(1);
        engine.sync().onComplete(rc -> {
            syncB = token(rc, 1);
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
        r.r8 = engine.delivered.get(0) == 1 && engine.delivered.get(1) == 1 && engine.refused() == 0 && engine.idle();
    }
}
