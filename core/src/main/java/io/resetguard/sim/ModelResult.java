package io.resetguard.sim;

import io.resetguard.model.ProtocolModel;
import org.HdrHistogram.Histogram;

/**
 * ModelResult - what one protocol model did over the simulated fleet.
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
                          long completionWaitTimeouts, long idleItagCompletions, Histogram invalidationLatency) {
    /** A result without the quarantine counts and the latency histogram. */
    public ModelResult(final ProtocolModel model, final long resets, final long failedResets, final long blockedAtEnd,
                       final long corruptions, final long staleReads, final long livenessViolations,
                       final long useAfterFree, final long invalidations, final long timeouts,
                       final long invalidationLatencyP50Ns, final long invalidationLatencyP99Ns, final long events,
                       final long wallNs) {
        this(model, resets, failedResets, blockedAtEnd, corruptions, staleReads, livenessViolations, useAfterFree,
            invalidations, timeouts, invalidationLatencyP50Ns, invalidationLatencyP99Ns, events, wallNs, 0, 0, 0, 0,
            null);
    }

    /** A result without the latency histogram (the percentiles alone). */
    public ModelResult(final ProtocolModel model, final long resets, final long failedResets, final long blockedAtEnd,
                       final long corruptions, final long staleReads, final long livenessViolations,
                       final long useAfterFree, final long invalidations, final long timeouts,
                       final long invalidationLatencyP50Ns, final long invalidationLatencyP99Ns, final long events,
                       final long wallNs, final long quarantined, final long healthyFunctionsQuarantined,
                       final long completionWaitTimeouts, final long idleItagCompletions) {
        this(model, resets, failedResets, blockedAtEnd, corruptions, staleReads, livenessViolations, useAfterFree,
            invalidations, timeouts, invalidationLatencyP50Ns, invalidationLatencyP99Ns, events, wallNs, quarantined,
            healthyFunctionsQuarantined, completionWaitTimeouts, idleItagCompletions, null);
    }

    /** @return the 99.9th percentile of the invalidation latency, virtual ns (0 without a histogram). */
    public long invalidationLatencyP999Ns() {
        return invalidationLatency == null || invalidationLatency.getTotalCount() == 0 ? 0
            : invalidationLatency.getValueAtPercentile(99.9);
    }

    /** @return the longest invalidation latency, virtual ns (0 without a histogram). */
    public long invalidationLatencyMaxNs() {
        return invalidationLatency == null || invalidationLatency.getTotalCount() == 0 ? 0
            : invalidationLatency.getMaxValue();
    }

    /** @return simulated events per wall-clock second. */
    public double eventsPerWallSecond() {
        return wallNs == 0 ? 0 : events * 1e9 / wallNs;
    }
}
