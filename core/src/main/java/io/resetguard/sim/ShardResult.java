package io.resetguard.sim;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.io.Serializable;
import java.util.Iterator;

/**
 * ShardResult - what one or more shards of one model left behind: counts that add, and the
 * invalidation-latency histogram that merges exactly.
 *
 * <p>A shard's result is all that survives it: the shard's fleet, core objects and event lists are
 * garbage once {@link Simulation#runShard} returns. Results of the shards of one model (and one
 * replication) combine with {@link #merge}, which is associative and commutative <em>exactly</em>:
 * counts are sums, and the histograms are added bucket by bucket (HdrHistogram's {@code add}), so any
 * grouping and any order (threads, a Spark reduce tree) gives equal results, and a
 * {@link ModelResult} built from them gives byte-identical numbers. {@link #equals} compares the
 * counts and the recorded values of the histograms (not their internal array sizes, which depend on
 * how the auto-resizing histograms grew).
 *
 * <p>Immutable and {@link Serializable} (so a distributed engine can ship it); the histogram accessor
 * returns a copy. The caller folding many results should drop each one once merged, so that the
 * heap holds the shards in flight and one running total, nothing that grows with the shard count.
 */
public final class ShardResult implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The precision of the merged latency histogram (3 significant digits). */
    static final int LATENCY_DIGITS = 3;

    private final long shards;
    private final long resets;
    private final long failedResets;
    private final long blockedAtEnd;
    private final long corruptions;
    private final long staleReads;
    private final long livenessViolations;
    private final long useAfterFree;
    private final long invalidations;
    private final long timeouts;
    private final long events;
    private final long quarantined;
    private final long healthyFunctionsQuarantined;
    private final long completionWaitTimeouts;
    private final long idleItagCompletions;
    private final Histogram latency;

    /** The counts of {@link Simulation}'s shard, in the order of {@link ModelResult}'s components. */
    ShardResult(final long shards, final long resets, final long failedResets, final long blockedAtEnd,
                final long corruptions, final long staleReads, final long livenessViolations, final long useAfterFree,
                final long invalidations, final long timeouts, final long events, final long quarantined,
                final long healthyFunctionsQuarantined, final long completionWaitTimeouts,
                final long idleItagCompletions, final Histogram latency) {
        this.shards = shards;
        this.resets = resets;
        this.failedResets = failedResets;
        this.blockedAtEnd = blockedAtEnd;
        this.corruptions = corruptions;
        this.staleReads = staleReads;
        this.livenessViolations = livenessViolations;
        this.useAfterFree = useAfterFree;
        this.invalidations = invalidations;
        this.timeouts = timeouts;
        this.events = events;
        this.quarantined = quarantined;
        this.healthyFunctionsQuarantined = healthyFunctionsQuarantined;
        this.completionWaitTimeouts = completionWaitTimeouts;
        this.idleItagCompletions = idleItagCompletions;
        this.latency = latency;
    }

    /** @return the result of no shard: the identity of {@link #merge}. */
    public static ShardResult empty() {
        return new ShardResult(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, new Histogram(LATENCY_DIGITS));
    }

    /**
     * Combine two results: every count is the sum, the histogram holds both histograms' values.
     * Associative and commutative exactly; neither operand changes.
     *
     * @param o the other result (of the same model and replication: the caller's contract, not
     *          checked, since a result does not know its model)
     * @return a new result
     */
    public ShardResult merge(final ShardResult o) {
        final Histogram h = new Histogram(LATENCY_DIGITS);
        h.add(latency);
        h.add(o.latency);
        return new ShardResult(shards + o.shards, resets + o.resets, failedResets + o.failedResets,
            blockedAtEnd + o.blockedAtEnd, corruptions + o.corruptions, staleReads + o.staleReads,
            livenessViolations + o.livenessViolations, useAfterFree + o.useAfterFree,
            invalidations + o.invalidations, timeouts + o.timeouts, events + o.events,
            quarantined + o.quarantined, healthyFunctionsQuarantined + o.healthyFunctionsQuarantined,
            completionWaitTimeouts + o.completionWaitTimeouts, idleItagCompletions + o.idleItagCompletions, h);
    }

    /** @return how many shards this result covers (1 for a shard's own result). */
    public long shards() {
        return shards;
    }

    /** @return recovery resets that ran to completion. */
    public long resets() {
        return resets;
    }

    /** @return of those, the ones that failed. */
    public long failedResets() {
        return failedResets;
    }

    /** @return functions parked on a blocking domain when the run ended. */
    public long blockedAtEnd() {
        return blockedAtEnd;
    }

    /** @return translated writes that reached a freed or reallocated page. */
    public long corruptions() {
        return corruptions;
    }

    /** @return translated reads that did. */
    public long staleReads() {
        return staleReads;
    }

    /** @return liveness violations. */
    public long livenessViolations() {
        return livenessViolations;
    }

    /** @return attaches of a freed domain. */
    public long useAfterFree() {
        return useAfterFree;
    }

    /** @return ATC invalidations the engines issued. */
    public long invalidations() {
        return invalidations;
    }

    /** @return ATC invalidations that timed out. */
    public long timeouts() {
        return timeouts;
    }

    /** @return simulated events executed (core scheduler tasks and fleet events). */
    public long events() {
        return events;
    }

    /** @return functions quarantined ({@code --recovery quarantine}). */
    public long quarantined() {
        return quarantined;
    }

    /** @return of those, functions quarantined only because they shared a timed-out batch. */
    public long healthyFunctionsQuarantined() {
        return healthyFunctionsQuarantined;
    }

    /** @return syncs the AMD driver's software wait gave up on. */
    public long completionWaitTimeouts() {
        return completionWaitTimeouts;
    }

    /** @return completion messages for an ITag that was not busy. */
    public long idleItagCompletions() {
        return idleItagCompletions;
    }

    /** @return a copy of the invalidation issue-to-resolution latency histogram, virtual ns. */
    public Histogram latency() {
        return latency.copy();
    }

    /** @return the latency histogram itself, for {@link ModelResult} (which copies it once more). */
    Histogram latencyView() {
        return latency;
    }

    /**
     * @return whether two histograms hold the same values with the same counts (their internal
     *         array sizes may differ: auto-resizing depends on the order values arrived in)
     */
    static boolean sameValues(final Histogram a, final Histogram b) {
        if (a.getTotalCount() != b.getTotalCount()
            || a.getNumberOfSignificantValueDigits() != b.getNumberOfSignificantValueDigits()) {
            return false;
        }
        final Iterator<HistogramIterationValue> x = a.recordedValues().iterator();
        final Iterator<HistogramIterationValue> y = b.recordedValues().iterator();
        while (x.hasNext() && y.hasNext()) {
            final HistogramIterationValue u = x.next();
            final HistogramIterationValue v = y.next();
            if (u.getValueIteratedTo() != v.getValueIteratedTo()
                || u.getCountAtValueIteratedTo() != v.getCountAtValueIteratedTo()) {
                return false;
            }
        }
        return x.hasNext() == y.hasNext();
    }

    @Override
    public boolean equals(final Object o) {
        if (!(o instanceof ShardResult)) {
            return false;
        }
        final ShardResult r = (ShardResult) o;
        return shards == r.shards && resets == r.resets && failedResets == r.failedResets
            && blockedAtEnd == r.blockedAtEnd && corruptions == r.corruptions && staleReads == r.staleReads
            && livenessViolations == r.livenessViolations && useAfterFree == r.useAfterFree
            && invalidations == r.invalidations && timeouts == r.timeouts && events == r.events
            && quarantined == r.quarantined && healthyFunctionsQuarantined == r.healthyFunctionsQuarantined
            && completionWaitTimeouts == r.completionWaitTimeouts && idleItagCompletions == r.idleItagCompletions
            && sameValues(latency, r.latency);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(shards, resets, failedResets, blockedAtEnd, corruptions, staleReads,
            livenessViolations, useAfterFree, invalidations, timeouts, events, quarantined,
            healthyFunctionsQuarantined, completionWaitTimeouts, idleItagCompletions, latency.getTotalCount());
    }

    @Override
    public String toString() {
        return "ShardResult[shards=" + shards + ", resets=" + resets + ", failedResets=" + failedResets
            + ", blockedAtEnd=" + blockedAtEnd + ", corruptions=" + corruptions + ", staleReads=" + staleReads
            + ", livenessViolations=" + livenessViolations + ", useAfterFree=" + useAfterFree
            + ", invalidations=" + invalidations + ", timeouts=" + timeouts + ", events=" + events
            + ", quarantined=" + quarantined + ", healthyFunctionsQuarantined=" + healthyFunctionsQuarantined
            + ", completionWaitTimeouts=" + completionWaitTimeouts + ", idleItagCompletions=" + idleItagCompletions
            + ", latencyCount=" + latency.getTotalCount() + "]";
    }
}
