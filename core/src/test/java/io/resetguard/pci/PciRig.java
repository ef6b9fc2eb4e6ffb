package io.resetguard.pci;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Bdf;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.fault.FaultInjector;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.StateImpl;
import io.resetguard.time.VirtualScheduler;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** A fabric plus a PCI core in virtual time, with helpers that run a reset to completion. */
final class PciRig {
    final VirtualScheduler sched = new VirtualScheduler();
    final Fabric fabric;
    final PciCore pci;
    final IommuGroup group;
    final ScriptedResetFaults faults = new ScriptedResetFaults();

    PciRig(final ProtocolModel model) {
        this(model, StateImpl.LOCK_FREE, FaultInjector.NONE);
    }

    PciRig(final ProtocolModel model, final StateImpl impl, final FaultInjector iommuFaults) {
        fabric = Fabric.builder().model(model).stateImpl(impl).faults(iommuFaults).build();
        pci = new PciCore(fabric, sched);
        pci.faults(faults);
        group = fabric.addIommu("smmu0").addGroup();
    }

    PciDev add(final String bdf, final boolean ats, final PciCaps caps, final PciBridge bridge) {
        final PciFunction fn = group.addFunction(Bdf.parse(bdf), ats, 0);
        return pci.attach(fn, caps, bridge);
    }

    /** pci_reset_function() run to completion in virtual time. */
    Errno reset(final PciDev d) {
        final Errno[] out = new Errno[1];
        pci.resetFunction(d, rc -> out[0] = rc);
        sched.runUntilIdle();
        assertNotNull(out[0], "reset did not complete");
        return out[0];
    }

    long count(final EventType t) {
        return fabric.events().count(t);
    }

    boolean parked(final PciDev d) {
        return group.isParked(d.fn());
    }

    long nowMs() {
        return sched.nanoTime() / 1_000_000;
    }
}
