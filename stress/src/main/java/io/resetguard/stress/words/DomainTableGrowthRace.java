package io.resetguard.stress.words;

import io.resetguard.fabric.Domain;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.ProtocolModel;
import io.resetguard.stress.Probe;
import io.resetguard.stress.Race;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.infra.results.LLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * DomainTableGrowthRace - the fabric's domain-id table grows (a new 1,024-entry chunk and a new
 * directory) while a reader resolves a code it read from the group word (docs/state-core.md §2.4).
 * The fixture leaves the table one id short of a chunk boundary; actor1 allocates the domain that
 * crosses it and attaches the group to it; actor2 reads group-&gt;domain (one acquire load of the
 * group word, then the table). The reader must see the default domain or the new one, never a code
 * the table cannot resolve (null).
 */
@Race(value = "domain-table growth || domain lookup", invariants = {12})
@JCStressTest
@Description("word core: the domain-id table grows while a code read from the group word is resolved")
@Outcome(id = "0, DEF, true", expect = ACCEPTABLE, desc = "the read came before the attach")
@Outcome(id = "0, NEW, true", expect = ACCEPTABLE, desc = "the read saw the new domain through the grown table")
@Outcome(expect = FORBIDDEN, desc = "a code that did not resolve (NULL) or anything else")
@State
public class DomainTableGrowthRace {
    private final Fabric fabric;
    private final IommuGroup group;
    private final PciFunction a;
    private volatile Domain fresh;

    /** One group; domains allocated up to the end of the first chunk. */
    public DomainTableGrowthRace() {
        fabric = Fabric.builder().model(ProtocolModel.LINUX_7_1).build();
        group = fabric.addIommu("smmu0").addGroup();
        a = Probe.atsFunction(group, Probe.BDF_A);
        Domain last = group.defaultDomain();
        while (last.id() + 1 < 1024) { // the next domain gets id 1024, the first of chunk 1
            last = fabric.allocPagingDomain();
        }
    }

    /** @param r result */
    @Actor
    public void actor1(final LLL_Result r) {
        final Domain d = fabric.allocPagingDomain();
        fresh = d;
        r.r1 = group.replaceGroup(d).kernelString();
    }

    /** @param r result */
    @Actor
    public void actor2(final LLL_Result r) {
        r.r2 = Probe.domain(group, group.getDomain(a), fresh);
    }

    /** @param r result: r3 the group is sound (invariants, no OOPS/VIOLATION) */
    @Arbiter
    public void arbiter(final LLL_Result r) {
        r.r3 = Probe.sound(group);
    }
}
