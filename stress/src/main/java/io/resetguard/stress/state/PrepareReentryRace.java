package io.resetguard.stress.state;

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
 * PrepareReentryRace - two threads call {@code pci_dev_reset_iommu_prepare()} on the same function
 * at the same time (docs/protocol.md §1.2, §1.3, §2.2, §2.3; invariants 6-9 and 14; §6
 * invariant 17: only callers that bypass the PCI device lock can do this).
 *
 * <p>The fixture is one group with one ATS-capable function {@code 0000:3b:00.0} on the group's
 * default domain. Both actors call {@code group.prepare(fn)}; the arbiter reads the group.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  prepare() of actor1               "0" or "-EBUSY"
 *  r2  prepare() of actor2               "0" or "-EBUSY"
 *  r3  RID of the function               BLK (parked) / DEF (still on the default domain)
 *  r4  gdev-&gt;reset_depth                 (always 0 under the flag models)
 *  r5  fence                             linux-7.0/seed: resetting_domain set (1/0); linux-7.1: recovery_cnt
 *  r6  kernel log events                 WARNs: WARN_ON(group-&gt;resetting_domain)
 *  r7  sound                             Invariants.check() empty, no OOPS/VIOLATION event
 * </pre>
 * Any outcome not listed for a model, in particular any with {@code sound == false}, is FORBIDDEN.
 *
 * <p>The transitions run on one {@code StateCell}; if the cell let both prepares read the same
 * snapshot and both commit (a lost update), linux-7.0 would show "0, 0" (two owners of one reset),
 * and linux-7.1 would show {@code reset_depth} 1 (one later done() unblocks the device while the
 * other caller is still resetting it).
 *
 * <p>How to run one model: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t PrepareReentryRace.Linux70}
 * (or {@code .Seed}, {@code .Linux71}; {@code -t PrepareReentryRace} runs all three).
 */
public final class PrepareReentryRace {
    private PrepareReentryRace() {
    }

    /** One group, one ATS function, two prepares. Subclasses pick the model and the cell. */
    abstract static class Fixture {
        final IommuGroup group;
        final PciFunction fn;

        Fixture(final ProtocolModel model, final StateImpl impl) {
            group = Probe.group(model, impl);
            fn = Probe.atsFunction(group, Probe.BDF_A);
        }

        final void prepare1(final LLLLLLL_Result r) {
            r.r1 = group.prepare(fn).kernelString();
        }

        final void prepare2(final LLLLLLL_Result r) {
            r.r2 = group.prepare(fn).kernelString();
        }

        final void observe(final LLLLLLL_Result r) {
            final GroupState s = group.snapshot();
            r.r3 = Probe.rid(group, s, fn, null);
            r.r4 = Probe.depth(s, fn);
            r.r5 = Probe.fence(group, s);
            r.r6 = Probe.events(group);
            r.r7 = Probe.sound(group, s);
        }
    }

    /**
     * linux-7.0 (M70): {@code if (WARN_ON(group->resetting_domain)) return -EBUSY;} under the group
     * mutex. Exactly one prepare wins; the other WARNs, returns -EBUSY and changes nothing.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t PrepareReentryRace.Linux70}
     */
    @Race(value = "prepare(A) || prepare(A)", scenarios = {1})
    @Gate
    @JCStressTest
    @Description("linux-7.0: prepare racing prepare on one function, lock-free cell")
    @Outcome(id = "0, -EBUSY, BLK, 0, 1, 1, true", expect = ACCEPTABLE,
        desc = "actor1 committed first and parked the function; actor2 saw resetting_domain, WARNed, -EBUSY")
    @Outcome(id = "-EBUSY, 0, BLK, 0, 1, 1, true", expect = ACCEPTABLE,
        desc = "actor2 committed first and parked the function; actor1 saw resetting_domain, WARNed, -EBUSY")
    @Outcome(id = "0, 0, .*", expect = FORBIDDEN,
        desc = "both prepares returned 0: both read resetting_domain == NULL (lost update), two owners of one reset")
    @Outcome(expect = FORBIDDEN, desc = "anything else: wrong state, missing/extra WARN, or an invariant broken")
    @State
    public static class Linux70 extends Fixture {
        /** linux-7.0, lock-free cell. */
        public Linux70() {
            super(ProtocolModel.LINUX_7_0, StateImpl.LOCK_FREE);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            prepare1(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            prepare2(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * seed (v1 1/2 on 7.0): {@code if (group->resetting_domain) return 0;} - "Already prepared". Both
     * prepares return 0 without a WARN; the function is parked once.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t PrepareReentryRace.Seed}
     */
    @Race(value = "prepare(A) || prepare(A)", scenarios = {1})
    @JCStressTest
    @Description("seed: prepare racing prepare on one function, lock-free cell")
    @Outcome(id = "0, 0, BLK, 0, 1, 0, true", expect = ACCEPTABLE,
        desc = "one prepare parked the function, the other found resetting_domain set and returned 0 (no WARN)")
    @Outcome(id = {"-EBUSY, .*", ".*, -EBUSY, .*"}, expect = FORBIDDEN,
        desc = "the seed never returns -EBUSY on re-entry")
    @Outcome(expect = FORBIDDEN, desc = "anything else: wrong state, a WARN, or an invariant broken")
    @State
    public static class Seed extends Fixture {
        /** seed, lock-free cell. */
        public Seed() {
            super(ProtocolModel.SEED, StateImpl.LOCK_FREE);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            prepare1(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            prepare2(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * linux-7.1 (M71): {@code if (gdev->reset_depth++) return 0;}. Both prepares return 0; the
     * first did the real work (blocked, recovery_cnt 1), the second only counted: reset_depth 2.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t PrepareReentryRace.Linux71}
     */
    @Race(value = "prepare(A) || prepare(A)", scenarios = {1})
    @JCStressTest
    @Description("linux-7.1: prepare racing prepare on one function, lock-free cell")
    @Outcome(id = "0, 0, BLK, 2, 1, 0, true", expect = ACCEPTABLE,
        desc = "one prepare blocked the function (recovery_cnt 1), the other nested: reset_depth 2")
    @Outcome(id = "0, 0, BLK, 1, .*", expect = FORBIDDEN,
        desc = "reset_depth 1 after two successful prepares: lost update, one done() would unblock mid-reset")
    @Outcome(id = "0, 0, BLK, 2, 2, .*", expect = FORBIDDEN,
        desc = "recovery_cnt 2 for one device: both prepares took the outermost path")
    @Outcome(expect = FORBIDDEN, desc = "anything else: an error, a WARN, or an invariant broken")
    @State
    public static class Linux71 extends Fixture {
        /** linux-7.1, lock-free cell. */
        public Linux71() {
            super(ProtocolModel.LINUX_7_1, StateImpl.LOCK_FREE);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            prepare1(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            prepare2(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * {@link Linux71} on the locking cell (group-&gt;mutex): the same single outcome.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t PrepareReentryRace.Linux71Locking}
     */
    @Race(value = "prepare(A) || prepare(A)", scenarios = {1})
    @JCStressTest
    @JCStressMeta(Linux71.class)
    @Description("linux-7.1: prepare racing prepare on one function, locking cell")
    @State
    public static class Linux71Locking extends Fixture {
        /** linux-7.1, locking cell. */
        public Linux71Locking() {
            super(ProtocolModel.LINUX_7_1, StateImpl.LOCKING);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            prepare1(r);
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            prepare2(r);
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            observe(r);
        }
    }
}
