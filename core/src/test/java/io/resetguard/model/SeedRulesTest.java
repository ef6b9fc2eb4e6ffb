package io.resetguard.model;

import io.resetguard.Rig;
import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.state.StateImpl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The seed patch (SEED): docs/protocol.md §2.3 and invariant 4, on both state cells. */
class SeedRulesTest {

    private static Rig rig(final StateImpl impl) {
        return new Rig(ProtocolModel.SEED, impl);
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void reentryReturnsZeroWithoutWarning(final StateImpl impl) {
        final Rig r = rig(impl);
        assertEquals(Errno.OK, r.group.prepare(r.a));
        final var before = r.s();
        assertEquals(Errno.OK, r.group.prepare(r.a), "Already prepared");
        assertSame(before, r.s());
        r.assertNoWarnings();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void failedResetKeepsTheFunctionBlockedAndLogs(final StateImpl impl) {
        final Rig r = rig(impl);
        r.group.prepare(r.a);
        assertFalse(r.group.finishReset(r.a, Errno.ENOTTY));
        assertTrue(r.s().resetting());
        assertTrue(r.parkedOnBlocking(r.a), "invariant 4: never unblocked by a failed reset");
        assertEquals(1, r.count(EventType.LOG_RESET_FAILED_BLOCKING_ATS));
        r.assertInvariants();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void laterSuccessfulResetUnblocks(final StateImpl impl) {
        final Rig r = rig(impl);
        r.group.prepare(r.a);
        r.group.finishReset(r.a, Errno.ENOTTY);  // failed FLR
        assertEquals(Errno.OK, r.group.prepare(r.a), "next attempt re-enters");
        assertTrue(r.group.finishReset(r.a, Errno.OK));
        assertFalse(r.s().resetting());
        assertSame(r.s().domain(), r.dev(r.a).rid());
        r.assertInvariants();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void laterFailedResetStaysBlocked(final StateImpl impl) {
        final Rig r = rig(impl);
        r.group.prepare(r.a);
        r.group.finishReset(r.a, Errno.ENOTTY);
        r.group.prepare(r.a);
        r.group.finishReset(r.a, Errno.EIO);
        assertTrue(r.parkedOnBlocking(r.a));
        assertEquals(2, r.count(EventType.LOG_RESET_FAILED_BLOCKING_ATS));
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void nonAtsFunctionIsDoneEvenOnFailure(final StateImpl impl) {
        final Rig r = rig(impl);
        r.group.prepare(r.noAts);
        assertTrue(r.group.finishReset(r.noAts, Errno.EIO), "!pci_ats_supported(): done() regardless");
        assertEquals(0, r.count(EventType.LOG_RESET_FAILED_BLOCKING_ATS));
        assertFalse(r.parkedOnBlocking(r.noAts));
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void siblingPrepareReturnsZeroButTheSiblingIsNotParked(final StateImpl impl) {
        final Rig r = rig(impl);
        r.group.prepare(r.a);
        assertEquals(Errno.OK, r.group.prepare(r.b), "the group-wide 'Already prepared' check");
        assertFalse(r.parkedOnBlocking(r.b), "hazard: b is reset while still translating");
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void attachesStayFencedWhileKeptBlocked(final StateImpl impl) {
        final Rig r = rig(impl);
        r.group.prepare(r.a);
        r.group.finishReset(r.a, Errno.ETIMEDOUT);
        assertEquals(Errno.EBUSY, r.group.attachGroup(r.fabric.allocPagingDomain()));
    }
}
