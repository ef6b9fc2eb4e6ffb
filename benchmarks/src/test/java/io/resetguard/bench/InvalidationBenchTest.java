package io.resetguard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.resetguard.ats.InvResponse;
import io.resetguard.errno.Errno;
import io.resetguard.inv.QueueKind;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.infra.Control;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Calls the invalidation benchmarks' methods directly (they measure nothing here): every queue must
 * complete round trips with its counters at 0, a hung device must show up in the counters, and the
 * IOMMU-thread and ping-pong groups must work across two real threads.
 */
class InvalidationBenchTest {
    /**
     * Cross-thread round trips per case: enough to cross the threads many times, few enough that a
     * loaded 2-CPU machine (where a spinning thread may wait a scheduler quantum for its peer) stays
     * within seconds.
     */
    private static final int ROUND_TRIPS = 200;

    private static List<String> params(final Class<?> state, final String field) throws NoSuchFieldException {
        return Arrays.asList(state.getField(field).getAnnotation(Param.class).value());
    }

    private static InvalidationBench.Machine machine(final String queue, final int functions) {
        final InvalidationBench.Machine m = new InvalidationBench.Machine();
        m.queue = queue;
        m.functions = functions;
        m.setUp();
        return m;
    }

    @Test
    void queueParamsCoverEveryQueueKind() throws NoSuchFieldException {
        final List<String> kinds = Arrays.stream(QueueKind.values()).map(QueueKind::cliName).collect(Collectors.toList());
        assertEquals(kinds, params(InvalidationBench.Machine.class, "queue"));
        assertEquals(kinds, params(InvalidationHandoffBench.Machine.class, "queue"));
        final List<String> channels = params(QueuePingPongBench.Channel.class, "channel");
        assertTrue(channels.containsAll(kinds) && channels.contains("atomic"), channels.toString());
        assertEquals(List.of("1", "64", "1024", "4096", "65536"), params(InvalidationBench.Machine.class, "functions"));
        assertEquals(List.of("1", "64", "1024", "4096", "65536"),
            params(InvalidationHandoffBench.Machine.class, "functions"));
    }

    @Test
    void everyQueueCompletesRoundTripsWithCountersAtZero() throws NoSuchFieldException {
        final InvalidationBench bench = new InvalidationBench();
        for (final String q : params(InvalidationBench.Machine.class, "queue")) {
            for (final int n : new int[] {1, 64}) {
                final String where = q + "/" + n;
                final InvalidationBench.Machine m = machine(q, n);
                final InvalidationBench.Submitter s = new InvalidationBench.Submitter();
                s.init(m, 0, 1);
                s.start();
                final Control c = new Control();
                for (int i = 0; i < 100; i++) {
                    assertSame(Errno.OK, bench.latency(m, s, c), where);
                    assertSame(Errno.OK, bench.throughput(m, s, c), where);
                }
                s.finish();
                assertEquals(0, s.refused + s.syncErrors + s.timeouts + s.lateCompletions + s.itagStalls + s.muted,
                    where + " counters");
                assertEquals(200, m.m.engine.completed(), where + " completed by the device");
                assertTrue(m.m.engine.idle(), where + " engine idle");
                assertEquals(0, m.m.engine.itagsBusy(), where + " ITags");
                assertEquals(0, m.m.fabric.events().total(), where + " " + m.m.fabric.events().counts());
            }
        }
    }

    @Test
    void aHungDeviceShowsUpAsTimeouts() {
        final InvalidationBench.Machine m = machine("jctools-mpsc", 1);
        m.m.ats.function(m.m.fns[0]).response(InvResponse.HANG);
        final InvalidationBench.Submitter s = new InvalidationBench.Submitter();
        s.init(m, 0, 1);
        s.start();
        new InvalidationBench().latency(m, s, new Control());
        s.finish();
        assertEquals(1, s.timeouts, "on the inline scheduler the timeout fires at once");
    }

    @Test
    void afterTheMeasurementNothingIsSubmitted() {
        final InvalidationBench.Machine m = machine("abq", 1);
        final InvalidationBench.Submitter s = new InvalidationBench.Submitter();
        s.init(m, 0, 1);
        final Control c = new Control();
        c.stopMeasurement = true;
        assertNull(new InvalidationBench().throughput(m, s, c));
        assertEquals(0, m.m.engine.submitted());
    }

    @Test
    void twoSubmittersDrainForEachOther() throws InterruptedException {
        final InvalidationBench.Machine m = machine("jctools-mpsc", 64);
        final InvalidationBench bench = new InvalidationBench();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final InvalidationBench.Submitter[] subs = new InvalidationBench.Submitter[2];
        final Thread[] threads = new Thread[2];
        final Control c = new Control();
        for (int t = 0; t < 2; t++) {
            subs[t] = new InvalidationBench.Submitter();
            subs[t].init(m, t, 2);
            final InvalidationBench.Submitter s = subs[t];
            threads[t] = new Thread(() -> {
                try {
                    for (int i = 0; i < 5_000; i++) {
                        if (bench.throughputTwoSubmitters(m, s, c) != Errno.OK) {
                            throw new AssertionError("round trip " + i + " failed");
                        }
                    }
                } catch (final Throwable e) {
                    failure.set(e);
                }
            });
            threads[t].start();
        }
        for (final Thread t : threads) {
            t.join(30_000);
            assertFalse(t.isAlive(), "a submitter is stuck");
        }
        assertNull(failure.get(), () -> String.valueOf(failure.get()));
        assertEquals(0, subs[0].from);
        assertEquals(32, subs[1].from);
        assertEquals(10_000, m.m.engine.completed());
        assertEquals(0, m.m.engine.timeouts() + m.m.engine.lateCompletions() + m.m.engine.refused());
    }

    @Test
    void roundTripsThroughTheIommuThread() throws InterruptedException {
        for (final String q : List.of("jctools-mpsc", "abq")) {
            final InvalidationHandoffBench.Machine m = new InvalidationHandoffBench.Machine();
            m.queue = q;
            m.functions = 4;
            m.setUp();
            final InvalidationHandoffBench bench = new InvalidationHandoffBench();
            final Control c = new Control();
            final Thread iommu = new Thread(() -> {
                final InvalidationHandoffBench.IommuThread t = new InvalidationHandoffBench.IommuThread();
                t.bind(m);
                while (!c.stopMeasurement) {
                    bench.iommu(m, t, c);
                }
            });
            iommu.start();
            final InvalidationHandoffBench.Submitter s = new InvalidationHandoffBench.Submitter();
            final InvalidationHandoffBench.Failures f = new InvalidationHandoffBench.Failures();
            f.start(m);
            try {
                for (int i = 0; i < ROUND_TRIPS; i++) {
                    assertSame(Errno.OK, bench.submit(m, s, f, c), q + " round trip " + i);
                }
            } finally {
                c.stopMeasurement = true;
                iommu.join(10_000);
            }
            f.finish(m);
            assertFalse(iommu.isAlive());
            assertEquals(0, f.refused + f.syncErrors + f.timeouts + f.lateCompletions + f.itagStalls + f.muted, q);
            assertEquals(ROUND_TRIPS, m.m.engine.completed(), q);
            assertEquals(ROUND_TRIPS, f.roundTrips, q);
            assertTrue(f.doorbells >= ROUND_TRIPS && f.doorbells <= 2 * ROUND_TRIPS,
                q + ": one or two wake-ups per round trip, was " + f.doorbells);
            assertEquals(0, m.m.engine.itagsBusy(), q);
        }
    }

    @Test
    void pingPongEveryChannel() throws InterruptedException, NoSuchFieldException {
        for (final String ch : params(QueuePingPongBench.Channel.class, "channel")) {
            final QueuePingPongBench.Channel c = new QueuePingPongBench.Channel();
            c.channel = ch;
            c.setUp();
            final QueuePingPongBench bench = new QueuePingPongBench();
            final Control control = new Control();
            final Thread ponger = new Thread(() -> {
                while (!control.stopMeasurement) {
                    bench.pong(c, control);
                }
            });
            ponger.start();
            try {
                for (int i = 0; i < ROUND_TRIPS; i++) {
                    assertTrue(bench.ping(c, control) != null, ch + " ping " + i);
                }
            } finally {
                control.stopMeasurement = true;
                ponger.join(10_000);
            }
            assertFalse(ponger.isAlive(), ch);
            c.clear();
            if (!c.atomic) {
                assertTrue(c.request.isEmpty() && c.reply.isEmpty(), ch);
            } else {
                assertEquals(ROUND_TRIPS, c.answered.get(), ch);
            }
        }
    }
}
