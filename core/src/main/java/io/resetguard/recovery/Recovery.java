package io.resetguard.recovery;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventLog;
import io.resetguard.event.EventType;
import io.resetguard.fabric.PciFunction;
import io.resetguard.inv.IommuEngine;
import io.resetguard.ats.AtsSystem;
import io.resetguard.pci.PciCore;
import io.resetguard.pci.PciDev;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Recovery - recovery of a function whose ATC invalidation timed out, by resetting it
 * (kernel-semantics.md §3.2 and §2.4/§2.5), as selected by a {@link RecoveryPolicy}.
 *
 * <p>It listens on every engine's interrupt path ({@link IommuEngine.TimeoutListener}) and never
 * blocks there: the reset runs later from the scheduler. At most one recovery per function is in
 * flight; a timeout for a function already being recovered is dropped and counted (§7 scenario 11,
 * including the duplicates that the worker's own prepare() causes when it flushes the ATC of a hung
 * function).
 */
public final class Recovery implements IommuEngine.TimeoutListener {
    private final AtsSystem ats;
    private final PciCore pci;
    private final RecoveryPolicy policy;
    private final long externalResetDelayNs;
    private final EventLog events;
    private final Set<PciFunction> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicLong scheduled = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong succeeded = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    /**
     * @param ats                  the ATS system (its engines are listened to)
     * @param pci                  the PCI core that resets
     * @param policy               what to do
     * @param externalResetDelayNs {@link RecoveryPolicy#FENCE_THEN_RESET}: how long until the
     *                             external trigger resets the fenced function
     */
    public Recovery(final AtsSystem ats, final PciCore pci, final RecoveryPolicy policy,
                    final long externalResetDelayNs) {
        this.ats = Objects.requireNonNull(ats, "ats");
        this.pci = Objects.requireNonNull(pci, "pci");
        this.policy = Objects.requireNonNull(policy, "policy");
        if (externalResetDelayNs < 0) {
            throw new IllegalArgumentException("externalResetDelayNs must be >= 0, was " + externalResetDelayNs);
        }
        this.externalResetDelayNs = externalResetDelayNs;
        this.events = pci.fabric().events();
        for (final IommuEngine e : ats.engines()) {
            e.addTimeoutListener(this);
        }
    }

    /** @return the policy. */
    public RecoveryPolicy policy() {
        return policy;
    }

    @Override
    public void onAtcTimeout(final IommuEngine engine, final PciFunction culprit, final PciFunction actual) {
        if (policy == RecoveryPolicy.NONE) {
            return;
        }
        final PciDev d = pci.dev(culprit);
        if (d == null) {
            return; // not a PCI function the core knows: the worker exits (§3.2 step 3a)
        }
        if (policy == RecoveryPolicy.FENCE_THEN_RESET) {
            ats.fence(culprit);
        }
        if (!inFlight.add(culprit)) {
            dropped.incrementAndGet();
            events.record(EventType.INFO_RECOVERY_DEDUP, culprit.bdf(), "");
            return;
        }
        scheduled.incrementAndGet();
        events.record(EventType.INFO_RECOVERY_SCHEDULED, culprit.bdf(), policy.cliName()
            + (culprit == actual ? "" : " (the timed-out function was " + actual.bdf() + ")"));
        if (policy == RecoveryPolicy.SEED_WORKER) {
            pci.scheduler().execute(() -> seedWorker(d));
        } else {
            pci.scheduler().schedule(externalResetDelayNs, () -> pci.resetFunction(d, rc -> finished(d, rc)));
        }
    }

    /**
     * SEED 2/2 worker, step 3c-3e: under the device lock clear bus mastering and prepare (a failure
     * only logs: pci_reset_function() will prepare again); unlock; reset; on success set bus
     * mastering under the lock.
     */
    private void seedWorker(final PciDev d) {
        final Object owner = new Object();
        d.lock().lock(owner, () -> {
            d.busMaster(false);
            final Errno p = d.fn().group().prepare(d.fn());
            if (p.isError()) {
                events.record(EventType.LOG_RECOVERY_BLOCK_FAILED, d.fn().bdf(), p.kernelString());
            }
            d.lock().unlock(owner);
            pci.resetFunction(d, rc -> {
                if (rc.isOk()) {
                    final Object again = new Object();
                    d.lock().lock(again, () -> {
                        d.busMaster(true);
                        d.lock().unlock(again);
                    });
                }
                finished(d, rc);
            });
        });
    }

    private void finished(final PciDev d, final Errno rc) {
        (rc.isOk() ? succeeded : failed).incrementAndGet();
        events.record(EventType.INFO_RECOVERY_DONE, d.fn().bdf(), "reset returned " + rc.kernelString());
        inFlight.remove(d.fn());
    }

    /** @return recoveries started. */
    public long scheduled() {
        return scheduled.get();
    }

    /** @return timeouts dropped because a recovery of that function was in flight. */
    public long dropped() {
        return dropped.get();
    }

    /** @return recoveries whose reset worked. */
    public long succeeded() {
        return succeeded.get();
    }

    /** @return recoveries whose reset failed. */
    public long failed() {
        return failed.get();
    }

    /** @return whether a recovery of {@code fn} is in flight. */
    public boolean inFlight(final PciFunction fn) {
        return inFlight.contains(fn);
    }
}
