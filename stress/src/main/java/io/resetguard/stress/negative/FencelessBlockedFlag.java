package io.resetguard.stress.negative;

import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.GroupState;
import io.resetguard.state.OpCtx;
import io.resetguard.stress.Gate;
import io.resetguard.stress.Planted;
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
 * <p>It is {@link BlockedFlagHandshakeRace} (same actors, same arbiter, same outcomes through
 * {@code @JCStressMeta}) on a fabric whose groups get a {@link FencelessStateCell} through
 * {@code Fabric.Builder.cellFactory}. Everything else is the real core: the reset side calls
 * {@code IommuGroup.prepare()}, the submitter {@code IommuGroup.isParked()}, and the arbiter checks
 * the group as the race does. Only the cell is broken: it publishes the snapshot that sets A's
 * {@code blocked} flag with a plain store instead of the lock-free cell's volatile compareAndSet,
 * and {@code isParked()} reads it with a plain load.
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
 * Here it is rare: about 0.1-0.15% of the samples of a quick run on the 2-core VM (3,800 to 4,800
 * of 3.1 to 3.4 million), nearly all of them in the C2 configurations, none in the interpreter-only
 * ones.
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t FencelessBlockedFlag}
 * (expect "[FAILED]" and exit code 1).
 */
@Gate
@Planted("0, 0, DEF, .*")
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
    @SuppressWarnings("unused") // through IN_FLIGHT
    private volatile int inFlight;
    /** Keeps the submitter's preparatory work alive. */
    GroupState sink;

    /** linux-7.1 group with one ATS function, on a fabric that gives its groups the fenceless cell. */
    public FencelessBlockedFlag() {
        group = Fabric.builder().model(ProtocolModel.LINUX_7_1).cellFactory(FencelessStateCell::new).build()
            .addIommu("smmu0").addGroup();
        a = Probe.atsFunction(group, Probe.BDF_A);
    }

    /** @param r result */
    @Actor
    public void reset(final LLLL_Result r) {
        // BUG (the cell's): prepare() publishes "blocked" with a plain store and no StoreLoad fence
        // follows, so the volatile load below may complete before the submitter can see that store
        // (on x86 it can still sit in this core's store buffer)
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
