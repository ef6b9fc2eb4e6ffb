package io.resetguard.stress.negative;

import java.util.AbstractQueue;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * LossyQueue - a deliberately BROKEN queue wrapper: an {@link #offer} that finds another offer in
 * progress drops its element and still returns {@code true}, as a queue with a racy tail update
 * would. Everything else delegates to the real queue.
 *
 * <p>Only for the negative control {@link LossyQueueSubmitters}, which hands it to a real
 * {@code IommuEngine} through the engine's constructor that takes a command queue. Never use it
 * elsewhere.
 *
 * @param <E> the element type
 */
public final class LossyQueue<E> extends AbstractQueue<E> {
    private final Queue<E> delegate;
    private final AtomicInteger offering = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();

    /** @param delegate the real queue */
    public LossyQueue(final Queue<E> delegate) {
        this.delegate = delegate;
    }

    @Override
    public boolean offer(final E e) {
        if (offering.getAndIncrement() != 0) {
            offering.decrementAndGet();
            dropped.incrementAndGet();
            return true; // BUG: lost under contention, reported as queued
        }
        try {
            return delegate.offer(e);
        } finally {
            offering.decrementAndGet();
        }
    }

    @Override
    public E poll() {
        return delegate.poll();
    }

    @Override
    public E peek() {
        return delegate.peek();
    }

    @Override
    public boolean isEmpty() {
        return delegate.isEmpty();
    }

    @Override
    public int size() {
        return delegate.size();
    }

    @Override
    public Iterator<E> iterator() {
        throw new UnsupportedOperationException("not needed by a single-consumer drain");
    }

    /** @return how many offers were dropped (for diagnostics; the test does not read it). */
    public int dropped() {
        return dropped.get();
    }
}
