package io.resetguard.pci;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Bdf;
import io.resetguard.model.Invariants;
import io.resetguard.model.ProtocolModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The methods of §4.1 in virtual time, with their IOMMU hooks under each model. */
class ResetMethodsTest {

    @Test
    void probingListsSupportedMethodsInTableOrder() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciBridge cxl = r.pci.addBridge(Bdf.parse("00:01.0"), false, true, true);
        final PciBridge plain = r.pci.addBridge(Bdf.parse("00:02.0"), false, false, false);
        final PciDev nic = r.add("01:00.0", true, PciCaps.typical(), null);
        final PciDev quirky = r.add("02:00.0", true, PciCaps.typical().withQuirk(Quirk.FLR_THEN_FIRMWARE_WAIT)
            .withAcpiRst(true), plain);
        final PciDev cxlDev = r.add("03:00.0", true, PciCaps.typical(), cxl);
        assertEquals(List.of(ResetMethod.FLR, ResetMethod.PM), nic.resetMethods(), "root bus: no bus reset");
        assertEquals(List.of(ResetMethod.DEVICE_SPECIFIC, ResetMethod.ACPI, ResetMethod.FLR, ResetMethod.PM,
            ResetMethod.BUS), quirky.resetMethods());
        assertEquals(List.of(ResetMethod.FLR, ResetMethod.PM, ResetMethod.BUS, ResetMethod.CXL_BUS),
            cxlDev.resetMethods(), "masked SBR: bus probes 0 (and will do -ENOTTY)");
        assertEquals("flr pm bus cxl_bus", r.pci.showResetMethods(cxlDev));
        assertEquals(0, r.fabric.events().total(), "enumeration probes before the IOMMU probe: no hooks");
    }

    @Test
    void successfulFlrTakesTheSettleTimeAndUnblocks() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
        final Errno[] out = new Errno[1];
        r.pci.resetFunction(d, rc -> out[0] = rc);
        assertTrue(r.parked(d), "prepare ran before the FLR bit was set");
        assertFalse(d.busMaster(), "save_and_disable cleared bus mastering");
        r.sched.runUntilIdle();
        assertEquals(Errno.OK, out[0]);
        assertEquals(100, r.nowMs(), "100 ms settle, then ready at the first poll");
        assertFalse(r.parked(d));
        assertTrue(d.busMaster(), "restored");
        assertEquals(1, r.count(EventType.INFO_RESET_DONE_CALLBACK));
    }

    @Test
    void readinessTimeoutReturnsEnottyAfterSixtyFiveSecondsAndTheWalkGoesOn() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
        r.faults.then(d.fn(), ResetMethod.FLR, ResetOutcome.READINESS_TIMEOUT);
        assertEquals(Errno.OK, r.reset(d), "pm worked");
        assertEquals(1, r.count(EventType.LOG_NOT_READY_GIVING_UP));
        assertTrue(r.count(EventType.LOG_NOT_READY_WAITING) > 0);
        final var giveUp = r.fabric.events().events(EventType.LOG_NOT_READY_GIVING_UP).get(0);
        assertEquals(100 + 65_535, giveUp.timeNs() / 1_000_000, "1+2+...+32768 ms of polls after the settle");
        assertTrue(giveUp.detail().contains("65535ms after FLR"));
        assertEquals(2, r.count(EventType.INFO_RESET_METHOD_TRY));
    }

    @ParameterizedTest
    @EnumSource(ProtocolModel.class)
    void failedFlrThenWorkingPmReset(final ProtocolModel m) {
        final PciRig r = new PciRig(m);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
        r.faults.then(d.fn(), ResetMethod.FLR, ResetOutcome.READINESS_TIMEOUT);
        assertEquals(Errno.OK, r.reset(d));
        final boolean stuck = m == ProtocolModel.SEED_ON_7_1;
        assertEquals(stuck, r.parked(d), m + ": blocked at the end");
        assertEquals(stuck ? 1 : 0, r.count(EventType.VIOLATION_LIVENESS), "the hybrid's hazard is reported");
        final boolean seedRule = m.afterReset() == ProtocolModel.AfterReset.DONE_ON_SUCCESS_OR_NO_ATS;
        assertEquals(seedRule ? 1 : 0, r.count(EventType.LOG_RESET_FAILED_BLOCKING_ATS));
        assertTrue(Invariants.check(r.group, r.group.snapshot()).isEmpty());
    }

    @ParameterizedTest
    @EnumSource(ProtocolModel.class)
    void everyMethodFailingKeepsOrReleasesTheFunctionPerModel(final ProtocolModel m) {
        final PciRig r = new PciRig(m);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
        r.faults.always(d.fn(), ResetMethod.FLR, ResetOutcome.READINESS_TIMEOUT)
            .always(d.fn(), ResetMethod.PM, ResetOutcome.READINESS_TIMEOUT);
        assertEquals(Errno.ENOTTY, r.reset(d));
        final boolean keeps = m != ProtocolModel.LINUX_7_0 && m != ProtocolModel.LINUX_7_1;
        assertEquals(keeps, r.parked(d), m + ": invariant 4 (seed, result-to-done) vs unconditional done");
        assertEquals(0, r.count(EventType.VIOLATION_LIVENESS), "a failed reset may stay blocked");
    }

    @ParameterizedTest
    @EnumSource(ProtocolModel.class)
    void nonAtsFunctionIsNeverBlocked(final ProtocolModel m) {
        final PciRig r = new PciRig(m);
        final PciDev d = r.add("01:00.0", false, PciCaps.typical(), null);
        r.faults.then(d.fn(), ResetMethod.FLR, ResetOutcome.READINESS_TIMEOUT);
        final var before = r.group.snapshot();
        final Errno[] out = new Errno[1];
        r.pci.resetFunction(d, rc -> out[0] = rc);
        while (out[0] == null) {
            assertFalse(r.parked(d));
            r.sched.runNext();
        }
        assertSame(before, r.group.snapshot(), "the IOMMU was not touched (§1.2 step 1)");
        assertEquals(0, r.count(EventType.LOG_RESET_FAILED_BLOCKING_ATS));
    }

    @Test
    void cxlNestingFailsUnder70WithEbusyAndStopsTheWalk() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_0);
        final PciBridge cxl = r.pci.addBridge(Bdf.parse("00:01.0"), false, true, true);
        final PciDev d = r.add("03:00.0", true, PciCaps.none(), cxl);
        assertEquals(List.of(ResetMethod.BUS, ResetMethod.CXL_BUS), d.resetMethods());
        assertEquals(Errno.EBUSY, r.reset(d), "bus: -ENOTTY (masked); cxl_bus: inner prepare -EBUSY");
        assertEquals(1, r.count(EventType.WARN_PREPARE_REENTRY));
        assertEquals(1, r.count(EventType.LOG_IOMMU_PREPARE_FAILED));
        assertFalse(r.parked(d), "the outer done() still ran");
        assertTrue(cxl.sbrMasked(), "the SBR mask was restored");
    }

    @Test
    void cxlNestingSucceedsUnder71WithOneReattachAtTheOuterDone() {
        final int[] attaches = new int[1];
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1, io.resetguard.state.StateImpl.LOCK_FREE,
            (p, fn) -> {
                if (p == io.resetguard.fault.FaultPoint.DEVICE_ATTACH) {
                    attaches[0]++;
                }
                return Errno.OK;
            });
        final PciBridge cxl = r.pci.addBridge(Bdf.parse("00:01.0"), false, true, true);
        final PciDev d = r.add("03:00.0", true, PciCaps.none(), cxl);
        attaches[0] = 0;
        final Errno[] out = new Errno[1];
        r.pci.resetFunction(d, rc -> out[0] = rc);
        r.sched.runFor(1_000_000L); // 1 ms into the bus reset: both prepares done
        assertEquals(2, r.group.snapshot().deviceOf(d.fn()).depth(), "cxl_bus -> bus nesting");
        r.sched.runUntilIdle();
        assertEquals(Errno.OK, out[0]);
        assertEquals(2, attaches[0], "one park at the outer prepare, one re-attach at the outer done");
        assertFalse(r.parked(d));
    }

    @Test
    void quirkFirmwareWaitKeepsTheFunctionBlockedUntilTheOuterDone() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical().withQuirk(Quirk.FLR_THEN_FIRMWARE_WAIT), null);
        final Errno[] out = new Errno[1];
        r.pci.resetFunction(d, rc -> out[0] = rc);
        r.sched.runUntil(150 * 1_000_000L); // the inner FLR finished at 100 ms; firmware ready at 400 ms
        assertEquals(1, r.group.snapshot().deviceOf(d.fn()).depth(), "the inner done only decremented");
        assertTrue(r.parked(d), "still blocked while the firmware boots");
        r.sched.runUntilIdle();
        assertEquals(Errno.OK, out[0]);
        assertEquals(400, r.nowMs());
        assertFalse(r.parked(d));
    }

    @Test
    void quirkWithInnerFlrFailsUnder70() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_0);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical().withQuirk(Quirk.FLR_THEN_FIRMWARE_WAIT), null);
        assertEquals(Errno.EBUSY, r.reset(d), "the inner pcie_flr() prepare re-enters");
        assertEquals(1, r.count(EventType.INFO_RESET_METHOD_TRY), "-EBUSY stops the walk");
    }

    @Test
    void pmResetRefusesWhenNotInD0AndStopsTheWalk() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
        assertEquals(Errno.OK, r.pci.storeResetMethods(d, "pm flr"));
        d.power(PciDev.Power.D3HOT);
        final Errno[] out = new Errno[1];
        r.pci.resetWalk(d, rc -> out[0] = rc); // the bare walk does not force D0
        r.sched.runUntilIdle();
        assertEquals(Errno.EINVAL, out[0]);
        assertEquals(1, r.count(EventType.INFO_RESET_METHOD_TRY), "flr was not tried");
        assertFalse(r.parked(d), "-EINVAL comes before prepare");
        d.power(PciDev.Power.D3HOT);
        assertEquals(Errno.OK, r.reset(d), "pci_reset_function() forces D0 first");
    }

    @Test
    void anErrorOtherThanEnottyStopsTheWalk() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
        r.faults.then(d.fn(), ResetMethod.FLR, ResetOutcome.EIO);
        assertEquals(Errno.EIO, r.reset(d));
        assertEquals(1, r.count(EventType.INFO_RESET_METHOD_TRY));
    }

    @Test
    void prepareFailureStopsTheWalk() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
        r.faults.then(d.fn(), ResetMethod.FLR, ResetOutcome.PREPARE_ENOMEM);
        assertEquals(Errno.ENOMEM, r.reset(d));
        assertEquals(1, r.count(EventType.LOG_IOMMU_PREPARE_FAILED));
        assertFalse(r.parked(d));
    }

    @Test
    void busResetOfASoleChildAndTheCxlMaskedCase() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciBridge slot = r.pci.addBridge(Bdf.parse("00:01.0"), true, false, false);
        final PciDev d = r.add("01:00.0", true, PciCaps.none(), slot);
        assertEquals(List.of(ResetMethod.BUS), d.resetMethods());
        assertEquals(Errno.OK, r.reset(d));
        assertEquals(102, r.nowMs(), "2 ms assertion + 100 ms before polling");
        final PciRig r2 = new PciRig(ProtocolModel.LINUX_7_1);
        final PciBridge masked = r2.pci.addBridge(Bdf.parse("00:01.0"), false, true, true);
        final PciDev e = r2.add("01:00.0", true, PciCaps.none(), masked);
        assertEquals(Errno.OK, r2.pci.storeResetMethods(e, "bus"));
        assertEquals(Errno.ENOTTY, r2.reset(e), "below a CXL port with SBR masked");
        assertFalse(r2.parked(e));
    }

    @Test
    void seedProbeOfAnUnsupportedBusResetLeavesTheFunctionBlocked() {
        // Probe mode runs prepare/done for bus; its -ENOTTY is a "failed reset" to the seed rule.
        final PciRig r = new PciRig(ProtocolModel.SEED);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
        assertEquals(Errno.ENOTTY, r.pci.probe(d, ResetMethod.BUS));
        assertTrue(r.parked(d));
        assertEquals(1, r.count(EventType.LOG_RESET_FAILED_BLOCKING_ATS));
        final PciRig r71 = new PciRig(ProtocolModel.LINUX_7_1);
        final PciDev e = r71.add("01:00.0", true, PciCaps.typical(), null);
        assertEquals(Errno.ENOTTY, r71.pci.probe(e, ResetMethod.BUS));
        assertFalse(r71.parked(e));
    }

    @ParameterizedTest
    @EnumSource(ProtocolModel.class)
    void theOracleReportsAFunctionThatAProbeAloneLeftBlocked(final ProtocolModel model) {
        // A re-probe (sysfs reset_method "default") of a root-bus ATS function: bus probes -ENOTTY
        // after its probe-mode prepare. The seed rule keeps the function blocked on that "failed
        // reset", and result-to-done's done(-ENOTTY) quarantines it; no reset ever failed, so the
        // quiescence oracle must call it a liveness violation. 7.0 and 7.1 unblock; quar-v6's probes
        // make no IOMMU change at all (docs/protocol.md §2.5a), so nothing is blocked.
        final PciRig r = new PciRig(model);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
        final io.resetguard.oracle.Oracle oracle = new io.resetguard.oracle.Oracle(r.fabric, r.pci);
        assertEquals(Errno.OK, r.pci.storeResetMethods(d, "default"));
        assertEquals(0, d.probesInFlight());
        final boolean keepsBlocked = model.afterReset() != ProtocolModel.AfterReset.ALWAYS_DONE
            && model.probeHooks() == ProtocolModel.ProbeHooks.PREPARE_DONE;
        assertEquals(keepsBlocked, r.parked(d));
        assertEquals(keepsBlocked, d.probeLeftParked());
        final var found = oracle.checkQuiescent();
        assertEquals(keepsBlocked ? 1 : 0, found.size(), found::toString);
        if (keepsBlocked) {
            assertTrue(found.get(0).detail().contains("reset-method probe"), found.get(0)::toString);
            assertEquals(Errno.OK, r.reset(d));
            assertFalse(d.probeLeftParked(), "a full reset decides anew");
            if (model == ProtocolModel.SEED_ON_7_1) {
                // the hybrid's leaked reset_depth level (§2.6) survives the successful reset: stuck
                assertTrue(r.parked(d));
                assertEquals(2, r.count(EventType.VIOLATION_LIVENESS), "the oracle's above, and the reset's own");
            } else {
                // a successful full reset unblocks it, and the oracle is quiet again
                assertFalse(r.parked(d));
                assertTrue(oracle.checkQuiescent().isEmpty());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ProtocolModel.class)
    void quarV6ProbesMakeNoIommuChange(final ProtocolModel model) {
        // device_specific and bus run prepare/done in probe mode (§4.1) except under quar-v6, whose
        // probes make no IOMMU change at all (docs/protocol.md §2.5a): no prepare, no done, no attach.
        final PciRig r = new PciRig(model);
        final PciBridge br = r.pci.addBridge(Bdf.parse("0000:00:01.0"), false, false, false);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical().withQuirk(Quirk.REGISTER_SEQUENCE), br);
        final java.util.List<String> changes = new java.util.ArrayList<>();
        r.group.addAttachListener((g, fn, before, after) -> changes.add(fn.bdf() + " -> " + after.rid()));
        final var before = r.group.snapshot();
        assertEquals(Errno.OK, r.pci.probe(d, ResetMethod.DEVICE_SPECIFIC));
        assertEquals(Errno.OK, r.pci.probe(d, ResetMethod.BUS));
        assertEquals(Errno.OK, r.pci.storeResetMethods(d, "default"));
        final boolean hooks = model.probeHooks() == ProtocolModel.ProbeHooks.PREPARE_DONE;
        assertEquals(model == ProtocolModel.QUAR_V6, !hooks);
        if (hooks) {
            assertFalse(changes.isEmpty(), "probe-mode prepare/done park and unpark the function");
        } else {
            assertEquals(java.util.List.of(), changes);
            assertSame(before, r.group.snapshot(), "not one transition committed");
            assertFalse(r.group.snapshot().blockingAllocated(), "not even the blocking domain allocated");
        }
        assertFalse(r.parked(d));
        assertEquals(0, d.probesInFlight());
    }

    @Test
    void theOracleDoesNotBlameAProbeForABlockAFailedResetJustifies() {
        final PciRig r = new PciRig(ProtocolModel.SEED);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
        r.faults.always(d.fn(), ResetMethod.FLR, ResetOutcome.READINESS_TIMEOUT);
        assertEquals(Errno.OK, r.pci.storeResetMethods(d, "flr"));
        assertTrue(r.reset(d).isError());
        assertTrue(r.parked(d), "the seed keeps a function whose reset failed blocked");
        assertEquals(Errno.ENOTTY, r.pci.probe(d, ResetMethod.BUS));
        assertFalse(d.probeLeftParked(), "the probe found it blocked");
        assertTrue(new io.resetguard.oracle.Oracle(r.fabric, r.pci).checkQuiescent().isEmpty(),
            "blocked because its last reset failed: the protection working, not a leak");
    }

    @Test
    void aProbeIsNotBlamedForABlockItFoundNorCountedIfItRunsNoHooks() {
        // seed: a bare walk (__pci_reset_function_locked, no full reset recorded) fails after its
        // prepare and keeps the function blocked, by design. Probes then find it blocked: neither
        // flr's probe (no hooks) nor bus's (hooks; its -ENOTTY keeps the flag) caused that block.
        final PciRig r = new PciRig(ProtocolModel.SEED);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
        r.faults.always(d.fn(), ResetMethod.FLR, ResetOutcome.EIO);
        final Errno[] out = new Errno[1];
        r.pci.resetWalk(d, rc -> out[0] = rc);
        r.sched.runUntilIdle();
        assertEquals(Errno.EIO, out[0]);
        assertTrue(r.parked(d));
        assertEquals(Errno.OK, r.pci.probe(d, ResetMethod.FLR));
        assertEquals(0, d.probeStartsVolatile(), "flr's probe runs no hooks: not counted");
        assertEquals(Errno.ENOTTY, r.pci.probe(d, ResetMethod.BUS));
        assertEquals(1, d.probeStartsVolatile());
        assertEquals(1, d.probeEndsVolatile());
        assertFalse(d.probeLeftParked(), "bus's probe found the function blocked");
        assertTrue(new io.resetguard.oracle.Oracle(r.fabric, r.pci).checkQuiescent().isEmpty());
    }

    @Test
    void theOracleReturnsWhatItFoundAlsoWhenTheLogIsFull() {
        final io.resetguard.fabric.Fabric fabric = io.resetguard.fabric.Fabric.builder().model(ProtocolModel.SEED)
            .events(new io.resetguard.event.EventLog(2)).build();
        final PciCore pci = new PciCore(fabric, new io.resetguard.time.VirtualScheduler());
        final var group = fabric.addIommu("smmu0").addGroup();
        final PciDev d = pci.attach(group.addFunction(Bdf.parse("01:00.0"), true, 0), PciCaps.typical(), null);
        for (int i = 0; i < 5; i++) {
            fabric.events().record(EventType.INFO_RESET_DONE_CALLBACK, null, "filler");
        }
        assertEquals(Errno.ENOTTY, pci.probe(d, ResetMethod.BUS)); // root bus: the seed keeps it blocked
        final var found = new io.resetguard.oracle.Oracle(fabric, pci).checkQuiescent();
        assertEquals(1, found.size(), "counted but no longer retained, and still returned");
        assertEquals(-1, found.get(0).seq());
        assertEquals(1, fabric.events().count(EventType.VIOLATION_LIVENESS));
    }

    @Test
    void aProbeInsideAResetBracketLeavesNothingBehindTheResetCannotClear() {
        // §7 scenario 14 with the probe inside the reset's prepare/done bracket (run from a hardware-
        // reset listener: after the reset's prepare, before its done). 7.1: the probe nests a level
        // and gives it back. Seed: the probe's prepare is a re-entry (0, no change), its -ENOTTY keeps
        // the function blocked ("Reset failed"), and the reset's done() then clears the group flag.
        // Either way the reset ends with the function unblocked and nobody reports a violation.
        for (final ProtocolModel model : new ProtocolModel[] {ProtocolModel.LINUX_7_1, ProtocolModel.SEED}) {
            final PciRig r = new PciRig(model);
            final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
            assertEquals(Errno.OK, r.pci.storeResetMethods(d, "flr"));
            r.pci.addHwResetListener((dev, readyAt) -> assertEquals(Errno.ENOTTY, r.pci.probe(d, ResetMethod.BUS)));
            assertEquals(Errno.OK, r.reset(d), model.cliName());
            assertEquals(0, d.probesInFlight());
            assertFalse(d.probeLeftParked(), "the reset held the function when the probe ended");
            assertEquals(model == ProtocolModel.SEED ? 1 : 0, r.count(EventType.LOG_RESET_FAILED_BLOCKING_ATS));
            assertFalse(r.parked(d), model.cliName());
            assertEquals(0, r.count(EventType.VIOLATION_LIVENESS), model.cliName());
            assertTrue(new io.resetguard.oracle.Oracle(r.fabric, r.pci).checkQuiescent().isEmpty(), model.cliName());
        }
    }

    @Test
    void probeModePrepareIsVisibleToAConcurrentAttach() {
        final Errno[] seen = new Errno[1];
        final PciRig[] holder = new PciRig[1];
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1, io.resetguard.state.StateImpl.LOCK_FREE, (p, fn) -> {
            // runs inside done()'s re-attach, i.e. after the probe-mode prepare committed
            if (p == io.resetguard.fault.FaultPoint.DEVICE_ATTACH && holder[0] != null && seen[0] == null
                && holder[0].group.snapshot().recoveryCnt() > 0) {
                seen[0] = holder[0].group.attachGroup(holder[0].fabric.allocPagingDomain());
            }
            return Errno.OK;
        });
        final PciDev d = r.add("01:00.0", true, PciCaps.typical().withQuirk(Quirk.REGISTER_SEQUENCE), null);
        holder[0] = r;
        assertEquals(Errno.OK, r.pci.probe(d, ResetMethod.DEVICE_SPECIFIC));
        assertEquals(Errno.EBUSY, seen[0], "an attach during the probe-mode bracket is fenced");
        assertFalse(r.parked(d));
    }

    @Test
    void probingStopsAtAnErrorFromAProbeModePrepare() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_0);
        final PciBridge plain = r.pci.addBridge(Bdf.parse("00:02.0"), false, false, false);
        final PciDev a = r.add("02:00.0", true, PciCaps.typical().withQuirk(Quirk.REGISTER_SEQUENCE), plain);
        final PciDev b = r.add("02:00.1", true, PciCaps.typical(), null);
        assertEquals(Errno.OK, r.group.prepare(b.fn()), "a sibling is resetting (7.0: group-wide flag)");
        assertEquals(Errno.OK, r.pci.storeResetMethods(a, "default"));
        assertEquals(List.of(), a.resetMethods(), "device_specific's probe-mode prepare got -EBUSY: probing stopped");
    }

    @Test
    void sysfsResetMethodValidatesNamesAndSupport() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical(), null);
        assertEquals(Errno.EINVAL, r.pci.storeResetMethods(d, "flr bogus"));
        assertEquals(Errno.EINVAL, r.pci.storeResetMethods(d, "acpi"), "not supported");
        assertEquals(Errno.EINVAL, r.pci.storeResetMethods(d, "flr flr"));
        assertEquals("flr pm", r.pci.showResetMethods(d), "unchanged after errors");
        assertEquals(Errno.OK, r.pci.storeResetMethods(d, "pm"));
        assertEquals(List.of(ResetMethod.PM), d.resetMethods());
        assertEquals(Errno.OK, r.pci.storeResetMethods(d, ""));
        assertEquals(Errno.ENOTTY, r.reset(d), "no method: -ENOTTY at once");
        assertEquals(Errno.OK, r.pci.storeResetMethods(d, "default"));
        assertEquals("flr pm", r.pci.showResetMethods(d));
    }

    @Test
    void acpiResetAndItsFailure() {
        final PciRig r = new PciRig(ProtocolModel.SEED);
        final PciDev d = r.add("01:00.0", true, PciCaps.none().withAcpiRst(true), null);
        assertEquals(Errno.OK, r.reset(d));
        r.faults.then(d.fn(), ResetMethod.ACPI, ResetOutcome.ENOTTY);
        assertEquals(Errno.ENOTTY, r.reset(d));
        assertEquals(1, r.count(EventType.LOG_ACPI_RST_FAILED));
        assertTrue(r.parked(d), "seed: _RST failed, ATS stays blocked");
    }

    @Test
    void pendingTransactionsDelayTheFlrAndTimeOutAfter700Ms() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical().withPendingTxMs(10_000), null);
        assertEquals(Errno.OK, r.reset(d));
        assertEquals(1, r.count(EventType.LOG_PENDING_TRANSACTION_TIMEOUT));
        assertEquals(700 + 100, r.nowMs());
    }

    @Test
    void immediateReadinessSkipsTheSettle() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical().withImmReady(true), null);
        assertEquals(Errno.OK, r.reset(d));
        assertEquals(0, r.nowMs());
    }

    @Test
    void afFlrUsesItsOwnCapability() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciDev d = r.add("01:00.0", true, PciCaps.none().withAfFlr(true), null);
        assertEquals(List.of(ResetMethod.AF_FLR), d.resetMethods());
        r.faults.then(d.fn(), ResetMethod.AF_FLR, ResetOutcome.READINESS_TIMEOUT);
        assertEquals(Errno.ENOTTY, r.reset(d));
        assertTrue(r.fabric.events().events(EventType.LOG_NOT_READY_GIVING_UP).get(0).detail().contains("AF_FLR"));
    }

    @Test
    void hwResetListenerSeesTheResetWindow() {
        final PciRig r = new PciRig(ProtocolModel.LINUX_7_1);
        final PciDev d = r.add("01:00.0", true, PciCaps.typical().withReadyDelayMs(50), null);
        final long[] readyAt = new long[1];
        r.pci.addHwResetListener((dev, t) -> readyAt[0] = t);
        r.pci.resetFunction(d, rc -> { });
        assertTrue(d.inHwReset(r.sched.nanoTime()));
        r.sched.runUntilIdle();
        assertEquals(50 * 1_000_000L, readyAt[0]);
        assertFalse(d.inHwReset(r.sched.nanoTime()));
        assertNull(d.lock().owner(), "lock released");
    }
}
