package io.resetguard.stress.inv;

import io.resetguard.ats.AtsSystem;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.mem.PhysMem;
import io.resetguard.model.ProtocolModel;
import io.resetguard.pci.PciCore;
import io.resetguard.pci.PciDev;
import io.resetguard.pci.ResetFaults;
import io.resetguard.recovery.Recovery;
import io.resetguard.recovery.RecoveryPolicy;
import io.resetguard.state.StateImpl;
import io.resetguard.stress.Probe;

/**
 * SeedWorkerRig - the fixture of the races between the seed's ATC-timeout recovery worker (§3.2)
 * and a user's reset of the same function: one seed group with one ATS function A
 * {@code 0000:3b:00.0} ({@link Probe#INSTANT_FLR}: FLR and PM), a PCI core on an inline scheduler
 * with the given reset faults, an {@link AtsSystem} and a {@link Recovery} with
 * {@link RecoveryPolicy#SEED_WORKER}.
 *
 * <p>The ATS system is built before the IOMMU exists, so it creates no invalidation engine (the
 * timeout is injected at the interrupt path, {@link #timeout()}, which does not use one); that keeps
 * the fixture small enough for jcstress' strides.
 */
final class SeedWorkerRig {
    final IommuGroup group;
    final PciFunction a;
    final PciCore pci;
    final PciDev dev;
    final Recovery recovery;

    SeedWorkerRig(final ResetFaults faults) {
        final Fabric fabric = Probe.fabric(ProtocolModel.SEED, StateImpl.LOCK_FREE);
        pci = Probe.pci(fabric);
        final AtsSystem ats = new AtsSystem(fabric, pci, new PhysMem(1), ConcurrentSubmittersRace.CONFIG);
        group = fabric.addIommu("smmu0").addGroup();
        a = Probe.atsFunction(group, Probe.BDF_A);
        dev = pci.attach(a, Probe.INSTANT_FLR, null);
        pci.faults(faults);
        recovery = new Recovery(ats, pci, RecoveryPolicy.SEED_WORKER, 0);
    }

    /** The IOMMU interrupt path: an ATC timeout for A; the worker runs inline on the calling thread. */
    void timeout() {
        recovery.onAtcTimeout(DuplicateTimeoutRace.INTERRUPT_SOURCE, a, a);
    }
}
