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
import org.openjdk.jcstress.infra.results.LLLLLLLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * QuarDoneAttachRace - the end of a reset, {@code done(A, result)} as the QUAR series passes it,
 * racing VFIO/iommufd's {@code iommu_attach_group(NEW)} on the same group (docs/protocol.md §2.5a
 * for quar-v6, §1.6 row 1; §7 scenario 6; invariants 4, 10 and 11).
 *
 * <p>The fixture is one group with two ATS functions, A {@code 0000:3b:00.0} (being reset) and its
 * sibling B {@code 0000:3b:00.1}, a fresh paging domain NEW, and a counter of the driver's
 * {@code reset_device_done} calls; the constructor calls {@code prepare(A)} (result 0), so the race
 * starts from "A parked at depth 1, recovery_cnt 1". actor1 attaches NEW; actor2 calls
 * {@code done(A, result)}; the arbiter reads the group.
 *
 * <p>With a failed result, quar-v6 leaves A BROKEN (blocked, depth 0, still counted), so the group
 * stays fenced whichever runs first: the attach always returns -EBUSY, and reset_device_done never
 * fires. With a good result, the attach is fenced if it runs first (then done re-attaches A to the
 * default domain), or succeeds if done ran first (both functions and group-&gt;domain on NEW);
 * reset_device_done fires exactly once either way.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  iommu_attach_group(NEW)    "0" or "-EBUSY"
 *  r2  group-&gt;domain             NEW / DEF
 *  r3  RID of A                   BLK / NEW / DEF
 *  r4  RID of B                   NEW / DEF
 *  r5  gdev-&gt;blocked of A        NONE / RESETTING / BROKEN
 *  r6  recovery_cnt
 *  r7  reset_device_done calls
 *  r8  sound                      Invariants.check() empty, no OOPS/VIOLATION event
 * </pre>
 *
 * <p>The gate runs {@link QuarV6Failed} and {@link QuarV6Good}; the campaign also runs the locking
 * cell ({@link QuarV6FailedLocking}) and result-to-done ({@link ResultToDoneFailed}), whose bool
 * gdev-&gt;blocked shows the kept block as RESETTING at depth 0.
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t QuarDoneAttachRace}
 */
public final class QuarDoneAttachRace {
    private QuarDoneAttachRace() {
    }

    /** One group, A (prepared) and sibling B, a new paging domain, a reset_device_done counter. */
    abstract static class Fixture {
        final IommuGroup group;
        final PciFunction a;
        final PciFunction b;
        final Domain fresh;
        final Probe.ResetDone hook;
        final Errno result;

        Fixture(final ProtocolModel model, final StateImpl impl, final Errno result) {
            group = Probe.group(model, impl);
            a = Probe.atsFunction(group, Probe.BDF_A);
            b = Probe.atsFunction(group, Probe.BDF_B);
            fresh = group.fabric().allocPagingDomain();
            hook = Probe.ResetDone.on(group);
            this.result = result;
            final Errno first = group.prepare(a);
            if (first.isError()) {
                throw new IllegalStateException("fixture prepare failed: " + first.kernelString());
            }
        }

        final void attach(final LLLLLLLL_Result r) {
            r.r1 = group.attachGroup(fresh).kernelString();
        }

        final void done() {
            group.done(a, result);
        }

        final void observe(final LLLLLLLL_Result r) {
            final GroupState s = group.snapshot();
            r.r2 = Probe.domain(group, s.domain(), fresh);
            r.r3 = Probe.rid(group, s, a, fresh);
            r.r4 = Probe.rid(group, s, b, fresh);
            r.r5 = Probe.gdev(s, a);
            r.r6 = Probe.fence(group, s);
            r.r7 = hook.calls();
            r.r8 = Probe.sound(group, s);
        }
    }

    /**
     * quar-v6, done(A, -EIO): A ends BROKEN whatever the order, and the attach is fenced both ways
     * (before done: A is RESETTING; after: BROKEN still counts in recovery_cnt).
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t QuarDoneAttachRace.QuarV6Failed}
     */
    @Race(value = "done(A, result) || attach_group(NEW), A prepared", scenarios = {6}, invariants = {4, 11})
    @Gate
    @JCStressTest
    @Description("quar-v6: done(A, -EIO) racing iommu_attach_group(NEW), lock-free cell")
    @Outcome(id = "-EBUSY, DEF, BLK, DEF, BROKEN, 1, 0, true", expect = ACCEPTABLE,
        desc = "either order: the attach is fenced; A stays BROKEN, counted, parked; no reset_device_done")
    @Outcome(id = "0, NEW, .*", expect = FORBIDDEN,
        desc = "the attach got through while A was blocked: the fence lost a BROKEN function")
    @Outcome(id = ".*, NONE, .*", expect = FORBIDDEN, desc = "a failed reset unblocked A (invariant 4)")
    @Outcome(id = "-EBUSY, DEF, BLK, DEF, BROKEN, 1, 1, true", expect = FORBIDDEN,
        desc = "reset_device_done fired for a failed reset: the driver would lift its quarantine")
    @Outcome(expect = FORBIDDEN, desc = "anything else: wrong state, or an invariant broken")
    @State
    public static class QuarV6Failed extends Fixture {
        /** quar-v6, lock-free cell, failed reset. */
        public QuarV6Failed() {
            super(ProtocolModel.QUAR_V6, StateImpl.LOCK_FREE, Errno.EIO);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLLL_Result r) {
            attach(r);
        }

        /** Second thread: done(A, -EIO). */
        @Actor
        public void actor2() {
            done();
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * quar-v6, done(A, 0): attach first is fenced and done then re-attaches A to the default domain;
     * done first unblocks A and the attach moves the whole group to NEW. reset_device_done once.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t QuarDoneAttachRace.QuarV6Good}
     */
    @Race(value = "done(A, result) || attach_group(NEW), A prepared", scenarios = {6}, invariants = {10, 11})
    @Gate
    @JCStressTest
    @Description("quar-v6: done(A, 0) racing iommu_attach_group(NEW), lock-free cell")
    @Outcome(id = "-EBUSY, DEF, DEF, DEF, NONE, 0, 1, true", expect = ACCEPTABLE,
        desc = "attach -> done: fenced, nothing changed; done re-attached A to DEF and called reset_device_done")
    @Outcome(id = "0, NEW, NEW, NEW, NONE, 0, 1, true", expect = ACCEPTABLE,
        desc = "done -> attach: A unblocked (reset_device_done), then the group moved to NEW")
    @Outcome(id = "0, NEW, DEF, .*", expect = FORBIDDEN,
        desc = "the attach moved the group but A was left on the old domain (invariant 10)")
    @Outcome(id = "0, NEW, BLK, .*", expect = FORBIDDEN,
        desc = "the attach succeeded while A was still parked: the fence was lost (invariant 11)")
    @Outcome(id = {".*, BROKEN, .*", ".*, RESETTING, .*"}, expect = FORBIDDEN,
        desc = "a successful done() left A blocked")
    @Outcome(id = ".*, NONE, 0, 0, .*", expect = FORBIDDEN, desc = "A unblocked without reset_device_done")
    @Outcome(expect = FORBIDDEN, desc = "anything else: wrong state, or an invariant broken")
    @State
    public static class QuarV6Good extends Fixture {
        /** quar-v6, lock-free cell, successful reset. */
        public QuarV6Good() {
            super(ProtocolModel.QUAR_V6, StateImpl.LOCK_FREE, Errno.OK);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLLL_Result r) {
            attach(r);
        }

        /** Second thread: done(A, 0). */
        @Actor
        public void actor2() {
            done();
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * {@link QuarV6Failed} on the locking cell (group-&gt;mutex): the same single outcome.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t QuarDoneAttachRace.QuarV6FailedLocking}
     */
    @Race(value = "done(A, result) || attach_group(NEW), A prepared", scenarios = {6}, invariants = {4, 11})
    @JCStressTest
    @JCStressMeta(QuarV6Failed.class)
    @Description("quar-v6: done(A, -EIO) racing iommu_attach_group(NEW), locking cell")
    @State
    public static class QuarV6FailedLocking extends Fixture {
        /** quar-v6, locking cell, failed reset. */
        public QuarV6FailedLocking() {
            super(ProtocolModel.QUAR_V6, StateImpl.LOCKING, Errno.EIO);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLLL_Result r) {
            attach(r);
        }

        /** Second thread: done(A, -EIO). */
        @Actor
        public void actor2() {
            done();
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLLL_Result r) {
            observe(r);
        }
    }

    /**
     * result-to-done, done(A, -EIO): as {@link QuarV6Failed}, but its bool gdev-&gt;blocked shows the
     * kept block as RESETTING at depth 0 (no BROKEN value; docs/protocol.md §2.5).
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t QuarDoneAttachRace.ResultToDoneFailed}
     */
    @Race(value = "done(A, result) || attach_group(NEW), A prepared", scenarios = {6}, invariants = {4, 11})
    @JCStressTest
    @Description("result-to-done: done(A, -EIO) racing iommu_attach_group(NEW), lock-free cell")
    @Outcome(id = "-EBUSY, DEF, BLK, DEF, RESETTING, 1, 0, true", expect = ACCEPTABLE,
        desc = "either order: the attach is fenced; A stays blocked at depth 0, counted; no reset_device_done")
    @Outcome(id = "0, NEW, .*", expect = FORBIDDEN, desc = "the attach got through while A was blocked")
    @Outcome(id = ".*, NONE, .*", expect = FORBIDDEN, desc = "a failed reset unblocked A (invariant 4)")
    @Outcome(id = ".*, BROKEN, .*", expect = FORBIDDEN, desc = "BROKEN under a bool model")
    @Outcome(expect = FORBIDDEN, desc = "anything else: wrong state, or an invariant broken")
    @State
    public static class ResultToDoneFailed extends Fixture {
        /** result-to-done, lock-free cell, failed reset. */
        public ResultToDoneFailed() {
            super(ProtocolModel.RESULT_TO_DONE, StateImpl.LOCK_FREE, Errno.EIO);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLLL_Result r) {
            attach(r);
        }

        /** Second thread: done(A, -EIO). */
        @Actor
        public void actor2() {
            done();
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLLL_Result r) {
            observe(r);
        }
    }
}
