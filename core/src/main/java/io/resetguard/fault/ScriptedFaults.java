package io.resetguard.fault;

import io.resetguard.errno.Errno;
import io.resetguard.fabric.PciFunction;

import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * ScriptedFaults - per (point, function) queues of outcomes: "the next two attaches of 0000:3b:00.0
 * fail with -EIO, then succeed". Unscripted calls succeed. Thread-safe.
 */
public final class ScriptedFaults implements FaultInjector {
    private record Key(FaultPoint point, PciFunction fn) {
    }

    private final Map<Key, Queue<Errno>> script = new ConcurrentHashMap<>();

    /**
     * Append outcomes for the next calls at {@code point} for {@code fn}.
     *
     * @param point    the point
     * @param fn       the function, or {@code null} for group-wide calls
     * @param outcomes the outcomes in order ({@link Errno#OK} lets that call succeed)
     * @return this
     */
    public ScriptedFaults then(final FaultPoint point, final PciFunction fn, final Errno... outcomes) {
        Objects.requireNonNull(point, "point");
        final Queue<Errno> q = script.computeIfAbsent(new Key(point, fn), k -> new ConcurrentLinkedQueue<>());
        for (final Errno e : outcomes) {
            q.offer(Objects.requireNonNull(e, "outcome"));
        }
        return this;
    }

    @Override
    public Errno draw(final FaultPoint point, final PciFunction fn) {
        final Queue<Errno> q = script.get(new Key(point, fn));
        if (q == null) {
            return Errno.OK;
        }
        final Errno e = q.poll();
        return e == null ? Errno.OK : e;
    }
}
