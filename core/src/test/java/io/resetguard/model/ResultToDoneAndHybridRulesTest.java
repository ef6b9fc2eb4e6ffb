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

/** result-to-done (§2.5) and seed-on-7.1 (§2.6), on both state cells. */
class ResultToDoneAndHybridRulesTest {

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void resultToDoneKeepsAFailedFunctionQuarantinedWithBalancedDepth(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.RESULT_TO_DONE, impl);
        r.group.prepare(r.a);
        assertTrue(r.group.finishReset(r.a, Errno.ENOTTY), "done(result) is always called");
        assertEquals(0, r.dev(r.a).depth(), "the depth is balanced");
        assertTrue(r.dev(r.a).blocked(), "but the function stays blocked");
        assertEquals(1, r.s().recoveryCnt());
        assertTrue(r.parkedOnBlocking(r.a));
        r.assertInvariants();
        assertEquals(Errno.EBUSY, r.group.attachGroup(r.fabric.allocPagingDomain()));
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void resultToDoneUnblocksOnTheNextSuccessfulReset(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.RESULT_TO_DONE, impl);
        r.group.prepare(r.a);
        r.group.finishReset(r.a, Errno.ENOTTY);   // failed FLR
        assertEquals(Errno.OK, r.group.prepare(r.a)); // pm
        assertEquals(1, r.dev(r.a).depth());
        assertEquals(1, r.s().recoveryCnt(), "not counted twice");
        r.group.finishReset(r.a, Errno.OK);
        assertFalse(r.dev(r.a).blocked());
        assertEquals(0, r.s().recoveryCnt());
        assertSame(r.s().domain(), r.dev(r.a).rid());
        r.assertInvariants();
        r.assertNoWarnings();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void resultToDoneNestedFailureOnlyCountsAtTheOutermostDone(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.RESULT_TO_DONE, impl);
        r.group.prepare(r.a);
        r.group.prepare(r.a);
        r.group.done(r.a, Errno.EIO);  // inner failure: just a decrement
        assertEquals(1, r.dev(r.a).depth());
        r.group.done(r.a, Errno.OK);   // outer success unblocks
        assertFalse(r.dev(r.a).blocked());
        r.assertInvariants();
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void resultToDoneNeverBlocksANonAtsFunction(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.RESULT_TO_DONE, impl);
        r.group.prepare(r.noAts);
        r.group.finishReset(r.noAts, Errno.EIO);
        assertFalse(r.dev(r.noAts).blocked());
        assertEquals(0, r.s().recoveryCnt());
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void seedOn71LeaksADepthAndLeavesTheFunctionStuck(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.SEED_ON_7_1, impl);
        r.group.prepare(r.a);                       // flr
        assertFalse(r.group.finishReset(r.a, Errno.ENOTTY)); // readiness timeout: done skipped
        assertEquals(1, r.count(EventType.LOG_RESET_FAILED_BLOCKING_ATS));
        r.group.prepare(r.a);                       // pm: depth 2
        assertTrue(r.group.finishReset(r.a, Errno.OK));
        assertEquals(1, r.dev(r.a).depth(), "§2.6: one level leaked");
        assertTrue(r.dev(r.a).blocked(), "stuck blocked after a successful reset");
        assertEquals(1, r.s().recoveryCnt());
        assertEquals(Errno.EBUSY, r.group.attachGroup(r.fabric.allocPagingDomain()),
            "every attach in the group keeps failing");
        r.assertInvariants(); // the state is consistent: the hazard is liveness, not bookkeeping
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void seedOn71FailedResetThenFailedResetStaysBlocked(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.SEED_ON_7_1, impl);
        r.group.prepare(r.a);
        r.group.finishReset(r.a, Errno.EIO);
        assertTrue(r.dev(r.a).blocked());
        assertTrue(r.parkedOnBlocking(r.a));
    }
}
