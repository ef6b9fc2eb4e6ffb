package io.resetguard.inv;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.jctools.queues.MpscArrayQueue;

import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The multi-producer, single-consumer queue behind an IOMMU command queue. All are bounded except
 * {@link #CONCURRENT_LINKED}, which the engine bounds by counting (an offer beyond the capacity is
 * refused). The benchmarks compare them; {@link #JCTOOLS_MPSC} is the default.
 */
public enum QueueKind {
    /** JCTools {@code MpscArrayQueue}: lock-free, padded indices. */
    JCTOOLS_MPSC("jctools-mpsc"),
    /** Agrona {@code ManyToOneConcurrentArrayQueue}: lock-free. */
    AGRONA_MANY_TO_ONE("agrona-m2o"),
    /** {@code java.util.concurrent.ConcurrentLinkedQueue}: lock-free, unbounded, allocates per node. */
    CONCURRENT_LINKED("clq"),
    /** {@code java.util.concurrent.ArrayBlockingQueue}: one lock. */
    ARRAY_BLOCKING("abq");

    private final String cliName;

    QueueKind(final String cliName) {
        this.cliName = cliName;
    }

    /** @return the name used on the command line and in reports. */
    public String cliName() {
        return cliName;
    }

    /**
     * @param capacity the bound (a power of two is best for the array queues)
     * @return a new empty queue
     */
    public Queue<InvCommand> newQueue(final int capacity) {
        switch (this) {
            case JCTOOLS_MPSC:
                return new MpscArrayQueue<>(capacity);
            case AGRONA_MANY_TO_ONE:
                return new ManyToOneConcurrentArrayQueue<>(capacity);
            case CONCURRENT_LINKED:
                return new ConcurrentLinkedQueue<>();
            case ARRAY_BLOCKING:
                return new ArrayBlockingQueue<>(capacity);
            default:
                throw new AssertionError(this);
        }
    }

    /** @return the kind with this name; IllegalArgumentException naming the valid ones otherwise. */
    public static QueueKind parse(final String name) {
        for (final QueueKind k : values()) {
            if (k.cliName.equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("queue '" + name + "' is unknown; use jctools-mpsc, agrona-m2o, clq or abq");
    }
}
