package io.resetguard.sim;

import io.resetguard.inv.InvFlavour;
import io.resetguard.model.ProtocolModel;
import io.resetguard.recovery.RecoveryPolicy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The golden numbers: what the simulator printed before any speed work (2026-12-08, commit fd5b17f),
 * so that no change to how fast it runs changes what it counts. Each line is
 * resets/failedResets/blockedAtEnd/corruptions/staleReads/livenessViolations/useAfterFree/
 * invalidations/timeouts/p50/p99/quarantined/healthyFunctionsQuarantined/completionWaitTimeouts/
 * idleItagCompletions. The simulated event count is not golden: a speed change may legitimately run
 * fewer no-op events.
 *
 * <p>About 35 s on an idle 2-core machine.
 */
class GoldenNumbersTest {

    private static String line(final ModelResult r) {
        return r.model().cliName() + " " + r.resets() + "/" + r.failedResets() + "/" + r.blockedAtEnd() + "/"
            + r.corruptions() + "/" + r.staleReads() + "/" + r.livenessViolations() + "/" + r.useAfterFree() + "/"
            + r.invalidations() + "/" + r.timeouts() + "/" + r.invalidationLatencyP50Ns() + "/"
            + r.invalidationLatencyP99Ns() + "/" + r.quarantined() + "/" + r.healthyFunctionsQuarantined() + "/"
            + r.completionWaitTimeouts() + "/" + r.idleItagCompletions();
    }

    private static List<String> lines(final SimConfig c) throws InterruptedException {
        final List<String> out = new ArrayList<>();
        for (final ModelResult r : new Simulation(c, 0).runAll(null)) {
            out.add(line(r));
        }
        return out;
    }

    /** The README's table: seed 42, 100,000 functions, the default workload, every model. */
    @Test
    void theDefaultRun() throws Exception {
        assertEquals(List.of(
            "linux-7.0 1280/313/15/184/0/0/0/3001240/2602/2000/2000/0/0/0/0",
            "seed 970/240/252/0/0/0/0/2997036/1975/2000/2000/0/0/0/0",
            "linux-7.1 1280/313/15/184/0/0/0/3001240/2602/2000/2000/0/0/0/0",
            "result-to-done 970/240/252/0/0/0/0/2997036/1975/2000/2000/0/0/0/0",
            "seed-on-7.1 970/240/483/0/0/462/0/2993553/1975/2000/2000/0/0/0/0",
            "quar-v6 970/240/252/0/0/0/0/2997036/1975/2000/2000/0/0/0/0"),
            lines(SimConfig.defaults().withThreads(2)));
    }

    private static SimConfig twentyK() {
        return SimConfig.defaults().withThreads(2).withFleet(20_000, SimConfig.autoIommus(20_000))
            .withModels(List.of(ProtocolModel.LINUX_7_0, ProtocolModel.RESULT_TO_DONE));
    }

    /** 20,000 functions under each recovery policy (SMMUv3). */
    @Test
    void everyRecoveryPolicy() throws Exception {
        assertEquals(List.of(
            "linux-7.0 0/0/0/648385/0/0/0/600442/3103/2000/2000/0/0/0/0",
            "result-to-done 0/0/0/648385/0/0/0/600442/3103/2000/2000/0/0/0/0"),
            lines(twentyK().withRecovery(RecoveryPolicy.NONE)));
        assertEquals(List.of(
            "linux-7.0 410/410/203/0/0/0/0/597743/410/2000/2000/0/0/0/0",
            "result-to-done 200/43/203/0/0/314/0/597743/410/2000/2000/0/0/0/0"),
            lines(twentyK().withRecovery(RecoveryPolicy.SEED_WORKER)));
        assertEquals(List.of(
            "linux-7.0 252/54/5/31/0/0/0/600851/518/2000/2000/0/0/0/0",
            "result-to-done 199/43/47/0/0/0/0/600192/410/2000/2000/0/0/0/0"),
            lines(twentyK().withRecovery(RecoveryPolicy.FENCE_THEN_RESET)));
        assertEquals(List.of(
            "linux-7.0 250/53/4/729/0/0/0/600590/312/2000/2000/308/0/0/0",
            "result-to-done 198/42/46/0/0/0/0/599957/207/2000/2000/203/0/0/0"),
            lines(twentyK().withRecovery(RecoveryPolicy.QUARANTINE)));
    }

    /** 20,000 functions under each other driver flavour (fence-then-reset). */
    @Test
    void everyFlavour() throws Exception {
        assertEquals(List.of(
            "linux-7.0 252/54/5/0/0/0/0/612631/512/2000/2000/0/0/0/0",
            "result-to-done 199/43/47/0/0/0/0/608664/404/2000/2000/0/0/0/0"),
            lines(twentyK().withFlavour(InvFlavour.VTD)));
        assertEquals(List.of(
            "linux-7.0 14162/54/4/28/0/0/0/628584/514/2000/2000/0/0/19791/0",
            "result-to-done 11024/43/46/0/0/0/0/621761/406/2000/2000/0/0/15386/0"),
            lines(twentyK().withFlavour(InvFlavour.AMD)));
    }
}
