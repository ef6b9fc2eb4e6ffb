package io.resetguard.model;

import io.resetguard.Rig;
import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Domain;
import io.resetguard.fault.FaultInjector;
import io.resetguard.fault.FaultPoint;
import io.resetguard.fault.ScriptedFaults;
import io.resetguard.state.StateImpl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Linux 7.0 (M70): docs/protocol.md §1.2, §1.4, §1.6 and invariant 14, on both state cells. */
class Linux70RulesTest {

    private static Rig rig(final StateImpl impl) {
        return new Rig(ProtocolModel.LINUX_7_0, impl);
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void prepareParksRidOnBlockingAndRetainsGroupDomain(final StateImpl impl) {
        final Rig r = rig(impl);
        final Domain before = r.s().domain();
        assertEquals(Errno.OK, r.group.prepare(r.a));
        assertTrue(r.s().resetting());
        assertSame(r.a, r.s().resettingBy());
        assertTrue(r.parkedOnBlocking(r.a));
        assertSame(before, r.s().domain(), "group->domain is retained (§1.2 step 5)");
        assertSame(before, r.dev(r.b).rid(), "only this device is moved, not its siblings");
        assertTrue(r.s().blockingAllocated());
        r.assertInvariants();
        r.assertNoWarnings();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void reentryWarnsAndReturnsEbusyWithoutChange(final StateImpl impl) {
        final Rig r = rig(impl);
        r.group.prepare(r.a);
        final var before = r.s();
        assertEquals(Errno.EBUSY, r.group.prepare(r.a));
        assertSame(before, r.s(), "a refused re-entry changes nothing");
        assertEquals(1, r.count(EventType.WARN_PREPARE_REENTRY));
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void siblingPrepareIsRefusedGroupWide(final StateImpl impl) {
        final Rig r = rig(impl);
        r.group.prepare(r.a);
        assertEquals(Errno.EBUSY, r.group.prepare(r.b));
        assertEquals(1, r.count(EventType.WARN_PREPARE_REENTRY));
        assertFalse(r.parkedOnBlocking(r.b));
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void nonAtsFunctionIsNeverParked(final StateImpl impl) {
        final Rig r = rig(impl);
        assertEquals(Errno.OK, r.group.prepare(r.noAts));
        assertFalse(r.s().resetting());
        assertFalse(r.parkedOnBlocking(r.noAts));
        assertFalse(r.s().blockingAllocated(), "no blocking domain is even allocated");
        r.group.done(r.noAts);
        r.assertNoWarnings();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void doneReattachesToTheCurrentDomainAndClearsTheFlag(final StateImpl impl) {
        final Rig r = rig(impl);
        final Domain d = r.s().domain();
        r.group.prepare(r.a);
        r.group.done(r.a);
        assertFalse(r.s().resetting());
        assertSame(d, r.dev(r.a).rid());
        r.assertInvariants();
        r.assertNoWarnings();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void doneWithoutPrepareIsANoOp(final StateImpl impl) {
        final Rig r = rig(impl);
        final var before = r.s();
        r.group.done(r.a);
        assertSame(before, r.s());
        r.assertNoWarnings();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void doneBySiblingClearsTheFlagAndStrandsThePreparedFunction(final StateImpl impl) {
        final Rig r = rig(impl);
        r.group.prepare(r.a);
        r.group.done(r.b);
        assertFalse(r.s().resetting(), "one done() clears the group flag, whoever calls it");
        assertTrue(r.parkedOnBlocking(r.a), "a stays physically blocked");
        r.group.done(r.a);
        assertTrue(r.parkedOnBlocking(r.a), "a's own done() is now a no-op: stranded");
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void blockingDomainAllocationFailureReturnsEnomem(final StateImpl impl) {
        final ScriptedFaults f = new ScriptedFaults();
        final Rig r = new Rig(ProtocolModel.LINUX_7_0, impl, f, true, 0);
        f.then(FaultPoint.BLOCKING_DOMAIN_ALLOC, r.a, Errno.ENOMEM);
        final var before = r.s();
        assertEquals(Errno.ENOMEM, r.group.prepare(r.a));
        assertSame(before, r.s());
        assertEquals(Errno.OK, r.group.prepare(r.a), "the next attempt allocates");
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void attachFailureReturnsTheErrorAndKeepsTheBlockingDomain(final StateImpl impl) {
        final ScriptedFaults f = new ScriptedFaults();
        final Rig r = new Rig(ProtocolModel.LINUX_7_0, impl, f, true, 0);
        f.then(FaultPoint.DEVICE_ATTACH, r.a, Errno.EIO);
        assertEquals(Errno.EIO, r.group.prepare(r.a));
        assertFalse(r.s().resetting());
        assertFalse(r.parkedOnBlocking(r.a));
        assertTrue(r.s().blockingAllocated(), "the allocated blocking domain is kept (§1.2 step 5)");
        r.assertInvariants();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void pasidsAreRemovedAndRestoredGroupWide(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.LINUX_7_0, impl, FaultInjector.NONE, true, 8);
        final Domain sva = r.fabric.allocPagingDomain();
        assertEquals(Errno.OK, r.group.attachPasid(r.a, 3, sva));
        assertSame(sva, r.dev(r.a).pasids().get(3));
        assertSame(sva, r.dev(r.b).pasids().get(3));
        r.group.prepare(r.a);
        assertNull(r.dev(r.a).pasids().get(3), "§1.2 step 6");
        assertSame(sva, r.s().pasidArray().get(3), "pasid_array retained");
        r.group.done(r.a);
        assertSame(sva, r.dev(r.a).pasids().get(3));
        r.assertInvariants();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void nullGroupDomainOopsesInDone(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.LINUX_7_0, impl, FaultInjector.NONE, false, 0);
        assertNull(r.s().domain());
        assertEquals(Errno.OK, r.group.prepare(r.a), "the old-domain argument may be NULL");
        r.group.done(r.a);
        assertEquals(1, r.count(EventType.OOPS_DONE_NULL_DOMAIN), "7.0 lacks d769711fcddd");
        assertTrue(r.s().resetting(), "the oops aborted done(): the group stays resetting");
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void attachesDuringResetAreRefusedWithEbusy(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.LINUX_7_0, impl, FaultInjector.NONE, true, 8);
        final Domain d = r.fabric.allocPagingDomain();
        r.group.prepare(r.a);
        final var before = r.s();
        assertEquals(Errno.EBUSY, r.group.attachGroup(d));
        assertEquals(Errno.EBUSY, r.group.replaceGroup(d));
        assertEquals(Errno.EBUSY, r.group.attachPasid(r.b, 2, d));
        assertEquals(Errno.EBUSY, r.group.deferredAttach(r.b), "7.0 fences deferred attach group-wide");
        assertEquals(Errno.EBUSY, r.group.claimDmaOwner());
        assertSame(before, r.s(), "invariant 11: nothing changed");
        assertSame(r.group.blockingDomain(), r.group.driverGetDomain(r.b), "resetting_domain, group-wide");
        assertSame(before.domain(), r.group.getDomain(r.a), "external callers see group->domain");
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void nofailTeardownDuringResetLeadsToUseAfterFree(final StateImpl impl) {
        final Rig r = rig(impl);
        final Domain user = r.fabric.allocPagingDomain();
        assertEquals(Errno.OK, r.group.attachGroup(user));
        r.group.prepare(r.a);
        r.group.detachGroup();                      // VFIO close during the reset
        assertEquals(1, r.count(EventType.WARN_NOFAIL_SET_DOMAIN));
        assertSame(user, r.s().domain(), "group->domain still points at the user domain");
        assertEquals(Errno.OK, r.fabric.freeDomain(user)); // ... which the caller frees
        assertTrue(Invariants.check(r.group, r.s()).stream().anyMatch(v -> v.startsWith("12:")));
        r.group.done(r.a);
        assertEquals(1, r.count(EventType.VIOLATION_USE_AFTER_FREE), "detected, not reproduced");
        assertTrue(r.parkedOnBlocking(r.a), "the freed domain was not attached");
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void pasidDetachDuringResetIsRedundantAndNotRestored(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.LINUX_7_0, impl, FaultInjector.NONE, true, 8);
        final Domain sva = r.fabric.allocPagingDomain();
        r.group.attachPasid(r.a, 5, sva);
        r.group.prepare(r.a);
        assertEquals(Errno.OK, r.group.detachPasid(r.a, 5), "not fenced");
        assertEquals(1, r.count(EventType.LOG_REDUNDANT_PASID_REMOVE));
        r.group.done(r.a);
        assertNull(r.dev(r.a).pasids().get(5), "done() must not resurrect a detached PASID");
        assertNull(r.s().pasidArray().get(5));
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void hotplugDuringResetLandsOnGroupDomain(final StateImpl impl) {
        final Rig r = rig(impl);
        r.group.prepare(r.a);
        final var c = r.group.addFunction(io.resetguard.fabric.Bdf.parse("0000:3b:00.3"), true, 0);
        assertSame(r.s().domain(), r.dev(c).rid());
        r.assertInvariants();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void finishResetAlwaysCallsDone(final StateImpl impl) {
        final Rig r = rig(impl);
        r.group.prepare(r.a);
        assertTrue(r.group.finishReset(r.a, Errno.ENOTTY));
        assertFalse(r.s().resetting(), "7.0 unblocks a function whose reset failed");
        assertFalse(r.parkedOnBlocking(r.a));
        assertEquals(0, r.count(EventType.LOG_RESET_FAILED_BLOCKING_ATS));
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void unplugMidResetLeavesTheGroupFencedUntilAnyDone(final StateImpl impl) {
        final Rig r = rig(impl);
        r.group.prepare(r.a);
        assertEquals(Errno.OK, r.group.unplug(r.a));
        assertTrue(r.s().resetting(), "resetting_domain stays set");
        assertEquals(1, r.s().orphanedRecoveries());
        assertEquals(Errno.EBUSY, r.group.attachGroup(r.fabric.allocPagingDomain()));
        assertEquals(Errno.OK, r.group.hotplug(r.a));
        assertFalse(r.parkedOnBlocking(r.a), "the re-added function is not parked");
        r.assertInvariants();
        r.group.done(r.b);                  // any done() clears the flag
        assertFalse(r.s().resetting());
        assertEquals(0, r.s().orphanedRecoveries());
        r.assertInvariants();
    }
}
