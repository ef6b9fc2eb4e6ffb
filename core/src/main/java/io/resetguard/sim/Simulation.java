package io.resetguard.sim;

import io.resetguard.ats.AtsConfig;
import io.resetguard.ats.AtsFunction;
import io.resetguard.ats.AtsSystem;
import io.resetguard.ats.InvResponse;
import io.resetguard.ats.IoPageTable;
import io.resetguard.errno.Errno;
import io.resetguard.event.EventLog;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Bdf;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.Iommu;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.inv.IommuEngine;
import io.resetguard.mem.PhysMem;
import io.resetguard.model.ProtocolModel;
import io.resetguard.oracle.Oracle;
import io.resetguard.pci.PciCaps;
import io.resetguard.pci.PciCore;
import io.resetguard.pci.PciDev;
import io.resetguard.pci.ResetOutcome;
import io.resetguard.recovery.Recovery;
import io.resetguard.state.GroupState;
import io.resetguard.time.VirtualScheduler;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.DoubleConsumer;
import java.util.function.LongConsumer;

/**
 * Simulation - a deterministic discrete-event simulation of a fleet over the same core code as
 * everything else: the protocol rules, the PCI reset methods, the ATCs, the invalidation engines,
 * recovery and the oracle. Nothing is re-implemented here; this class only builds fleets, drives
 * workloads and faults, and collects the results.
 *
 * <p>Each IOMMU instance is one shard with its own {@link VirtualScheduler}, fabric, PCI core and
 * ATS system; shards share nothing, so they run in parallel on {@link SimConfig#threads()} threads and
 * the result does not depend on how they are scheduled. Randomness comes from {@link Streams}: one
 * stream per (seed, replication, function, purpose), identical for every protocol model.
 *
 * <p>Per function: a map/write/unmap cycle every {@link SimConfig#cyclePeriodNs()} on average
 * (exponential); with probability {@link SimConfig#faultRate()} the device hangs at a uniform time
 * in the run (it stops answering invalidations and ignores bus mastering); while hung, each run of a
 * reset method fails with probability {@link SimConfig#resetFailRate()}, its DMA engine keeps
 * replaying its last buffers every second, and a completed reset cures it. Independently, with
 * probability {@link SimConfig#lateRate()} the device answers every invalidation after the timeout
 * (docs/protocol.md §3.3: a late completion), and with probability
 * {@link SimConfig#ignoreInResetRate()} it drops invalidations that reach it while it is being reset
 * (§7 scenario 15). A hang replaces either, and the reset that cures it leaves the device normal.
 * With probability {@link SimConfig#completionCountRate()} a device answers each invalidation with
 * {@link SimConfig#completionCount()} completion messages (docs/protocol.md §2.5a). Recovery resets
 * come from {@link Recovery} under {@link SimConfig#recovery()}; under {@code quarantine} no reset is
 * started by the IOMMU side and an operator resets each quarantined function
 * {@link SimConfig#operatorResetDelayNs()} later.
 *
 * <p><b>Core objects are lent, not owned.</b> A fleet function that is between cycles, healthy and
 * never disturbed is in exactly the state a freshly probed function is in, so it needs no core
 * objects at all: a shard keeps per function only two words in a primitive array (its workload
 * stream's state; its cycle count, slot and two flags) plus its one 8-byte pending fleet event. When a function's cycle
 * starts or its device hangs, the shard lends it a <em>slot</em>: a complete core stack (IOMMU group,
 * {@code pci_dev}, ATS side, paging domain) that no other function holds. When the function is
 * pristine again ({@code pristine()}: its group snapshot equals the initial one, nothing is in flight
 * in the engine, recovery or PCI core, its ATC and page table are empty, the device is healthy), the
 * slot goes back to the shard's free list. A function that was reset or is blocked keeps its slot
 * until it is pristine, which for a blocked one means for the rest of the run; one whose device was
 * given a fault (hung, late, in-reset-ignoring) keeps it for the rest of the run. Only the few
 * functions with a cycle in progress, and the disturbed ones, hold slots, which is what lets a
 * million functions fit in 256 MB. Whether lending changes any result is tested: the same fleet run
 * with one dedicated slot per function ({@code pooled = false}) gives identical numbers.
 *
 * <p>Because lent slots keep their core identity, the oracle's messages name the slot's
 * {@link Bdf}; pages carry the fleet function's index as their owner.
 */
public final class Simulation {
    /** The time between a cycle's map, its writes and its unmap. */
    static final long WRITE_GAP_NS = 300_000_000L;

    /** How often a hung function's DMA engine replays its last buffers. */
    static final long STALE_WRITE_PERIOD_NS = 1_000_000_000L;

    private static final long HUNG_BIT = Long.MIN_VALUE;
    private static final long DISTURBED_BIT = 1L << 62;
    /** The device answers with {@link SimConfig#completionCount()} completion messages (set on every bind). */
    private static final long MULTI_COMPLETION_BIT = 1L << 61;
    private static final long SLOT_MASK = (1L << 24) - 1;
    private static final int CYCLE = 0;
    private static final int HANG = 1;

    private final SimConfig config;
    private final int replication;
    private final boolean pooled;

    /**
     * @param config      the simulation (its constructor checked the simulator's limits)
     * @param replication the replication index (selects fresh streams)
     */
    public Simulation(final SimConfig config, final int replication) {
        this(config, replication, true);
    }

    /**
     * @param pooled whether functions borrow core stacks from a per-shard pool (the default) or
     *               each gets a dedicated one for the whole run (for comparison; far more memory)
     */
    Simulation(final SimConfig config, final int replication, final boolean pooled) {
        this.config = Objects.requireNonNull(config, "config");
        this.replication = replication;
        this.pooled = pooled;
    }

    /**
     * Run every model of the config, one after another.
     *
     * @param progress receives the fraction done in [0, 1] over all models (may be null)
     * @return one result per model, in the config's order
     */
    public List<ModelResult> runAll(final DoubleConsumer progress) throws InterruptedException {
        final List<ModelResult> out = new ArrayList<>();
        final int n = config.models().size();
        for (int i = 0; i < n; i++) {
            final int done = i;
            out.add(run(config.models().get(i), progress == null ? null : f -> progress.accept((done + f) / n)));
        }
        return out;
    }

    /**
     * Run one model over the whole fleet: every shard as a {@link ShardTask} on
     * {@link SimConfig#threads()} threads, each shard's result folded into the model's total as soon
     * as it finishes.
     *
     * <p>NOTE: the fold keeps the heap flat: a shard's fleet and core objects are garbage when its
     * task returns, and its {@link ShardResult} (about 170 KB, mostly its latency histogram) is
     * merged and dropped as it completes, so the heap holds the shards in flight and one running
     * total, whatever the shard count. Merging is exact in any order, so the completion order (which
     * depends on the threads) changes no number.
     *
     * @param progress receives the fraction of virtual time simulated, over all shards (may be null)
     * @return its result
     */
    public ModelResult run(final ProtocolModel model, final DoubleConsumer progress) throws InterruptedException {
        final long start = System.nanoTime();
        final int shards = config.iommus();
        final AtomicLong simulated = new AtomicLong();
        // progress in millionths of a shard: a year of ns times thousands of shards would overflow a long
        final double total = 1e6 * shards;
        final double perNs = 1e6 / config.durationNs();
        final ExecutorService pool = Executors.newFixedThreadPool(Math.min(config.threads(), shards), r -> {
            final Thread t = new Thread(r, "resetguard-shard");
            t.setDaemon(true);
            return t;
        });
        try {
            final CompletionService<ShardResult> done = new ExecutorCompletionService<>(pool);
            for (int s = 0; s < shards; s++) {
                final int shard = s;
                done.submit(() -> runShard(model, shard, slice -> {
                    final long v = simulated.addAndGet(Math.round(slice * perNs));
                    if (progress != null) {
                        progress.accept(Math.min(1.0, v / total));
                    }
                }));
            }
            ShardResult sum = ShardResult.empty();
            for (int s = 0; s < shards; s++) {
                try {
                    sum = sum.merge(done.take().get());
                } catch (final ExecutionException e) {
                    throw new IllegalStateException("shard failed: " + e.getCause(), e.getCause());
                }
            }
            return ModelResult.of(model, sum, System.nanoTime() - start);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Simulate one shard (IOMMU instance) of the fleet under {@code model} on the calling thread:
     * the public unit of work ({@link ShardTask#run} calls it). Builds the shard's fabric, core
     * stacks and fleet, runs it for {@link SimConfig#durationNs()} of virtual time, checks that the
     * core is quiescent, and returns only counts: nothing of the shard stays reachable.
     *
     * <p>Cost: linear in the shard's events (about 30 cycles of 5 events per function and virtual
     * hour with the default workload, plus a few per fault), with an O(log n) fleet queue.
     *
     * @param model       the protocol model
     * @param shard       the shard index, in [0, config.iommus())
     * @param simulatedNs receives slices of simulated virtual time (may be null)
     * @return the shard's result
     */
    public ShardResult runShard(final ProtocolModel model, final int shard, final LongConsumer simulatedNs) {
        Objects.requireNonNull(model, "model");
        if (shard < 0 || shard >= config.iommus()) {
            throw new IllegalArgumentException("shard must be in [0, " + config.iommus() + "), was " + shard);
        }
        return new Shard(model, shard).run(simulatedNs == null ? ns -> { } : simulatedNs);
    }

    /**
     * One core stack lent to one fleet function at a time: an IOMMU group with one ATS-capable
     * function, its {@code pci_dev}, its ATS side and its default (paging) domain.
     */
    private static final class Slot {
        final IommuGroup group;
        final AtsFunction ats;
        final Domain domain;
        /** The domain's page table (AtsSystem keeps one per domain for good: no map look-up per check). */
        final IoPageTable table;
        /** The group's snapshot as probed; the slot is free only while the group is back in it. */
        final GroupState pristine;
        /** Local index of the fleet function holding the slot, or -1. */
        int holder = -1;
        /** SplitMix64 state of the holder's RESETS stream (one element, for {@link Streams#nextDouble}). */
        final long[] resets = new long[1];

        Slot(final IommuGroup group, final AtsFunction ats, final IoPageTable table) {
            this.group = group;
            this.ats = ats;
            this.domain = group.snapshot().domain();
            this.table = table;
            this.pristine = group.snapshot();
        }
    }

    /**
     * One IOMMU instance and its functions, simulated on one thread: fleet events (cycles, hangs) in a
     * {@link FleetQueue}, everything the core schedules in a {@link VirtualScheduler}, merged by due
     * time (at equal times the core's events run first).
     */
    private final class Shard {
        final VirtualScheduler sched = new VirtualScheduler();
        final FleetQueue fleet;
        long fleetEvents;
        final Fabric fabric;
        final Iommu iommu;
        final PciCore pci;
        final AtsSystem ats;
        final IommuEngine engine;
        final Recovery recovery;
        /** Fleet id of local function 0. */
        final int first;
        final int n;
        /**
         * Per fleet function, by local index i, the only state a function without a slot has: two
         * words, adjacent so that a fleet event costs one cache miss, not one per field.
         * <pre>
         *   fns[2i]      SplitMix64 state of the function's WORKLOAD stream
         *   fns[2i + 1]   63  62  61        56 55                32 31                  0
         *                +---+---+---+------+--------------------+---------------------+
         *                | H | D | C |(free)|  slot + 1 (0: none)|  cycles started      |
         *                +---+---+---+------+--------------------+---------------------+
         *                H = the device is hung now
         *                D = the device was given a fault (hang, late or in-reset-ignoring answers):
         *                    its slot stays bound for the rest of the run, so an answer it scheduled
         *                    before a cure can never reach a slot lent to another function
         *                C = the device answers with SimConfig.completionCount() completion messages
         * </pre>
         */
        final long[] fns;
        // the slots; a slot's index is its core function's fabric id
        final List<Slot> slots = new ArrayList<>();
        int[] free = new int[16];
        int freeTop;

        Shard(final ProtocolModel model, final int shard) {
            fabric = Fabric.builder().model(model).events(new EventLog(1_000)).build();
            iommu = fabric.addIommu("iommu" + shard);
            pci = new PciCore(fabric, sched);
            first = (int) ((long) config.functions() * shard / config.iommus());
            n = (int) ((long) config.functions() * (shard + 1) / config.iommus()) - first;
            // at most one page per function is mapped at a time unless its cycles overlap; the oracle
            // needs pages to be reused quickly, which the LIFO free list does whatever the size
            ats = new AtsSystem(fabric, pci, new PhysMem(Math.max(1024, n)),
                AtsConfig.defaults().withFlavour(config.flavour()));
            engine = ats.engine(iommu);
            fns = new long[2 * n];
            fleet = new FleetQueue(n + n / 16 + 16);
            recovery = new Recovery(ats, pci, config.recovery(), config.externalResetDelayNs());
            pci.faults((fn, m, attempt) -> {
                final Slot s = slots.get(fn.id()); // one fabric per shard: ids are dense and in slot order
                return s.holder >= 0 && hung(s.holder)
                    && Streams.nextDouble(s.resets, 0) < config.resetFailRate()
                    ? ResetOutcome.READINESS_TIMEOUT : ResetOutcome.SUCCESS;
            });
            final long[] faults = new long[1];
            for (int i = 0; i < n; i++) {
                fns[2 * i] = Streams.state(config.seed(), replication, first + i, Streams.Purpose.WORKLOAD);
                faults[0] = Streams.state(config.seed(), replication, first + i, Streams.Purpose.FAULTS);
                if (!pooled) {
                    bind(i);
                }
                if (Streams.nextDouble(faults, 0) < config.faultRate()) {
                    fleet.push(FleetQueue.ceilUs((long) (Streams.nextDouble(faults, 0) * config.durationNs())), i, HANG);
                }
                // a device's character for the whole run; such a function keeps its slot (never pristine)
                final boolean late = Streams.nextDouble(faults, 0) < config.lateRate();
                final boolean ignoresInReset = Streams.nextDouble(faults, 0) < config.ignoreInResetRate();
                // NOTE: drawn after every earlier draw of the stream, so that runs without Completion
                // Counts draw exactly what they drew before this setting existed
                if (Streams.nextDouble(faults, 0) < config.completionCountRate()) {
                    fns[2 * i + 1] |= MULTI_COMPLETION_BIT;
                    if (slotOf(i) >= 0) { // bound above (no pooling)
                        slots.get(slotOf(i)).ats.completionCount(config.completionCount());
                    }
                }
                if (late || ignoresInReset) {
                    fns[2 * i + 1] |= DISTURBED_BIT;
                }
                if (late) {
                    final Slot s = bind(i);
                    s.ats.lateByNs(SimConfig.LATE_BY_NS);
                    s.ats.response(InvResponse.LATE);
                } else if (ignoresInReset) {
                    bind(i).ats.response(InvResponse.IGNORE_IN_RESET);
                }
            }
        }

        ShardResult run(final LongConsumer simulatedNs) {
            for (int i = 0; i < n; i++) {
                scheduleCycle(i);
            }
            final long slice = Math.max(1, config.durationNs() / 100);
            long t = 0;
            while (t < config.durationNs()) {
                final long next = Math.min(config.durationNs(), t + slice);
                long due;
                // an empty queue peeks Long.MAX_VALUE, past any allowed duration
                while ((due = fleet.peekDueNs()) <= next) {
                    sched.runUntil(due); // the core's events up to then, then the clock moves there
                    final long key = fleet.pop();
                    fleetEvents++;
                    if (FleetQueue.kind(key) == CYCLE) {
                        cycle(FleetQueue.index(key));
                    } else {
                        hang(FleetQueue.index(key));
                    }
                }
                sched.runUntil(next);
                simulatedNs.accept(next - t);
                t = next;
            }
            new Oracle(fabric, pci).checkQuiescent();
            long blocked = 0;
            for (final Slot s : slots) {
                if (s.group.isParked(s.ats.fn())) {
                    blocked++;
                }
            }
            final EventLog log = fabric.events();
            long invalidations = 0;
            long timeouts = 0;
            long waitTimeouts = 0;
            long idleItag = 0;
            final Histogram latency = new Histogram(ShardResult.LATENCY_DIGITS);
            for (final IommuEngine e : ats.engines()) {
                invalidations += e.issued();
                timeouts += e.timeouts();
                latency.add(e.latency());
                waitTimeouts += e.completionWaitTimeouts();
                idleItag += e.completionsForIdleItag();
            }
            return new ShardResult(1, recovery.succeeded() + recovery.failed(), recovery.failed(), blocked,
                log.count(EventType.VIOLATION_MEMORY_CORRUPTION), log.count(EventType.VIOLATION_STALE_READ),
                log.count(EventType.VIOLATION_LIVENESS), log.count(EventType.VIOLATION_USE_AFTER_FREE),
                invalidations, timeouts, sched.executed() + fleetEvents, recovery.quarantined(),
                recovery.healthyQuarantined(), waitTimeouts, idleItag, latency);
        }

        int cycles(final int i) {
            return (int) fns[2 * i + 1];
        }

        int slotOf(final int i) {
            return (int) (fns[2 * i + 1] >>> 32 & SLOT_MASK) - 1;
        }

        void setSlotOf(final int i, final int k) {
            fns[2 * i + 1] = fns[2 * i + 1] & ~(SLOT_MASK << 32) | (long) (k + 1) << 32;
        }

        boolean hung(final int i) {
            return fns[2 * i + 1] < 0;
        }

        // ---------------------------------------------------------------------------------------------
        // lending core stacks

        /** @return the slot of local function {@code i}, lending it a free one (or a new one) if it has none. */
        Slot bind(final int i) {
            final int held = slotOf(i);
            if (held >= 0) {
                return slots.get(held);
            }
            final int k;
            if (freeTop > 0) {
                k = free[--freeTop];
            } else {
                k = slots.size();
                final IommuGroup g = iommu.addGroup();
                ats.watch(g);
                final PciDev d = pci.attach(g.addFunction(Bdf.ofPacked(k), true, 0), PciCaps.typical(), null);
                slots.add(new Slot(g, ats.attach(d), ats.table(g.snapshot().domain())));
            }
            final Slot s = slots.get(k);
            s.holder = i;
            setSlotOf(i, k);
            // a device property, not state: a lent slot takes the holder's count every time
            s.ats.completionCount((fns[2 * i + 1] & MULTI_COMPLETION_BIT) != 0 ? config.completionCount() : 1);
            return s;
        }

        /** Give local function {@code i}'s slot back if nothing distinguishes it from a fresh one. */
        void releaseIfPristine(final int i) {
            final int k = slotOf(i);
            if (!pooled || k < 0 || !pristine(i, slots.get(k))) {
                return;
            }
            slots.get(k).holder = -1;
            setSlotOf(i, -1);
            if (freeTop == free.length) {
                free = Arrays.copyOf(free, freeTop * 2);
            }
            free[freeTop++] = k;
        }

        /**
         * Whether slot {@code s}, held by local function {@code i}, is in the state {@link #bind} lends
         * slots in: its device was never given a fault (one that was, hung or answering late, may
         * still have answers scheduled, so it keeps its slot); its group snapshot equals the probed
         * one (not blocked, no reset, depth 0, no blocking domain allocated, same domain); its ATS
         * side is quiescent;
         * its page table is empty; the engine holds no ITag or stalled invalidation for it; recovery is
         * not working on it; and its {@code pci_dev} is in D0 with bus mastering on, no reset in flight
         * and its device lock free.
         */
        boolean pristine(final int i, final Slot s) {
            final PciDev d = s.ats.dev();
            return (fns[2 * i + 1] & (HUNG_BIT | DISTURBED_BIT)) == 0
                && s.group.snapshot().equals(s.pristine)
                && ats.quiescent(s.ats)
                && s.table.size() == 0
                && engine.itagsBusy(s.ats.fn()) == 0
                && !recovery.inFlight(s.ats.fn())
                && d.power() == PciDev.Power.D0 && d.busMaster() && !d.fullResetInFlight() && d.lock().owner() == null;
        }

        // ---------------------------------------------------------------------------------------------
        // the workload and the faults

        void scheduleCycle(final int i) {
            final long delay = Streams.exponentialNs(Streams.nextDouble(fns, 2 * i), config.cyclePeriodNs());
            // a cycle after the end would never run; comparing the delay first keeps now + delay from overflowing
            if (delay <= config.durationNs() - sched.nanoTime()) {
                final long dueUs = FleetQueue.ceilUs(sched.nanoTime() + delay);
                if (dueUs * 1_000 <= config.durationNs()) {
                    fleet.push(dueUs, i, CYCLE);
                }
            }
        }

        /** Map a buffer, write it a few times over a second, unmap it; then wait for the next cycle. */
        void cycle(final int i) {
            final Slot s = bind(i);
            final long iova = cycles(i);
            fns[2 * i + 1]++; // SimConfig keeps duration / cycle period <= 2^28, far below 2^31
            if (ats.map(s.domain, iova, first + i, true) >= 0) {
                sched.schedule(WRITE_GAP_NS, new Cycle(i, s, iova));
            } else {
                releaseIfPristine(i);
            }
            scheduleCycle(i);
        }

        /**
         * The rest of one cycle: {@link SimConfig#writesPerCycle()} writes {@link #WRITE_GAP_NS} apart,
         * then the unmap, then the slot goes back if the function is pristine. One object per cycle
         * that reschedules itself, rather than one closure per step.
         */
        private final class Cycle implements Runnable, Consumer<Errno> {
            final int i;
            final Slot s;
            final long iova;
            int writes;

            Cycle(final int i, final Slot s, final long iova) {
                this.i = i;
                this.s = s;
                this.iova = iova;
            }

            @Override
            public void run() {
                if (writes < config.writesPerCycle()) {
                    writes++;
                    ats.dma(s.ats, 0, iova, true);
                    sched.schedule(WRITE_GAP_NS, this);
                } else {
                    ats.unmap(s.domain, iova, this);
                }
            }

            /** The unmap finished (its invalidation synced, or gave up) and the page is free. */
            @Override
            public void accept(final Errno rc) {
                releaseIfPristine(i);
            }
        }

        void hang(final int i) {
            final Slot s = bind(i);
            fns[2 * i + 1] |= HUNG_BIT | DISTURBED_BIT;
            s.resets[0] = Streams.state(config.seed(), replication, first + i, Streams.Purpose.RESETS);
            s.ats.response(InvResponse.HANG);
            s.ats.honorsBusMaster(false);
            sched.schedule(STALE_WRITE_PERIOD_NS, () -> staleWrites(i));
        }

        /**
         * A hung function's DMA engine keeps running: every second it writes its last two buffers
         * again, through whatever its ATC still holds, until a completed reset cures it.
         */
        void staleWrites(final int i) {
            final Slot s = slots.get(slotOf(i)); // a hung function keeps its slot
            if (s.ats.response() != InvResponse.HANG) {
                fns[2 * i + 1] &= ~HUNG_BIT;
                releaseIfPristine(i);
                return;
            }
            final int c = cycles(i);
            for (long old = Math.max(0, c - 2); old < c; old++) {
                ats.dma(s.ats, 0, old, true);
            }
            sched.schedule(STALE_WRITE_PERIOD_NS, () -> staleWrites(i));
        }
    }
}
