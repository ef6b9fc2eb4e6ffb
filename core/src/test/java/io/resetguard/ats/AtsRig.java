package io.resetguard.ats;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Bdf;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.mem.PhysMem;
import io.resetguard.model.ProtocolModel;
import io.resetguard.oracle.Oracle;
import io.resetguard.pci.PciCaps;
import io.resetguard.pci.PciCore;
import io.resetguard.pci.PciDev;
import io.resetguard.pci.ResetMethod;
import io.resetguard.pci.ResetOutcome;
import io.resetguard.recovery.Recovery;
import io.resetguard.recovery.RecoveryPolicy;
import io.resetguard.time.VirtualScheduler;

/** The whole stack in virtual time: fabric, PCI core, memory, ATS, recovery, oracle. */
public final class AtsRig {
    public static final long MS = 1_000_000L;
    public static final long S = 1_000_000_000L;

    public final VirtualScheduler sched = new VirtualScheduler();
    public final Fabric fabric;
    public final IommuGroup group;
    public final PciCore pci;
    public final PhysMem mem = new PhysMem(64);
    public final AtsSystem ats;
    public final Recovery recovery;
    public final Oracle oracle;
    /** While true every reset method of every function times out. */
    public volatile boolean resetsFail;

    public AtsRig(final ProtocolModel model, final RecoveryPolicy policy, final AtsConfig cfg) {
        this(model, policy, cfg, 1 * S);
    }

    /** @param externalResetDelayNs how long after a timeout the external (operator, AER) reset comes */
    public AtsRig(final ProtocolModel model, final RecoveryPolicy policy, final AtsConfig cfg,
                  final long externalResetDelayNs) {
        fabric = Fabric.builder().model(model).build();
        group = fabric.addIommu("smmu0").addGroup();
        pci = new PciCore(fabric, sched);
        pci.faults((fn, m, attempt) -> resetsFail ? ResetOutcome.READINESS_TIMEOUT : ResetOutcome.SUCCESS);
        ats = new AtsSystem(fabric, pci, mem, cfg);
        recovery = new Recovery(ats, pci, policy, externalResetDelayNs);
        oracle = new Oracle(fabric, pci);
    }

    public AtsFunction add(final String bdf, final boolean ats, final int pasids) {
        final PciDev d = pci.attach(group.addFunction(Bdf.parse(bdf), ats, pasids), PciCaps.typical(), null);
        return this.ats.attach(d);
    }

    public Domain domain() {
        return group.snapshot().domain();
    }

    public Errno unmapSync(final Domain d, final long iova) {
        final Errno[] out = new Errno[1];
        ats.unmap(d, iova, rc -> out[0] = rc);
        while (out[0] == null && sched.runNext()) {
            // run until the unmap completed
        }
        return out[0];
    }

    public Errno resetSync(final AtsFunction f) {
        final Errno[] out = new Errno[1];
        pci.resetFunction(f.dev(), rc -> out[0] = rc);
        while (out[0] == null && sched.runNext()) {
            // run until the reset completed
        }
        return out[0];
    }

    public io.resetguard.inv.IommuEngine engine() {
        return ats.engine(group.iommu());
    }

    public long count(final EventType t) {
        return fabric.events().count(t);
    }

    public boolean parked(final AtsFunction f) {
        return group.isParked(f.fn());
    }

    /** Let the device DMA-write {@code iova} every {@code periodNs} until {@code untilNs}. */
    public void writeEvery(final AtsFunction f, final long iova, final long periodNs, final long untilNs) {
        sched.schedule(periodNs, () -> {
            ats.dma(f, 0, iova, true);
            if (sched.nanoTime() + periodNs <= untilNs) {
                writeEvery(f, iova, periodNs, untilNs);
            }
        });
    }

    public static ResetMethod[] none() {
        return new ResetMethod[0];
    }
}
