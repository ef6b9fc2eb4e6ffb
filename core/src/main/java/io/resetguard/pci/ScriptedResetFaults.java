package io.resetguard.pci;

import io.resetguard.fabric.PciFunction;

import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * ScriptedResetFaults - "this function's FLR times out, its PM reset works": per (function, method)
 * queues of outcomes; an unscripted run succeeds, or follows a per-(function, method) default.
 */
public final class ScriptedResetFaults implements ResetFaults {
    private record Key(PciFunction fn, ResetMethod method) {
    }

    private final Map<Key, Queue<ResetOutcome>> script = new ConcurrentHashMap<>();
    private final Map<Key, ResetOutcome> always = new ConcurrentHashMap<>();

    /**
     * Append outcomes for the next runs of {@code method} on {@code fn}.
     *
     * @return this
     */
    public ScriptedResetFaults then(final PciFunction fn, final ResetMethod method, final ResetOutcome... outcomes) {
        final Queue<ResetOutcome> q = script.computeIfAbsent(new Key(Objects.requireNonNull(fn, "fn"),
            Objects.requireNonNull(method, "method")), k -> new ConcurrentLinkedQueue<>());
        for (final ResetOutcome o : outcomes) {
            q.offer(Objects.requireNonNull(o, "outcome"));
        }
        return this;
    }

    /**
     * Every run of {@code method} on {@code fn} that no queued outcome covers has {@code outcome}.
     *
     * @return this
     */
    public ScriptedResetFaults always(final PciFunction fn, final ResetMethod method, final ResetOutcome outcome) {
        always.put(new Key(Objects.requireNonNull(fn, "fn"), Objects.requireNonNull(method, "method")),
            Objects.requireNonNull(outcome, "outcome"));
        return this;
    }

    @Override
    public ResetOutcome outcome(final PciFunction fn, final ResetMethod method, final int attempt) {
        final Key k = new Key(fn, method);
        final Queue<ResetOutcome> q = script.get(k);
        final ResetOutcome o = q == null ? null : q.poll();
        if (o != null) {
            return o;
        }
        return always.getOrDefault(k, ResetOutcome.SUCCESS);
    }
}
