package io.resetguard.ats;

import io.resetguard.inv.InvFlavour;
import io.resetguard.inv.QueueKind;

/**
 * AtsConfig - settings of the ATS/invalidation layer.
 *
 * @param flavour          how invalidation timeouts surface (SMMUv3, VT-d or AMD)
 * @param timeoutNs        how long an ATC invalidation may stay unanswered (arm-smmu-v3 polls 1 s; the
 *                         AMD hardware timeout is programmed to 1 s, and its driver's software wait
 *                         of {@link InvFlavour#softwareWaitNs()} is the flavour's own)
 * @param queue            the command queue implementation
 * @param queueCapacity    the command queue's bound
 * @param strict           strict unmap (free after the sync) or lazy (flush queue)
 * @param lazyFlushNs      lazy mode: how long unmapped pages wait for their batched flush
 * @param atcCapacity      ATC entries per function
 * @param answerLatencyNs  a normal device's invalidation answer time
 * @param vtdMaxRetries    VT-d: how often a submitter resubmits after -EAGAIN before giving up
 */
public record AtsConfig(InvFlavour flavour, long timeoutNs, QueueKind queue, int queueCapacity, boolean strict,
                        long lazyFlushNs, int atcCapacity, long answerLatencyNs, int vtdMaxRetries) {
    /** Validates every field, naming the bad one. */
    public AtsConfig {
        if (flavour == null) {
            throw new IllegalArgumentException("flavour must be set");
        }
        if (queue == null) {
            throw new IllegalArgumentException("queue must be set");
        }
        if (timeoutNs <= 0) {
            throw new IllegalArgumentException("timeoutNs must be > 0, was " + timeoutNs);
        }
        if (queueCapacity < 2) {
            throw new IllegalArgumentException("queueCapacity must be >= 2, was " + queueCapacity);
        }
        if (lazyFlushNs <= 0) {
            throw new IllegalArgumentException("lazyFlushNs must be > 0, was " + lazyFlushNs);
        }
        if (atcCapacity <= 0) {
            throw new IllegalArgumentException("atcCapacity must be > 0, was " + atcCapacity);
        }
        if (answerLatencyNs < 0) {
            throw new IllegalArgumentException("answerLatencyNs must be >= 0, was " + answerLatencyNs);
        }
        if (vtdMaxRetries < 0) {
            throw new IllegalArgumentException("vtdMaxRetries must be >= 0, was " + vtdMaxRetries);
        }
    }

    /** SMMUv3, 1 s timeout, JCTools MPSC queue of 1024, strict, 10 ms lazy flush, 16-entry ATCs, 2 µs answers. */
    public static AtsConfig defaults() {
        return new AtsConfig(InvFlavour.SMMUV3, 1_000_000_000L, QueueKind.JCTOOLS_MPSC, 1024, true, 10_000_000L, 16,
            2_000L, 3);
    }

    /** @return a copy with another flavour. */
    public AtsConfig withFlavour(final InvFlavour f) {
        return new AtsConfig(f, timeoutNs, queue, queueCapacity, strict, lazyFlushNs, atcCapacity, answerLatencyNs,
            vtdMaxRetries);
    }

    /** @return a copy with strict or lazy unmap. */
    public AtsConfig withStrict(final boolean s) {
        return new AtsConfig(flavour, timeoutNs, queue, queueCapacity, s, lazyFlushNs, atcCapacity, answerLatencyNs,
            vtdMaxRetries);
    }

    /** @return a copy with another queue. */
    public AtsConfig withQueue(final QueueKind q, final int capacity) {
        return new AtsConfig(flavour, timeoutNs, q, capacity, strict, lazyFlushNs, atcCapacity, answerLatencyNs,
            vtdMaxRetries);
    }

    /** @return a copy with another timeout. */
    public AtsConfig withTimeoutNs(final long ns) {
        return new AtsConfig(flavour, ns, queue, queueCapacity, strict, lazyFlushNs, atcCapacity, answerLatencyNs,
            vtdMaxRetries);
    }
}
