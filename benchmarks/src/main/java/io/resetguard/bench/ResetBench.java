package io.resetguard.bench;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventCategory;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.PciFunction;
import io.resetguard.pci.PciCaps;
import io.resetguard.pci.PciCore;
import io.resetguard.pci.PciDev;
import io.resetguard.pci.ResetCallback;
import io.resetguard.pci.ResetMethod;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * ResetBench - whole emulated resets per second: {@code pci_reset_function()} of a function with an
 * instant FLR, spread over N functions, on one and on two threads.
 *
 * <h2>What one operation is</h2>
 * {@link PciCore#resetFunction} of the thread's next function (round robin over the functions the
 * thread owns): take the device lock, save and disable (bus mastering off), walk the reset methods
 * (FLR is first and succeeds), which runs {@code pci_dev_reset_iommu_prepare()}, the hardware reset
 * and {@code pci_dev_reset_iommu_done()} (through the model's post-reset rule), restore, the
 * {@code reset_done} callback, unlock, and the liveness check. Three kernel-log events are recorded
 * per reset (method try, method result, reset_done), counted and not retained.
 *
 * <p>The functions have {@code PciCaps.typical().withImmReady(true)}: Immediate Readiness, no pending
 * transactions, so the FLR takes zero emulated time and nothing waits. The scheduler is the
 * {@link InlineScheduler} (every continuation runs at once on the calling thread), so one call is one
 * complete reset. Topology: every function alone in its own group (ACS-isolated functions, as
 * SR-IOV VFs are), 4,096 functions per IOMMU ({@link BenchMachine#isolatedFunctions}).
 *
 * <h2>Threads</h2>
 * {@link #reset} runs on one thread, {@link #resetTwoThreads} on two. Each thread owns a contiguous
 * range of the functions ({@link BenchMachine#partition}), so two threads never reset the same
 * function and never touch the same group; what they share is the fabric: the kernel log's counters,
 * the emulated clock and the JIT'd code. With fewer functions than threads (N = 1) both threads
 * reset function 0, and the device lock serializes them: a reset that finds the lock held is queued
 * and run by the thread that unlocks, and its thread waits for that before it starts another (a
 * thread has at most one reset in flight, as a kernel thread blocked in {@code pci_dev_lock()} would,
 * so a score counts resets that completed, not resets queued). Scores are throughput summed over the threads
 * (ops/us = M/s).
 *
 * <h2>Secondary results (AuxCounters, EVENTS: totals per iteration)</h2>
 * <ul>
 * <li>{@code resetErrors}: resets that completed with a non-zero result;</li>
 * <li>{@code ebusy}: of those, -EBUSY (a prepare() refused, e.g. by the linux-7.0 model);</li>
 * <li>{@code keptBlocked}: failed resets that left the function parked on the blocking domain (the
 *     seed models keep it blocked on purpose; the count makes the fast path visible as such);</li>
 * <li>{@code violations}: kernel-log events of category VIOLATION during the iteration (for
 *     example a function still blocked after a successful reset), over the whole fabric.</li>
 * </ul>
 * All four must be 0 for a score to mean "resets per second".
 *
 * <h2>Diagnostic: {@code fabric=per-thread}</h2>
 * With {@code -p fabric=per-thread} every thread builds a machine of its own (its share of the
 * functions, its own fabric, kernel log and PCI core), so two threads share no written state. The
 * difference to {@code fabric=shared} (the real set-up, and the one the target is about) is what the
 * shared machine costs; the quick profile runs both.
 *
 * <h2>HOW TO RUN</h2>
 * <pre>
 *   java -jar benchmarks/target/benchmarks.jar 'ResetBench.reset$' -p functions=4096
 *   java -jar benchmarks/target/benchmarks.jar ResetBench.resetTwoThreads -p functions=4096   # 3 forks
 *   java -jar benchmarks/target/benchmarks.jar ResetBench -p model=seed -prof gc
 *   java -jar benchmarks/target/benchmarks.jar ResetBench.resetTwoThreads -p functions=4096 -p fabric=shared,per-thread
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(value = 3, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class ResetBench {

    /** The emulated machine: N isolated functions with an instant FLR, a PCI core, an inline scheduler. */
    @State(Scope.Benchmark)
    public static class Machine {
        /** How many functions the resets are spread over. */
        @Param({"1", "64", "1024", "4096", "65536"})
        public int functions;

        /** {@link io.resetguard.state.StateImpl#cliName()}. */
        @Param({"lock-free", "locking"})
        public String stateImpl;

        /** {@link io.resetguard.model.ProtocolModel#cliName()}; any model can be given with {@code -p model=...}. */
        @Param({"linux-7.1"})
        public String model;

        /**
         * {@code shared}: one emulated machine (one fabric, one kernel log, one PCI core) for all
         * threads, the real set-up. {@code per-thread}: a diagnostic; every thread builds its own
         * machine with its share of the functions, so the threads share no written state at all
         * (the report compares the two to show what the shared machine costs).
         */
        @Param({"shared"})
        public String fabric;

        Fabric shared;
        PciCore pci;
        PciDev[] devs;
        final AtomicInteger nextThread = new AtomicInteger();

        /** Build the machine (trial level: not measured). */
        @Setup(Level.Trial)
        public void setUp() {
            if (!fabric.equals("shared") && !fabric.equals("per-thread")) {
                throw new IllegalArgumentException("fabric must be shared or per-thread, was " + fabric);
            }
            if (perThread()) {
                return; // every Worker builds its own
            }
            shared = BenchMachine.fabric(model, stateImpl);
            pci = new PciCore(shared, new InlineScheduler());
            devs = build(shared, pci, functions);
        }

        boolean perThread() {
            return fabric.equals("per-thread");
        }

        /** @return {@code n} isolated functions with an instant FLR, attached to {@code core}. */
        static PciDev[] build(final Fabric f, final PciCore core, final int n) {
            final PciFunction[] fns = BenchMachine.isolatedFunctions(f, n);
            final PciDev[] d = new PciDev[n];
            final PciCaps caps = PciCaps.typical().withImmReady(true);
            for (int i = 0; i < n; i++) {
                d[i] = core.attach(fns[i], caps, null);
            }
            if (d[0].resetMethods().isEmpty() || d[0].resetMethods().get(0) != ResetMethod.FLR) {
                throw new IllegalStateException("expected FLR first, got " + d[0].resetMethods());
            }
            return d;
        }
    }

    /**
     * What one thread owns: its range of functions, its cursor, its completion callback, and its
     * secondary results (AuxCounters, EVENTS: the public fields, per iteration).
     *
     * <p>One class for both roles on purpose: JMH 1.37 gives a thread-scoped state injected into
     * another state's helper methods an instance of its own, so a separate counters state that
     * reads this one would read a different object.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Worker implements ResetCallback {
        /** Resets that completed with an error. */
        public long resetErrors;
        /** Resets that completed with -EBUSY. */
        public long ebusy;
        /** Failed resets that left the function blocked. */
        public long keptBlocked;
        /** VIOLATION events in the fabric during the iteration (one thread per fabric reports it). */
        public long violations;

        Machine machine;
        Fabric fabric;
        PciCore pci;
        PciDev[] devs;
        int from;
        int to;
        int next;
        int index;
        /** The result of the last completed reset (written by the callback). */
        Errno last;
        /** Set before a reset is started, cleared by its callback (release/acquire). */
        final AtomicBoolean inFlight = new AtomicBoolean();
        /** Failures seen by the callback; atomic because with N &lt; threads it may run on the other thread. */
        final AtomicLong errorsSeen = new AtomicLong();
        final AtomicLong ebusySeen = new AtomicLong();
        final AtomicLong keptBlockedSeen = new AtomicLong();
        private PciDev current;
        private long errors0;
        private long ebusy0;
        private long kept0;
        private long violations0;

        /** JMH entry: take the next thread index and the matching range. */
        @Setup(Level.Trial)
        public void setUp(final Machine m, final ThreadParams tp) {
            init(m, m.nextThread.getAndIncrement(), tp.getThreadCount());
        }

        /** Direct entry for tests. */
        void init(final Machine m, final int threadIndex, final int threads) {
            machine = m;
            index = threadIndex;
            final int[] range = BenchMachine.partition(m.functions, threads, threadIndex);
            if (m.perThread()) {
                fabric = BenchMachine.fabric(m.model, m.stateImpl);
                pci = new PciCore(fabric, new InlineScheduler());
                devs = Machine.build(fabric, pci, range[1] - range[0]);
                from = 0;
                to = devs.length;
            } else {
                fabric = m.shared;
                pci = m.pci;
                devs = m.devs;
                from = range[0];
                to = range[1];
            }
            next = from;
        }

        /** @return VIOLATION-category events so far in this thread's fabric. */
        long violationsSoFar() {
            return fabric.events().count(EventCategory.VIOLATION);
        }

        /** @return whether this thread reports its fabric's VIOLATION count (one thread per fabric). */
        boolean reportsViolations() {
            return index == 0 || machine.perThread();
        }

        /** Clear the counters and remember where the sources stood. */
        @Setup(Level.Iteration)
        public void start() {
            resetErrors = 0;
            ebusy = 0;
            keptBlocked = 0;
            violations = 0;
            errors0 = errorsSeen.get();
            ebusy0 = ebusySeen.get();
            kept0 = keptBlockedSeen.get();
            violations0 = violationsSoFar();
        }

        /**
         * Publish this iteration's deltas (JMH reads the counters after this teardown). The
         * fabric-wide VIOLATION count is reported by one thread per fabric (thread 0 of a shared
         * fabric, every thread of its own), so the sum over threads is exact.
         */
        @TearDown(Level.Iteration)
        public void finish() {
            resetErrors = errorsSeen.get() - errors0;
            ebusy = ebusySeen.get() - ebusy0;
            keptBlocked = keptBlockedSeen.get() - kept0;
            if (reportsViolations()) {
                violations = violationsSoFar() - violations0;
            }
        }

        /**
         * Start a reset of the next function once the previous one completed.
         *
         * @return the last completed reset's result, or null if the measurement stopped while the
         *         previous reset was still queued behind the other thread's
         */
        Errno resetNext(final PciCore pci, final Control control) {
            while (inFlight.getAcquire()) { // only when a function is shared (N < threads)
                if (control != null && control.stopMeasurement) {
                    return null;
                }
                Thread.onSpinWait();
            }
            final PciDev d = devs[next];
            next = next + 1 == to ? from : next + 1;
            current = d;
            inFlight.setRelease(true);
            pci.resetFunction(d, this);
            return last;
        }

        @Override
        public void complete(final Errno rc) {
            last = rc;
            inFlight.setRelease(false);
            if (rc.isError()) {
                errorsSeen.incrementAndGet();
                if (rc == Errno.EBUSY) {
                    ebusySeen.incrementAndGet();
                }
                final PciDev d = current;
                if (d != null && d.fn().group().isParked(d.fn())) {
                    keptBlockedSeen.incrementAndGet();
                }
            }
        }
    }

    /**
     * One whole reset of the thread's next function, one thread.
     *
     * @return the result of the last completed reset (to the blackhole)
     */
    @Benchmark
    @Threads(1)
    public Errno reset(final Machine m, final Worker w, final Control control) {
        return w.resetNext(w.pci, control);
    }

    /**
     * One whole reset of the thread's next function, two threads on disjoint functions.
     *
     * @return the result of the last completed reset (to the blackhole)
     */
    @Benchmark
    @Threads(2)
    public Errno resetTwoThreads(final Machine m, final Worker w, final Control control) {
        return w.resetNext(w.pci, control);
    }

}
