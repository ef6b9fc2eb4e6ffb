package io.resetguard.stress.negative;

import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.Invariants;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.GroupState;
import io.resetguard.stress.Gate;
import io.resetguard.stress.Planted;
import io.resetguard.stress.Probe;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLLLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * LostUpdateSiblingPrepare - NEGATIVE CONTROL. This test is expected to FAIL: the gate
 * ({@code JcstressSuiteIT}) requires jcstress to observe its FORBIDDEN lost-update outcome.
 *
 * <p>It is {@code SiblingPrepareRace.Linux71} (two sibling functions A and B of one linux-7.1
 * group, prepared concurrently) on a fabric whose groups get a {@link RacyStateCell} through
 * {@code Fabric.Builder.cellFactory}: everything else is the real core, so the actors call the real
 * entry point {@code IommuGroup.prepare()} and only the way a transition is applied is broken.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  prepare(A)        "0"
 *  r2  prepare(B)        "0"
 *  r3  RID of A          BLK / DEF
 *  r4  RID of B          BLK / DEF
 *  r5  recovery_cnt
 *  r6  Invariants.check() of the group's snapshot is empty
 * </pre>
 * The correct outcome is "0, 0, BLK, BLK, 2, true". When both prepares read the initial snapshot,
 * the later plain store overwrites the earlier one: both callers were told 0, but only one sibling
 * is blocked and recovery_cnt is 1 - the lost update, FORBIDDEN. (The surviving snapshot is
 * internally consistent, so Invariants alone would not notice; the outcome does.)
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t LostUpdateSiblingPrepare}
 * (expect "[FAILED]" and exit code 1).
 */
@Gate
@Planted({"0, 0, BLK, DEF, 1, true", "0, 0, DEF, BLK, 1, true"})
@JCStressTest
@Description("NEGATIVE CONTROL (must fail): sibling prepares through a non-atomic read-modify-write cell")
@Outcome(id = "0, 0, BLK, BLK, 2, true", expect = ACCEPTABLE,
    desc = "both blocked, recovery_cnt 2: the prepares did not overlap")
@Outcome(id = {"0, 0, BLK, DEF, 1, true", "0, 0, DEF, BLK, 1, true"}, expect = FORBIDDEN,
    desc = "lost update: both prepares returned 0 but one sibling's prepare was overwritten")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class LostUpdateSiblingPrepare {
    private final IommuGroup group;
    private final PciFunction a;
    private final PciFunction b;

    /** linux-7.1 group with two ATS siblings, on a fabric that gives its groups a racy cell. */
    public LostUpdateSiblingPrepare() {
        group = Fabric.builder().model(ProtocolModel.LINUX_7_1).cellFactory(RacyStateCell::new).build()
            .addIommu("smmu0").addGroup();
        a = Probe.atsFunction(group, Probe.BDF_A);
        b = Probe.atsFunction(group, Probe.BDF_B);
    }

    /** @param r result */
    @Actor
    public void actor1(final LLLLLL_Result r) {
        r.r1 = group.prepare(a).kernelString();
    }

    /** @param r result */
    @Actor
    public void actor2(final LLLLLL_Result r) {
        r.r2 = group.prepare(b).kernelString();
    }

    /** @param r result */
    @Arbiter
    public void arbiter(final LLLLLL_Result r) {
        final GroupState s = group.snapshot();
        r.r3 = Probe.rid(group, s, a, null);
        r.r4 = Probe.rid(group, s, b, null);
        r.r5 = s.recoveryCnt();
        r.r6 = Invariants.check(group, s).isEmpty();
    }
}
