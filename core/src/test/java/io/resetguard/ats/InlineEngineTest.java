package io.resetguard.ats;

import io.resetguard.errno.Errno;
import io.resetguard.fabric.Bdf;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.inv.InvCommand;
import io.resetguard.inv.InvCompletion;
import io.resetguard.inv.IommuEngine;
import io.resetguard.mem.PhysMem;
import io.resetguard.pci.PciCaps;
import io.resetguard.pci.PciCore;
import io.resetguard.time.InlineScheduler;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The engine on the zero-time {@link InlineScheduler}, as benchmarks and jcstress drive it. */
class InlineEngineTest {

    @Test
    void aHealthyDeviceCompletesBeforeItsTimerEvenInZeroTime() {
        final Fabric f = Fabric.builder().build();
        final IommuGroup g = f.addIommu("smmu0").addGroup();
        final PciCore pci = new PciCore(f, new InlineScheduler());
        final AtsSystem ats = new AtsSystem(f, pci, new PhysMem(4), AtsConfig.defaults());
        final AtsFunction a = ats.attach(pci.attach(g.addFunction(Bdf.parse("01:00.0"), true, 0), PciCaps.typical(),
            null));
        final IommuEngine e = ats.engine(g.iommu());
        for (int i = 0; i < 100; i++) {
            assertEquals(Errno.OK, e.submit(InvCommand.atcAll(a.fn())));
            final InvCompletion c = e.sync();
            assertEquals(Errno.OK, c.poll(), "completed inline");
        }
        assertEquals(100, e.completed());
        assertEquals(0, e.timeouts());
        assertEquals(0, e.itagsBusy());
    }
}
