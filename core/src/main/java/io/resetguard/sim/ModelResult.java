package io.resetguard.sim;

import io.resetguard.model.ProtocolModel;
import org.HdrHistogram.Histogram;

import java.util.Objects;

/**
 * ModelResult - what one protocol model did over the simulated fleet: the {@link ShardResult}s of
 * its shards merged ({@link #of}), with the wall time and the merged invalidation-latency histogram.
 *
 * <p>Equality compares every number and the histogram's recorded values (not its internal array
 * size, which depends on the order in which shards were merged).
 *
 * @param model                    the model
 * @param resets                   recovery resets that ran to completion
 * @param failedResets             of those, the ones that failed
 * @param blockedAtEnd             functions parked on a blocking domain when the run ended
 * @param corruptions              translated writes that reached a freed or reallocated page
 * @param staleReads               translated reads that did
 * @param livenessViolations       functions stuck blocked after a successful reset, orphaned recovery counts
 * @param useAfterFree             attaches of a freed domain
 * @param invalidations            ATC invalidations the engines issued (sent to functions)
 * @param timeouts                 ATC invalidations that timed out
 * @param invalidationLatencyP50Ns median issue-to-resolution time of an invalidation, virtual ns
 * @param invalidationLatencyP99Ns its 99th percentile
 * @param events                   simulated events (scheduler tasks) executed
 * @param wallNs                   wall time of this model's run
 * @param quarantined              {@code --recovery quarantine}: functions quarantined (each time;
 *                                 docs/protocol.md §2.5a)
 * @param healthyFunctionsQuarantined of those, functions quarantined only because they shared a
 *                                 timed-out batch (their own invalidation did not time out): the
 *                                 known cost of treating the whole batch as broken
 * @param completionWaitTimeouts   {@code --flavour amd}: syncs the driver's 100 ms software wait gave
 *                                 up on with -EIO while the hardware still waited (docs/protocol.md §3.5)
 * @param idleItagCompletions      Invalidate Completion messages for an ITag that was not busy (an
 *                                 error: late answers to timed-out invalidations, messages beyond the
 *                                 Completion Count; docs/protocol.md §2.5a)
 * @param invalidationLatency      every invalidation's issue-to-resolution time, virtual ns (null if not
 *                                 kept); the caller must not modify it
 */
public record ModelResult(ProtocolModel model, long resets, long failedResets, long blockedAtEnd, long corruptions,
                          long staleReads, long livenessViolations, long useAfterFree, long invalidations,
                          long timeouts, long invalidationLatencyP50Ns, long invalidationLatencyP99Ns, long events,
                          long wallNs, long quarantined, long healthyFunctionsQuarantined,
                          long completionWaitTimeouts, long idleItagCompletions, Histogram latency) {
    /** Copies the histogram, so that the record is immutable. */
    public ModelResult {
        latency = Objects.requireNonNull(latency, "latency").copy();
    }

    /**
     * @param model  the model the shards ran under
     * @param merged the merge of its shards' results
     * @param wallNs the wall time the run took
     * @return the model's result
     */
    public static ModelResult of(final ProtocolModel model, final ShardResult merged, final long wallNs) {
        final Histogram h = merged.latencyView();
        final boolean none = h.getTotalCount() == 0;
        return new ModelResult(model, merged.resets(), merged.failedResets(), merged.blockedAtEnd(),
            merged.corruptions(), merged.staleReads(), merged.livenessViolations(), merged.useAfterFree(),
            merged.invalidations(), merged.timeouts(), none ? 0 : h.getValueAtPercentile(50),
            none ? 0 : h.getValueAtPercentile(99), merged.events(), wallNs, merged.quarantined(),
            merged.healthyFunctionsQuarantined(), merged.completionWaitTimeouts(), merged.idleItagCompletions(), h);
    }

    /** @return the 99.9th percentile of the invalidation latency, virtual ns (0 if nothing was recorded). */
    public long invalidationLatencyP999Ns() {
        return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(99.9);
    }

    /** @return the longest invalidation latency, virtual ns (0 if nothing was recorded). */
    public long invalidationLatencyMaxNs() {
        return latency.getTotalCount() == 0 ? 0 : latency.getMaxValue();
    }

    /** @return a copy of the latency histogram. */
    @Override
    public Histogram latency() {
        return latency.copy();
    }

    @Override
    public boolean equals(final Object o) {
        if (!(o instanceof ModelResult)) {
            return false;
        }
        final ModelResult r = (ModelResult) o;
        return model == r.model && resets == r.resets && failedResets == r.failedResets
            && blockedAtEnd == r.blockedAtEnd && corruptions == r.corruptions && staleReads == r.staleReads
            && livenessViolations == r.livenessViolations && useAfterFree == r.useAfterFree
            && invalidations == r.invalidations && timeouts == r.timeouts
            && invalidationLatencyP50Ns == r.invalidationLatencyP50Ns
            && invalidationLatencyP99Ns == r.invalidationLatencyP99Ns && events == r.events && wallNs == r.wallNs
            && quarantined == r.quarantined && healthyFunctionsQuarantined == r.healthyFunctionsQuarantined
            && completionWaitTimeouts == r.completionWaitTimeouts && idleItagCompletions == r.idleItagCompletions
            && ShardResult.sameValues(latency, r.latency);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, resets, failedResets, blockedAtEnd, corruptions, staleReads, livenessViolations,
            useAfterFree, invalidations, timeouts, invalidationLatencyP50Ns, invalidationLatencyP99Ns, events, wallNs,
            quarantined, healthyFunctionsQuarantined, completionWaitTimeouts, idleItagCompletions,
            latency.getTotalCount());
    }

    @Override
    public String toString() {
        return "ModelResult[model=" + model.cliName() + ", resets=" + resets + ", failedResets=" + failedResets
            + ", blockedAtEnd=" + blockedAtEnd + ", corruptions=" + corruptions + ", staleReads=" + staleReads
            + ", livenessViolations=" + livenessViolations + ", useAfterFree=" + useAfterFree
            + ", invalidations=" + invalidations + ", timeouts=" + timeouts + ", p50=" + invalidationLatencyP50Ns
            + ", p99=" + invalidationLatencyP99Ns + ", events=" + events + ", wallNs=" + wallNs
            + ", quarantined=" + quarantined + ", healthyFunctionsQuarantined=" + healthyFunctionsQuarantined
            + ", completionWaitTimeouts=" + completionWaitTimeouts + ", idleItagCompletions=" + idleItagCompletions + "]";
    }

    /** @return simulated events per wall-clock second. */
    public double eventsPerWallSecond() {
        return wallNs == 0 ? 0 : events * 1e9 / wallNs;
    }
}
