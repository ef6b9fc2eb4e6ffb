package io.resetguard.stress.negative;

import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.Invariants;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.GroupState;
import io.resetguard.state.OpCtx;
import io.resetguard.state.StateImpl;
import io.resetguard.stress.Gate;
import io.resetguard.stress.Probe;
import io.resetguard.stress.state.BlockedFlagHandshakeRace;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * FencelessBlockedFlag - NEGATIVE CONTROL, "a missing fence on the blocked flag". This test is
 * expected to FAIL: the gate ({@code JcstressSuiteIT}) requires jcstress to observe its FORBIDDEN
 * outcome.
 *
 * <p>It replays {@link BlockedFlagHandshakeRace} (same outcomes, through {@code @JCStressMeta})
 * with the group's transitions applied through a {@link FencelessStateCell}, which publishes the
 * snapshot that sets A's {@code blocked} flag with a plain store instead of the lock-free cell's
 * volatile compareAndSet.
 *
 * <p>Why this shape. On x86 (TSO) a missing fence in the <em>publication</em> of an immutable
 * snapshot is practically invisible: stores are not reordered with older stores, so a reader that
 * gets the new reference also sees the fields written before it, and a reader that gets the old
 * reference has merely linearized earlier - a stale read is not, by itself, a forbidden outcome. What
 * x86 does reorder is a store followed by a load of another location (the store buffer), and the JIT
 * may sink a plain store below a later volatile load. So the control makes the missing fence
 * observable through the protocol that needs it: the Dekker handshake of invariant 3, where the
 * reset side stores "blocked" and then loads the submitter's announcement. Without a StoreLoad fence
 * both sides can miss each other: "0, 0, DEF" - an invalidation sent to a function whose reset does
 * not drain it. The x86 store buffer alone produces it; on weaker hardware it is only more frequent.
 *
 * <p>How to run: {@code cd stress/target && java -jar jcstress.jar -t FencelessBlockedFlag}
 * (expect "[FAILED]" and exit code 1).
 */
@Gate
@JCStressTest
@JCStressMeta(BlockedFlagHandshakeRace.class)
@Description("NEGATIVE CONTROL (must fail): prepare/submitter handshake through a state cell without a fence")
@State
public class FencelessBlockedFlag {
    private static final VarHandle IN_FLIGHT;

    static {
        try {
            IN_FLIGHT = MethodHandles.lookup().findVarHandle(FencelessBlockedFlag.class, "inFlight", int.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final IommuGroup group;
    private final PciFunction a;
    private final FencelessStateCell cell;
    @SuppressWarnings("unused") // through IN_FLIGHT
    private volatile int inFlight;
    /** Keeps the submitter's preparatory work alive. */
    GroupState sink;

    /** linux-7.1 group with one ATS function; the broken cell copies its snapshot. */
    public FencelessBlockedFlag() {
        group = Probe.group(ProtocolModel.LINUX_7_1, StateImpl.LOCK_FREE);
        a = Probe.atsFunction(group, Probe.BDF_A);
        cell = new FencelessStateCell(group.snapshot());
    }

    private boolean parked(final GroupState s) {
        final int i = s.indexOf(a);
        return i >= 0 && group.rules().parked(s, i);
    }

    /** @param r result */
    @Actor
    public void reset(final LLLL_Result r) {
        final OpCtx ctx = new OpCtx().reset(group.fabric().faults());
        cell.apply((s, c) -> group.rules().prepare(group, s, a, c), ctx);
        ctx.flush(group.fabric().events());
        r.r1 = ctx.result().kernelString();
        r.r2 = (int) IN_FLIGHT.getVolatile(this);
    }

    /** @param r result */
    @Actor
    public void submitter(final LLLL_Result r) {
        // the submitter's own work before it announces itself (building its command from the group's
        // state): the same transition the reset side computes, discarded, so that both sides reach
        // their store-then-load at about the same time
        sink = group.rules().prepare(group, group.snapshot(), a, new OpCtx());
        IN_FLIGHT.setVolatile(this, 1);
        r.r3 = parked(cell.getStateAcquire()) ? "BLK" : "DEF";
    }

    /** @param r result */
    @Arbiter
    public void arbiter(final LLLL_Result r) {
        final GroupState s = cell.getStateAcquire();
        r.r4 = parked(s) && Invariants.check(group, s).isEmpty();
    }
}
