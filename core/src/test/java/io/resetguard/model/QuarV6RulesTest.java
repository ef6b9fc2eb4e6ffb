package io.resetguard.model;

import io.resetguard.Rig;
import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.fabric.AttachListener;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.oracle.Oracle;
import io.resetguard.state.DeviceState;
import io.resetguard.state.GdevBlocked;
import io.resetguard.state.GroupState;
import io.resetguard.state.StateImpl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * quar-v6 (unmerged, QUAR v6 direction, docs/protocol.md §2.5a) on both state cells: done(result)
 * balances the depth, a failed outermost done() leaves the function BROKEN and counted, only a
 * successful one unblocks it and calls reset_device_done; and each [inference] choice of
 * {@code DeviceCounterRules}.
 */
class QuarV6RulesTest {

    private static List<PciFunction> resetDeviceDone(final Rig r) {
        final List<PciFunction> calls = new ArrayList<>();
        r.group.addAttachListener(new AttachListener() {
            @Override
            public void onPhysicalChange(final IommuGroup g, final PciFunction fn, final DeviceState b,
                                         final DeviceState a) {
            }

            @Override
            public void onResetDeviceDone(final IommuGroup g, final PciFunction fn) {
                calls.add(fn);
            }
        });
        return calls;
    }

    @Test
    void theModelIsATableRow() {
        final ProtocolModel m = ProtocolModel.QUAR_V6;
        assertEquals("quar-v6", m.cliName());
        assertSame(m, ProtocolModel.parse("quar-v6"));
        assertEquals(ProtocolModel.Bookkeeping.DEVICE_COUNTER, m.bookkeeping());
        assertTrue(m.reentryAllowed());
        assertEquals(ProtocolModel.AfterReset.PASS_RESULT, m.afterReset());
        assertEquals(ProtocolModel.GdevBlockedKind.ENUM_WITH_BROKEN, m.gdevBlocked());
        assertEquals(ProtocolModel.ProbeHooks.NONE, m.probeHooks());
        assertTrue(m.description().startsWith("unmerged, QUAR v6 direction"), m.description());
        for (final ProtocolModel o : ProtocolModel.values()) {
            assertFalse(o.description().isBlank(), o::cliName);
            assertFalse(o.description().contains("\n"), o::cliName);
            if (o != m) {
                assertEquals(ProtocolModel.GdevBlockedKind.BOOL, o.gdevBlocked(), o::cliName);
                assertEquals(ProtocolModel.ProbeHooks.PREPARE_DONE, o.probeHooks(), o::cliName);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void aFailedResetLeavesTheFunctionBrokenCountedAndFenced(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.QUAR_V6, impl);
        final List<PciFunction> hook = resetDeviceDone(r);
        assertEquals(Errno.OK, r.group.prepare(r.a));
        assertEquals(GdevBlocked.RESETTING, r.dev(r.a).blockedState());
        assertTrue(r.group.finishReset(r.a, Errno.ENOTTY), "done(result) is always called");
        assertEquals(0, r.dev(r.a).depth(), "the depth is balanced");
        assertEquals(GdevBlocked.BROKEN, r.dev(r.a).blockedState());
        assertTrue(r.dev(r.a).blocked());
        assertEquals(1, r.s().recoveryCnt(), "still counted in recovery_cnt");
        assertTrue(r.parkedOnBlocking(r.a));
        assertTrue(r.group.isParked(r.a));
        assertEquals(List.of(), hook, "no reset_device_done for a failed reset");
        assertEquals(0, r.count(EventType.LOG_RESET_FAILED_BLOCKING_ATS), "not the seed's skip-done");
        assertEquals(Errno.EBUSY, r.group.attachGroup(r.fabric.allocPagingDomain()), "the group stays fenced");
        assertEquals(Errno.EBUSY, r.group.deferredAttach(r.a));
        assertEquals(Errno.OK, r.group.deferredAttach(r.b), "a sibling's own lazy attach is not fenced");
        r.assertInvariants();
        r.assertNoWarnings();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void onlyASuccessfulResultUnblocksAndCallsResetDeviceDone(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.QUAR_V6, impl);
        final List<PciFunction> hook = resetDeviceDone(r);
        r.group.prepare(r.a);
        r.group.finishReset(r.a, Errno.OK);
        assertEquals(GdevBlocked.NONE, r.dev(r.a).blockedState());
        assertEquals(0, r.s().recoveryCnt());
        assertSame(r.s().domain(), r.dev(r.a).rid());
        assertEquals(List.of(r.a), hook);
        r.assertInvariants();
        r.assertNoWarnings();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void inferenceAPrepareOfABrokenFunctionStartsANewAttemptWithoutASecondUnit(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.QUAR_V6, impl);
        final List<PciFunction> hook = resetDeviceDone(r);
        r.group.prepare(r.a);
        r.group.finishReset(r.a, Errno.EIO);
        final Domain rid = r.dev(r.a).rid();
        assertEquals(Errno.OK, r.group.prepare(r.a));
        assertEquals(GdevBlocked.RESETTING, r.dev(r.a).blockedState(), "[inference] BROKEN -> RESETTING");
        assertEquals(1, r.dev(r.a).depth());
        assertEquals(1, r.s().recoveryCnt(), "[inference] not counted twice");
        assertSame(rid, r.dev(r.a).rid(), "already parked: no attach change");
        r.assertInvariants();
        r.group.finishReset(r.a, Errno.EIO);
        assertEquals(GdevBlocked.BROKEN, r.dev(r.a).blockedState(), "a second failure: BROKEN again");
        assertEquals(1, r.s().recoveryCnt());
        r.group.prepare(r.a);
        r.group.finishReset(r.a, Errno.OK);
        assertEquals(GdevBlocked.NONE, r.dev(r.a).blockedState(), "a later good reset lifts it");
        assertEquals(0, r.s().recoveryCnt());
        assertSame(r.s().domain(), r.dev(r.a).rid());
        assertEquals(List.of(r.a), hook, "reset_device_done once, for the good reset");
        r.assertInvariants();
        r.assertNoWarnings();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void inferenceANestedDoneOnlyBalancesTheDepthAndTheOutermostResultDecides(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.QUAR_V6, impl);
        r.group.prepare(r.a);
        r.group.prepare(r.a);
        r.group.done(r.a, Errno.EIO);  // inner failure: a decrement only [inference]
        assertEquals(1, r.dev(r.a).depth());
        assertEquals(GdevBlocked.RESETTING, r.dev(r.a).blockedState());
        r.assertInvariants();
        r.group.done(r.a, Errno.OK);   // outer success unblocks
        assertEquals(GdevBlocked.NONE, r.dev(r.a).blockedState());
        assertEquals(0, r.s().recoveryCnt());

        r.group.prepare(r.b);
        r.group.prepare(r.b);
        r.group.done(r.b, Errno.OK);   // inner success does not unblock
        assertEquals(GdevBlocked.RESETTING, r.dev(r.b).blockedState());
        r.group.done(r.b, Errno.EIO);  // outer failure: BROKEN
        assertEquals(GdevBlocked.BROKEN, r.dev(r.b).blockedState());
        assertEquals(1, r.s().recoveryCnt());
        r.assertInvariants();
        r.assertNoWarnings();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void inferenceADoneWithoutPrepareCannotLiftTheQuarantine(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.QUAR_V6, impl);
        final List<PciFunction> hook = resetDeviceDone(r);
        r.group.prepare(r.a);
        r.group.finishReset(r.a, Errno.EIO);
        r.group.done(r.a, Errno.OK);   // unbalanced: depth is 0
        assertEquals(1, r.count(EventType.WARN_DONE_UNBALANCED));
        assertEquals(GdevBlocked.BROKEN, r.dev(r.a).blockedState(), "[inference] still BROKEN");
        assertEquals(1, r.s().recoveryCnt());
        assertEquals(List.of(), hook);
        r.assertInvariants();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void aNonAtsFunctionIsNeverBlockedWhateverTheResult(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.QUAR_V6, impl);
        final List<PciFunction> hook = resetDeviceDone(r);
        final Domain rid = r.dev(r.noAts).rid();
        assertEquals(Errno.OK, r.group.prepare(r.noAts));
        assertTrue(r.group.finishReset(r.noAts, Errno.EIO));
        assertEquals(GdevBlocked.NONE, r.dev(r.noAts).blockedState(), "as result-to-done: never blocked");
        assertSame(rid, r.dev(r.noAts).rid(), "its DMA kept translating through the reset");
        assertEquals(0, r.s().recoveryCnt());
        assertEquals(List.of(), hook, "nothing to lift, nothing reported");
        r.assertNoWarnings();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void aTeardownWhileBrokenUpdatesTheDomainAndTheGoodResetAttachesIt(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.QUAR_V6, impl);
        final Domain paging = r.fabric.allocPagingDomain();
        r.group.prepare(r.a);
        r.group.finishReset(r.a, Errno.EIO);
        r.group.claimDmaOwner();           // -EBUSY: fenced
        assertFalse(r.s().owned());
        r.group.detachGroup();             // MUST_SUCCEED: bypasses the fence, skips the BROKEN gdev
        assertTrue(r.parkedOnBlocking(r.a));
        assertEquals(GdevBlocked.BROKEN, r.dev(r.a).blockedState());
        r.assertInvariants();
        r.group.prepare(r.a);
        r.group.finishReset(r.a, Errno.OK);
        assertSame(r.s().domain(), r.dev(r.a).rid());
        assertEquals(Errno.OK, r.group.attachGroup(paging), "the fence is gone");
        r.assertInvariants();
    }

    @Test
    void theSeedsRuleLivesInTheModelAndReadsOnlyTheTrait() {
        for (final ProtocolModel m : ProtocolModel.values()) {
            final Rig r = new Rig(m, StateImpl.LOCK_FREE);
            final ResetRules rules = ResetRules.of(m);
            final boolean seedRule = m.afterReset() == ProtocolModel.AfterReset.DONE_ON_SUCCESS_OR_NO_ATS;
            assertEquals(!seedRule, rules.callsDoneAfterReset(r.a, Errno.EIO), m::cliName);
            assertTrue(rules.callsDoneAfterReset(r.a, Errno.OK), m::cliName);
            assertTrue(rules.callsDoneAfterReset(r.noAts, Errno.EIO), m::cliName);
            r.group.prepare(r.a);
            assertEquals(!seedRule, r.group.finishReset(r.a, Errno.EIO), m::cliName);
            assertEquals(seedRule ? 1 : 0, r.count(EventType.LOG_RESET_FAILED_BLOCKING_ATS), m::cliName);
        }
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void invariant7SeesBrokenAtTheWrongDepthAndResettingAtDepthZero(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.QUAR_V6, impl);
        r.group.prepare(r.a);
        final GroupState s = r.s();
        final int i = s.indexOf(r.a);
        final DeviceState d = s.device(i);
        assertTrue(Invariants.check(r.group, s).isEmpty());
        final GroupState brokenNested = s.withDevice(i, d.with(GdevBlocked.BROKEN, 1, d.rid()));
        assertTrue(Invariants.check(r.group, brokenNested).stream().anyMatch(v -> v.startsWith("7:")),
            () -> Invariants.check(r.group, brokenNested).toString());
        final GroupState resettingAtZero = s.withDevice(i, d.with(GdevBlocked.RESETTING, 0, d.rid()));
        assertTrue(Invariants.check(r.group, resettingAtZero).stream().anyMatch(v -> v.startsWith("7:")),
            "quar-v6 names a kept block BROKEN; RESETTING at depth 0 is a lost state");
        final GroupState broken = s.withDevice(i, d.with(GdevBlocked.BROKEN, 0, d.rid()));
        assertTrue(Invariants.check(r.group, broken).isEmpty(), () -> Invariants.check(r.group, broken).toString());

        final Rig rtd = new Rig(ProtocolModel.RESULT_TO_DONE, impl);
        rtd.group.prepare(rtd.a);
        final GroupState t = rtd.s();
        final int k = t.indexOf(rtd.a);
        final GroupState boolBroken = t.withDevice(k, t.device(k).with(GdevBlocked.BROKEN, 0, t.device(k).rid()));
        assertTrue(Invariants.check(rtd.group, boolBroken).stream().anyMatch(v -> v.startsWith("7:")),
            "BROKEN never appears under a bool model");
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolModel.class, names = {"QUAR_V6", "LINUX_7_1", "LINUX_7_0"})
    void removingABlockedFunctionLeaksItsUnitAndTheReportSaysTheSiblingsStayFenced(final ProtocolModel m) {
        final Rig r = new Rig(m, StateImpl.LOCK_FREE);
        r.group.prepare(r.a);
        if (m == ProtocolModel.QUAR_V6) {
            r.group.finishReset(r.a, Errno.EIO); // BROKEN, then removed
            assertEquals(GdevBlocked.BROKEN, r.dev(r.a).blockedState());
        }
        assertEquals(Errno.OK, r.group.unplug(r.a));
        assertEquals(1, r.s().orphanedRecoveries());
        assertSame(r.a, r.s().orphans()[0]);
        if (m.bookkeeping() == ProtocolModel.Bookkeeping.DEVICE_COUNTER) {
            assertEquals(1, r.s().recoveryCnt(), "the leaked recovery_cnt unit");
        }
        r.assertInvariants();
        assertEquals(Errno.EBUSY, r.group.attachGroup(r.fabric.allocPagingDomain()));
        final var found = new Oracle(r.fabric, null).checkQuiescent();
        assertEquals(1, found.size(), found::toString);
        final String bdf = r.a.bdf().toString();
        assertTrue(found.get(0).detail().contains("siblings of " + bdf + " stay fenced: every attach in the group"
            + " returns -EBUSY until the group is torn down"), found.get(0)::detail);
        assertEquals(EventType.VIOLATION_LIVENESS, found.get(0).type());
    }
}
