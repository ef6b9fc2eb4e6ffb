package io.resetguard.bench;

import io.resetguard.ats.AtsConfig;
import io.resetguard.ats.AtsFunction;
import io.resetguard.ats.AtsSystem;
import io.resetguard.errno.Errno;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.PciFunction;
import io.resetguard.inv.InvCommand;
import io.resetguard.inv.InvCompletion;
import io.resetguard.inv.IommuEngine;
import io.resetguard.inv.QueueKind;
import io.resetguard.mem.PhysMem;
import io.resetguard.pci.PciCaps;
import io.resetguard.pci.PciCore;
import io.resetguard.time.Scheduler;

import org.openjdk.jmh.infra.Control;

/**
 * InvMachine - the machine of the invalidation benchmarks: N ATS functions on one IOMMU, the
 * {@link AtsSystem} as their device side, and that IOMMU's {@link IommuEngine} with the chosen command
 * queue. Setup code, plus the one operation both invalidation benchmarks measure ({@link #roundTrip}).
 *
 * <h2>Which device endpoint, and why</h2>
 * The engine's endpoint is the real {@link AtsSystem} with real functions ({@link AtsFunction}s of
 * {@link PciCore} devices), not a stub that completes at once. Every invalidation therefore pays what
 * it pays in the emulator: the driver's mute check ({@code accepts}: ATS enabled, not fenced, not
 * parked, which loads the group snapshot), the device's check that it is not parked (the
 * invalidation-to-blocked detector), the two fault-injection draws, the walk of the function's ATC and
 * the completion message back to the engine. A stub would measure the queue and the ITag bookkeeping
 * only, and the target compares the <em>emulated invalidation</em> with a bare queue. The device's
 * answer latency is set to 0 (the default is 2 us of emulated time), so it answers inline; with any
 * other value the same code runs, but the scheduler then also advances its clock.
 *
 * <p>Topology: the functions sit in groups of 8 (multi-function devices) on one IOMMU, so one engine
 * and one command queue serve them all and its ITag tables hold N entries. Each function's ATC is
 * empty: the cost measured is the protocol's, not an ATC scan.
 */
final class InvMachine {
    /** The command queue's capacity (the core's default). */
    static final int QUEUE_CAPACITY = 1024;
    /** Functions per group. */
    static final int GROUP_SIZE = 8;

    final Fabric fabric;
    final PciCore pci;
    final AtsSystem ats;
    final IommuEngine engine;
    final PciFunction[] fns;
    /** One prebuilt command per function: invalidate IOVA page 0 of the RID (a strict unmap's ATC_INV). */
    final InvCommand[] commands;

    /**
     * @param queue     a {@link QueueKind#cliName()}
     * @param functions how many functions
     * @param scheduler the clock and timer of the PCI core, the ATS layer and the engine
     */
    InvMachine(final String queue, final int functions, final Scheduler scheduler) {
        fabric = BenchMachine.fabric("linux-7.1", "lock-free");
        fns = BenchMachine.functionsOnOneIommu(fabric, "smmu0", functions, GROUP_SIZE);
        pci = new PciCore(fabric, scheduler);
        ats = new AtsSystem(fabric, pci, new PhysMem(64),
            AtsConfig.defaults().withQueue(QueueKind.parse(queue), QUEUE_CAPACITY));
        commands = new InvCommand[functions];
        final PciCaps caps = PciCaps.typical();
        for (int i = 0; i < functions; i++) {
            final AtsFunction f = ats.attach(pci.attach(fns[i], caps, null));
            if (!f.atsEnabled()) {
                throw new IllegalStateException(fns[i] + ": ATS should be enabled on its default domain");
            }
            f.answerLatencyNs(0);
            commands[i] = InvCommand.atcRange(fns[i], InvCommand.NO_PASID, 0, 1);
        }
        engine = ats.engine(fabric.iommus().get(0));
    }

    /**
     * Wait, spinning (no sleep, no pause instruction, as in {@link QueuePingPongBench}), until a sync
     * completes.
     *
     * @param c       the sync's completion
     * @param control JMH's control: the wait gives up when the measurement stops (may be null)
     * @return the sync's result, or null if the wait gave up
     */
    static Errno await(final InvCompletion c, final Control control) {
        Errno r = c.poll();
        while (r == null) {
            if (control != null && control.stopMeasurement) {
                return null;
            }
            r = c.poll();
        }
        return r;
    }

    /** Engine-wide counters at one instant (for per-iteration deltas). */
    long[] counters() {
        return new long[] {engine.timeouts(), engine.lateCompletions(), engine.itagStalls(), engine.muted()};
    }
}
