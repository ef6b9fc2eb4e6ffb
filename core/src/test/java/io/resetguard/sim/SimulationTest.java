package io.resetguard.sim;

import io.resetguard.inv.InvFlavour;
import io.resetguard.model.ProtocolModel;
import io.resetguard.recovery.RecoveryPolicy;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fleet simulator on a small fleet: the models differ as docs/protocol.md says, reproducibly. */
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
        // quar-v6 (unmerged, QUAR v6 direction): its done(result) protects memory like result-to-done's;
        // the fleet runs no reset-method probes, so its other trait (probes leave the IOMMU alone)
        // and the BROKEN name change no number: the two agree to the last event
        final ModelResult quar = r.get(ProtocolModel.QUAR_V6);
        assertEquals(0, quar.corruptions(), quar.toString());
        assertTrue(quar.blockedAtEnd() > 0, "failed functions stay BROKEN: " + quar);
        assertEquals(numbersAs(ProtocolModel.QUAR_V6, r.get(ProtocolModel.RESULT_TO_DONE)), numbers(quar));
        final ModelResult hybrid = r.get(ProtocolModel.SEED_ON_7_1);
        assertTrue(hybrid.livenessViolations() > 0, "seed-on-7.1 leaves functions stuck: " + hybrid);
        for (final ModelResult x : r.values()) {
            assertTrue(x.invalidations() > 0 && x.events() > 0, x.toString());
        }
    }

    /**
     * The same seed gives identical numbers (every count, the latency histogram's every value) with
     * 1, 2 or 7 threads and in any model order: shards share nothing and their results merge exactly
     * in whatever order they finish.
     */
    @Test
    void runsAreReproducibleBitForBit() throws Exception {
        final SimConfig c = small().withFleet(2_000, 5).withDurationNs(SimConfig.HOUR / 2)
            .withModels(List.of(ProtocolModel.LINUX_7_0, ProtocolModel.SEED_ON_7_1));
        final List<ModelResult> a = new Simulation(c.withThreads(2), 0).runAll(null);
        final List<ModelResult> reversed = new Simulation(c.withThreads(7)
            .withModels(List.of(ProtocolModel.SEED_ON_7_1, ProtocolModel.LINUX_7_0)), 0).runAll(null);
        final List<ModelResult> one = new Simulation(c.withThreads(1), 0).runAll(null);
        for (int m = 0; m < 2; m++) {
            assertEquals(numbers(a.get(m)), numbers(one.get(m)));
            assertEquals(numbers(a.get(m)), numbers(reversed.get(1 - m)));
        }
        assertTrue(a.get(0).corruptions() > 0 && a.get(1).livenessViolations() > 0, a.toString());
        final ModelResult other = new Simulation(c.withSeed(7), 0).runAll(null).get(0);
        assertTrue(other.events() != a.get(0).events(), "another seed, another run");
    }

    /** A run's numbers without its wall time. */
    private static ModelResult numbers(final ModelResult r) {
        return numbersAs(r.model(), r);
    }

    /** A run's numbers without its wall time, labelled with model {@code m}. */
    private static ModelResult numbersAs(final ProtocolModel m, final ModelResult r) {
        return new ModelResult(m, r.resets(), r.failedResets(), r.blockedAtEnd(), r.corruptions(), r.staleReads(),
            r.livenessViolations(), r.useAfterFree(), r.invalidations(), r.timeouts(), r.invalidationLatencyP50Ns(),
            r.invalidationLatencyP99Ns(), r.events(), 0, r.quarantined(), r.healthyFunctionsQuarantined(),
            r.completionWaitTimeouts(), r.idleItagCompletions(), r.latency());
    }

    /**
     * Lending core stacks is invisible: every model gives the same numbers whether functions borrow
     * pooled slots or own one each for the whole run. This is what makes the pool's pristine check
     * sound; a check that released a slot too early (say, with its ATC or its blocked state still
     * set) changes corruptions, blocked functions or events.
     */
    @Test
    void lendingSlotsChangesNothing() throws Exception {
        final SimConfig c = small().withFleet(600, 2).withFaultRate(0.1).withDeviceRates(0.05, 0.1);
        for (final ProtocolModel m : ProtocolModel.values()) {
            final ModelResult pooled = new Simulation(c, 0, true).run(m, null);
            final ModelResult dedicated = new Simulation(c, 0, false).run(m, null);
            assertEquals(numbers(dedicated), numbers(pooled), m.cliName());
            assertTrue(pooled.timeouts() > 0 && pooled.resets() > 0, "the fleet exercises recovery: " + pooled);
        }
    }

    /**
     * Late devices time out and get reset, but they do invalidate, and they replay nothing: no model
     * corrupts memory because of them (the corruption needs a hung device's replaying DMA engine).
     * Every reset succeeds, yet the flush that re-enables ATS after it times out again, so a late
     * device is recovered over and over (about once a second), and some are mid-recovery at the end.
     */
    @Test
    void lateDevicesTimeOutAndAreResetWithoutCorruption() throws Exception {
        final SimConfig c = small().withFleet(1_000, 2).withFaultRate(0).withDeviceRates(0.2, 0)
            .withModels(List.of(ProtocolModel.LINUX_7_0, ProtocolModel.SEED));
        for (final ModelResult r : new Simulation(c, 0).runAll(null)) {
            assertTrue(r.timeouts() > 0 && r.resets() > 0 && r.failedResets() == 0, r.toString());
            assertEquals(0, r.corruptions(), r.toString());
            assertTrue(r.resets() > 100 * 200, "the re-enable flush times out again: recovery loops " + r);
            assertTrue(r.blockedAtEnd() < 200, "only those mid-recovery at the end are blocked: " + r);
        }
    }

    /**
     * {@code --recovery quarantine} (docs/protocol.md §2.5a): the model decides whether the
     * operator's failed reset lifts the quarantine. Linux 7.0's done() unblocks whatever the reset
     * returned, reset_device_done lifts the quarantine and the hung device's stale ATC entries write
     * into reused pages; result-to-done keeps a failed reset blocked, so its quarantine holds until a
     * good reset and memory is never corrupted.
     */
    @Test
    void quarantineHoldsUntilAGoodResetUnderResultToDoneButNotUnder70() throws Exception {
        final SimConfig c = SimConfig.defaults().withFleet(20_000, SimConfig.autoIommus(20_000)).withFaultRate(0.05)
            .withDurationNs(SimConfig.HOUR / 2).withThreads(2).withRecovery(RecoveryPolicy.QUARANTINE)
            .withModels(List.of(ProtocolModel.LINUX_7_0, ProtocolModel.RESULT_TO_DONE));
        final Map<ProtocolModel, ModelResult> r = byModel(new Simulation(c, 0).runAll(null));
        final ModelResult m70 = r.get(ProtocolModel.LINUX_7_0);
        final ModelResult rtd = r.get(ProtocolModel.RESULT_TO_DONE);
        assertTrue(m70.quarantined() > 0 && m70.failedResets() > 0, m70.toString());
        assertTrue(m70.corruptions() > 0, "7.0 unblocks after a failed operator reset: " + m70);
        assertTrue(rtd.quarantined() > 0 && rtd.failedResets() > 0, rtd.toString());
        assertEquals(0, rtd.corruptions(), "result-to-done keeps the quarantine until a good reset: " + rtd);
        assertTrue(rtd.blockedAtEnd() > 0, "functions whose reset failed stay blocked: " + rtd);
    }

    /**
     * The operator's delay is the quarantine policy's only: a longer one leaves functions quarantined
     * (and unreset) longer, so fewer resets finish in the run; fence-then-reset ignores it.
     */
    @Test
    void theOperatorResetDelayTimesTheQuarantinePolicysResetsOnly() throws Exception {
        final SimConfig q = small().withFleet(1_000, 2).withFaultRate(0.2).withDurationNs(SimConfig.HOUR / 6)
            .withModels(List.of(ProtocolModel.RESULT_TO_DONE)).withRecovery(RecoveryPolicy.QUARANTINE);
        final ModelResult soon = new Simulation(q.withOperatorResetDelayNs(1_000_000_000L), 0).runAll(null).get(0);
        final ModelResult late = new Simulation(q.withOperatorResetDelayNs(SimConfig.HOUR), 0).runAll(null).get(0);
        assertTrue(soon.resets() > 0, soon.toString());
        assertEquals(0, late.resets(), "nobody resets within the run: " + late);
        assertTrue(late.quarantined() > 0, late.toString());
        final SimConfig f = q.withRecovery(RecoveryPolicy.FENCE_THEN_RESET);
        assertEquals(numbers(new Simulation(f, 0).runAll(null).get(0)),
            numbers(new Simulation(f.withOperatorResetDelayNs(SimConfig.HOUR), 0).runAll(null).get(0)));
    }

    /**
     * Devices answering with several completion messages change no protocol outcome: a healthy
     * device's answer still completes the invalidation in time. Devices that never answered do not
     * send extra messages either.
     */
    @Test
    void completionCountsAreInvisibleForHealthyDevices() throws Exception {
        final SimConfig c = small().withFleet(1_000, 2).withDurationNs(SimConfig.HOUR / 6)
            .withModels(List.of(ProtocolModel.LINUX_7_1));
        final ModelResult one = new Simulation(c, 0).runAll(null).get(0);
        final ModelResult four = new Simulation(c.withCompletionCount(0.5, 4), 0).runAll(null).get(0);
        assertEquals(one.corruptions(), four.corruptions());
        assertEquals(one.timeouts(), four.timeouts());
        assertEquals(one.invalidations(), four.invalidations());
        assertEquals(0, four.idleItagCompletions());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.withCompletionCount(0.5, 9))
            .getMessage().startsWith("completionCount"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.withCompletionCount(1.5, 2))
            .getMessage().startsWith("completionCountRate"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.withOperatorResetDelayNs(-1))
            .getMessage().startsWith("operatorResetDelay"));
    }

    /** Under AMD the software wait gives up (-EIO) before the hardware's timeout, for every hung device. */
    @Test
    void amdFlavourGivesUpBeforeTheHardwareTimesOut() throws Exception {
        final SimConfig c = small().withFleet(1_000, 2).withFaultRate(0.1).withDurationNs(SimConfig.HOUR / 6)
            .withModels(List.of(ProtocolModel.LINUX_7_1)).withFlavour(InvFlavour.AMD);
        final ModelResult r = new Simulation(c, 0).runAll(null).get(0);
        assertTrue(r.timeouts() > 0 && r.completionWaitTimeouts() > 0, r.toString());
        final ModelResult smmu = new Simulation(c.withFlavour(InvFlavour.SMMUV3), 0).runAll(null).get(0);
        assertEquals(0, smmu.completionWaitTimeouts());
        // a COMPLETION_WAIT waits for every earlier command: healthy functions' syncs queued behind a
        // hung one give up too, and quarantine fences their batches: the cost the count reports
        final ModelResult q = new Simulation(c.withRecovery(RecoveryPolicy.QUARANTINE), 0).runAll(null).get(0);
        assertTrue(q.healthyFunctionsQuarantined() > 0 && q.healthyFunctionsQuarantined() < q.quarantined(), q.toString());
        final ModelResult qs = new Simulation(c.withRecovery(RecoveryPolicy.QUARANTINE).withFlavour(InvFlavour.SMMUV3), 0)
            .runAll(null).get(0);
        assertEquals(0, qs.healthyFunctionsQuarantined(), "one function per batch in the fleet: " + qs);
    }

    @Test
    void streamsAsPlainLongsDrawWhatSplittableRandomDraws() {
        final long[] st = {Streams.state(42, 3, 1234, Streams.Purpose.WORKLOAD)};
        final java.util.SplittableRandom r = Streams.stream(42, 3, 1234, Streams.Purpose.WORKLOAD);
        for (int k = 0; k < 1000; k++) {
            assertEquals(r.nextDouble(), Streams.nextDouble(st, 0));
        }
        assertTrue(Streams.state(42, 3, 1234, Streams.Purpose.WORKLOAD) != Streams.state(42, 3, 1234, Streams.Purpose.FAULTS));
    }

    @Test
    void autoIommusGivesOnePer16kFunctionsAtLeast8() {
        assertEquals(8, SimConfig.autoIommus(100_000));
        assertEquals(62, SimConfig.autoIommus(1_000_000));
        assertEquals(611, SimConfig.autoIommus(10_000_000));
        assertEquals(5, SimConfig.autoIommus(5), "never more IOMMUs than functions");
        assertEquals(8, SimConfig.defaults().iommus());
    }

    @Test
    void theSimulatorsLimitsNameTheField() {
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> SimConfig.defaults().withFleet(SimConfig.MAX_FUNCTIONS_PER_IOMMU + 1, 1)).getMessage().startsWith("functions"));
        SimConfig.defaults().withFleet(SimConfig.MAX_FUNCTIONS_PER_IOMMU + 1, 2); // two IOMMUs hold them
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> SimConfig.defaults().withDurationNs(SimConfig.MAX_DURATION_NS + 1)).getMessage().startsWith("duration"));
        assertTrue(new FleetQueue(4).peekDueNs() > SimConfig.MAX_DURATION_NS, "an empty fleet queue peeks past the end");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SimConfig.defaults()
            .withDurationNs(SimConfig.MAX_DURATION_NS).withCyclePeriodNs(SimConfig.MIN_CYCLE_PERIOD_NS))
            .getMessage().startsWith("cyclePeriod"), "a cycle count that would overflow 31 bits");
        assertEquals(SimConfig.MAX_FUNCTIONS_PER_IOMMU, (1 << FleetQueue.INDEX_BITS) - 1, "slot + 1 fits 24 bits");
        final SimConfig d = SimConfig.defaults();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SimConfig(d.functions(), d.iommus(), d.durationNs(),
            d.seed(), d.models(), d.faultRate(), d.resetFailRate(), d.lateRate(), d.ignoreInResetRate(),
            SimConfig.MAX_DURATION_NS + 1, d.writesPerCycle(), d.recovery(), d.flavour(), d.threads()))
            .getMessage().startsWith("cyclePeriod"), "a period that would overflow the fleet's time keys");
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
