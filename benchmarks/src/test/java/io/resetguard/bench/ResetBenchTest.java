package io.resetguard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.resetguard.errno.Errno;
import io.resetguard.pci.PciDev;
import io.resetguard.pci.ResetMethod;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.infra.Control;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Calls {@link ResetBench}'s benchmark methods directly (it measures nothing): every parameter
 * combination must reset successfully with all failure counters at 0, and the two-thread
 * arrangement must neither share functions nor overflow the stack when it has to.
 */
class ResetBenchTest {

    private static List<String> params(final String field) throws NoSuchFieldException {
        return Arrays.asList(ResetBench.Machine.class.getField(field).getAnnotation(Param.class).value());
    }

    private static ResetBench.Machine machine(final int functions, final String cell, final String fabric) {
        final ResetBench.Machine m = new ResetBench.Machine();
        m.functions = functions;
        m.stateImpl = cell;
        m.model = "linux-7.1";
        m.fabric = fabric;
        m.setUp();
        return m;
    }

    @Test
    void paramsListTheIssueCountsAndBothCells() throws NoSuchFieldException {
        assertEquals(List.of("1", "64", "1024", "4096", "65536"), params("functions"));
        assertEquals(List.of("lock-free", "locking"), params("stateImpl"));
        assertEquals(List.of("shared"), params("fabric"));
    }

    @Test
    void everyResetSucceedsWithCountersAtZero() throws NoSuchFieldException {
        final ResetBench bench = new ResetBench();
        for (final String cell : params("stateImpl")) {
            for (final String fabric : List.of("shared", "per-thread")) {
                for (final int n : new int[] {1, 64}) {
                    final String where = cell + "/" + fabric + "/" + n;
                    final ResetBench.Machine m = machine(n, cell, fabric);
                    final ResetBench.Worker w = new ResetBench.Worker();
                    w.init(m, 0, 1);
                    assertEquals(ResetMethod.FLR, w.devs[0].resetMethods().get(0), where);
                    w.start();
                    for (int i = 0; i < 2 * n; i++) {
                        assertSame(Errno.OK, bench.reset(m, w, new Control()), where + " reset " + i);
                    }
                    w.finish();
                    assertEquals(0, w.resetErrors, where);
                    assertEquals(0, w.ebusy, where);
                    assertEquals(0, w.keptBlocked, where);
                    assertEquals(0, w.violations, where + " " + w.fabric.events().counts());
                    for (final PciDev d : w.devs) {
                        assertEquals(2, d.fullResets(), where + " round robin: every function twice");
                        assertFalse(d.fn().group().isParked(d.fn()), where);
                        assertTrue(d.busMaster(), where + " bus mastering restored");
                    }
                }
            }
        }
    }

    @Test
    void twoThreadsOwnDisjointFunctionsAndGroups() {
        final ResetBench.Machine m = machine(64, "lock-free", "shared");
        final ResetBench.Worker a = new ResetBench.Worker();
        a.init(m, 0, 2);
        final ResetBench.Worker b = new ResetBench.Worker();
        b.init(m, 1, 2);
        assertEquals(0, a.from);
        assertEquals(32, a.to);
        assertEquals(32, b.from);
        assertEquals(64, b.to);
        for (int i = a.from; i < a.to; i++) {
            for (int j = b.from; j < b.to; j++) {
                assertNotSame(m.devs[i].fn().group(), m.devs[j].fn().group());
            }
        }
    }

    @Test
    void aMachinePerThreadSharesNothing() {
        final ResetBench.Machine m = machine(64, "lock-free", "per-thread");
        final ResetBench.Worker a = new ResetBench.Worker();
        a.init(m, 0, 2);
        final ResetBench.Worker b = new ResetBench.Worker();
        b.init(m, 1, 2);
        assertNotSame(a.fabric, b.fabric);
        assertNotSame(a.pci, b.pci);
        assertEquals(32, a.devs.length);
        assertEquals(32, b.devs.length);
    }

    @Test
    void twoThreadsOnOneFunctionTakeTurnsWithoutOverflowingTheStack() throws InterruptedException {
        // N = 1 < threads: both reset function 0; a reset that finds the device lock held is queued
        // and run by the unlocking thread; a thread starts its next reset only once its last one
        // completed.
        final ResetBench.Machine m = machine(1, "lock-free", "shared");
        final ResetBench bench = new ResetBench();
        final Control control = new Control();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread[] threads = new Thread[2];
        final ResetBench.Worker[] workers = new ResetBench.Worker[2];
        for (int t = 0; t < 2; t++) {
            workers[t] = new ResetBench.Worker();
            workers[t].init(m, t, 2);
            final ResetBench.Worker w = workers[t];
            threads[t] = new Thread(() -> {
                try {
                    for (int i = 0; i < 20_000 && !control.stopMeasurement; i++) {
                        bench.resetTwoThreads(m, w, control);
                    }
                } catch (final Throwable e) {
                    failure.set(e);
                }
            });
        }
        for (final Thread t : threads) {
            t.start();
        }
        for (final Thread t : threads) {
            t.join(30_000);
        }
        control.stopMeasurement = true;
        for (final Thread t : threads) {
            t.join(5_000);
            assertFalse(t.isAlive(), "a worker is stuck");
        }
        assertNull(failure.get(), () -> "worker failed: " + failure.get());
        assertEquals(0, workers[0].errorsSeen.get() + workers[1].errorsSeen.get());
        assertFalse(m.devs[0].fn().group().isParked(m.devs[0].fn()));
        assertTrue(m.devs[0].fullResets() > 0);
    }
}
