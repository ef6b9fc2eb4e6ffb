package io.resetguard.bench;

import io.resetguard.errno.Errno;
import io.resetguard.inv.InvCommand;
import io.resetguard.inv.InvCompletion;
import io.resetguard.inv.IommuEngine;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

import java.util.concurrent.TimeUnit;

/**
 * InvalidationHandoffBench - the invalidation round trip to another core: one submitter thread, and
 * the emulated IOMMU on a second thread that drains the engine, runs the device's answer and completes
 * the sync. This is the number the target "invalidation round trip p50 at most 2 times a bare queue
 * ping-pong" is about; {@link QueuePingPongBench} measures that ping-pong in the same run, with the
 * same group shape, the same spin-waits and the same queue implementations.
 *
 * <h2>What one operation is</h2>
 * {@link #submit}: {@code engine.submit(ATC_INV)} for the next function, {@code engine.trySync()},
 * then spin until the sync completes. The engine's wake-up hands the drain to the IOMMU thread
 * through the {@link HandoffScheduler}'s doorbell; the device side is the real
 * {@link io.resetguard.ats.AtsSystem} ({@link InvMachine} says why). {@link #iommu} is the IOMMU
 * thread's loop body: wait for the doorbell, run the drain. Its samples are the IOMMU's idle waits
 * plus drains and mean little on their own; the report reads the {@code submit} secondary result.
 * The group's primary result mixes both methods: do not quote it.
 *
 * <p>Two submitters would need three busy threads, one more than this 2-core machine has; two
 * submitters are measured with the submitters draining ({@link InvalidationBench}).
 *
 * <h2>Secondary results</h2>
 * As {@link InvalidationBench}: {@code refused}, {@code syncErrors}, and engine-wide
 * {@code timeouts}, {@code lateCompletions}, {@code itagStalls}, {@code muted}; all must be 0. And
 * {@code doorbells}, the wake-ups handed to the IOMMU thread (one or two per round trip, see
 * {@link Failures#doorbells}), which is not a failure but explains part of the round trip.
 *
 * <h2>HOW TO RUN</h2>
 * <pre>
 *   java -jar benchmarks/target/benchmarks.jar InvalidationHandoffBench -p queue=jctools-mpsc -p functions=1
 * </pre>
 * Two busy threads on two cores: use at least 3 forks (the default) and read the per-fork values;
 * on this VM a cross-core hand-off is bimodal from fork to fork (docs/toolchain.md §3).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(value = 3, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class InvalidationHandoffBench {

    /** The machine, shared by the submitter and the IOMMU thread of one group. */
    @State(Scope.Group)
    public static class Machine {
        /** The command queue implementation. */
        @Param({"jctools-mpsc", "agrona-m2o", "clq", "abq"})
        public String queue;

        /** How many functions the invalidations are spread over. */
        @Param({"1", "64", "1024", "4096", "65536"})
        public int functions;

        HandoffScheduler scheduler;
        InvMachine m;
        long[] atStart;

        /** Build the machine (not measured). */
        @Setup(Level.Trial)
        public void setUp() {
            scheduler = new HandoffScheduler();
            m = new InvMachine(queue, functions, scheduler);
        }
    }

    /** The submitter's cursor over the functions. */
    @State(Scope.Thread)
    public static class Submitter {
        int next;

        InvCommand nextCommand(final Machine m) {
            final InvCommand[] cmds = m.m.commands;
            final InvCommand c = cmds[next];
            next = next + 1 == cmds.length ? 0 : next + 1;
            return c;
        }
    }

    /** Marks the thread that runs {@link #iommu} as the scheduler's agent. */
    @State(Scope.Thread)
    public static class IommuThread {
        /** Runs on the IOMMU thread itself (thread-scoped state). */
        @Setup(Level.Iteration)
        public void bind(final Machine m) {
            m.scheduler.bindAgent();
        }
    }

    /** Secondary results of the submitter (see the class comment). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Failures {
        /** Submits or syncs refused because the queue was full. */
        public long refused;
        /** Syncs that completed with an error. */
        public long syncErrors;
        /** Invalidations that timed out. */
        public long timeouts;
        /** Completions that came after their timeout. */
        public long lateCompletions;
        /** Invalidations that waited for a free ITag. */
        public long itagStalls;
        /** Invalidations resolved without reaching the device. */
        public long muted;
        /**
         * Wake-ups handed to the IOMMU thread (doorbells). Not a failure: the engine wakes on every
         * submit and every sync, so a round trip rings once or twice, depending on whether the IOMMU
         * thread was still draining the first command when the sync arrived.
         */
        public long doorbells;
        /** Round trips completed (to put {@link #doorbells} per round trip). */
        public long roundTrips;
        private long doorbells0;

        /** Clear, and remember the engine's counters. */
        @Setup(Level.Iteration)
        public void start(final Machine m) {
            refused = 0;
            syncErrors = 0;
            timeouts = 0;
            lateCompletions = 0;
            itagStalls = 0;
            muted = 0;
            doorbells = 0;
            roundTrips = 0;
            doorbells0 = m.scheduler.handoffs();
            m.atStart = m.m.counters();
        }

        /** Publish the engine's deltas. */
        @TearDown(Level.Iteration)
        public void finish(final Machine m) {
            final long[] now = m.m.counters();
            timeouts = now[0] - m.atStart[0];
            lateCompletions = now[1] - m.atStart[1];
            itagStalls = now[2] - m.atStart[2];
            muted = now[3] - m.atStart[3];
            doorbells = m.scheduler.handoffs() - doorbells0;
        }
    }

    /**
     * The submitter: one invalidation round trip through the IOMMU thread.
     *
     * @return the sync's result, or null (refused, or the measurement stopped while waiting)
     */
    @Benchmark
    @Group("roundTrip")
    @GroupThreads(1)
    public Errno submit(final Machine m, final Submitter s, final Failures f, final Control control) {
        if (control.stopMeasurement) {
            return null; // the iteration is over: do not flood the queue while the other thread leaves
        }
        final IommuEngine e = m.m.engine;
        if (e.submit(s.nextCommand(m)).isError()) {
            f.refused++;
            return null;
        }
        final InvCompletion sync = e.trySync();
        if (sync == null) {
            f.refused++;
            return null;
        }
        final Errno r = InvMachine.await(sync, control);
        if (r != null) {
            f.roundTrips++;
            if (r.isError()) {
                f.syncErrors++;
            }
        }
        return r;
    }

    /**
     * The IOMMU thread: wait for the doorbell, then drain.
     *
     * @return {@code false} if the measurement stopped while it waited
     */
    @Benchmark
    @Group("roundTrip")
    @GroupThreads(1)
    public boolean iommu(final Machine m, final IommuThread t, final Control control) {
        return m.scheduler.runOne(control);
    }
}
