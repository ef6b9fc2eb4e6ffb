package io.resetguard.ats;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Domain;
import io.resetguard.inv.InvCommand;
import io.resetguard.inv.IommuEngine;
import io.resetguard.mem.PhysMem;
import io.resetguard.model.ProtocolModel;
import io.resetguard.recovery.RecoveryPolicy;
import org.junit.jupiter.api.Test;

import static io.resetguard.ats.AtsRig.MS;
import static io.resetguard.ats.AtsRig.S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/protocol.md §7 scenarios 1, 4, 9 and 11, and the memory allocator the oracle relies on. */
class RecoveryScenariosTest {

    @Test
    void timeoutStormForOneFunctionRunsOneRecovery() {
        // §7 scenario 11
        final AtsRig r = new AtsRig(ProtocolModel.SEED, RecoveryPolicy.SEED_WORKER, AtsConfig.defaults());
        final AtsFunction f = r.add("01:00.0", true, 0);
        f.response(InvResponse.HANG);
        final IommuEngine e = r.ats.engine(r.group.iommu());
        for (int i = 0; i < 5; i++) {
            e.submit(InvCommand.atcRange(f.fn(), 0, i, 1));
            e.sync();
        }
        r.sched.runUntil(1 * S + 1);
        assertEquals(5, e.timeouts());
        assertEquals(1, r.recovery.scheduled());
        assertEquals(4, r.recovery.dropped());
        r.sched.runUntilIdle();
        // The worker's own prepare() flushes the ATC of the still-hung function, and the reset waits
        // for that flush (ResetBarrier, as the driver's blocking attach waits for its sync): it times
        // out while this recovery is still in flight, so the in-flight dedup of §3.2 drops it too.
        // (Before prepare() waited, the flush timed out after the recovery had finished and
        // scheduled a second one.)
        assertEquals(1, r.recovery.scheduled());
        assertEquals(5, r.recovery.dropped());
        assertEquals(1, r.recovery.succeeded());
        assertEquals(6, e.timeouts());
        assertFalse(r.parked(f));
        assertTrue(f.dev().busMaster(), "the worker set bus mastering again after the good reset");
    }

    @Test
    void workerRecoveryRacesAUserResetOfTheSameFunction() {
        // §7 scenario 1: the worker's private prepare() happens outside the device lock the user holds
        final AtsRig r = new AtsRig(ProtocolModel.SEED, RecoveryPolicy.SEED_WORKER, AtsConfig.defaults());
        final AtsFunction f = r.add("01:00.0", true, 0);
        f.response(InvResponse.HANG);
        final Errno[] user = new Errno[1];
        r.sched.schedule(1 * S, () -> r.pci.resetFunction(f.dev(), rc -> user[0] = rc)); // echo 1 > reset
        final IommuEngine e = r.ats.engine(r.group.iommu());
        e.submit(InvCommand.atcAll(f.fn()));
        e.sync();
        r.sched.runUntilIdle();
        assertEquals(Errno.OK, user[0]);
        assertTrue(r.recovery.succeeded() >= 1);
        assertTrue(f.dev().fullResets() >= 2, "serialized by the device lock");
        assertEquals(0, r.count(EventType.VIOLATION_RESET_OVERLAP));
        assertFalse(r.parked(f));
        assertEquals(0, r.count(EventType.WARN_PREPARE_REENTRY), "seed: re-entry is allowed");
    }

    @Test
    void laterResetByAnotherThreadUnblocksOnlyIfItSucceeds() {
        // §7 scenario 4
        final AtsRig r = new AtsRig(ProtocolModel.SEED, RecoveryPolicy.SEED_WORKER, AtsConfig.defaults());
        final AtsFunction f = r.add("01:00.0", true, 0);
        f.response(InvResponse.HANG);
        r.resetsFail = true;
        final IommuEngine e = r.ats.engine(r.group.iommu());
        e.submit(InvCommand.atcAll(f.fn()));
        e.sync();
        r.sched.runUntilIdle();
        assertEquals(1, r.recovery.failed());
        assertTrue(r.parked(f));
        assertFalse(f.dev().busMaster(), "bus mastering stays off after a failed recovery");
        assertEquals(Errno.ENOTTY, r.resetSync(f), "a later sysfs reset that fails");
        assertTrue(r.parked(f), "must stay blocked");
        r.resetsFail = false;
        assertEquals(Errno.OK, r.resetSync(f), "a later sysfs reset that works");
        assertFalse(r.parked(f), "must unblock");
    }

    @Test
    void unplugBeforeTheRecoveryResetFailsCleanlyWithEnodev() {
        // §7 scenario 9 under 7.1: the function leaves between the fence and the external reset
        final AtsRig r = new AtsRig(ProtocolModel.LINUX_7_1, RecoveryPolicy.FENCE_THEN_RESET, AtsConfig.defaults());
        final AtsFunction f = r.add("01:00.0", true, 0);
        f.response(InvResponse.HANG);
        final IommuEngine e = r.ats.engine(r.group.iommu());
        e.submit(InvCommand.atcAll(f.fn()));
        e.sync();
        r.sched.runUntil(1500 * MS);
        assertTrue(f.fenced());
        assertEquals(Errno.OK, r.group.unplug(f.fn()));
        r.sched.runUntilIdle();
        assertEquals(1, r.count(EventType.WARN_NO_GROUP_DEVICE), "__dev_to_gdev() found nothing: WARN");
        assertEquals(1, r.count(EventType.LOG_IOMMU_PREPARE_FAILED), "the reset stopped with -ENODEV");
        assertEquals(0, r.group.snapshot().recoveryCnt(), "nothing leaked");
        assertTrue(r.oracle.checkQuiescent().isEmpty());
    }

    @Test
    void unplugOfABlockedFunctionLeaksItsRecoveryCount() {
        // §7 scenario 9, §9 open question, modelled literally: removal does not give back recovery_cnt
        final AtsRig r = new AtsRig(ProtocolModel.LINUX_7_1, RecoveryPolicy.SEED_WORKER, AtsConfig.defaults());
        final AtsFunction f = r.add("01:00.0", true, 0);
        r.add("01:00.1", true, 0);
        f.response(InvResponse.HANG);
        r.resetsFail = true;
        final IommuEngine e = r.ats.engine(r.group.iommu());
        e.submit(InvCommand.atcAll(f.fn()));
        e.sync();
        r.sched.runUntil(1 * S);
        assertTrue(r.parked(f), "the worker's prepare() ran");
        assertEquals(Errno.OK, r.group.unplug(f.fn()));
        r.sched.runUntilIdle();
        assertTrue(r.count(EventType.WARN_NO_GROUP_DEVICE) >= 1, "done() of the removed function: -ENODEV path");
        assertEquals(1, r.group.snapshot().orphanedRecoveries());
        assertEquals(Errno.EBUSY, r.group.attachGroup(r.fabric.allocPagingDomain()), "the sibling's group is stuck");
        assertEquals(1, r.oracle.checkQuiescent().size(), "reported as a liveness violation");
    }

    @Test
    void physMemDetectsStaleReferences() {
        final PhysMem m = new PhysMem(2);
        final long a = m.alloc(1);
        assertEquals(PhysMem.Access.VALID, m.check(a));
        assertTrue(m.free(a));
        assertFalse(m.free(a), "double free refused");
        assertEquals(PhysMem.Access.FREED, m.check(a));
        final long b = m.alloc(7);
        assertEquals(PhysMem.pfn(a), PhysMem.pfn(b), "LIFO");
        assertEquals(PhysMem.Access.REALLOCATED, m.check(a));
        assertEquals(7, m.owner(PhysMem.pfn(b)));
        m.alloc(1);
        assertEquals(-1, m.alloc(1), "exhausted");
    }

    @Test
    void atcDiscardsAFillThatRacedAnInvalidation() {
        final Atc atc = new Atc(8);
        final long epoch = atc.epoch();
        atc.invalidate(InvCommand.atcAll(null));
        assertFalse(atc.fill(new Atc.Entry(0, 1, 0, true, 0), epoch));
        assertEquals(0, atc.size());
        assertTrue(atc.fill(new Atc.Entry(0, 1, 0, true, 0), atc.epoch()));
        assertEquals(1, atc.size());
    }

    @Test
    void unmapOfAnUnmappedPageIsEfault() {
        final AtsRig r = new AtsRig(ProtocolModel.LINUX_7_1, RecoveryPolicy.NONE, AtsConfig.defaults());
        r.add("01:00.0", true, 0);
        final Domain d = r.domain();
        assertEquals(Errno.EFAULT, r.unmapSync(d, 42));
        assertEquals(0L, r.sched.nanoTime() / MS);
    }
}
