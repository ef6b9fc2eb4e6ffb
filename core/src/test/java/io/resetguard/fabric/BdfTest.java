package io.resetguard.fabric;

import io.resetguard.errno.Errno;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BdfTest {

    @Test
    void parsesAndPrintsLikeLspci() {
        final Bdf b = Bdf.parse("0000:3b:00.1");
        assertEquals(new Bdf(0, 0x3b, 0, 1), b);
        assertEquals("0000:3b:00.1", b.toString());
        assertEquals(b, Bdf.parse("3b:00.1"));
        assertEquals(b, Bdf.ofPacked(b.packed()));
        assertEquals("abcd:ff:1f.7", new Bdf(0xabcd, 0xff, 0x1f, 7).toString());
    }

    @Test
    void badAddressesNameTheField() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Bdf(0, 0, 32, 0))
            .getMessage().contains("device"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Bdf(0, 256, 0, 0))
            .getMessage().contains("bus"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Bdf(0, 0, 0, 8))
            .getMessage().contains("function"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Bdf.parse("0000:3b:00"))
            .getMessage().contains("function"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Bdf.parse("0000:zz:00.0"))
            .getMessage().contains("bus"));
        assertThrows(IllegalArgumentException.class, () -> Bdf.parse("3b"));
    }

    @Test
    void duplicateAddressIsRejected() {
        final Fabric f = Fabric.builder().build();
        final IommuGroup g = f.addIommu("smmu0").addGroup();
        g.addFunction(Bdf.parse("00:01.0"), true, 0);
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> g.addFunction(Bdf.parse("00:01.0"), true, 0)).getMessage().contains("0000:00:01.0"));
    }

    @Test
    void functionOfAnotherGroupIsAnApiMisuse() {
        final Fabric f = Fabric.builder().build();
        final IommuGroup g1 = f.addIommu("smmu0").addGroup();
        final IommuGroup g2 = f.iommus().get(0).addGroup();
        final PciFunction a = g1.addFunction(Bdf.parse("00:01.0"), true, 0);
        assertThrows(IllegalArgumentException.class, () -> g2.prepare(a));
    }

    @Test
    void domainsAreFreedOnceAndBlockingDomainsNever() {
        final Fabric f = Fabric.builder().build();
        final IommuGroup g = f.addIommu("smmu0").addGroup();
        final Domain d = f.allocPagingDomain();
        assertEquals(Errno.OK, f.freeDomain(d));
        assertTrue(d.isFreed());
        assertEquals(Errno.EINVAL, f.freeDomain(d));
        assertEquals(1, f.events().count(io.resetguard.event.EventType.WARN_DOUBLE_FREE));
        assertEquals(Errno.EINVAL, f.freeDomain(g.blockingDomain()));
    }

    @Test
    void errnoValuesAreTheKernelOnes() {
        assertEquals(-16, Errno.EBUSY.kernelValue());
        assertEquals(-25, Errno.ENOTTY.kernelValue());
        assertEquals(-110, Errno.ETIMEDOUT.kernelValue());
        assertEquals(Errno.ENODEV, Errno.ofKernelValue(-19));
        assertEquals("0", Errno.OK.kernelString());
        assertEquals("-EBUSY", Errno.EBUSY.kernelString());
    }
}
