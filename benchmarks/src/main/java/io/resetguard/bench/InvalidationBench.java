package io.resetguard.bench;

import io.resetguard.errno.Errno;
import io.resetguard.inv.InvCommand;
import io.resetguard.inv.InvCompletion;
import io.resetguard.inv.IommuEngine;
import io.resetguard.inv.QueueKind;
import io.resetguard.time.InlineScheduler;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;
import org.openjdk.jmh.infra.ThreadParams;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * InvalidationBench - ATC invalidation through the real command queue and the emulated IOMMU engine,
 * submit to completion, with the <em>submitters</em> draining the engine (the engine's own design:
 * whoever wakes it while it is idle drains it, JCTools/Agrona single-consumer style).
 *
 * <h2>What one operation is</h2>
 * {@code engine.submit(ATC_INV)} for the thread's next function, {@code engine.sync()}, then wait for
 * the sync's completion. The engine is {@link IommuEngine} with the command queue chosen by
 * {@code queue} ({@link QueueKind#cliName()}: {@code jctools-mpsc}, {@code agrona-m2o}, {@code clq},
 * {@code abq}); the device side is the real {@link io.resetguard.ats.AtsSystem} (see
 * {@link InvMachine} for why, and for the topology). The scheduler is the {@link InlineScheduler}: the
 * submitter that wins the engine's {@code draining} flag drains on its own thread, the device answers
 * inline, and the sync completes before {@code sync()} returns. With two submitters, the one that
 * loses the flag waits for the other to drain its commands: that wait is the only cross-thread
 * hand-off in this class. For a round trip to another core (the IOMMU as its own agent) see
 * {@link InvalidationHandoffBench}.
 *
 * <p>On the inline scheduler any timer the engine arms for its invalidation timeout runs as soon as it
 * is armed (advancing the emulated clock; the device has answered by then, so nothing times out):
 * the timeout bookkeeping therefore runs once per invalidation here, where a real timer would fire
 * a second later and cover many. The cost is the emulator's, and it is in every score here.
 *
 * <h2>Methods</h2>
 * <ul>
 * <li>{@link #latency} / {@link #latencyTwoSubmitters}: {@link Mode#SampleTime}, ns: percentiles of
 *     the round trip, one and two submitters;</li>
 * <li>{@link #throughput} / {@link #throughputTwoSubmitters}: round trips per microsecond (= M/s),
 *     summed over the submitters.</li>
 * </ul>
 * Two submitters own disjoint ranges of the functions ({@link BenchMachine#partition}).
 *
 * <h2>Secondary results (AuxCounters, EVENTS: totals per iteration)</h2>
 * {@code refused} (submit or sync refused: queue full), {@code syncErrors} (a sync completed with an
 * error, e.g. VT-d's -EAGAIN), and, engine-wide, counted on thread 0 only: {@code timeouts},
 * {@code lateCompletions}, {@code itagStalls} (an invalidation waited for a free ITag) and
 * {@code muted} (an invalidation resolved without reaching the device). All must be 0 here; a
 * non-zero one means the score is not that of healthy round trips.
 *
 * <h2>HOW TO RUN</h2>
 * <pre>
 *   java -jar benchmarks/target/benchmarks.jar 'InvalidationBench.latency$' -p functions=1
 *   java -jar benchmarks/target/benchmarks.jar InvalidationBench.throughput -p queue=jctools-mpsc,abq
 * </pre>
 */
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(value = 3, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class InvalidationBench {

    /** The machine (see {@link InvMachine}) with an inline scheduler. */
    @State(Scope.Benchmark)
    public static class Machine {
        /** The command queue implementation. */
        @Param({"jctools-mpsc", "agrona-m2o", "clq", "abq"})
        public String queue;

        /** How many functions the invalidations are spread over. */
        @Param({"1", "64", "1024", "4096", "65536"})
        public int functions;

        InvMachine m;
        final AtomicInteger nextThread = new AtomicInteger();
        volatile long[] atStart;

        /** Build the machine (not measured). */
        @Setup(Level.Trial)
        public void setUp() {
            m = new InvMachine(queue, functions, new InlineScheduler());
        }
    }

    /**
     * One submitter: its range of functions, its cursor, and its secondary results (AuxCounters,
     * EVENTS: the public fields, per iteration). One class for both roles: see
     * {@link ResetBench.Worker} for the JMH quirk that forbids splitting it.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Submitter {
        /** Submits or syncs refused because the queue was full. */
        public long refused;
        /** Syncs that completed with an error. */
        public long syncErrors;
        /** Invalidations that timed out (engine-wide, thread 0 only). */
        public long timeouts;
        /** Completions that came after their timeout (engine-wide, thread 0 only). */
        public long lateCompletions;
        /** Invalidations that waited for a free ITag (engine-wide, thread 0 only). */
        public long itagStalls;
        /** Invalidations resolved without reaching the device (engine-wide, thread 0 only). */
        public long muted;

        Machine machine;
        InvCommand[] commands;
        int from;
        int to;
        int next;
        int index;

        /** JMH entry. */
        @Setup(Level.Trial)
        public void setUp(final Machine m, final ThreadParams tp) {
            init(m, m.nextThread.getAndIncrement(), tp.getThreadCount());
        }

        /** Direct entry for tests. */
        void init(final Machine m, final int threadIndex, final int threads) {
            machine = m;
            commands = m.m.commands;
            index = threadIndex;
            final int[] range = BenchMachine.partition(m.functions, threads, threadIndex);
            from = range[0];
            to = range[1];
            next = from;
        }

        /** Clear, and remember the engine's counters. */
        @Setup(Level.Iteration)
        public void start() {
            refused = 0;
            syncErrors = 0;
            timeouts = 0;
            lateCompletions = 0;
            itagStalls = 0;
            muted = 0;
            if (index == 0) {
                machine.atStart = machine.m.counters();
            }
        }

        /** Publish the engine's deltas (JMH reads the counters after this teardown). */
        @TearDown(Level.Iteration)
        public void finish() {
            if (index == 0) {
                final long[] now = machine.m.counters();
                final long[] was = machine.atStart;
                timeouts = now[0] - was[0];
                lateCompletions = now[1] - was[1];
                itagStalls = now[2] - was[2];
                muted = now[3] - was[3];
            }
        }

        InvCommand nextCommand() {
            final InvCommand c = commands[next];
            next = next + 1 == to ? from : next + 1;
            return c;
        }
    }

    private static Errno roundTrip(final Machine m, final Submitter s, final Control control) {
        if (control != null && control.stopMeasurement) {
            // JMH keeps calling until every thread left the iteration: submitting then would flood
            // the queue (nobody waits) and count refusals that no measured operation saw.
            return null;
        }
        final IommuEngine e = m.m.engine;
        if (e.submit(s.nextCommand()).isError()) {
            s.refused++;
            return null;
        }
        final InvCompletion sync = e.trySync();
        if (sync == null) {
            s.refused++; // the ATC_INV stays queued; the next sync covers it
            return null;
        }
        final Errno r = InvMachine.await(sync, control);
        if (r != null && r.isError()) {
            s.syncErrors++;
        }
        return r;
    }

    /** @return the sync's result. Round-trip latency, one submitter. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Threads(1)
    public Errno latency(final Machine m, final Submitter s, final Control control) {
        return roundTrip(m, s, control);
    }

    /** @return the sync's result. Round-trip latency, two submitters. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Threads(2)
    public Errno latencyTwoSubmitters(final Machine m, final Submitter s, final Control control) {
        return roundTrip(m, s, control);
    }

    /** @return the sync's result. Round trips per microsecond, one submitter. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Threads(1)
    public Errno throughput(final Machine m, final Submitter s, final Control control) {
        return roundTrip(m, s, control);
    }

    /** @return the sync's result. Round trips per microsecond, two submitters (summed). */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Threads(2)
    public Errno throughputTwoSubmitters(final Machine m, final Submitter s, final Control control) {
        return roundTrip(m, s, control);
    }
}
