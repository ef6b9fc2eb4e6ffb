package io.resetguard.bench;

import io.resetguard.event.EventLog;
import io.resetguard.fabric.Bdf;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.Iommu;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.StateImpl;

/**
 * BenchMachine - builds the emulated machines the benchmarks measure. Setup code only: nothing here
 * runs inside a measurement.
 *
 * <p>Addresses: function {@code i} gets {@link Bdf#ofPacked(int) Bdf.ofPacked(i)}, i.e. segment
 * {@code i >>> 16}, bus {@code i >>> 8 & 0xff}, device {@code i >>> 3 & 0x1f}, function {@code i & 7},
 * so 65,536 functions fill segment 0 exactly.
 */
final class BenchMachine {
    /**
     * Functions per IOMMU in {@link #isolatedFunctions}: a machine with tens of thousands of functions
     * has many IOMMU instances (one SMMU or DRHD unit per root complex or PCIe segment), so the reset
     * benchmarks spread their functions over one IOMMU per 4,096. (Resets do not touch the IOMMU's
     * invalidation engine, so this only shapes the topology.)
     */
    static final int FUNCTIONS_PER_IOMMU = 4096;

    private BenchMachine() {
    }

    /**
     * A fabric with a count-only kernel log ({@code new EventLog(0)}): events are counted per type,
     * none is retained, so a long measurement does not grow a list.
     *
     * @param model     a {@link ProtocolModel#cliName()}
     * @param stateImpl a {@link StateImpl#cliName()}
     * @return the fabric
     */
    static Fabric fabric(final String model, final String stateImpl) {
        return Fabric.builder()
            .model(ProtocolModel.parse(model))
            .stateImpl(StateImpl.parse(stateImpl))
            .events(new EventLog(0))
            .build();
    }

    /** @return the address of the {@code i}-th benchmark function. */
    static Bdf bdf(final int i) {
        return Bdf.ofPacked(i);
    }

    /**
     * {@code n} ATS functions without PASIDs, each alone in its own group (ACS-isolated functions,
     * e.g. SR-IOV VFs), {@link #FUNCTIONS_PER_IOMMU} per IOMMU.
     *
     * @return the functions, in address order
     */
    static PciFunction[] isolatedFunctions(final Fabric f, final int n) {
        final PciFunction[] fns = new PciFunction[n];
        Iommu iommu = null;
        for (int i = 0; i < n; i++) {
            if (i % FUNCTIONS_PER_IOMMU == 0) {
                iommu = f.addIommu("smmu" + i / FUNCTIONS_PER_IOMMU);
            }
            fns[i] = iommu.addGroup().addFunction(bdf(i), true, 0);
        }
        return fns;
    }

    /**
     * {@code n} ATS functions without PASIDs on one IOMMU, in groups of {@code groupSize}
     * (multi-function devices): one invalidation engine serves all of them.
     *
     * @return the functions, in address order
     */
    static PciFunction[] functionsOnOneIommu(final Fabric f, final String iommuName, final int n, final int groupSize) {
        final Iommu iommu = f.addIommu(iommuName);
        final PciFunction[] fns = new PciFunction[n];
        IommuGroup g = null;
        for (int i = 0; i < n; i++) {
            if (i % groupSize == 0) {
                g = iommu.addGroup();
            }
            fns[i] = g.addFunction(bdf(i), true, 0);
        }
        return fns;
    }

    /**
     * The part of {@code n} items that thread {@code index} of {@code threads} owns: a contiguous
     * range, so two threads never share a function (or a group, with isolated functions) unless there
     * are fewer functions than threads, in which case threads share function {@code index % n}.
     *
     * @return {from, to} with {@code from < to}
     */
    static int[] partition(final int n, final int threads, final int index) {
        final int from = (int) ((long) n * index / threads);
        final int to = (int) ((long) n * (index + 1) / threads);
        if (from < to) {
            return new int[] {from, to};
        }
        final int shared = index % n;
        return new int[] {shared, shared + 1};
    }
}
