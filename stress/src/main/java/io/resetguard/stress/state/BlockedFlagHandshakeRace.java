package io.resetguard.stress.state;

import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.GroupState;
import io.resetguard.state.OpCtx;
import io.resetguard.state.StateImpl;
import io.resetguard.stress.Gate;
import io.resetguard.stress.Probe;
import io.resetguard.stress.Race;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * BlockedFlagHandshakeRace - the store-then-load handshake between a reset that blocks function A and
 * a submitter that is about to send A an ATC invalidation (docs/protocol.md §6 invariant 3,
 * "blocked means blocked: no new ATC invalidations to it", and §7 scenario 15: prepare must drain
 * whatever a submitter already committed to send).
 *
 * <p>A Dekker handshake: the reset side publishes "A is blocked" (the group's state cell commits the
 * prepare) and then looks for an announced in-flight submission; the submitter announces itself (a
 * volatile store) and then reads whether A is blocked ({@code isParked}, an acquire load). If neither
 * side saw the other, the reset proceeds without draining an invalidation that the submitter sends
 * to a function it believes unblocked. That needs a StoreLoad fence after each side's store: the
 * lock-free cell's commit is a volatile compareAndSet, which is one (on x86 a locked cmpxchg), so the
 * outcome "0, 0, DEF" must never appear.
 *
 * <p>This is the positive twin of the negative control {@code negative.FencelessBlockedFlag}, which
 * runs the same handshake through a state cell that publishes the snapshot with a plain store.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  prepare(A)                             "0"
 *  r2  submissions the reset side saw         0 / 1
 *  r3  what the submitter saw                 BLK (it mutes its invalidation) / DEF (it sends it)
 *  r4  sound                                  A parked at the end, invariants hold
 * </pre>
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t BlockedFlagHandshakeRace}
 */
@Race(value = "prepare(A); read in-flight || announce; isParked(A)", scenarios = {15}, invariants = {3})
@Gate
@JCStressTest
@Description("linux-7.1: Dekker handshake of prepare() against an ATC submitter, lock-free cell")
@Outcome(id = "0, 1, BLK, true", expect = ACCEPTABLE, desc = "both saw each other: the submitter mutes, the reset drains nothing")
@Outcome(id = "0, 1, DEF, true", expect = ACCEPTABLE, desc = "submitter first: it sends, and the reset sees it in flight and drains it")
@Outcome(id = "0, 0, BLK, true", expect = ACCEPTABLE, desc = "reset first: the submitter sees A blocked and mutes")
@Outcome(id = "0, 0, DEF, .*", expect = FORBIDDEN,
    desc = "neither saw the other: an invalidation goes to a function whose reset does not drain it")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class BlockedFlagHandshakeRace {
    private static final VarHandle IN_FLIGHT;

    static {
        try {
            IN_FLIGHT = MethodHandles.lookup().findVarHandle(BlockedFlagHandshakeRace.class, "inFlight", int.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final IommuGroup group;
    private final PciFunction a;
    @SuppressWarnings("unused") // through IN_FLIGHT
    private volatile int inFlight;
    /** Keeps the submitter's preparatory work alive. */
    GroupState sink;

    /** linux-7.1, lock-free cell. */
    public BlockedFlagHandshakeRace() {
        group = Probe.group(ProtocolModel.LINUX_7_1, StateImpl.LOCK_FREE);
        a = Probe.atsFunction(group, Probe.BDF_A);
    }

    /** @param r result */
    @Actor
    public void reset(final LLLL_Result r) {
        r.r1 = group.prepare(a).kernelString();
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
        r.r3 = group.isParked(a) ? "BLK" : "DEF";
    }

    /** @param r result */
    @Arbiter
    public void arbiter(final LLLL_Result r) {
        r.r4 = group.isParked(a) && Probe.sound(group);
    }
}
