package io.resetguard.stress.negative;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * QueueDrainReplica - the producer/consumer protocol of {@code io.resetguard.inv.IommuEngine}, copied
 * so that a negative control can run it over a queue of its choice: the engine builds its command
 * queue from the {@code QueueKind} enum and offers no way to plug in another {@link Queue}.
 *
 * <p>What is copied exactly: {@code offer} (bound by a counter, then {@code queue.offer}, count it,
 * {@code wake}), {@code wake} (CAS the {@code draining} flag and drain inline, as on the
 * {@code InlineScheduler}), and {@code drain} (poll until empty, clear the flag, re-check the queue and
 * re-take the flag, so no wake-up is lost). What is simplified: a device that completes every
 * invalidation at once (no ITags, timeouts or inbox), so a SYNC completes as soon as it is dequeued:
 * everything dequeued before it has completed.
 */
final class QueueDrainReplica {
    /** A command: an ATC invalidation for device {@code target}, or a SYNC with its completion. */
    record Cmd(int target, Completion sync) {
    }

    /** A sync's completion, as {@code InvCompletion}: completes once; callbacks run on the completing thread. */
    static final class Completion {
        private final CompletableFuture<String> future = new CompletableFuture<>();

        void complete() {
            future.complete("0");
        }

        /** Run {@code k} with the result when complete (at once, on this thread, if it is). */
        void onComplete(final Consumer<String> k) {
            future.thenAccept(k);
        }
    }

    private final Queue<Cmd> commands;
    private final int capacity;
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong issued = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    /** Invalidations each device processed (the ATC epoch of the real test). */
    final AtomicIntegerArray delivered;

    QueueDrainReplica(final Queue<Cmd> commands, final int capacity, final int devices) {
        this.commands = commands;
        this.capacity = capacity;
        this.delivered = new AtomicIntegerArray(devices);
    }

    /** @return "0", or "-EAGAIN" if full. */
    String submit(final int target) {
        return offer(new Cmd(target, null));
    }

    /** @return the sync's completion. */
    Completion sync() {
        final Completion c = new Completion();
        if (!"0".equals(offer(new Cmd(-1, c)))) {
            c.complete();
        }
        return c;
    }

    private String offer(final Cmd c) {
        if (queued.incrementAndGet() > capacity || !commands.offer(c)) {
            queued.decrementAndGet();
            refused.incrementAndGet();
            return "-EAGAIN";
        }
        submitted.incrementAndGet();
        wake();
        return "0";
    }

    private void wake() {
        if (draining.compareAndSet(false, true)) {
            drain();
        }
    }

    private void drain() {
        for (;;) {
            Cmd c;
            while ((c = commands.poll()) != null) {
                queued.decrementAndGet();
                if (c.sync() != null) {
                    c.sync().complete();
                } else {
                    issued.incrementAndGet();
                    delivered.incrementAndGet(c.target());
                    completed.incrementAndGet();
                }
            }
            draining.set(false);
            if (commands.isEmpty() || !draining.compareAndSet(false, true)) {
                return;
            }
        }
    }

    long submitted() {
        return submitted.get();
    }

    long refused() {
        return refused.get();
    }

    long issued() {
        return issued.get();
    }

    long completed() {
        return completed.get();
    }

    boolean idle() {
        return commands.isEmpty() && !draining.get() && queued.get() == 0;
    }
}
