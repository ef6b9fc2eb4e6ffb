package io.resetguard.recovery;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventLog;
import io.resetguard.event.EventType;
import io.resetguard.fabric.PciFunction;
import io.resetguard.inv.InvBatch;
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
 * (docs/protocol.md §3.2 and §2.4/§2.5), as selected by a {@link RecoveryPolicy}.
 *
 * <p>It listens on every engine's interrupt path ({@link IommuEngine.TimeoutListener}) and never
 * blocks there: the reset runs later from the scheduler. At most one recovery per function is in
 * flight; a timeout for a function already being recovered is dropped and counted (§7 scenario 11,
 * including the duplicates that the worker's own prepare() causes when it flushes the ATC of a hung
 * function).
 *
 * <p>{@link RecoveryPolicy#QUARANTINE} differs in what it acts on and who resets: it quarantines
 * every function of the timed-out batch ({@link InvBatch}, docs/protocol.md §2.5a) through
 * {@link AtsSystem#quarantine}, counts the functions whose own invalidation had not timed out
 * ({@link #healthyQuarantined()}), and leaves the reset to an operator or AER, emulated as one reset
 * per newly quarantined function {@code externalResetDelayNs} later. The quarantine is lifted by
 * {@code reset_device_done} ({@link AtsSystem#onResetDeviceDone}), not here.
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
    private final AtomicLong quarantined = new AtomicLong();
    private final AtomicLong healthyQuarantined = new AtomicLong();

    /**
     * @param ats                  the ATS system (its engines are listened to)
     * @param pci                  the PCI core that resets
     * @param policy               what to do
     * @param externalResetDelayNs {@link RecoveryPolicy#FENCE_THEN_RESET} and
     *                             {@link RecoveryPolicy#QUARANTINE}: how long until the external
     *                             trigger (sysfs reset by an operator, AER) resets the function
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
        onAtcTimeout(engine, culprit, actual, InvBatch.of(actual));
    }

    /**
     * The interrupt path: act on a timeout as the policy says. {@link RecoveryPolicy#QUARANTINE}
     * quarantines every function of {@code batch} (and {@code culprit} and {@code actual}, should the
     * caller's batch lack them) and has each newly quarantined one reset externally later; the other
     * policies act on {@code culprit} only, as the seed's CONS rewind does.
     */
    @Override
    public void onAtcTimeout(final IommuEngine engine, final PciFunction culprit, final PciFunction actual,
                             final InvBatch batch) {
        if (policy == RecoveryPolicy.NONE) {
            return;
        }
        if (policy == RecoveryPolicy.QUARANTINE) {
            quarantineBatch(culprit, actual, batch);
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
     * QUAR v4 steps 3-6 (docs/protocol.md §2.5, §2.5a): quarantine the whole batch, count the healthy
     * functions that pays for, and leave the reset to the outside: an operator or AER reset of each
     * newly quarantined function after {@code externalResetDelayNs}. A function already quarantined
     * (or with an external reset in flight) is not reset twice.
     */
    private void quarantineBatch(final PciFunction culprit, final PciFunction actual, final InvBatch batch) {
        final java.util.LinkedHashSet<PciFunction> suspects = new java.util.LinkedHashSet<>(batch.functions());
        suspects.add(culprit);
        suspects.add(actual);
        for (final PciFunction fn : suspects) {
            if (!ats.quarantine(fn)) {
                continue;
            }
            quarantined.incrementAndGet();
            if (!batch.timedOut().contains(fn)) {
                healthyQuarantined.incrementAndGet(); // the known cost of treating the batch as broken
            }
            final PciDev d = pci.dev(fn);
            if (d == null) {
                continue; // not a PCI function the core knows: nothing can reset it
            }
            if (!inFlight.add(fn)) {
                dropped.incrementAndGet();
                events.record(EventType.INFO_RECOVERY_DEDUP, fn.bdf(), "");
                continue;
            }
            scheduled.incrementAndGet();
            events.record(EventType.INFO_RECOVERY_SCHEDULED, fn.bdf(), policy.cliName() + ": external reset in "
                + externalResetDelayNs / 1_000_000 + " ms" + (fn == actual ? "" : " (the timed-out function was "
                + actual.bdf() + ")"));
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

    /** @return functions the {@link RecoveryPolicy#QUARANTINE} policy quarantined (each time it did). */
    public long quarantined() {
        return quarantined.get();
    }

    /**
     * @return of those, functions quarantined only because they shared a timed-out batch: their own
     *         invalidation in it did not time out (the cost of the batch rule, docs/protocol.md §2.5a)
     */
    public long healthyQuarantined() {
        return healthyQuarantined.get();
    }

    /** @return whether a recovery of {@code fn} is in flight. */
    public boolean inFlight(final PciFunction fn) {
        return inFlight.contains(fn);
    }
}
