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
import org.openjdk.jcstress.infra.results.LLLLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * HelperInitiatorRace - two multi-word operations on one group at once, so each thread meets the
 * other's descriptor and helps it finish (docs/state-core.md §4): hotplug of C (a gdev added, a slot
 * taken, possibly the word array grown) against replace(NEW). Whoever runs a descriptor's steps, its
 * outcome must be applied exactly once: C present once, every RID on NEW, the kernel log empty.
 * linux-7.1, group of A and B.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  hotplug(C)          "0"
 *  r2  replace(NEW)        "0"
 *  r3  gdev count          3
 *  r4  RIDs of A, B, C     "NEW NEW NEW" (C lands on group-&gt;domain or is moved with the group)
 *  r5  sound               Invariants.check() empty, no event
 * </pre>
 */
@Race(value = "multi-word op || multi-word op (helping)", scenarios = {10}, invariants = {6})
@JCStressTest
@Description("linux-7.1 word core: hotplug against replace, each helping the other's descriptor")
@Outcome(id = "0, 0, 3, NEW NEW NEW, true", expect = ACCEPTABLE, desc = "both applied exactly once, in either order")
@Outcome(expect = FORBIDDEN, desc = "an operation lost, applied twice, torn, or an invariant broken")
@State
public class HelperInitiatorRace {
    private final IommuGroup group;
    private final PciFunction a;
    private final PciFunction b;
    private final PciFunction c;
    private final Domain d;

    /** linux-7.1 lock-free word core; C created and unplugged so actor1 can hot-add it. */
    public HelperInitiatorRace() {
        group = Probe.group(ProtocolModel.LINUX_7_1, StateImpl.LOCK_FREE);
        a = Probe.atsFunction(group, Probe.BDF_A);
        b = Probe.atsFunction(group, Probe.BDF_B);
        c = Probe.atsFunction(group, Probe.BDF_C);
        group.unplug(c);
        d = group.fabric().allocPagingDomain();
    }

    /** @param r result */
    @Actor
    public void actor1(final LLLLL_Result r) {
        r.r1 = group.hotplug(c).kernelString();
    }

    /** @param r result */
    @Actor
    public void actor2(final LLLLL_Result r) {
        r.r2 = group.replaceGroup(d).kernelString();
    }

    /** @param r result */
    @Arbiter
    public void arbiter(final LLLLL_Result r) {
        final GroupState s = group.snapshot();
        r.r3 = s.deviceCount();
        r.r4 = Probe.rid(group, s, a, d) + " " + Probe.rid(group, s, b, d) + " " + Probe.rid(group, s, c, d);
        r.r5 = Probe.sound(group, s) && group.fabric().events().total() == 0;
    }
}
