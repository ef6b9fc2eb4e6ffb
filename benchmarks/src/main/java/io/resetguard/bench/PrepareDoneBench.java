package io.resetguard.bench;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventLog;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.OpCtx;
import io.resetguard.state.StateImpl;

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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * PrepareDoneBench - the cost of one reset bracket, {@code pci_dev_reset_iommu_prepare()} followed
 * by {@code pci_dev_reset_iommu_done()}, of one ATS function through {@link IommuGroup}, next to the
 * cost of one bare {@link AtomicReference} compare-and-set transition.
 *
 * <h2>What is measured</h2>
 * <ul>
 * <li>{@link #prepareDone}: {@code g.prepare(fn, ctx)} then, if it returned 0, {@code g.done(fn, OK,
 *     ctx)}, each with the caller-owned {@link OpCtx} of the thread reset by
 *     {@code ctx.reset(fabric.faults())} first (the allocation-free form of the API). That is two
 *     group transitions: two state-cell applies, each building a new immutable snapshot. Parameters:
 *     {@code model} (every {@link ProtocolModel#cliName()}), {@code stateImpl}
 *     ({@link StateImpl#cliName()}: {@code lock-free} CAS cell or {@code locking} cell) and
 *     {@code functions} (how many functions the group has: the snapshot copies an array of that
 *     many device states per transition).</li>
 * <li>{@link #prepareDoneContended}: the same pair on two threads, each with its own function of the
 *     same group.</li>
 * <li>{@link #casTransition} and {@link #casTransitionContended}: the floor. One successful
 *     {@code get} + {@code compareAndSet} that flips an {@link AtomicReference} between two objects
 *     (a retry loop, as in the baselines of docs/toolchain.md §3: 6.0 ns on JDK 17
 *     single-threaded, about 31 ns per thread with two threads on one reference). A prepare+done
 *     pair is two transitions; the report's target compares the pair with one CAS.</li>
 * </ul>
 *
 * <h2>Secondary results (AuxCounters, type EVENTS: totals per iteration, not rates)</h2>
 * <ul>
 * <li>{@code prepareErrors}: prepare() calls that returned non-zero (done() is then skipped, as a
 *     kernel caller must);</li>
 * <li>{@code ebusy}: of those, -EBUSY;</li>
 * <li>{@code doneErrors}: done() calls whose context result was non-zero;</li>
 * <li>{@code retries}: extra attempts of the lock-free cell (CAS lost to another thread).</li>
 * </ul>
 * With one thread all four must be 0: anything else means the benchmark is not measuring the happy
 * path and its score is not comparable. {@code PrepareDoneBenchTest} checks this for every
 * parameter combination in {@code mvn verify}.
 *
 * <h2>Threads</h2>
 * The fabric is {@link Scope#Benchmark}: with two threads ({@link #prepareDoneContended}, or
 * {@code -t N} for any method) every thread gets its own function in the <em>same</em> group, so the
 * threads contend on one group's state cell (as resets of sibling functions do on
 * {@code group->mutex}). Under the flag models ({@code linux-7.0}, {@code seed}) the group has one
 * {@code resetting_domain}: a sibling's prepare during a reset returns -EBUSY ({@code linux-7.0},
 * counted in {@code prepareErrors} and {@code ebusy}) or 0 without parking ({@code seed}); that is
 * the protocol, not a benchmark bug, and those pairs are cheaper than real ones: read the counters
 * before the score. Scores are time per pair per thread.
 *
 * <h2>HOW TO RUN</h2>
 * <pre>
 *   mvn -B -ntp -pl benchmarks -am package -DskipTests
 *
 *   # one thread, every model and state cell, one function per group
 *   java -jar benchmarks/target/benchmarks.jar 'PrepareDoneBench.(prepareDone|casTransition)$' -p functions=1
 *
 *   # one model, both state cells, with allocation per op
 *   java -jar benchmarks/target/benchmarks.jar 'PrepareDoneBench.prepareDone$' -p model=linux-7.1 -p functions=1 -prof gc
 *
 *   # contended: two threads on one group (3 forks by default; read the per-fork values)
 *   java -jar benchmarks/target/benchmarks.jar 'PrepareDoneBench.*Contended' -p model=linux-7.1 -p functions=1
 *
 *   # smoke run only (numbers NOT meaningful): does it start, are the error counters 0?
 *   java -jar benchmarks/target/benchmarks.jar PrepareDoneBench -p functions=1 -f 1 -wi 1 -i 2 -w 1s -r 1s -foe true
 * </pre>
 * (Run this way, with the jar, not from an IDE or from the JUnit test: only a forked JVM gives
 * trustworthy numbers.) The fork adds {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}
 * because Agrona 2.x, a dependency of the core, needs it. The whole class at its defaults is
 * 6 models x 2 cells x 5 group sizes x 2 methods x 3 forks: hours; the report's profiles pick subsets.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(value = 3, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class PrepareDoneBench {

    /** The emulated machine: one IOMMU, one group of {@code functions} functions; each thread takes one. */
    @State(Scope.Benchmark)
    public static class FabricState {
        /**
         * {@link ProtocolModel#cliName()}. JMH needs constants here; {@code PrepareDoneBenchTest}
         * fails if this list and {@link ProtocolModel#values()} drift apart.
         */
        @Param({"linux-7.0", "seed", "linux-7.1", "result-to-done", "seed-on-7.1", "quar-v6"})
        public String model;

        /** {@link StateImpl#cliName()}. */
        @Param({"lock-free", "locking"})
        public String stateImpl;

        /**
         * Functions in the group: every transition copies the group's snapshot, whose device array
         * has this many entries, and looks the function up in it. Real groups are small (one
         * function, a multi-function device, the functions behind a non-ACS bridge); the large
         * values show how the copy-on-write snapshot scales. At least one function per thread.
         */
        @Param({"1", "64", "1024", "4096", "65536"})
        public int functions;

        Fabric fabric;
        IommuGroup group;
        PciFunction[] members;
        final AtomicInteger nextDevice = new AtomicInteger();

        /** Build the fabric (trial level: the topology is not part of the measurement). */
        @Setup(Level.Trial)
        public void setUp() {
            // Count-only log: nothing is logged on the happy path, and if a model does log, the
            // log must not grow a retained list during the measurement.
            fabric = Fabric.builder()
                .model(ProtocolModel.parse(model))
                .stateImpl(StateImpl.parse(stateImpl))
                .events(new EventLog(0))
                .build();
            group = fabric.addIommu("smmu0").addGroup();
            final int n = Math.max(1, functions);
            members = new PciFunction[n];
            for (int i = 0; i < n; i++) {
                members[i] = group.addFunction(BenchMachine.bdf(i), true, 0);
            }
        }

        /**
         * @return the function of the next calling thread: thread k takes the function in the middle
         *         of the group plus k (so the lookup scans half the group, the average case), and a
         *         new function once the group has fewer functions than threads
         */
        PciFunction newFunction() {
            final int k = nextDevice.getAndIncrement();
            final int n = members.length;
            if (k < n) {
                return members[(n / 2 + k) % n];
            }
            return group.addFunction(BenchMachine.bdf(n + k), true, 0);
        }
    }

    /** What one thread owns: its function and its operation context. */
    @State(Scope.Thread)
    public static class ThreadState {
        PciFunction fn;
        final OpCtx ctx = new OpCtx();

        /** Add this thread's function to the shared group. */
        @Setup(Level.Trial)
        public void setUp(final FabricState f) {
            fn = f.newFunction();
        }
    }

    /**
     * Secondary results, per thread, summed over the iteration. Must stay 0 with one thread.
     * JMH does not clear them between iterations; {@link #clear()} does.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Failures {
        /** prepare() calls that returned an error. */
        public long prepareErrors;
        /** done() calls whose result was an error. */
        public long doneErrors;
        /** Of the prepare errors, -EBUSY: a sibling's reset holds the group (linux-7.0, two threads). */
        public long ebusy;
        /** Lost CAS rounds of the lock-free cell (attempts beyond the first). */
        public long retries;

        /** Reset the counters before each iteration. */
        @Setup(Level.Iteration)
        public void clear() {
            prepareErrors = 0;
            doneErrors = 0;
            ebusy = 0;
            retries = 0;
        }
    }

    /**
     * One prepare() + done() pair of the thread's function; one thread unless {@code -t} says
     * otherwise.
     *
     * @return the first error (prepare's, or done's), or {@link Errno#OK}
     */
    @Benchmark
    public Errno prepareDone(final FabricState f, final ThreadState t, final Failures c) {
        return pair(f, t, c);
    }

    /**
     * {@link #prepareDone} on two threads, each with its own function in the same group: both
     * threads' transitions go through the group's one state cell.
     *
     * @return the first error (prepare's, or done's), or {@link Errno#OK}
     */
    @Benchmark
    @Threads(2)
    public Errno prepareDoneContended(final FabricState f, final ThreadState t, final Failures c) {
        return pair(f, t, c);
    }

    /** What one thread of {@link #prepareDoneSameFunction} owns: its context; the function is shared. */
    @State(Scope.Thread)
    public static class SameFunctionState {
        PciFunction fn;
        final OpCtx ctx = new OpCtx();

        /** Take the group's middle function, the same one for every thread. */
        @Setup(Level.Trial)
        public void setUp(final FabricState f) {
            fn = f.members[f.members.length / 2];
        }
    }

    /**
     * Two threads running prepare()+done() pairs on the SAME function (no target; the issue asks
     * for it to be reported). Nested and interleaved brackets are legal for the counter models
     * (reset_depth counts them); under linux-7.0 the other thread's prepare returns -EBUSY
     * (counted). All threads write one word: this is the contended CAS on the function's line.
     *
     * @return the first error (prepare's, or done's), or {@link Errno#OK}
     */
    @Benchmark
    @Threads(2)
    public Errno prepareDoneSameFunction(final FabricState f, final SameFunctionState t, final Failures c) {
        return pair(f, t.fn, t.ctx, c);
    }

    private static Errno pair(final FabricState f, final ThreadState t, final Failures c) {
        return pair(f, t.fn, t.ctx, c);
    }

    private static Errno pair(final FabricState f, final PciFunction fn, final OpCtx ctx, final Failures c) {
        final IommuGroup g = f.group;
        final Errno p = g.prepare(fn, ctx.reset(f.fabric.faults()));
        c.retries += ctx.attempts() - 1;
        if (p.isError()) {
            c.prepareErrors++;
            if (p == Errno.EBUSY) {
                c.ebusy++;
            }
            return p; // a failed prepare means: do not reset, do not call done()
        }
        g.done(fn, Errno.OK, ctx.reset(f.fabric.faults()));
        c.retries += ctx.attempts() - 1;
        final Errno d = ctx.result();
        if (d.isError()) {
            c.doneErrors++;
        }
        return d;
    }

    /** The baseline's shared reference and the two values it flips between. */
    @State(Scope.Benchmark)
    public static class CasState {
        /** Value A. */
        final Object a = new Object();
        /** Value B. */
        final Object b = new Object();
        /** The reference, starting at A. */
        final AtomicReference<Object> ref = new AtomicReference<>(a);
    }

    /**
     * Baseline: one successful state transition on an {@link AtomicReference} (get + CAS, retried
     * until it wins; with one thread it wins first time).
     *
     * @return the value installed
     */
    @Benchmark
    public Object casTransition(final CasState s) {
        return flip(s);
    }

    /**
     * {@link #casTransition} on two threads on the same reference: the contended CAS (about 31 ns
     * per transition per thread on this kind of VM, docs/toolchain.md §3).
     *
     * @return the value installed
     */
    @Benchmark
    @Threads(2)
    public Object casTransitionContended(final CasState s) {
        return flip(s);
    }

    private static Object flip(final CasState s) {
        final AtomicReference<Object> ref = s.ref;
        for (;;) {
            final Object cur = ref.get();
            final Object next = cur == s.a ? s.b : s.a;
            if (ref.compareAndSet(cur, next)) {
                return next;
            }
        }
    }
}
