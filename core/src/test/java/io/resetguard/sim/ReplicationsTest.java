package io.resetguard.sim;

import io.resetguard.model.ProtocolModel;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Replications: fresh streams each, and a Student t 95% interval around their mean. */
class ReplicationsTest {

    @Test
    void studentTIntervalMatchesTheTables() {
        final Replications.Estimate e = Replications.Estimate.of(new double[] {1, 2, 3, 4, 5});
        assertEquals(3.0, e.mean(), 1e-12);
        // t(0.975, 4) = 2.776445; s = sqrt(2.5)
        assertEquals(2.776445 * Math.sqrt(2.5) / Math.sqrt(5), e.halfWidth(), 1e-5);
        // two values: t(0.975, 1) = 12.706205 (a normal quantile, 1.96, would be far too narrow)
        assertEquals(12.706205, Replications.Estimate.of(new double[] {1, 3}).halfWidth(), 1e-5);
        assertTrue(Double.isNaN(Replications.Estimate.of(new double[] {7}).halfWidth()), "no interval from one run");
        assertEquals(0.0, Replications.Estimate.of(new double[] {4, 4, 4}).halfWidth());
    }

    @Test
    void eachReplicationDrawsFreshStreams() throws Exception {
        final SimConfig c = SimConfig.defaults().withFleet(1_000, 2).withFaultRate(0.05).withThreads(2)
            .withDurationNs(SimConfig.HOUR / 4).withModels(List.of(ProtocolModel.LINUX_7_0));
        final Replications r = Replications.run(c, 3, null);
        assertEquals(3, r.n());
        assertEquals(new Simulation(c, 0).runAll(null).get(0).invalidations(), r.runs().get(0).get(0).invalidations(),
            "replication 0 is the plain run");
        assertNotEquals(r.runs().get(0).get(0).invalidations(), r.runs().get(1).get(0).invalidations());
        final Replications.Estimate e = r.estimate(ProtocolModel.LINUX_7_0, ModelResult::invalidations);
        assertTrue(e.halfWidth() > 0 && e.lower() < e.mean() && e.mean() < e.upper(), e.toString());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Replications.run(c, 0, null))
            .getMessage().startsWith("replications"));
    }
}
