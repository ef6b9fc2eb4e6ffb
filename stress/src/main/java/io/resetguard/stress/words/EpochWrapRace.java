package io.resetguard.stress.words;

import io.resetguard.fabric.Domain;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.GroupState;
import io.resetguard.state.GroupWord;
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
 * EpochWrapRace - descriptors across the 20-bit epoch wrap (docs/state-core.md §5): the group starts
 * two epochs before the wrap, so actor1's two replaces (each a multi-word operation that bumps the
 * epoch) cross it while actor2 runs a one-word prepare+done of B, whose validity rests on the epoch
 * stamp of B's word matching the group word's epoch. linux-7.1, group of A and B.
 *
 * <p>Result fields: r1 replace(D1), r2 replace(D2) ("0" or "-EBUSY" while B is parked), r3
 * prepare(B) ("0"), r4 the arbiter's "B's RID == group-&gt;domain, not parked, recovery_cnt 0",
 * r5 sound. A lost or torn update across the wrap shows as r4 false or r5 false.
 */
@Race(value = "multi-word ops across the epoch wrap || one-word prepare/done", scenarios = {5}, invariants = {3, 6})
@JCStressTest
@Description("linux-7.1 word core: replaces crossing the epoch wrap against a sibling's prepare+done")
@Outcome(id = "(0|-EBUSY), (0|-EBUSY), 0, true, true", expect = ACCEPTABLE,
    desc = "each replace fenced or applied; B back on group->domain")
@Outcome(expect = FORBIDDEN, desc = "a lost or torn update across the wrap")
@State
public class EpochWrapRace {
    private final IommuGroup group;
    private final PciFunction b;
    private final Domain d1;
    private final Domain d2;

    /** A fabric whose groups start next to the wrap. */
    public EpochWrapRace() {
        final Fabric f = Fabric.builder().model(ProtocolModel.LINUX_7_1)
            .initialEpoch((int) GroupWord.EPOCH_MASK - 4).build();
        group = f.addIommu("smmu0").addGroup();
        Probe.atsFunction(group, Probe.BDF_A);
        b = Probe.atsFunction(group, Probe.BDF_B);
        group.prepare(b); // allocates the blocking domain (a multi-word op)
        group.done(b);
        d1 = f.allocPagingDomain();
        d2 = f.allocPagingDomain();
    }

    /** @param r result */
    @Actor
    public void actor1(final LLLLL_Result r) {
        r.r1 = group.replaceGroup(d1).kernelString();
        r.r2 = group.replaceGroup(d2).kernelString();
    }

    /** @param r result */
    @Actor
    public void actor2(final LLLLL_Result r) {
        r.r3 = group.prepare(b).kernelString();
        group.done(b);
    }

    /** @param r result */
    @Arbiter
    public void arbiter(final LLLLL_Result r) {
        final GroupState s = group.snapshot();
        r.r4 = s.deviceOf(b).rid() == s.domain() && !group.isParked(b) && s.recoveryCnt() == 0;
        r.r5 = Probe.sound(group, s);
    }
}
