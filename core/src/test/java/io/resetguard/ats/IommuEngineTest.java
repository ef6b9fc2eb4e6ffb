package io.resetguard.ats;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Domain;
import io.resetguard.inv.InvCommand;
import io.resetguard.inv.InvCompletion;
import io.resetguard.inv.InvFlavour;
import io.resetguard.inv.IommuEngine;
import io.resetguard.inv.QueueKind;
import io.resetguard.model.ProtocolModel;
import io.resetguard.recovery.RecoveryPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static io.resetguard.ats.AtsRig.MS;
import static io.resetguard.ats.AtsRig.S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The invalidation engine: ITags, syncs, timeouts, late completions, the two flavours, the queues. */
class IommuEngineTest {

    private static AtsRig rig(final InvFlavour f) {
        return new AtsRig(ProtocolModel.LINUX_7_1, RecoveryPolicy.NONE, AtsConfig.defaults().withFlavour(f));
    }

    private static IommuEngine engine(final AtsRig r) {
        return r.ats.engine(r.group.iommu());
    }

    @ParameterizedTest
    @EnumSource(QueueKind.class)
    void invalidationsCompleteAndTheSyncWaitsForThem(final QueueKind q) {
        final AtsRig r = new AtsRig(ProtocolModel.LINUX_7_1, RecoveryPolicy.NONE,
            AtsConfig.defaults().withQueue(q, 64));
        final AtsFunction f = r.add("01:00.0", true, 0);
        final Domain d = r.domain();
        r.ats.map(d, 3, 1, true);
        r.ats.dma(f, 0, 3, false);
        assertEquals(1, f.atc().size());
        final IommuEngine e = engine(r);
        assertEquals(Errno.OK, e.submit(InvCommand.atcRange(f.fn(), 0, 3, 1)));
        final InvCompletion c = e.sync();
        assertNull(c.poll(), "pending until the device answers");
        r.sched.runUntilIdle();
        assertEquals(Errno.OK, c.poll());
        assertEquals(0, f.atc().size(), "the device dropped the entry");
        assertEquals(1, e.completed());
        assertEquals(2_000, e.latency().getMaxValue(), 10, "the device's 2 µs answer time");
    }

    @Test
    void aFullQueueRefusesWithEagainAndNobodySpins() {
        final AtsRig r = new AtsRig(ProtocolModel.LINUX_7_1, RecoveryPolicy.NONE,
            AtsConfig.defaults().withQueue(QueueKind.JCTOOLS_MPSC, 4));
        final AtsFunction f = r.add("01:00.0", true, 0);
        final IommuEngine e = engine(r);
        int ok = 0;
        int refused = 0;
        for (int i = 0; i < 10; i++) {
            if (e.submit(InvCommand.atcAll(f.fn())).isOk()) {
                ok++;
            } else {
                refused++;
            }
        }
        // the drain runs from the scheduler: nothing was consumed yet
        assertEquals(4, ok);
        assertEquals(6, refused);
        assertNull(e.trySync(), "no room for the sync either");
        r.sched.runUntilIdle();
        assertTrue(e.idle());
    }

    @Test
    void itagsAreNeverReusedBeforeCompletionAndExhaustionStalls() {
        final AtsRig r = rig(InvFlavour.SMMUV3);
        final AtsFunction f = r.add("01:00.0", true, 0);
        f.answerLatencyNs(5 * MS);
        final IommuEngine e = engine(r);
        for (int i = 0; i < 40; i++) {
            assertEquals(Errno.OK, e.submit(InvCommand.atcRange(f.fn(), 0, i, 1)));
        }
        final InvCompletion c = e.sync();
        final long[] doneAt = new long[1];
        c.onComplete(rc -> doneAt[0] = r.sched.nanoTime());
        r.sched.runFor(1 * MS);
        assertEquals(32, e.issued(), "32 ITags in flight");
        assertEquals(8, e.itagStalls());
        r.sched.runUntilIdle();
        assertEquals(Errno.OK, c.poll());
        assertEquals(40, e.completed());
        assertEquals(10 * MS, doneAt[0], "two rounds of 5 ms");
    }

    @Test
    void lateCompletionsAreCountedAndDropped() {
        final AtsRig r = rig(InvFlavour.SMMUV3);
        final AtsFunction f = r.add("01:00.0", true, 0);
        f.response(InvResponse.LATE);
        f.lateByNs(500 * MS);
        final IommuEngine e = engine(r);
        e.submit(InvCommand.atcAll(f.fn()));
        final InvCompletion c = e.sync();
        r.sched.runUntil(1 * S);
        assertEquals(Errno.OK, c.poll(), "SMMUv3: the sync completes after the timeout, reporting it");
        assertEquals(1, e.timeouts());
        assertEquals(1, e.syncErrors());
        r.sched.runUntilIdle();
        assertEquals(1, e.lateCompletions());
        assertEquals(1, r.count(EventType.INFO_LATE_COMPLETION));
    }

    @Test
    void smmuv3BlamesTheCommandBeforeTheSyncWhenInvalidationsAreBatched() {
        final AtsRig r = new AtsRig(ProtocolModel.LINUX_7_1, RecoveryPolicy.SEED_WORKER, AtsConfig.defaults());
        final AtsFunction broken = r.add("01:00.0", true, 0);
        final AtsFunction healthy = r.add("01:00.1", true, 0);
        broken.response(InvResponse.HANG);
        final IommuEngine e = engine(r);
        e.submit(InvCommand.atcAll(broken.fn()));
        e.submit(InvCommand.atcAll(healthy.fn())); // batched under one CMD_SYNC
        e.sync();
        r.sched.runUntil(1 * S + 1);
        final var scheduled = r.fabric.events().events(EventType.INFO_RECOVERY_SCHEDULED);
        assertEquals(1, scheduled.size());
        assertEquals(healthy.fn().bdf(), scheduled.get(0).bdf(), "§7 scenario 12: the wrong culprit is reset");
        assertTrue(scheduled.get(0).detail().contains(broken.fn().bdf().toString()));
    }

    @Test
    void vtdNamesTheCulpritAndAbortsEveryPendingWait() {
        final AtsRig r = new AtsRig(ProtocolModel.LINUX_7_1, RecoveryPolicy.SEED_WORKER,
            AtsConfig.defaults().withFlavour(InvFlavour.VTD));
        final AtsFunction broken = r.add("01:00.0", true, 0);
        final AtsFunction slow = r.add("01:00.1", true, 0);
        broken.response(InvResponse.HANG);
        slow.answerLatencyNs(2 * S);
        final IommuEngine e = engine(r);
        e.submit(InvCommand.atcAll(broken.fn()));
        e.submit(InvCommand.atcAll(slow.fn()));
        final InvCompletion c = e.sync();
        r.sched.runUntil(1 * S + 1);
        assertEquals(Errno.EAGAIN, c.poll(), "ITE: the wait descriptor is aborted");
        assertEquals(1, e.aborted(), "the slow but healthy invalidation was aborted too");
        assertEquals(broken.fn().bdf(), r.fabric.events().events(EventType.INFO_RECOVERY_SCHEDULED).get(0).bdf());
        r.sched.runUntil(3 * S);
        assertEquals(1, e.lateCompletions(), "its answer arrives for a retired ITag");
    }

    @Test
    void vtdUnmapResubmitsThenGivesUp() {
        final AtsRig r = new AtsRig(ProtocolModel.LINUX_7_1, RecoveryPolicy.NONE,
            AtsConfig.defaults().withFlavour(InvFlavour.VTD));
        final AtsFunction f = r.add("01:00.0", true, 0);
        final Domain d = r.domain();
        r.ats.map(d, 9, 1, true);
        r.ats.dma(f, 0, 9, true);
        f.response(InvResponse.HANG);
        assertEquals(Errno.ETIMEDOUT, r.unmapSync(d, 9));
        assertEquals(4, engine(r).timeouts(), "first try + vtdMaxRetries (3) resubmissions");
        assertEquals(1, r.ats.pagesFreed(), "the page is freed anyway");
    }

    @Test
    void theDeviceIgnoresInvalidationsWhileItResets() {
        // §7 scenario 15: unmap racing a reset of a function that ignores invalidations in reset
        final AtsRig r = new AtsRig(ProtocolModel.LINUX_7_1, RecoveryPolicy.NONE, AtsConfig.defaults());
        final AtsFunction f = r.add("01:00.0", true, 0);
        f.response(InvResponse.IGNORE_IN_RESET);
        final Domain d = r.domain();
        r.ats.map(d, 5, 1, true);
        r.ats.dma(f, 0, 5, true);
        final Errno[] reset = new Errno[1];
        r.pci.resetFunction(f.dev(), rc -> reset[0] = rc);
        assertTrue(r.parked(f), "prepare disabled ATS before the FLR bit was set");
        final List<Errno> out = new ArrayList<>();
        r.ats.unmap(d, 5, out::add);
        r.sched.runUntilIdle();
        assertEquals(List.of(Errno.OK), out);
        assertEquals(0, engine(r).timeouts(), "the unmap did not send to the parked function");
        assertEquals(Errno.OK, reset[0]);
        assertEquals(0, f.atc().size(), "the disable flush or the reset emptied the ATC");
        assertEquals(0, r.count(EventType.VIOLATION_INVALIDATION_TO_BLOCKED));
    }

    @Test
    void lazyUnmapFreesAfterTheBatchedFlush() {
        final AtsRig r = new AtsRig(ProtocolModel.LINUX_7_1, RecoveryPolicy.NONE,
            AtsConfig.defaults().withStrict(false));
        final AtsFunction f = r.add("01:00.0", true, 0);
        final Domain d = r.domain();
        for (int i = 0; i < 4; i++) {
            r.ats.map(d, i, 1, true);
            r.ats.dma(f, 0, i, true);
        }
        final List<Errno> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            r.ats.unmap(d, i, out::add);
        }
        assertEquals(4, out.size(), "lazy: unmap returns at once");
        assertEquals(0, r.ats.pagesFreed());
        r.sched.runUntilIdle();
        assertEquals(4, r.ats.pagesFreed());
        assertEquals(1, engine(r).issued(), "one global invalidation for the batch");
        assertEquals(0, f.atc().size());
    }

    @Test
    void blockedFunctionsGetNoTranslationAndNoTranslatedAccess() {
        final AtsRig r = new AtsRig(ProtocolModel.LINUX_7_1, RecoveryPolicy.NONE, AtsConfig.defaults());
        final AtsFunction f = r.add("01:00.0", true, 0);
        final Domain d = r.domain();
        r.ats.map(d, 2, 1, true);
        r.ats.dma(f, 0, 2, true);
        f.response(InvResponse.HANG); // keep its ATC entry through the disable flush
        assertEquals(Errno.OK, r.group.prepare(f.fn()));
        r.sched.runUntilIdle();
        assertFalse(f.atsEnabled());
        assertEquals(1, f.atc().size(), "still cached (hung)");
        assertEquals(Errno.EIO, r.ats.dma(f, 0, 2, true), "translated request rejected while blocked");
        assertEquals(Errno.EFAULT, r.ats.translate(f, 0, 2), "no translation for a blocked function");
        f.response(InvResponse.NORMAL);
        r.group.done(f.fn());
        r.sched.runUntilIdle();
        assertTrue(f.atsEnabled(), "re-enabled after the flush");
        assertEquals(0, f.atc().size(), "the enable path invalidated the ATC first (invariant 5)");
        assertEquals(0, r.count(EventType.WARN_ATS_ENABLE_ORDER));
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolModel.class, names = {"LINUX_7_0", "LINUX_7_1"})
    void pasidDetachDuringAResetSendsAnInvalidationToTheBlockedFunctionOnlyIn70(final ProtocolModel m) {
        final AtsRig r = new AtsRig(m, RecoveryPolicy.NONE, AtsConfig.defaults());
        final AtsFunction f = r.add("01:00.0", true, 8);
        final Domain sva = r.fabric.allocPagingDomain();
        assertEquals(Errno.OK, r.group.attachPasid(f.fn(), 1, sva));
        r.group.prepare(f.fn());
        r.group.detachPasid(f.fn(), 1);
        r.sched.runUntilIdle();
        assertEquals(m == ProtocolModel.LINUX_7_0 ? 1 : 0, r.count(EventType.VIOLATION_INVALIDATION_TO_BLOCKED),
            "§1.6 row 5, fixed by fc3523b16d2b");
    }
}
