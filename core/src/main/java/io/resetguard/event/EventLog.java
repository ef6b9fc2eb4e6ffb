package io.resetguard.event;

import io.resetguard.fabric.Bdf;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

import org.agrona.concurrent.NanoClock;

/**
 * EventLog - a lock-free, counting and (optionally bounded) recording {@link EventSink}.
 *
 * <p>Every event is counted per {@link EventType}; the first {@code retainLimit} events are also kept
 * in order for tests and reports. Counting never stops, so a report over a million-function run
 * stays exact while memory stays bounded.
 *
 * <p>IMPLEMENTATION NOTES: counts are one {@link LongAdder} per type (striped cells, so threads
 * logging at once do not fight over one cache line); the retained list is bounded by a counter that is
 * read before it is incremented, so once the log is full recording costs one plain read of it and the
 * adder. A retained event's sequence number is taken with one {@code getAndIncrement} (XADD); retained
 * events go to a {@link ConcurrentLinkedQueue} in the order their offers linearized, which may differ
 * from {@link Event#seq()} order by a few places; {@link #events()} sorts by sequence.
 */
public final class EventLog implements EventSink {
    /** Default number of events retained in full. */
    public static final int DEFAULT_RETAIN_LIMIT = 100_000;

    private final AtomicLong seq = new AtomicLong();
    private final LongAdder[] counts = new LongAdder[EventType.values().length];
    private final ConcurrentLinkedQueue<Event> retained = new ConcurrentLinkedQueue<>();
    private final AtomicLong retainedCount = new AtomicLong();
    private final int retainLimit;
    private volatile NanoClock clock = () -> 0L;

    /** A log that retains up to {@link #DEFAULT_RETAIN_LIMIT} events. */
    public EventLog() {
        this(DEFAULT_RETAIN_LIMIT);
    }

    /**
     * @param retainLimit how many events to keep in full (0 keeps none and only counts)
     */
    public EventLog(final int retainLimit) {
        if (retainLimit < 0) {
            throw new IllegalArgumentException("retainLimit must be >= 0, was " + retainLimit);
        }
        this.retainLimit = retainLimit;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /**
     * Stamp events with this clock from now on (the PCI core sets its scheduler's emulated time).
     *
     * @param c the clock
     */
    public void clock(final NanoClock c) {
        this.clock = java.util.Objects.requireNonNull(c, "clock");
    }

    @Override
    public void record(final EventType type, final Bdf bdf, final String detail) {
        // NOTE: one striped add per event; the total is summed on read (readers are rare)
        counts[type.ordinal()].increment();
        if (retainedCount.get() < retainLimit && retainedCount.getAndIncrement() < retainLimit) {
            retained.offer(new Event(seq.getAndIncrement(), clock.nanoTime(), type, bdf, detail));
        }
    }

    /**
     * {@link #record} for a caller that wants the event back (checkers that return what they
     * found). Counted like any other; retained while the log has room.
     *
     * @return the event: its {@link Event#seq()} is its place among the retained events, or -1 if the
     *         log was full and it is only counted
     */
    public Event recordAndGet(final EventType type, final Bdf bdf, final String detail) {
        counts[type.ordinal()].increment();
        if (retainedCount.get() < retainLimit && retainedCount.getAndIncrement() < retainLimit) {
            final Event e = new Event(seq.getAndIncrement(), clock.nanoTime(), type, bdf, detail);
            retained.offer(e);
            return e;
        }
        return new Event(-1, clock.nanoTime(), type, bdf, detail);
    }

    /**
     * @return whether events recorded now are still retained in full; callers may skip building an
     *         expensive detail string for INFO events when not (the count is kept either way)
     */
    public boolean retaining() {
        return retainedCount.get() < retainLimit;
    }

    /** @return how many events of this type were recorded (exact, retained or not). */
    public long count(final EventType type) {
        return counts[type.ordinal()].sum();
    }

    /** @return how many events of this category were recorded. */
    public long count(final EventCategory category) {
        long n = 0;
        for (final EventType t : EventType.values()) {
            if (t.category() == category) {
                n += counts[t.ordinal()].sum();
            }
        }
        return n;
    }

    /** @return all counts that are non-zero, by type. */
    public Map<EventType, Long> counts() {
        final Map<EventType, Long> m = new EnumMap<>(EventType.class);
        for (final EventType t : EventType.values()) {
            final long c = counts[t.ordinal()].sum();
            if (c != 0) {
                m.put(t, c);
            }
        }
        return m;
    }

    /** @return the total number of events recorded. */
    public long total() {
        long n = 0;
        for (final LongAdder c : counts) {
            n += c.sum();
        }
        return n;
    }

    /** @return the retained events in sequence order (a copy). */
    public List<Event> events() {
        final List<Event> list = new ArrayList<>(retained);
        list.sort((a, b) -> Long.compare(a.seq(), b.seq()));
        return list;
    }

    /** @return the retained events matching the filter, in sequence order. */
    public List<Event> events(final Predicate<Event> filter) {
        final List<Event> list = events();
        list.removeIf(filter.negate());
        return list;
    }

    /** @return the retained events of one type, in sequence order. */
    public List<Event> events(final EventType type) {
        return events(e -> e.type() == type);
    }
}
