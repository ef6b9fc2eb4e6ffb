package io.resetguard.ats;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventType;
import io.resetguard.inv.IommuEngine;
import io.resetguard.model.ProtocolModel;
import io.resetguard.recovery.RecoveryPolicy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * prepare()'s final ATC flush completes (or times out) before the hardware reset starts
 * (docs/protocol.md §1.7, §7 scenario 15): the PCI core waits on the ATS layer's ResetBarrier.
 */
class ResetBarrierTest {

    private static final class Watched {
        final AtsRig rig = new AtsRig(ProtocolModel.LINUX_7_1, RecoveryPolicy.FENCE_THEN_RESET, AtsConfig.defaults());
        // a function that takes 50 ms to come back from a reset (the window in which an
        // IGNORE_IN_RESET device ignores invalidations)
        final AtsFunction f = rig.ats.attach(rig.pci.attach(rig.group.addFunction(
            io.resetguard.fabric.Bdf.parse("01:00.0"), true, 0), io.resetguard.pci.PciCaps.typical().withReadyDelayMs(50), null));
        final IommuEngine engine = rig.ats.engine(rig.group.iommu());
        final List<long[]> triggers = new ArrayList<>(); // {time, engine completed + timeouts at that time}

        Watched() {
            rig.sched.runUntilIdle(); // ATS enabled on the default domain
            rig.pci.addHwResetListener((d, readyAt) -> triggers.add(new long[] {rig.sched.nanoTime(),
                engine.completed() + engine.timeouts(), engine.issued()}));
        }
    }

    @Test
    void theFlrWaitsForTheFinalFlushOfASlowDevice() {
        final Watched w = new Watched();
        assertTrue(w.f.atsEnabled());
        w.f.answerLatencyNs(50 * AtsRig.MS);
        final long t0 = w.rig.sched.nanoTime();
        final long issuedBefore = w.engine.issued();
        final long resolvedBefore = w.engine.completed() + w.engine.timeouts();
        assertEquals(Errno.OK, w.rig.resetSync(w.f));
        assertEquals(1, w.triggers.size());
        final long[] t = w.triggers.get(0);
        assertTrue(t[0] - t0 >= 50 * AtsRig.MS, "the FLR started " + (t[0] - t0) + " ns after the reset began");
        assertEquals(issuedBefore + 1, t[2], "the final flush was issued before the FLR");
        assertEquals(resolvedBefore + 1, t[1], "and it had completed");
        assertEquals(0, w.engine.timeouts());
        assertFalse(w.rig.parked(w.f));
    }

    @Test
    void aDeviceThatIgnoresInvalidationsDuringResetStillAnswersTheFinalFlush() {
        // PCIe lets a function in reset ignore invalidations. Since the flush is drained before the
        // FLR bit is set, it is answered; sent after the trigger it would time out and look like a
        // broken device.
        final Watched w = new Watched();
        w.f.response(InvResponse.IGNORE_IN_RESET);
        assertEquals(Errno.OK, w.rig.resetSync(w.f));
        // bounded: a flush lost to the reset would time out and recover the function forever
        w.rig.sched.runUntil(w.rig.sched.nanoTime() + 5 * AtsRig.S);
        assertEquals(0, w.engine.timeouts());
        assertEquals(0, w.rig.count(EventType.LOG_ATC_INV_TIMEOUT));
        assertFalse(w.rig.parked(w.f));
        assertTrue(w.f.atsEnabled(), "re-enabled after the reset");
    }

    @Test
    void aHungDeviceDelaysTheFlrByTheInvalidationTimeoutAndNoMore() {
        final Watched w = new Watched();
        w.f.response(InvResponse.HANG);
        final long t0 = w.rig.sched.nanoTime();
        assertEquals(Errno.OK, w.rig.resetSync(w.f));
        final long waited = w.triggers.get(0)[0] - t0;
        final long timeout = AtsConfig.defaults().timeoutNs();
        assertTrue(waited >= timeout && waited < timeout + 2 * AtsRig.S,
            "the FLR started " + waited + " ns after the reset began; the flush times out after " + timeout);
        assertTrue(w.engine.timeouts() >= 1);
    }
}
