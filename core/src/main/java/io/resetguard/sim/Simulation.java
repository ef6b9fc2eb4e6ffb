package io.resetguard.sim;

import io.resetguard.ats.AtsConfig;
import io.resetguard.ats.AtsFunction;
import io.resetguard.ats.AtsSystem;
import io.resetguard.ats.InvResponse;
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
import io.resetguard.time.VirtualScheduler;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleConsumer;

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
 * replaying its last buffers every second, and a completed reset cures it.
 */
public final class Simulation {
    /** How often a hung function's DMA engine replays its last buffers. */
    static final long STALE_WRITE_PERIOD_NS = 1_000_000_000L;

    private final SimConfig config;
    private final int replication;

    /**
     * @param config      the simulation
     * @param replication the replication index (selects fresh streams)
     */
    public Simulation(final SimConfig config, final int replication) {
        this.config = Objects.requireNonNull(config, "config");
        this.replication = replication;
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
     * Run one model over the whole fleet.
     *
     * @param progress receives the fraction of virtual time simulated, over all shards (may be null)
     * @return its result
     */
    public ModelResult run(final ProtocolModel model, final DoubleConsumer progress) throws InterruptedException {
        final long start = System.nanoTime();
        final int shards = config.iommus();
        final AtomicLong simulated = new AtomicLong();
        final long total = config.durationNs() * shards;
        final ExecutorService pool = Executors.newFixedThreadPool(Math.min(config.threads(), shards), r -> {
            final Thread t = new Thread(r, "resetguard-shard");
            t.setDaemon(true);
            return t;
        });
        try {
            final List<Future<Shard>> futures = new ArrayList<>();
            for (int s = 0; s < shards; s++) {
                final int shard = s;
                futures.add(pool.submit(() -> {
                    final Shard sh = new Shard(model, shard);
                    sh.run(slice -> {
                        final long v = simulated.addAndGet(slice);
                        if (progress != null) {
                            progress.accept(Math.min(1.0, (double) v / total));
                        }
                    });
                    return sh;
                }));
            }
            final List<Shard> done = new ArrayList<>();
            for (final Future<Shard> f : futures) {
                try {
                    done.add(f.get());
                } catch (final java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("shard failed: " + e.getCause(), e.getCause());
                }
            }
            return collect(model, done, System.nanoTime() - start);
        } finally {
            pool.shutdownNow();
        }
    }

    private ModelResult collect(final ProtocolModel model, final List<Shard> shards, final long wallNs) {
        long resets = 0;
        long failed = 0;
        long blocked = 0;
        long corrupt = 0;
        long stale = 0;
        long live = 0;
        long uaf = 0;
        long inv = 0;
        long timeouts = 0;
        long events = 0;
        final Histogram latency = new Histogram(3);
        for (final Shard s : shards) {
            resets += s.recovery.succeeded() + s.recovery.failed();
            failed += s.recovery.failed();
            blocked += s.blockedAtEnd;
            final EventLog log = s.fabric.events();
            corrupt += log.count(EventType.VIOLATION_MEMORY_CORRUPTION);
            stale += log.count(EventType.VIOLATION_STALE_READ);
            live += log.count(EventType.VIOLATION_LIVENESS);
            uaf += log.count(EventType.VIOLATION_USE_AFTER_FREE);
            for (final IommuEngine e : s.ats.engines()) {
                inv += e.issued();
                timeouts += e.timeouts();
                latency.add(e.latency());
            }
            events += s.sched.executed();
        }
        return new ModelResult(model, resets, failed, blocked, corrupt, stale, live, uaf, inv, timeouts,
            latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(50),
            latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(99), events, wallNs);
    }

    /** One IOMMU instance and its functions, simulated on one thread. */
    private final class Shard {
        final VirtualScheduler sched = new VirtualScheduler();
        final Fabric fabric;
        final PciCore pci;
        final AtsSystem ats;
        final Recovery recovery;
        final List<Fn> fns = new ArrayList<>();
        long blockedAtEnd;

        Shard(final ProtocolModel model, final int shard) {
            fabric = Fabric.builder().model(model).events(new EventLog(1_000)).build();
            final Iommu iommu = fabric.addIommu("iommu" + shard);
            pci = new PciCore(fabric, sched);
            final int first = (int) ((long) config.functions() * shard / config.iommus());
            final int last = (int) ((long) config.functions() * (shard + 1) / config.iommus());
            ats = new AtsSystem(fabric, pci, new PhysMem(Math.max(16, 2 * (last - first))),
                AtsConfig.defaults().withFlavour(config.flavour()));
            for (int id = first; id < last; id++) {
                final IommuGroup g = iommu.addGroup();
                ats.watch(g);
                final PciDev d = pci.attach(g.addFunction(Bdf.ofPacked(id), true, 0), PciCaps.typical(), null);
                fns.add(new Fn(id, ats.attach(d), g.snapshot().domain()));
            }
            recovery = new Recovery(ats, pci, config.recovery(), 1_000_000_000L);
            pci.faults((fn, m, attempt) -> {
                final Fn f = fns.get(fn.id()); // ids are dense per fabric: one fabric per shard
                return f.hung && f.resets.nextDouble() < config.resetFailRate()
                    ? ResetOutcome.READINESS_TIMEOUT : ResetOutcome.SUCCESS;
            });
        }

        void run(final java.util.function.LongConsumer simulatedNs) {
            for (final Fn f : fns) {
                f.start();
            }
            final long slice = Math.max(1, config.durationNs() / 100);
            long t = 0;
            while (t < config.durationNs()) {
                final long next = Math.min(config.durationNs(), t + slice);
                sched.runUntil(next);
                simulatedNs.accept(next - t);
                t = next;
            }
            new Oracle(fabric, pci).checkQuiescent();
            for (final Fn f : fns) {
                if (f.ats.fn().group().isParked(f.ats.fn())) {
                    blockedAtEnd++;
                }
            }
        }

        /** One function's workload. */
        private final class Fn {
            final AtsFunction ats;
            final Domain domain;
            final SplittableRandom workload;
            final SplittableRandom resets;
            volatile boolean hung;
            long nextIova;

            Fn(final int id, final AtsFunction ats, final Domain domain) {
                this.ats = ats;
                this.domain = domain;
                this.workload = Streams.stream(config.seed(), replication, id, Streams.Purpose.WORKLOAD);
                this.resets = Streams.stream(config.seed(), replication, id, Streams.Purpose.RESETS);
                final SplittableRandom faults = Streams.stream(config.seed(), replication, id, Streams.Purpose.FAULTS);
                if (faults.nextDouble() < config.faultRate()) {
                    final long at = (long) (faults.nextDouble() * config.durationNs());
                    sched.schedule(at, this::hang);
                }
            }

            void start() {
                sched.schedule(Streams.exponentialNs(workload, config.cyclePeriodNs()), this::cycle);
            }

            void hang() {
                hung = true;
                ats.response(InvResponse.HANG);
                ats.honorsBusMaster(false);
                sched.schedule(STALE_WRITE_PERIOD_NS, this::staleWrites);
            }

            /**
             * A hung function's DMA engine keeps running: every second it writes its last two
             * buffers again, through whatever its ATC still holds, until a completed reset cures it.
             */
            void staleWrites() {
                if (ats.response() != InvResponse.HANG) {
                    hung = false;
                    return;
                }
                for (long old = Math.max(0, nextIova - 2); old < nextIova; old++) {
                    Shard.this.ats.dma(ats, 0, old, true);
                }
                sched.schedule(STALE_WRITE_PERIOD_NS, this::staleWrites);
            }

            /** Map a buffer, write it a few times over a second, unmap it; then wait for the next cycle. */
            void cycle() {
                final long iova = nextIova++;
                if (Shard.this.ats.map(domain, iova, ats.fn().id(), true) >= 0) {
                    for (int w = 1; w <= config.writesPerCycle(); w++) {
                        sched.schedule(w * 300_000_000L, () -> Shard.this.ats.dma(ats, 0, iova, true));
                    }
                    sched.schedule((config.writesPerCycle() + 1) * 300_000_000L,
                        () -> Shard.this.ats.unmap(domain, iova, rc -> { }));
                }
                sched.schedule(Streams.exponentialNs(workload, config.cyclePeriodNs()), this::cycle);
            }
        }
    }
}
