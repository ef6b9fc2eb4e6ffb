package io.resetguard.bench;

import io.resetguard.inv.InvCommand;
import io.resetguard.inv.QueueKind;

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

import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * QueuePingPongBench - the floor under a cross-core invalidation round trip: a bare request/reply
 * ping-pong between two threads, through two queues of the kind the IOMMU command queue uses, or
 * through two padded {@link AtomicLong}s with no queue at all (the cost of moving cache lines between
 * the cores). Measured in the same run as {@link InvalidationHandoffBench}, with the same shape: a
 * JMH group of two threads, spin-waits without backoff or pause, every spin checking
 * {@link Control#stopMeasurement}.
 *
 * <h2>What one operation is</h2>
 * {@link #ping}: offer a request, then spin until the reply arrives (request, reply, seen).
 * {@link #pong}: spin until a request arrives, then offer the reply. Both methods time one full round
 * trip each, so the group's primary result and either secondary result mean the same; the report
 * reads the {@code ping} secondary result, as it reads {@code submit} of the invalidation round trip.
 * The payload is one preallocated {@link InvCommand}; {@code channel} is a
 * {@link QueueKind#cliName()} ({@link QueueKind#newQueue} of capacity 1024; {@code clq} unbounded) or
 * {@code atomic}.
 *
 * <p>An iteration can end between a request and its reply; {@link Channel#clear()} at the end of
 * every iteration empties both queues, so the next one starts with nothing in flight (otherwise the
 * two threads could run one message ahead and halve the "round trip"). The {@code atomic} channel
 * heals itself: the ponger always answers the latest request number.
 *
 * <h2>HOW TO RUN</h2>
 * <pre>
 *   java -jar benchmarks/target/benchmarks.jar QueuePingPongBench -p channel=jctools-mpsc,atomic
 * </pre>
 * Reference on this kind of VM (docs/toolchain.md §3): about 630 ns for JCTools SPSC or AtomicLong,
 * 950 ns for JCTools MPSC, with whole forks now and then at about 160 ns.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(value = 3, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class QueuePingPongBench {
    /** The payload. */
    static final InvCommand ITEM = InvCommand.atcAll(null);

    /**
     * A volatile counter followed by 128 bytes of padding, so the two counters (separate objects)
     * never share a cache line, nor an adjacent-line prefetch pair.
     */
    static final class PaddedCounter extends AtomicLong {
        private static final long serialVersionUID = 1L;
        // NOTE: AtomicLong's value sits right after the object header; the padding follows it.
        long p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15, p16;
    }

    /** The two directions of the ping-pong, shared by the two threads of one group. */
    @State(Scope.Group)
    public static class Channel {
        /** A {@link QueueKind#cliName()}, or {@code atomic}. */
        @Param({"jctools-mpsc", "agrona-m2o", "clq", "abq", "atomic"})
        public String channel;

        Queue<InvCommand> request;
        Queue<InvCommand> reply;
        /** Written by the pinger (the latest request number), read by both. */
        final PaddedCounter requested = new PaddedCounter();
        /** Written by the ponger (the latest request number answered), read by both. */
        final PaddedCounter answered = new PaddedCounter();
        boolean atomic;

        /** Make the queues (not measured). */
        @Setup(Level.Trial)
        public void setUp() {
            atomic = channel.equals("atomic");
            if (!atomic) {
                final QueueKind k = QueueKind.parse(channel);
                request = k.newQueue(1024);
                reply = k.newQueue(1024);
            }
        }

        /** Drop whatever an interrupted round trip left in flight. */
        @TearDown(Level.Iteration)
        public void clear() {
            if (!atomic) {
                request.clear();
                reply.clear();
            }
        }
    }

    /**
     * Request, then wait for the reply.
     *
     * @return the reply (or null if the measurement stopped while waiting)
     */
    @Benchmark
    @Group("pingPong")
    @GroupThreads(1)
    public Object ping(final Channel c, final Control control) {
        if (control.stopMeasurement) {
            return null; // the iteration is over: send nothing more
        }
        if (c.atomic) {
            final long n = c.requested.get() + 1;
            c.requested.lazySet(n);
            while (c.answered.get() < n) {
                if (control.stopMeasurement) {
                    return null;
                }
            }
            return c.answered;
        }
        final Queue<InvCommand> req = c.request;
        while (!req.offer(ITEM)) {
            if (control.stopMeasurement) {
                return null;
            }
        }
        final Queue<InvCommand> rep = c.reply;
        InvCommand r;
        while ((r = rep.poll()) == null) {
            if (control.stopMeasurement) {
                return null;
            }
        }
        return r;
    }

    /**
     * Wait for a request, then reply.
     *
     * @return the request (or null if the measurement stopped while waiting)
     */
    @Benchmark
    @Group("pingPong")
    @GroupThreads(1)
    public Object pong(final Channel c, final Control control) {
        if (c.atomic) {
            long n;
            while ((n = c.requested.get()) == c.answered.get()) {
                if (control.stopMeasurement) {
                    return null;
                }
            }
            c.answered.lazySet(n);
            return c.requested;
        }
        final Queue<InvCommand> req = c.request;
        InvCommand e;
        while ((e = req.poll()) == null) {
            if (control.stopMeasurement) {
                return null;
            }
        }
        final Queue<InvCommand> rep = c.reply;
        while (!rep.offer(e)) {
            if (control.stopMeasurement) {
                return null;
            }
        }
        return e;
    }
}
