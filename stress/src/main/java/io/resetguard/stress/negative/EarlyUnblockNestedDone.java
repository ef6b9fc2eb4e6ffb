package io.resetguard.stress.negative;

import io.resetguard.errno.Errno;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.Invariants;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.DeviceState;
import io.resetguard.state.GroupState;
import io.resetguard.state.LockFreeStateCell;
import io.resetguard.state.OpCtx;
import io.resetguard.state.StateImpl;
import io.resetguard.state.Transition;
import io.resetguard.stress.Gate;
import io.resetguard.stress.Planted;
import io.resetguard.stress.Probe;
import io.resetguard.stress.state.NestedPrepareAttachRace;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLLLLL_Result;

/**
 * EarlyUnblockNestedDone - NEGATIVE CONTROL, "a done() that unblocks early". This test is expected
 * to FAIL: the gate ({@code JcstressSuiteIT}) requires jcstress to observe a FORBIDDEN outcome.
 *
 * <p>It replays {@link NestedPrepareAttachRace.Linux71} (same outcomes, through
 * {@code @JCStressMeta}): a nested reset (outer prepare, inner prepare, inner done, later the outer
 * done) on function A racing {@code iommu_attach_group(NEW)}. The transitions are the group's own
 * rules, applied through a real {@link LockFreeStateCell} that starts from the group's snapshot, but
 * done() is wrapped: when it is called at reset_depth &gt; 1 it pretends to be the outermost done
 * (it lowers the depth to 1 and runs the real done, which unblocks, re-attaches A to
 * group-&gt;domain and drops recovery_cnt). The state it leaves is consistent by the snapshot
 * invariants (blocked false, depth 0, recovery_cnt 0), so only the test's observables catch it: A is
 * not parked right after the inner done (r2, which the resetting thread reads itself, so it is wrong
 * in every sample: this control fails deterministically, it does not depend on the interleaving),
 * the attach can then succeed in the middle of the reset (r3 = 0 with r6 = NEW although the attach
 * came after the outer prepare), and the outer done WARNs unbalanced (r7 = false).
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t EarlyUnblockNestedDone}
 * (expect "[FAILED]" and exit code 1).
 */
@Gate
@Planted("0, (DEF|NEW), .*")
@JCStressTest
@JCStressMeta(NestedPrepareAttachRace.Linux71.class)
@Description("NEGATIVE CONTROL (must fail): nested prepare/done through a done() that unblocks at the inner level")
@State
public class EarlyUnblockNestedDone {
    private final IommuGroup group;
    private final PciFunction a;
    private final Domain fresh;
    private final LockFreeStateCell cell;

    /** linux-7.1 group with one ATS function; a real lock-free cell copies its snapshot. */
    public EarlyUnblockNestedDone() {
        group = Probe.group(ProtocolModel.LINUX_7_1, StateImpl.LOCK_FREE);
        a = Probe.atsFunction(group, Probe.BDF_A);
        fresh = group.fabric().allocPagingDomain();
        cell = new LockFreeStateCell(group.snapshot());
    }

    private Errno run(final Transition t) {
        final OpCtx ctx = new OpCtx().reset(group.fabric().faults());
        cell.apply(t, ctx);
        ctx.flush(group.fabric().events());
        return ctx.result();
    }

    private Errno prepare() {
        return run((s, c) -> group.rules().prepare(group, s, a, c));
    }

    /** BUG: an inner done() (reset_depth &gt; 1) is treated as the outermost one. */
    private void brokenDone() {
        run((s, c) -> {
            final int i = s.indexOf(a);
            final DeviceState d = i < 0 ? null : s.device(i);
            final GroupState in = d != null && d.depth() > 1 ? s.withDevice(i, d.withDepth(1)) : s;
            return group.rules().done(group, in, a, Errno.OK, c);
        });
    }

    /** @param r result */
    @Actor
    public void actor1(final LLLLLLL_Result r) {
        final Errno outer = prepare();
        final Errno inner = prepare();
        brokenDone();
        r.r1 = (outer.isError() ? outer : inner).kernelString();
        r.r2 = Probe.rid(group, cell.getStateAcquire(), a, fresh);
    }

    /** @param r result */
    @Actor
    public void actor2(final LLLLLLL_Result r) {
        r.r3 = run((s, c) -> group.rules().attachGroup(group, s, fresh, c)).kernelString();
    }

    /** @param r result */
    @Arbiter
    public void arbiter(final LLLLLLL_Result r) {
        final GroupState before = cell.getStateAcquire();
        r.r4 = Probe.depth(before, a);
        r.r5 = before.recoveryCnt();
        brokenDone();
        final GroupState after = cell.getStateAcquire();
        r.r6 = Probe.rid(group, after, a, fresh);
        r.r7 = Invariants.check(group, before).isEmpty() && Invariants.check(group, after).isEmpty()
            && Probe.events(group) == 0;
    }
}
