package io.resetguard.state;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventLog;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Bdf;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.fault.FaultPoint;
import io.resetguard.fault.ScriptedFaults;
import io.resetguard.model.ProtocolModel;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The retry contract of {@link LockFreeStateCell} with {@link OpCtx}: a transition that loses its
 * CAS is recomputed on the new snapshot, replays its fault draws, and logs only what the committing
 * attempt logged.
 */
class LockFreeStateCellTest {

    @Test
    void lostCasIsRetriedOnTheNewSnapshotWithMemoizedFaultsAndNoStaleLogLines() {
        final ScriptedFaults faults = new ScriptedFaults();
        final Fabric f = Fabric.builder().model(ProtocolModel.LINUX_7_1).stateImpl(StateImpl.LOCK_FREE)
            .faults(faults).build();
        final IommuGroup g = f.addIommu("smmu0").addGroup();
        final PciFunction a = g.addFunction(Bdf.parse("00:01.0"), true, 0);
        final PciFunction b = g.addFunction(Bdf.parse("00:01.1"), true, 0);
        // the first attach draw of 'a' succeeds; a second draw would fail: a replayed draw must not happen
        faults.then(FaultPoint.DEVICE_ATTACH, a, Errno.OK, Errno.EIO);

        final AtomicInteger calls = new AtomicInteger();
        final OpCtx ctx = new OpCtx().reset(f.faults());
        final GroupState out = g.cell().apply((s, c) -> {
            if (calls.incrementAndGet() == 1) {
                // interfere: commit b's prepare between our read and our CAS
                g.prepare(b);
                c.warn(EventType.WARN_DONE_UNBALANCED, a, "from the losing attempt");
            }
            return g.rules().prepare(g, s, a, c);
        }, ctx);
        ctx.flush(f.events());

        assertEquals(2, ctx.attempts());
        assertEquals(Errno.OK, ctx.result());
        assertSame(out, g.snapshot());
        assertEquals(2, out.recoveryCnt(), "a's prepare was applied on top of b's");
        assertTrue(out.deviceOf(a).blocked());
        assertTrue(out.deviceOf(b).blocked());
        assertEquals(0, f.events().count(EventType.WARN_DONE_UNBALANCED), "the losing attempt logs nothing");
    }

    @Test
    void readOnlyTransitionsDoNotWrite() {
        final Fabric f = Fabric.builder().stateImpl(StateImpl.LOCK_FREE).build();
        final IommuGroup g = f.addIommu("smmu0").addGroup();
        final PciFunction a = g.addFunction(Bdf.parse("00:01.0"), true, 0);
        final GroupState before = g.snapshot();
        assertSame(g.defaultDomain(), g.driverGetDomain(a));
        assertSame(before, g.snapshot());
        assertTrue(g.cell().isLockFree());
    }

    @Test
    void lockingCellHoldsTheLockInsideTheTransition() {
        final Fabric f = Fabric.builder().stateImpl(StateImpl.LOCKING).build();
        final IommuGroup g = f.addIommu("smmu0").addGroup();
        final io.resetguard.model.LockingWordCell cell = (io.resetguard.model.LockingWordCell) g.cell();
        final boolean[] held = new boolean[1];
        cell.apply((s, c) -> {
            held[0] = cell.isHeldByCurrentThread(); // lockdep_assert_held(&group->mutex), invariant 13
            return s;
        }, new OpCtx());
        assertTrue(held[0]);
        assertFalse(cell.isHeldByCurrentThread());
        assertFalse(cell.isLockFree());
    }

    @Test
    void eventLogCountsPastItsRetainLimit() {
        final EventLog log = new EventLog(2);
        for (int i = 0; i < 5; i++) {
            log.record(EventType.WARN_DONE_UNBALANCED, null, "");
        }
        assertEquals(5, log.count(EventType.WARN_DONE_UNBALANCED));
        assertEquals(2, log.events().size());
        assertEquals(5, log.total());
    }
}
