package io.resetguard.pci;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.model.ProtocolModel;
import io.resetguard.time.InlineScheduler;
import io.resetguard.time.RealTimeScheduler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The entry points of §4.3 and their locks (invariants 16 and 17). */
class EntryPointsTest {

    @Test
    void twoResetsOfOneFunctionSerializeOnTheDeviceLock() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
        final List<String> order = new ArrayList<>();
        r.pci.resetFunction(d, rc -> order.add("first " + rc + " @" + r.nowMs()));
        r.pci.resetFunction(d, rc -> order.add("second " + rc + " @" + r.nowMs()));
        r.sched.runUntilIdle();
        assertEquals(List.of("first OK @100", "second OK @200"), order);
        assertEquals(0, r.count(EventType.VIOLATION_RESET_OVERLAP));
        assertEquals(2, d.fullResets());
    }

    @Test
    void tryResetReturnsEagainWhileTheDeviceIsLocked() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
        r.pci.resetFunction(d, rc -> { });
        final Errno[] out = new Errno[1];
        r.pci.tryResetFunction(d, rc -> out[0] = rc);
        assertEquals(Errno.EAGAIN, out[0]);
        r.sched.runUntilIdle();
        r.pci.tryResetFunction(d, rc -> out[0] = rc);
        r.sched.runUntilIdle();
        assertEquals(Errno.OK, out[0]);
    }

    @Test
    void resetFunctionLockedNeedsTheLockAndTakesNoBridgeLock() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciBridge br = r.pci.addBridge(io.resetguard.fabric.Bdf.parse("00:01.0"), false, false, false);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), br);
        final Object me = new Object();
        assertThrows(IllegalStateException.class, () -> r.pci.resetFunctionLocked(d, me, rc -> { }));
        assertTrue(d.lock().tryLock(me));
        assertTrue(br.lock().tryLock(new Object()), "someone else holds the bridge");
        final Errno[] out = new Errno[1];
        r.pci.resetFunctionLocked(d, me, rc -> out[0] = rc);
        r.sched.runUntilIdle();
        assertEquals(Errno.OK, out[0]);
        assertTrue(d.lock().isHeldBy(me), "the caller still holds it");
    }

    @Test
    void resetFunctionWaitsForTheBridgeLock() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciBridge br = r.pci.addBridge(io.resetguard.fabric.Bdf.parse("00:01.0"), false, false, false);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), br);
        final Object other = new Object();
        assertTrue(br.lock().tryLock(other));
        final Errno[] out = new Errno[1];
        r.pci.resetFunction(d, rc -> out[0] = rc);
        r.sched.runUntilIdle();
        assertNull(out[0], "blocked behind the bridge lock");
        assertFalse(r.parked(d), "nothing started");
        br.lock().unlock(other);
        r.sched.runUntilIdle();
        assertEquals(Errno.OK, out[0]);
    }

    @Test
    void resetDoneAndRestoreRunWhetherOrNotTheResetWorked() {
        final PciRig r = new PciRig(ProtocolModel.SEED);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
        r.faults.always(d.fn(), ResetMethod.FLR, ResetOutcome.EIO);
        assertEquals(Errno.EIO, r.reset(d));
        assertEquals(1, r.count(EventType.INFO_RESET_DONE_CALLBACK), "invariant 16");
        assertTrue(d.busMaster(), "restored from the saved Command register");
    }

    @Test
    void busMasteringClearedBeforeTheResetStaysOff() {
        // SEED 2/2's worker clears bus mastering before pci_reset_function(): the saved state has BME=0.
        final PciRig r = new PciRig(ProtocolModel.SEED);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
        d.busMaster(false);
        assertEquals(Errno.OK, r.reset(d));
        assertFalse(d.busMaster());
    }

    @Test
    void inlineSchedulerRunsAResetInZeroRealTime() {
        final PciRig base = new PciRig(ProtocolModel.LINUX_7_1);
        final PciCore pci = new PciCore(base.fabric, new InlineScheduler());
        final PciDev d = pci.attach(base.group.addFunction(io.resetguard.fabric.Bdf.parse("05:00.0"), true, 0),
            PciCaps.typical(), null);
        final Errno[] out = new Errno[1];
        pci.resetFunction(d, rc -> out[0] = rc);
        assertEquals(Errno.OK, out[0], "completed before resetFunction returned");
        assertEquals(100_000_000L, pci.scheduler().nanoTime());
    }

    @Test
    void twoThreadsQueueingResetsOfOneFunctionOnTheInlineSchedulerNeitherRecurseNorLoseOne() throws Exception {
        // Each thread queues its resets without waiting for the last to finish (as many kernel threads
        // blocked in pci_dev_lock() would). The unlocking thread hands the lock to the next waiter;
        // with hand-offs run nested inside unlock() this recursed once per queued reset until
        // StackOverflowError. Every reset must complete once, one at a time.
        final PciRig base = new PciRig(ProtocolModel.LINUX_7_1);
        final InlineScheduler inline = new InlineScheduler();
        final PciCore pci = new PciCore(base.fabric, inline);
        final PciDev d = pci.attach(base.group.addFunction(io.resetguard.fabric.Bdf.parse("06:00.0"), true, 0),
            PciCaps.typical().withImmReady(true), null);
        final int perThread = 50_000;
        final java.util.concurrent.atomic.AtomicInteger completed = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        final AtomicReference<Throwable> thrown = new AtomicReference<>();
        final CountDownLatch start = new CountDownLatch(1);
        final Thread[] threads = new Thread[2];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        pci.resetFunction(d, rc -> {
                            completed.incrementAndGet();
                            if (rc.isError()) {
                                failed.incrementAndGet();
                            }
                        });
                    }
                } catch (final Throwable e) {
                    thrown.compareAndSet(null, e);
                }
            }, "resetter-" + t);
            threads[t].start();
        }
        start.countDown();
        for (final Thread t : threads) {
            t.join(120_000);
        }
        assertNull(thrown.get(), () -> "a resetter threw " + thrown.get());
        assertEquals(2 * perThread, completed.get());
        assertEquals(0, failed.get());
        assertEquals(2L * perThread, d.fullResets());
        assertEquals(0, base.count(EventType.VIOLATION_RESET_OVERLAP));
        assertEquals(0, base.count(EventType.VIOLATION_LIVENESS));
        assertNull(d.lock().owner(), "the device lock is free at the end");
        assertFalse(base.group.isParked(d.fn()));
    }

    @Test
    void realTimeSchedulerRunsAScaledReset() throws Exception {
        try (RealTimeScheduler rt = new RealTimeScheduler(1000)) {
            final PciRig base = new PciRig(ProtocolModel.LINUX_7_1);
            final PciCore pci = new PciCore(base.fabric, rt);
            final PciDev d = pci.attach(base.group.addFunction(io.resetguard.fabric.Bdf.parse("05:00.0"), true, 0),
                PciCaps.typical(), null);
            final CountDownLatch done = new CountDownLatch(1);
            final AtomicReference<Errno> out = new AtomicReference<>();
            pci.resetFunction(d, rc -> {
                out.set(rc);
                done.countDown();
            });
            assertTrue(done.await(10, TimeUnit.SECONDS), "100 ms of emulated time at scale 1000");
            assertEquals(Errno.OK, out.get());
            assertTrue(rt.nanoTime() >= 100_000_000L);
        }
    }

    @Test
    void randomResetFaultsAreReproducible() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
        final RandomResetFaults a = new RandomResetFaults(42, 0.3, 0.1, 0.1);
        final RandomResetFaults b = new RandomResetFaults(42, 0.3, 0.1, 0.1);
        final RandomResetFaults c = new RandomResetFaults(43, 0.3, 0.1, 0.1);
        int differ = 0;
        int timeouts = 0;
        for (int i = 0; i < 1000; i++) {
            final ResetOutcome oa = a.outcome(d.fn(), ResetMethod.FLR, i);
            assertEquals(oa, b.outcome(d.fn(), ResetMethod.FLR, i));
            differ += oa != c.outcome(d.fn(), ResetMethod.FLR, i) ? 1 : 0;
            timeouts += oa == ResetOutcome.READINESS_TIMEOUT ? 1 : 0;
        }
        assertTrue(differ > 100, "another seed gives other outcomes");
        assertTrue(timeouts > 240 && timeouts < 360, "about 30% timeouts, was " + timeouts);
        assertThrows(IllegalArgumentException.class, () -> new RandomResetFaults(1, 0.6, 0.6, 0));
    }
}
