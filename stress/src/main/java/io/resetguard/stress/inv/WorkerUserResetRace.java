package io.resetguard.stress.inv;

import io.resetguard.event.EventType;
import io.resetguard.fabric.AttachListener;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.pci.ResetFaults;
import io.resetguard.state.DeviceState;
import io.resetguard.state.GroupState;
import io.resetguard.stress.Gate;
import io.resetguard.stress.Probe;
import io.resetguard.stress.Race;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLLLLL_Result;

import java.util.concurrent.atomic.AtomicInteger;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * WorkerUserResetRace - the seed's ATC-timeout recovery worker races a user's
 * {@code echo 1 > reset} of the same function (docs/protocol.md §3.2 steps c-e, §7 scenario 1:
 * the worker's private {@code prepare()} runs under the device lock, which it then drops before its
 * own {@code pci_reset_function()}; invariants 4, 16 and 17).
 *
 * <p>The fixture is a {@link SeedWorkerRig}: one seed group with one ATS function A
 * {@code 0000:3b:00.0}, a PCI core on an {@code InlineScheduler} with {@link Probe#INSTANT_FLR}
 * capabilities, an ATS system and a recovery worker ({@code SEED_WORKER}); every reset succeeds. actor1 reports an ATC timeout for A
 * (the worker runs inline); actor2 resets A through {@code pci_reset_function()}. An attach listener
 * counts how often A was moved off the blocking domain while the recovery was in flight.
 *
 * <p>Result fields, in order:
 * <pre>
 *  r1  recoveries succeeded                  1
 *  r2  the user's reset                      "0"
 *  r3  full resets                           2 (serialized by the device lock)
 *  r4  unblocks during the recovery          moves of A off the blocking domain while the recovery
 *                                            was in flight (from the timeout being taken to the end
 *                                            of the worker): 1 = only the worker's own reset;
 *                                            2 = the user's reset ran inside the recovery's window,
 *                                            and under the seed its done() may unblock A before the
 *                                            worker's own reset (re-entry returns 0, one done()
 *                                            clears the flag, §2.3)
 *  r5  RID of A                              DEF
 *  r6  bus mastering of A                    true (the worker sets it after its good reset)
 *  r7  sound                                 no overlap or liveness violation, invariants, nothing in
 *                                            flight, device lock free
 * </pre>
 *
 * <p>How to run: {@code cd stress/target &&
 *     java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar jcstress.jar -m quick -t WorkerUserResetRace}
 */
@Race(value = "seed recovery worker(A) || reset_function(A)", scenarios = {1}, invariants = {4, 16, 17})
@Gate
@JCStressTest
@Description("seed: ATC-timeout recovery worker racing a sysfs reset of the same function")
@Outcome(id = "1, 0, 2, 1, DEF, true, true", expect = ACCEPTABLE,
    desc = "the user's reset ran before or after the whole recovery")
@Outcome(id = "1, 0, 2, 2, DEF, true, true", expect = ACCEPTABLE_INTERESTING,
    desc = "the user's reset ran inside the recovery's window and unblocked A while the recovery was in flight (§2.3)")
@Outcome(id = ".*, false, .*", expect = FORBIDDEN, desc = "bus mastering left off, or an unsound end state")
@Outcome(expect = FORBIDDEN, desc = "anything else: a reset failed, A left blocked, or an invariant broken")
@State
public class WorkerUserResetRace {
    private final SeedWorkerRig rig = new SeedWorkerRig(ResetFaults.NONE);
    private final AtomicInteger unblocksInRecovery = new AtomicInteger();

    /** seed model, SEED_WORKER recovery, resets that succeed. */
    public WorkerUserResetRace() {
        rig.group.addAttachListener(new AttachListener() {
            @Override
            public void onPhysicalChange(final IommuGroup g, final PciFunction fn, final DeviceState before,
                                         final DeviceState after) {
                if (fn == rig.a && before != null && before.rid() == g.blockingDomain()
                    && after.rid() != g.blockingDomain() && rig.recovery.inFlight(rig.a)) {
                    unblocksInRecovery.incrementAndGet();
                }
            }
        });
    }

    /** The IOMMU interrupt path: an ATC timeout for A; the worker runs inline. */
    @Actor
    public void actor1() {
        rig.timeout();
    }

    /** @param r result */
    @Actor
    public void actor2(final LLLLLLL_Result r) {
        rig.pci.resetFunction(rig.dev, rc -> r.r2 = rc.kernelString());
    }

    /** @param r result */
    @Arbiter
    public void arbiter(final LLLLLLL_Result r) {
        final GroupState s = rig.group.snapshot();
        r.r1 = rig.recovery.succeeded();
        r.r3 = rig.dev.fullResets();
        r.r4 = unblocksInRecovery.get();
        r.r5 = Probe.rid(rig.group, s, rig.a, null);
        r.r6 = rig.dev.busMaster();
        r.r7 = Probe.sound(rig.group, s) && !rig.recovery.inFlight(rig.a) && rig.dev.lock().owner() == null
            && Probe.count(rig.group, EventType.VIOLATION_RESET_OVERLAP) == 0;
    }
}
