package io.resetguard.ats;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Domain;
import io.resetguard.mem.PhysMem;
import io.resetguard.model.ProtocolModel;
import io.resetguard.recovery.RecoveryPolicy;
import io.resetguard.state.GdevBlocked;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.resetguard.ats.AtsRig.MS;
import static io.resetguard.ats.AtsRig.S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed's story end to end (seed patch commit message; docs/protocol.md §5 "memory
 * corruption, concretely"), per protocol model and recovery policy:
 * <ol>
 * <li>the function's ATC caches IOVA 7 -&gt; page P;</li>
 * <li>the function stops answering invalidations (and, hung, no longer honours bus mastering);</li>
 * <li>the unmap's ATC invalidation times out; SMMUv3 lets the sync complete, so P is freed;</li>
 * <li>recovery runs and every reset method fails;</li>
 * <li>P is reallocated to another owner;</li>
 * <li>the function keeps issuing translated writes to IOVA 7.</li>
 * </ol>
 * Then the device recovers and a later reset succeeds.
 */
class SeedStoryTest {
    private static final long IOVA = 7;

    private static final class Story {
        final AtsRig r;
        final AtsFunction nic;
        final long page;
        final long reused;

        Story(final ProtocolModel m, final RecoveryPolicy p) {
            r = new AtsRig(m, p, AtsConfig.defaults());
            nic = r.add("0000:3b:00.0", true, 0);
            final Domain dma = r.domain();
            page = r.ats.map(dma, IOVA, 1, true);
            assertEquals(Errno.OK, r.ats.dma(nic, 0, IOVA, true), "step 1: the ATC caches the translation");
            assertEquals(1, nic.atc().size());
            nic.response(InvResponse.HANG);               // step 2
            nic.honorsBusMaster(false);
            r.resetsFail = true;                          // step 4's resets will fail
            assertEquals(Errno.OK, r.unmapSync(dma, IOVA), "step 3: SMMUv3 reports success");
            assertTrue(r.count(EventType.LOG_ATC_INV_TIMEOUT) >= 1);
            assertEquals(PhysMem.Access.FREED, r.mem.check(page));
            reused = r.mem.alloc(2);                      // step 5
            assertEquals(PhysMem.pfn(page), PhysMem.pfn(reused), "LIFO reuse: another owner has P now");
            r.writeEvery(nic, IOVA, 100 * MS, 300 * S);   // step 6, while recovery runs
            r.sched.runUntil(300 * S);
        }

        /** The device works again and a later reset succeeds. */
        Errno laterGoodReset() {
            nic.response(InvResponse.NORMAL);
            r.resetsFail = false;
            r.sched.runFor(400 * S); // let recoveries in flight finish
            return r.resetSync(nic);
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolModel.class)
    void fenceThenExternalReset(final ProtocolModel m) {
        final Story s = new Story(m, RecoveryPolicy.FENCE_THEN_RESET);
        final boolean unblocksOnFailure = m.afterReset() == ProtocolModel.AfterReset.ALWAYS_DONE;
        assertTrue(s.r.recovery.scheduled() >= 1, "recovery ran");
        assertTrue(s.r.recovery.failed() >= 1, "and its reset failed");
        if (unblocksOnFailure) {
            assertTrue(s.r.count(EventType.VIOLATION_MEMORY_CORRUPTION) > 0,
                m + ": done() after the failed reset re-enabled ATS over a stale ATC\n" + s.r.oracle.report());
        } else {
            assertEquals(0, s.r.count(EventType.VIOLATION_MEMORY_CORRUPTION), m + "\n" + s.r.oracle.report());
            assertTrue(s.r.parked(s.nic), m + ": kept blocked");
            if (m.gdevBlocked() == ProtocolModel.GdevBlockedKind.ENUM_WITH_BROKEN) {
                // quar-v6 (docs/protocol.md §2.5a): the failed reset's done(result) left it BROKEN
                assertEquals(GdevBlocked.BROKEN, s.nic.fn().group().snapshot().deviceOf(s.nic.fn()).blockedState(),
                    m + "\n" + s.r.oracle.report());
            }
        }
        assertEquals(0, s.r.count(EventType.VIOLATION_INVALIDATION_TO_BLOCKED), s.r.oracle.report());
        final Errno rc = s.laterGoodReset();
        assertEquals(Errno.OK, rc);
        if (m == ProtocolModel.SEED_ON_7_1) {
            assertTrue(s.r.parked(s.nic), "§2.6: stuck blocked after a successful reset");
            assertTrue(s.r.count(EventType.VIOLATION_LIVENESS) >= 1);
        } else {
            assertFalse(s.r.parked(s.nic), m + ": a later successful reset unblocks it");
            assertEquals(0, s.r.count(EventType.VIOLATION_LIVENESS));
        }
        final long before = s.r.count(EventType.VIOLATION_MEMORY_CORRUPTION);
        s.r.ats.dma(s.nic, 0, IOVA, true);
        assertEquals(before, s.r.count(EventType.VIOLATION_MEMORY_CORRUPTION), "the good reset flushed the ATC");
        assertEquals(0, s.nic.atc().size());
    }

    @ParameterizedTest
    @EnumSource(ProtocolModel.class)
    void seedWorker(final ProtocolModel m) {
        final Story s = new Story(m, RecoveryPolicy.SEED_WORKER);
        assertTrue(s.r.recovery.scheduled() >= 1);
        // The worker's own prepare() keeps every model blocked here; under 7.0 it makes the reset's
        // prepare() re-enter (WARN + -EBUSY): SEED 2/2 depends on 1/2.
        assertEquals(0, s.r.count(EventType.VIOLATION_MEMORY_CORRUPTION), m + "\n" + s.r.oracle.report());
        assertTrue(s.r.parked(s.nic));
        if (m == ProtocolModel.LINUX_7_0) {
            assertTrue(s.r.count(EventType.WARN_PREPARE_REENTRY) >= 1);
        }
        final Errno rc = s.laterGoodReset();
        switch (m) {
            case LINUX_7_0:
                assertEquals(Errno.EBUSY, rc, "wedged: resetting_domain is never cleared");
                assertTrue(s.r.parked(s.nic));
                break;
            case SEED:
                assertEquals(Errno.OK, rc);
                assertFalse(s.r.parked(s.nic), "flag semantics: one done() clears the worker's prepare too");
                break;
            default:
                // counters: the worker's prepare() has no done(): one depth level leaks (§2.6)
                assertEquals(Errno.OK, rc);
                assertTrue(s.r.parked(s.nic), m + ": leaked depth");
                assertTrue(s.r.count(EventType.VIOLATION_LIVENESS) >= 1);
                break;
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolModel.class)
    void withoutRecoveryEveryModelCorrupts(final ProtocolModel m) {
        final Story s = new Story(m, RecoveryPolicy.NONE);
        assertTrue(s.r.count(EventType.VIOLATION_MEMORY_CORRUPTION) > 0, "nothing fenced the stale ATC");
        final var v = s.r.oracle.violations().get(0);
        assertEquals(s.nic.fn().bdf(), v.event().bdf());
        assertTrue(v.event().detail().contains("pfn " + PhysMem.pfn(s.page)), v.report());
        assertTrue(v.event().detail().contains("owned by 2"), v.report());
        assertTrue(v.history().stream().anyMatch(e -> e.type() == EventType.LOG_ATC_INV_TIMEOUT), v.report());
        assertTrue(v.history().stream().anyMatch(e -> e.type() == EventType.INFO_PAGE_FREED), v.report());
    }
}
