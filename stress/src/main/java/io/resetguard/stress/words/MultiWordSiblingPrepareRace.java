package io.resetguard.stress.words;

import io.resetguard.fabric.Domain;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.GroupState;
import io.resetguard.state.StateImpl;
import io.resetguard.stress.Probe;
import io.resetguard.stress.Race;
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
 * MultiWordSiblingPrepareRace - a multi-word operation (iommu_replace_group_handle(), which freezes
 * every function word of the group) against a sibling's one-word prepare() (one CAS on its own
 * function word), linux-7.1, a group of three ATS functions A, B, C on the default domain
 * (docs/protocol.md §7 scenario 5 with §1.6 row 1; docs/state-core.md §4).
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  replace(NEW)      "0" or "-EBUSY" (fenced by B's reset)
 *  r2  prepare(B)        "0"
 *  r3  RID of A          NEW / DEF
 *  r4  RID of B          BLK
 *  r5  RID of C          NEW / DEF (always as A)
 *  r6  recovery_cnt 1 and Invariants.check() empty
 * </pre>
 * Either the replace linearized first (all three move to NEW, then B is parked) or the prepare did
 * (the replace is refused, nothing moves). A torn state (A moved but C not, or B's prepare lost)
 * is FORBIDDEN.
 */
@Race(value = "replace (multi-word) || sibling prepare (one word)", scenarios = {5}, invariants = {6, 11})
@JCStressTest
@Description("linux-7.1 word core: replace_group_handle of a group of 3 against a sibling's prepare")
@Outcome(id = "0, 0, NEW, BLK, NEW, true", expect = ACCEPTABLE, desc = "replace first, then B parked")
@Outcome(id = "-EBUSY, 0, DEF, BLK, DEF, true", expect = ACCEPTABLE, desc = "prepare first, replace fenced")
@Outcome(expect = FORBIDDEN, desc = "torn multi-word state, lost prepare, or an invariant broken")
@State
public class MultiWordSiblingPrepareRace {
    private final IommuGroup group;
    private final PciFunction a;
    private final PciFunction b;
    private final PciFunction c;
    private final Domain d;

    /** linux-7.1 lock-free word core, three siblings. */
    public MultiWordSiblingPrepareRace() {
        group = Probe.group(ProtocolModel.LINUX_7_1, StateImpl.LOCK_FREE);
        a = Probe.atsFunction(group, Probe.BDF_A);
        b = Probe.atsFunction(group, Probe.BDF_B);
        c = Probe.atsFunction(group, Probe.BDF_C);
        d = group.fabric().allocPagingDomain();
        group.prepare(b); // allocate the blocking domain, so B's prepare is one CAS
        group.done(b);
    }

    /** @param r result */
    @Actor
    public void actor1(final LLLLLL_Result r) {
        r.r1 = group.replaceGroup(d).kernelString();
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
        r.r3 = Probe.rid(group, s, a, d);
        r.r4 = Probe.rid(group, s, b, d);
        r.r5 = Probe.rid(group, s, c, d);
        r.r6 = s.recoveryCnt() == 1 && Probe.sound(group, s);
    }
}
