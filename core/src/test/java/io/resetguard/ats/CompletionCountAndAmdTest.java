package io.resetguard.ats;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Domain;
import io.resetguard.inv.InvCommand;
import io.resetguard.inv.InvCompletion;
import io.resetguard.inv.InvFlavour;
import io.resetguard.inv.IommuEngine;
import io.resetguard.model.ProtocolModel;
import io.resetguard.recovery.RecoveryPolicy;
import org.junit.jupiter.api.Test;

import static io.resetguard.ats.AtsRig.MS;
import static io.resetguard.ats.AtsRig.S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Invalidate Completion messages with a Completion Count (docs/protocol.md §2.5a), and the AMD
 * flavour's 100 ms software completion wait against its 1 s hardware timeout (§3.3, §3.5, §2.5a).
 */
class CompletionCountAndAmdTest {

    private static AtsRig rig(final InvFlavour f, final RecoveryPolicy p) {
        return new AtsRig(ProtocolModel.LINUX_7_1, p, AtsConfig.defaults().withFlavour(f));
    }

    private static IommuEngine engine(final AtsRig r) {
        return r.ats.engine(r.group.iommu());
    }

    @Test
    void theItagIsFreeOnlyAfterAsManyMessagesAsTheCount() {
        final AtsRig r = rig(InvFlavour.SMMUV3, RecoveryPolicy.NONE);
        final AtsFunction f = r.add("01:00.0", true, 0);
        f.completionCount(4);
        final IommuEngine e = engine(r);
        e.submit(InvCommand.atcAll(f.fn()));
        final InvCompletion c = e.sync();
        r.sched.runUntilIdle();
        assertEquals(Errno.OK, c.poll());
        assertEquals(1, e.completed(), "four messages, one completion");
        assertEquals(0, e.itagsBusy(f.fn()));
        assertEquals(0, e.completionsForIdleItag());
        assertEquals(2_000, e.latency().getMaxValue(), 10, "no timeout");
    }

    @Test
    void aDeviceAnsweringWithFewerMessagesThanItsCountHoldsTheItagUntilTheTimeout() {
        final AtsRig r = rig(InvFlavour.SMMUV3, RecoveryPolicy.NONE);
        final AtsFunction f = r.add("01:00.0", true, 0);
        f.completionCount(4);
        f.completionMessages(3);
        final IommuEngine e = engine(r);
        e.submit(InvCommand.atcAll(f.fn()));
        final InvCompletion c = e.sync();
        r.sched.runUntil(500 * MS);
        assertEquals(1, e.itagsBusy(f.fn()), "three of four messages: the ITag stays busy");
        assertNull(c.poll(), "and the sync waits");
        r.sched.runUntil(1 * S + 1);
        assertEquals(1, e.timeouts());
        assertEquals(0, e.completed());
        assertEquals(0, e.itagsBusy(f.fn()), "the timeout frees it");
        assertEquals(Errno.OK, c.poll());
    }

    @Test
    void aMessageBeyondTheCountNamesAnItagThatIsNotBusy() {
        final AtsRig r = rig(InvFlavour.SMMUV3, RecoveryPolicy.NONE);
        final AtsFunction f = r.add("01:00.0", true, 0);
        f.completionCount(2);
        f.completionMessages(3);
        final IommuEngine e = engine(r);
        e.submit(InvCommand.atcAll(f.fn()));
        e.sync();
        r.sched.runUntilIdle();
        assertEquals(1, e.completed());
        assertEquals(1, e.completionsForIdleItag());
        assertEquals(1, r.count(EventType.LOG_INV_COMPLETION_NOT_BUSY));
        assertEquals(0, e.lateCompletions(), "an extra message of an answered use is not a late completion");
    }

    @Test
    void aLateAnswerToATimedOutItagIsLateAndNotBusy() {
        final AtsRig r = rig(InvFlavour.SMMUV3, RecoveryPolicy.NONE);
        final AtsFunction f = r.add("01:00.0", true, 0);
        f.response(InvResponse.LATE);
        f.lateByNs(100 * MS);
        final IommuEngine e = engine(r);
        e.submit(InvCommand.atcAll(f.fn()));
        e.sync();
        r.sched.runUntilIdle();
        assertEquals(1, e.timeouts());
        assertEquals(1, e.lateCompletions());
        assertEquals(1, r.count(EventType.LOG_INV_COMPLETION_NOT_BUSY));
    }

    @Test
    void aLateAnswerArrivingWhileItsItagIsBusyAgainIsAReuseHazardAndNotCreditedToTheNewUse() {
        final AtsRig r = rig(InvFlavour.AMD, RecoveryPolicy.NONE);
        final AtsFunction f = r.add("01:00.0", true, 0);
        f.response(InvResponse.LATE);
        f.lateByNs(100 * MS);
        final IommuEngine e = engine(r);
        e.submit(InvCommand.atcAll(f.fn()));
        e.sync();
        r.sched.runUntil(1 * S + 1); // the hardware timed ITag 0 out and freed it
        assertEquals(1, e.timeouts());
        e.submit(InvCommand.atcAll(f.fn())); // reuses ITag 0
        e.sync();
        r.sched.runUntil(1 * S + 150 * MS); // the first request's answer comes at 1.1 s
        assertEquals(1, r.count(EventType.LOG_ITAG_REUSE_COMPLETION));
        assertEquals(1, e.completionsForReusedItag());
        assertEquals(1, e.lateCompletions());
        assertEquals(0, e.completed(), "not credited to the second request");
        assertEquals(1, e.itagsBusy(f.fn()));
    }

    @Test
    void messagesWithAnotherCountDoNotCount() {
        final AtsRig r = rig(InvFlavour.SMMUV3, RecoveryPolicy.NONE);
        final AtsFunction f = r.add("01:00.0", true, 0);
        f.completionMessages(0); // the test answers by hand
        final IommuEngine e = engine(r);
        e.submit(InvCommand.atcAll(f.fn()));
        e.sync();
        r.sched.runUntil(1 * MS);
        e.complete(f.fn(), 0, 1, 2);
        e.complete(f.fn(), 0, 1, 3); // a different count: an error, not the second message
        r.sched.runUntil(2 * MS);
        assertEquals(1, e.itagsBusy(f.fn()));
        assertEquals(1, r.count(EventType.LOG_INV_COMPLETION_COUNT_MISMATCH));
        e.complete(f.fn(), 0, 1, 2);
        r.sched.runUntil(3 * MS);
        assertEquals(0, e.itagsBusy(f.fn()));
        assertEquals(1, e.completed());
        assertThrows(IllegalArgumentException.class, () -> e.complete(f.fn(), 0, 1, 9));
        assertThrows(IllegalArgumentException.class, () -> f.completionCount(0));
    }

    @Test
    void amdSoftwareGivesUpAt100msWithEioAndTheMemoryIsReusedWhileTheHardwareStillWaits() {
        final AtsRig r = rig(InvFlavour.AMD, RecoveryPolicy.NONE); // the AMD driver as it is: no policy
        final AtsFunction f = r.add("01:00.0", true, 0);
        final Domain d = r.domain();
        r.ats.map(d, 1, 7, true);
        r.ats.dma(f, 0, 1, true);
        f.response(InvResponse.HANG);
        f.honorsBusMaster(false);
        final IommuEngine e = engine(r);
        assertEquals(Errno.EIO, r.unmapSync(d, 1), "wait_on_sem: -EIO to the flush caller");
        assertEquals(100, r.sched.nanoTime() / MS, "after about 100 ms, not the hardware's 1 s");
        assertEquals(1, r.count(EventType.LOG_COMPLETION_WAIT_TIMEOUT));
        assertEquals(1, e.completionWaitTimeouts());
        assertEquals(1, r.ats.pagesFreed(), "the caller proceeds: the page is freed");
        assertEquals(1, e.itagsBusy(f.fn()), "the hardware still owns the ITag");
        assertTrue(r.ats.map(d, 2, 9, true) >= 0, "the page is reused");
        r.sched.schedule(200 * MS, () -> r.ats.dma(f, 0, 1, true));
        r.sched.runUntil(999 * MS);
        assertEquals(1, r.count(EventType.VIOLATION_MEMORY_CORRUPTION), "a stale write between 100 ms and 1 s");
        assertEquals(0, e.timeouts());
        r.sched.runUntil(1 * S + 100 * MS);
        assertEquals(1, e.timeouts(), "the hardware timeout at 1 s");
        assertEquals(0, e.itagsBusy(f.fn()));
        assertEquals(1, e.abandonedWaitsCompleted(), "the completion wait nobody waits on any more");
        assertFalse(f.fenced(), "the AMD driver itself neither fences nor recovers");
    }

    @Test
    void amdUnderQuarantineThePolicyActsAtTheGiveUpBeforeThePageIsFreed() {
        final AtsRig r = new AtsRig(ProtocolModel.RESULT_TO_DONE, RecoveryPolicy.QUARANTINE,
            AtsConfig.defaults().withFlavour(InvFlavour.AMD), 3600 * S);
        final AtsFunction b = r.add("01:00.0", true, 0);
        final AtsFunction a = r.add("01:00.1", true, 0);
        final Domain d = r.domain();
        r.ats.map(d, 1, 7, true);
        r.ats.dma(b, 0, 1, true);
        r.ats.dma(a, 0, 1, true);
        b.response(InvResponse.HANG);
        b.honorsBusMaster(false);
        assertEquals(Errno.EIO, r.unmapSync(d, 1));
        assertTrue(b.quarantined() && a.quarantined(), "the batch before the wait, at 100 ms");
        assertEquals(1, r.recovery.healthyQuarantined(), "A answered: healthy");
        assertTrue(r.ats.map(d, 2, 9, true) >= 0, "the page is reused");
        r.writeEvery(b, 1, 100 * MS, 3 * S);
        r.sched.runUntil(3 * S);
        assertEquals(0, r.count(EventType.VIOLATION_MEMORY_CORRUPTION));
        assertEquals(1, r.engine().timeouts(), "the hardware timeout at 1 s came too; nothing quarantined twice");
        assertEquals(2, r.count(EventType.LOG_ATS_QUARANTINED));
    }

    @Test
    void amdLateHardwareCompletionBeforeOneSecondFreesTheItagAndCompletesTheAbandonedWait() {
        final AtsRig r = rig(InvFlavour.AMD, RecoveryPolicy.NONE);
        final AtsFunction f = r.add("01:00.0", true, 0);
        f.answerLatencyNs(500 * MS);
        final IommuEngine e = engine(r);
        e.submit(InvCommand.atcAll(f.fn()));
        final InvCompletion c = e.sync();
        r.sched.runUntil(100 * MS);
        assertEquals(Errno.EIO, c.poll());
        r.sched.runUntilIdle();
        assertEquals(1, e.completed(), "accounted as a completion: the hardware was still waiting");
        assertEquals(0, e.timeouts());
        assertEquals(0, e.lateCompletions());
        assertEquals(0, e.itagsBusy(f.fn()));
        assertEquals(1, e.abandonedWaitsCompleted());
        assertEquals(Errno.EIO, c.poll(), "the caller's result stays -EIO");
        assertEquals(0, r.count(EventType.LOG_ATC_INV_TIMEOUT), "no hardware timeout, no event-log entry");
    }

    @Test
    void amdAHealthyDeviceNeverMeetsTheSoftwareWait() {
        final AtsRig r = rig(InvFlavour.AMD, RecoveryPolicy.NONE);
        final AtsFunction f = r.add("01:00.0", true, 0);
        final IommuEngine e = engine(r);
        e.submit(InvCommand.atcAll(f.fn()));
        final InvCompletion c = e.sync();
        r.sched.runUntilIdle();
        assertEquals(Errno.OK, c.poll());
        assertEquals(0, e.completionWaitTimeouts());
        assertEquals(0, e.abandonedWaitsCompleted());
    }
}
