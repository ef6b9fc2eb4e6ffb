package io.resetguard.stress.state;

import io.resetguard.event.EventType;
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
import org.openjdk.jcstress.infra.results.LLLLLLL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * UnplugPrepareRace - function A is hot-unplugged ({@code iommu_release_device()}) while a
 * recovery's {@code prepare(A)} runs (docs/protocol.md §7 scenario 9: the worker holds a
 * {@code pci_dev_get} reference, so the PCI device outlives its gdev; §9 open question: does
 * removing a blocked gdev give back its recovery_cnt?).
 *
 * <p>The fixture is one linux-7.1 group with two ATS functions, A {@code 0000:3b:00.0} and its
 * sibling B {@code 0000:3b:00.1}. actor1 calls {@code prepare(A)}, actor2 {@code unplug(A)}. The
 * arbiter reads the group and tries an attach of a new domain, which tells whether the group is
 * still fenced.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  prepare(A)                "0" or "-ENODEV" (7.1: __dev_to_gdev() found nothing: WARN)
 *  r2  unplug(A)                 "0"
 *  r3  A in the group            GONE
 *  r4  recovery_cnt
 *  r5  orphaned recoveries       recovery_cnt units of removed blocked gdevs (GroupState)
 *  r6  WARN_NO_GROUP_DEVICE      events
 *  r7  sound                     invariant 6 counts the orphans; no OOPS/VIOLATION event
 * </pre>
 *
 * <p>The emulator models the kernel code literally (§9): a blocked gdev removed mid-reset keeps its
 * unit of recovery_cnt, so the sibling B's group stays fenced until someone repairs it. That outcome
 * is ACCEPTABLE_INTERESTING: sound by the invariants (the orphan is counted), but the liveness leak
 * the open question is about; {@code Oracle.checkQuiescent()} reports it.
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t UnplugPrepareRace.Linux71}
 */
public final class UnplugPrepareRace {
    private UnplugPrepareRace() {
    }

    /**
     * linux-7.1, lock-free cell.
     *
     * <p>How to run: {@code cd stress/target &&
     *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t UnplugPrepareRace.Linux71}
     */
    @Race(value = "unplug(A) || prepare(A)", scenarios = {9})
    @JCStressTest
    @Description("linux-7.1: hot-unplug of A racing prepare(A), lock-free cell")
    @Outcome(id = "-ENODEV, 0, GONE, 0, 0, 1, true", expect = ACCEPTABLE,
        desc = "unplug first: prepare found no gdev, WARNed, -ENODEV; nothing leaked")
    @Outcome(id = "0, 0, GONE, 1, 1, 0, true", expect = ACCEPTABLE_INTERESTING,
        desc = "prepare first: A blocked, then removed; its recovery_cnt unit is orphaned (§9 open question: leak)")
    @Outcome(id = "0, 0, GONE, 0, 0, 0, .*", expect = FORBIDDEN,
        desc = "prepare returned 0 but its recovery_cnt vanished with the gdev (lost update)")
    @Outcome(expect = FORBIDDEN, desc = "anything else: A still present, wrong counters, or an invariant broken")
    @State
    public static class Linux71 {
        private final IommuGroup group;
        private final PciFunction a;

        /** linux-7.1, lock-free cell. */
        public Linux71() {
            group = Probe.group(ProtocolModel.LINUX_7_1, StateImpl.LOCK_FREE);
            a = Probe.atsFunction(group, Probe.BDF_A);
            Probe.atsFunction(group, Probe.BDF_B);
        }

        /** @param r result */
        @Actor
        public void actor1(final LLLLLLL_Result r) {
            r.r1 = group.prepare(a).kernelString();
        }

        /** @param r result */
        @Actor
        public void actor2(final LLLLLLL_Result r) {
            r.r2 = group.unplug(a).kernelString();
        }

        /** @param r result */
        @Arbiter
        public void arbiter(final LLLLLLL_Result r) {
            final GroupState s = group.snapshot();
            r.r3 = Probe.rid(group, s, a, null);
            r.r4 = s.recoveryCnt();
            r.r5 = s.orphanedRecoveries();
            final long warns = Probe.count(group, EventType.WARN_NO_GROUP_DEVICE);
            r.r6 = warns;
            r.r7 = Probe.sound(group, s) && Probe.events(group) == warns;
        }
    }
}
