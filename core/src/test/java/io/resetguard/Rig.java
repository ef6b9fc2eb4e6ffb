package io.resetguard;

import io.resetguard.event.EventLog;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Bdf;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.fault.FaultInjector;
import io.resetguard.model.Invariants;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.DeviceState;
import io.resetguard.state.GroupState;
import io.resetguard.state.StateImpl;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test rig: one fabric, one IOMMU, one group with a few functions.
 */
public final class Rig {
    public final Fabric fabric;
    public final IommuGroup group;
    public final PciFunction a;
    public final PciFunction b;
    public final PciFunction noAts;

    public Rig(final ProtocolModel model, final StateImpl impl) {
        this(model, impl, FaultInjector.NONE, true, 0);
    }

    public Rig(final ProtocolModel model, final StateImpl impl, final FaultInjector faults,
               final boolean defaultDomain, final int maxPasids) {
        fabric = Fabric.builder().model(model).stateImpl(impl).faults(faults).build();
        group = fabric.addIommu("smmu0").addGroup(defaultDomain);
        a = group.addFunction(Bdf.parse("0000:3b:00.0"), true, maxPasids);
        b = group.addFunction(Bdf.parse("0000:3b:00.1"), true, maxPasids);
        noAts = group.addFunction(Bdf.parse("0000:3b:00.2"), false, maxPasids);
    }

    public GroupState s() {
        return group.snapshot();
    }

    public DeviceState dev(final PciFunction fn) {
        return s().deviceOf(fn);
    }

    /** Whether {@code fn}'s RID is physically on the blocking domain. */
    public boolean parkedOnBlocking(final PciFunction fn) {
        return dev(fn).rid() == group.blockingDomain();
    }

    public EventLog events() {
        return fabric.events();
    }

    public long count(final EventType t) {
        return fabric.events().count(t);
    }

    public void assertInvariants() {
        final List<String> v = Invariants.check(group, s());
        assertTrue(v.isEmpty(), () -> "invariants violated: " + v + " in " + s());
    }

    public void assertNoWarnings() {
        assertEquals(0, fabric.events().count(io.resetguard.event.EventCategory.WARN),
            () -> "unexpected WARNs: " + fabric.events().events());
    }
}
