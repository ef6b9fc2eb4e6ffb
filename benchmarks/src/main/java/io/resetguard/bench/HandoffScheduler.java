package io.resetguard.bench;

import io.resetguard.time.InlineScheduler;
import io.resetguard.time.Scheduler;

import org.jctools.queues.MpscArrayQueue;
import org.openjdk.jmh.infra.Control;

/**
 * HandoffScheduler - a {@link Scheduler} that gives the emulated IOMMU its own thread (its "agent"):
 * a task scheduled from any other thread is handed to the agent through a doorbell queue; a task the
 * agent schedules runs at once on the agent, as on the {@link InlineScheduler} (whose clock it uses).
 *
 * <p>With an {@link io.resetguard.inv.IommuEngine} this turns the engine's "whoever wakes it drains
 * it" into "the submitter rings the doorbell and the IOMMU drains": {@code wake()} wins the
 * {@code draining} flag on the submitter's thread and calls {@code execute(drain)}, which lands here
 * and is handed over; the drain, the device's answer and the sync's completion then run on the
 * agent, and the submitter sees the completion from the other core. That is the shape of real
 * hardware (the CPU writes the command queue and the producer index; the SMMU consumes it and writes
 * the completion), and the shape of the bare queue ping-pong it is compared with. The engine's
 * {@code draining} flag guarantees at most one drain task in flight, so the doorbell never fills up
 * in the benchmarks; a full doorbell is spun on.
 *
 * <p>The doorbell is a JCTools {@link MpscArrayQueue}: one hop more than the ping-pong's request
 * queue, the price of the engine's wake-up protocol (command queue plus doorbell), and part of what
 * is measured.
 */
final class HandoffScheduler implements Scheduler {
    private final InlineScheduler inline = new InlineScheduler();
    private final MpscArrayQueue<Runnable> doorbell = new MpscArrayQueue<>(1024);
    private volatile Thread agent;
    /**
     * Tasks handed to the agent. Incremented without atomics by the handing thread: exact with one
     * submitter (as in the benchmarks), approximate with more.
     */
    private long handoffs;

    /** Make the calling thread the agent: from now on it runs what other threads schedule. */
    void bindAgent() {
        agent = Thread.currentThread();
    }

    @Override
    public long nanoTime() {
        return inline.nanoTime();
    }

    @Override
    public void schedule(final long delayNs, final Runnable task) {
        if (Thread.currentThread() == agent) {
            inline.schedule(delayNs, task);
            return;
        }
        final Runnable r = delayNs == 0 ? task : () -> inline.schedule(delayNs, task);
        while (!doorbell.offer(r)) {
            Thread.onSpinWait();
        }
        handoffs++;
    }

    /** @return how many tasks were handed to the agent so far (read it on the handing thread). */
    long handoffs() {
        return handoffs;
    }

    /**
     * Agent side: run one handed-over task, spinning (no pause, as the ping-pong does) until one
     * arrives.
     *
     * @param control the wait gives up when the measurement stops (may be null: wait forever)
     * @return {@code false} if it gave up
     */
    boolean runOne(final Control control) {
        Runnable r;
        while ((r = doorbell.relaxedPoll()) == null) {
            if (control != null && control.stopMeasurement) {
                return false;
            }
        }
        r.run();
        return true;
    }

    /** @return whether a task is waiting for the agent. */
    boolean pending() {
        return !doorbell.isEmpty();
    }
}
