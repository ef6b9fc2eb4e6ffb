package io.resetguard.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.resetguard.ats.AtsConfig;
import io.resetguard.ats.AtsSystem;
import io.resetguard.errno.Errno;
import io.resetguard.fabric.Bdf;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.fault.FailNth;
import io.resetguard.fault.FaultInjector;
import io.resetguard.mem.PhysMem;
import io.resetguard.pci.PciCaps;
import io.resetguard.pci.PciCore;
import io.resetguard.pci.PciDev;
import io.resetguard.time.VirtualScheduler;
import org.junit.jupiter.api.Test;

/** An embedding program's API misuse is a clear exception at the call, not a silent wrong state. */
class LibraryContractTest {
    private final Fabric a = Fabric.builder().build();
    private final Fabric b = Fabric.builder().build();
    private final IommuGroup ga = a.addIommu("smmu0").addGroup();
    private final IommuGroup gb = b.addIommu("smmu0").addGroup();

    @Test
    void aDomainOfAnotherFabricIsRefusedByAttachGroupAndReplaceGroup() {
        final Domain foreign = b.allocPagingDomain();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ga.attachGroup(foreign));
        assertTrue(e.getMessage().contains("another Fabric"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ga.replaceGroup(foreign));
        assertTrue(e.getMessage().contains("another Fabric"), e.getMessage());
        assertEquals(Errno.OK, ga.attachGroup(a.allocPagingDomain()), "a domain of its own fabric is fine");
    }

    @Test
    void aDomainOrFunctionOfAnotherFabricIsRefusedByAtsSystemAndPciCore() {
        final PciCore pciA = new PciCore(a, new VirtualScheduler());
        final AtsSystem atsA = new AtsSystem(a, pciA, new PhysMem(8), AtsConfig.defaults());
        final PciFunction fb = gb.addFunction(Bdf.parse("0000:01:00.0"), true, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> pciA.attach(fb, PciCaps.typical(), null));
        assertTrue(e.getMessage().contains("another Fabric"), e.getMessage());
        assertEquals(null, pciA.dev(fb), "nothing registered");

        final PciDev devB = new PciCore(b, new VirtualScheduler()).attach(fb, PciCaps.typical(), null);
        e = assertThrows(IllegalArgumentException.class, () -> atsA.attach(devB));
        assertTrue(e.getMessage().contains("another Fabric"), e.getMessage());
        assertEquals(null, atsA.function(fb));

        final Domain foreign = b.allocPagingDomain();
        e = assertThrows(IllegalArgumentException.class, () -> atsA.map(foreign, 0, 1, true));
        assertTrue(e.getMessage().contains("another Fabric"), e.getMessage());
        assertTrue(atsA.map(a.allocPagingDomain(), 0, 1, true) >= 0);
    }

    @Test
    void aFailedProbeLeavesNoGhostFunctionAndTheAddressCanBeRetried() {
        final FailNth first = new FailNth(1, Errno.ENOMEM);
        a.faults(first);
        final Bdf bdf = Bdf.parse("0000:3b:00.0");
        assertThrows(IllegalStateException.class, () -> ga.addFunction(bdf, true, 0));
        assertEquals(null, a.function(bdf), "the address is free again");
        a.faults(FaultInjector.NONE);
        final PciFunction fn = ga.addFunction(bdf, true, 0);
        assertSame(fn, a.function(bdf));
        assertEquals(Errno.OK, ga.prepare(fn));
    }

    @Test
    void storeResetMethodsRefusesNullInsteadOfDisablingEveryMethod() {
        final PciCore pci = new PciCore(a, new VirtualScheduler());
        final PciDev d = pci.attach(ga.addFunction(Bdf.parse("0000:02:00.0"), true, 0), PciCaps.typical(), null);
        final String before = pci.showResetMethods(d);
        assertThrows(NullPointerException.class, () -> pci.storeResetMethods(d, null));
        assertEquals(before, pci.showResetMethods(d), "the methods are unchanged");
        assertTrue(!before.isEmpty());
        assertEquals(Errno.OK, pci.storeResetMethods(d, ""), "an empty string still disables resets");
        assertEquals("", pci.showResetMethods(d));
    }

    @Test
    void anImpossiblyLargePhysMemIsAnIllegalArgumentNamingTheLimit() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new PhysMem(Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains(String.valueOf(PhysMem.MAX_PAGES)), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PhysMem(0));
        final PhysMem m = new PhysMem(4);
        assertEquals(PhysMem.Access.VALID, m.check(m.alloc(1)));
    }
}
