package io.resetguard.inv;

import io.resetguard.fabric.PciFunction;

import java.util.List;

/**
 * InvBatch - the ATC invalidations one sync covered, as the driver's interrupt path sees them when
 * one of them timed out: every function an ATC_INV of the batch was sent to, and those whose own
 * invalidation timed out. A batch is the run of ATC_INV commands the engine dequeued after the
 * previous SYNC and up to the SYNC that completes them (one {@code arm_smmu_cmdq_issue_cmdlist()}
 * with its CMD_SYNC, one {@code qi_submit_sync()} call, one run of commands before an AMD
 * COMPLETION_WAIT). Muted commands were never sent, so their functions are not in it.
 *
 * <p>The QUAR v4 agreement (docs/protocol.md §2.5, §2.5a) treats every function of a timed-out
 * batch as broken; {@link #healthy} names the ones that pay for that without being broken.
 *
 * @param functions every function the batch sent an ATC invalidation to, in issue order, once each
 * @param timedOut  the functions whose invalidation in the batch timed out so far (under VT-d the
 *                  first ITE aborts the rest, so only one; under SMMUv3 all of them, since the
 *                  SYNC that reports waits for the whole batch)
 */
public record InvBatch(List<PciFunction> functions, List<PciFunction> timedOut) {
    /** Copies both lists. */
    public InvBatch {
        functions = List.copyOf(functions);
        timedOut = List.copyOf(timedOut);
    }

    /** @return a batch of one function whose invalidation timed out (a caller that knows no more). */
    public static InvBatch of(final PciFunction fn) {
        return new InvBatch(List.of(fn), List.of(fn));
    }

    /** @return whether {@code fn} was in the batch and its own invalidation did not time out. */
    public boolean healthy(final PciFunction fn) {
        return functions.contains(fn) && !timedOut.contains(fn);
    }
}
