package io.resetguard.stress.state;

import io.resetguard.errno.Errno;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.GroupState;
import io.resetguard.state.StateImpl;
import io.resetguard.stress.Gate;
import io.resetguard.stress.Probe;
import io.resetguard.stress.Race;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLLLLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * NestedPrepareAttachRace - a nested reset (cxl_bus around bus, or a quirk around its inner
 * {@code pcie_flr()}) runs prepare, prepare, done on function A while VFIO attaches a new domain to
 * the group (docs/protocol.md §2.2, §7 scenario 2; invariants 9 and 11: only the outermost
 * done() changes the hardware, and the attach fence holds until then).
 *
 * <p>The fixture is one linux-7.1 group with one ATS function A {@code 0000:3b:00.0} on the default
 * domain and a fresh paging domain NEW. actor1 is the reset: outer prepare(A), inner prepare(A),
 * inner done(A), and then it reads where A's RID is: the inner done must be a pure counter, so A is
 * still parked (the quirk's firmware wait still runs). actor2 calls {@code iommu_attach_group(NEW)}.
 * The arbiter reads the group (reset_depth 1, recovery_cnt 1: the outer reset is still in progress),
 * then plays the outer done(A) and reads A's RID again.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  outer and inner prepare(A)       "0" (both 0) or the first error
 *  r2  RID of A right after inner done  BLK (must still be parked)
 *  r3  attach_group(NEW)                "0" or "-EBUSY"
 *  r4  reset_depth of A before the outer done
 *  r5  recovery_cnt before the outer done
 *  r6  RID of A after the outer done    NEW / DEF
 *  r7  sound                            Invariants.check() empty before and after the outer done, at
 *                                       every physical change (Probe.Watch), no OOPS/VIOLATION event
 * </pre>
 *
 * <p>The attach can only succeed if it linearized before the outer prepare (then the outer done
 * re-attaches A to NEW, the current group-&gt;domain); anywhere inside the nested reset it is fenced.
 * A done() that unblocked at the inner level would show up as r2 != BLK, depth 0 or recovery_cnt 0
 * - see the negative control {@code negative.EarlyUnblockNestedDone}, which runs this race through
 * such a done().
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t NestedPrepareAttachRace.Linux71}
 */
public final class NestedPrepareAttachRace {
    private NestedPrepareAttachRace() {
    }

    /** One group, A, and a new paging domain. */
    abstract static class Fixture {
        final IommuGroup group;
        final PciFunction a;
        final Domain fresh;
        final Probe.Watch watch;

        Fixture(final StateImpl impl) {
            group = Probe.group(ProtocolModel.LINUX_7_1, impl);
            a = Probe.atsFunction(group, Probe.BDF_A);
            fresh = group.fabric().allocPagingDomain();
            watch = Probe.Watch.on(group);
        }

        final void nestedReset(final LLLLLLL_Result r) {
            final Errno outer = group.prepare(a);
            final Errno inner = group.prepare(a);
            group.done(a);
            r.r1 = (outer.isError() ? outer : inner).kernelString();
            r.r2 = Probe.rid(group, group.snapshot(), a, fresh);
        }

        final void attach(final LLLLLLL_Result r) {
            r.r3 = group.attachGroup(fresh).kernelString();
        }

        final void outerDone(final LLLLLLL_Result r) {
            final GroupState before = group.snapshot();
            r.r4 = Probe.depth(before, a);
            r.r5 = before.recoveryCnt();
            group.done(a);
            final GroupState after = group.snapshot();
            r.r6 = Probe.rid(group, after, a, fresh);
            r.r7 = Probe.sound(group, before) && Probe.sound(group, after) && watch.violations() == 0;
        }
    }

    /**
     * linux-7.1, lock-free cell.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t NestedPrepareAttachRace.Linux71}
     */
    @Race(value = "prepare, prepare, done (nested) || attach_group(NEW)", scenarios = {2}, invariants = {9, 11})
    @Gate
    @JCStressTest
    @Description("linux-7.1: nested prepare/prepare/done racing iommu_attach_group, lock-free cell")
    @Outcome(id = "0, BLK, 0, 1, 1, NEW, true", expect = ACCEPTABLE,
        desc = "attach before the outer prepare: group on NEW; A stayed parked through the inner done; outer done -> NEW")
    @Outcome(id = "0, BLK, -EBUSY, 1, 1, DEF, true", expect = ACCEPTABLE,
        desc = "attach inside the nested reset: fenced (-EBUSY); A parked until the outer done -> DEF")
    @Outcome(id = "0, (DEF|NEW), .*", expect = FORBIDDEN,
        desc = "the inner done unblocked A while the outer reset is still running")
    @Outcome(id = "0, BLK, 0, 1, 1, DEF, .*", expect = FORBIDDEN,
        desc = "the attach returned 0 but the outer done re-attached the stale domain")
    @Outcome(expect = FORBIDDEN, desc = "anything else: wrong depth/recovery_cnt, a WARN, or an invariant broken")
    @State
    public static class Linux71 extends Fixture {
        /** Lock-free cell. */
        public Linux71() {
            super(StateImpl.LOCK_FREE);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            nestedReset(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            attach(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            outerDone(r);
        }
    }

    /**
     * {@link Linux71} on the locking cell.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t NestedPrepareAttachRace.Linux71Locking}
     */
    @Race(value = "prepare, prepare, done (nested) || attach_group(NEW)", scenarios = {2}, invariants = {9, 11})
    @JCStressTest
    @JCStressMeta(Linux71.class)
    @Description("linux-7.1: nested prepare/prepare/done racing iommu_attach_group, locking cell")
    @State
    public static class Linux71Locking extends Fixture {
        /** Locking cell. */
        public Linux71Locking() {
            super(StateImpl.LOCKING);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            nestedReset(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            attach(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            outerDone(r);
        }
    }
}
