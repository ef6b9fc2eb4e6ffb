package io.resetguard.sim;

import io.resetguard.model.ProtocolModel;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fleet simulator on a small fleet: the models differ as kernel-semantics.md says, reproducibly. */
class SimulationTest {

    private static SimConfig small() {
        return SimConfig.defaults().withFleet(2_000, 2).withFaultRate(0.05).withThreads(2);
    }

    private static Map<ProtocolModel, ModelResult> byModel(final List<ModelResult> rs) {
        final Map<ProtocolModel, ModelResult> m = new EnumMap<>(ProtocolModel.class);
        for (final ModelResult r : rs) {
            m.put(r.model(), r);
        }
        return m;
    }

    @Test
    void theModelsDifferAsTheSeedSays() throws Exception {
        final Map<ProtocolModel, ModelResult> r = byModel(new Simulation(small(), 0).runAll(null));
        final ModelResult m70 = r.get(ProtocolModel.LINUX_7_0);
        assertTrue(m70.timeouts() > 0 && m70.failedResets() > 0, "hung devices and failed recoveries: " + m70);
        assertTrue(m70.corruptions() > 0, "7.0 unblocks after a failed reset: " + m70);
        assertEquals(0, r.get(ProtocolModel.SEED).corruptions(), r.get(ProtocolModel.SEED).toString());
        assertEquals(0, r.get(ProtocolModel.RESULT_TO_DONE).corruptions(), r.get(ProtocolModel.RESULT_TO_DONE).toString());
        assertTrue(r.get(ProtocolModel.SEED).blockedAtEnd() > 0, "failed functions stay blocked");
        final ModelResult hybrid = r.get(ProtocolModel.SEED_ON_7_1);
        assertTrue(hybrid.livenessViolations() > 0, "seed-on-7.1 leaves functions stuck: " + hybrid);
        for (final ModelResult x : r.values()) {
            assertTrue(x.invalidations() > 0 && x.events() > 0, x.toString());
        }
    }

    @Test
    void runsAreReproducibleBitForBit() throws Exception {
        final SimConfig c = small().withModels(List.of(ProtocolModel.LINUX_7_0));
        final ModelResult a = new Simulation(c, 0).runAll(null).get(0);
        final ModelResult b = new Simulation(c.withThreads(1), 0).runAll(null).get(0);
        assertEquals(a.corruptions(), b.corruptions());
        assertEquals(a.events(), b.events());
        assertEquals(a.timeouts(), b.timeouts());
        assertEquals(a.invalidationLatencyP99Ns(), b.invalidationLatencyP99Ns());
        final ModelResult other = new Simulation(c.withSeed(7), 0).runAll(null).get(0);
        assertTrue(other.events() != a.events(), "another seed, another run");
    }

    @Test
    void badConfigNamesTheField() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SimConfig.defaults().withFleet(10, 20))
            .getMessage().startsWith("iommus"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SimConfig.defaults().withFaultRate(2))
            .getMessage().startsWith("faultRate"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SimConfig.defaults().withModels(List.of()))
            .getMessage().startsWith("models"));
    }
}
