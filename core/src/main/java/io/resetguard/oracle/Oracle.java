package io.resetguard.oracle;

import io.resetguard.errno.Errno;
import io.resetguard.event.Event;
import io.resetguard.event.EventCategory;
import io.resetguard.event.EventLog;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.pci.PciCore;
import io.resetguard.pci.PciDev;
import io.resetguard.state.GroupState;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Oracle - turns the emulator's findings into reports: memory corruption and stale reads through
 * stale ATC entries, functions stuck blocked (liveness), attaches of freed domains (use-after-free),
 * and invalidations sent to blocked functions (docs/protocol.md §6 invariants 1, 3, 4, 12).
 *
 * <p>The checks that must happen at the moment of the access run where the access is emulated and
 * record a {@link EventCategory#VIOLATION} event; this class adds the checks that need a quiet
 * system ({@link #checkQuiescent()}) and the reports: each violation with the function, the page or
 * domain, and the events that led to it.
 */
public final class Oracle {
    /** How many earlier events a report shows. */
    public static final int HISTORY = 24;

    /**
     * One violation and the event sequence that led to it.
     *
     * @param event   the violation
     * @param history earlier retained events of the same function, or naming the same page, oldest first
     */
    public record Violation(Event event, List<Event> history) {
        /** @return a multi-line report. */
        public String report() {
            final StringBuilder sb = new StringBuilder();
            sb.append(event.type().message()).append(": ").append(event).append('\n');
            for (final Event e : history) {
                sb.append("    ").append(e).append('\n');
            }
            return sb.toString();
        }
    }

    private final Fabric fabric;
    private final PciCore pci;

    /**
     * @param fabric the fabric whose log holds the findings
     * @param pci    the PCI core (for the liveness checks), may be null
     */
    public Oracle(final Fabric fabric, final PciCore pci) {
        this.fabric = Objects.requireNonNull(fabric, "fabric");
        this.pci = pci;
    }

    /**
     * Liveness at quiescence (no reset, recovery or invalidation in flight): a function parked
     * although its last full reset succeeded; a function parked although no full reset of it ever
     * completed, because a sysfs {@code reset_method} probe left it so (the seed's rule, and
     * result-to-done's, read a probe's -ENOTTY as a failed reset: §4.1, §9; quar-v6's probes make
     * no IOMMU change, docs/protocol.md §2.5a); and a group whose recovery count cannot return to
     * zero because the functions it counts left the group, in words that say its siblings stay
     * fenced ({@link io.resetguard.model.Invariants#orphanedFence}). Each is recorded once as
     * {@link EventType#VIOLATION_LIVENESS}.
     *
     * @return the violations found now
     */
    public List<Event> checkQuiescent() {
        final EventLog log = fabric.events();
        // NOTE: the result is built from the events recorded here, not looked up in the log by
        // sequence number afterwards: once the log is full they are counted but not retained.
        final List<Event> found = new ArrayList<>();
        for (final IommuGroup g : fabric.groups()) {
            final GroupState s = g.snapshot();
            for (int i = 0; i < s.deviceCount(); i++) {
                final PciFunction fn = s.device(i).fn();
                final PciDev d = pci == null ? null : pci.dev(fn);
                if (d == null || d.fullResetInFlight() || d.probesInFlight() != 0 || !g.rules().parked(s, i)) {
                    continue;
                }
                final Errno last = d.lastResetResult();
                if (last != null && last.isOk()) {
                    found.add(log.recordAndGet(EventType.VIOLATION_LIVENESS, fn.bdf(),
                        "blocked at quiescence after a successful reset"
                            + " (reset_depth " + s.device(i).depth() + ", recovery_cnt " + s.recoveryCnt() + ")"));
                } else if (last == null && d.probeLeftParked()) {
                    // no reset failed, yet a sysfs reset_method probe parked it and left it so: the
                    // seed rule (and result-to-done's done(-ENOTTY)) read a probe's "not supported"
                    // as a failed reset (§4.1, §9)
                    found.add(log.recordAndGet(EventType.VIOLATION_LIVENESS, fn.bdf(),
                        "blocked at quiescence by a reset-method probe; no reset failed"
                            + " (reset_depth " + s.device(i).depth() + ", recovery_cnt " + s.recoveryCnt() + ")"));
                }
            }
            final String fenced = io.resetguard.model.Invariants.orphanedFence(g, s);
            if (fenced != null) {
                found.add(log.recordAndGet(EventType.VIOLATION_LIVENESS, null, fenced));
            }
        }
        return found;
    }

    /** @return every retained violation with its history, in order. */
    public List<Violation> violations() {
        final List<Event> all = fabric.events().events();
        final List<Violation> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            final Event v = all.get(i);
            if (v.type().category() != EventCategory.VIOLATION) {
                continue;
            }
            final String page = pageOf(v.detail());
            final List<Event> h = new ArrayList<>();
            for (int j = i - 1; j >= 0 && h.size() < HISTORY; j--) {
                final Event e = all.get(j);
                if (v.bdf() != null && v.bdf().equals(e.bdf())
                    || page != null && e.detail() != null && e.detail().contains(page)) {
                    h.add(0, e);
                }
            }
            out.add(new Violation(v, h));
        }
        return out;
    }

    /** @return the exact number of violations of {@code type} (retained or not). */
    public long count(final EventType type) {
        return fabric.events().count(type);
    }

    /** @return a human-readable report of every retained violation. */
    public String report() {
        final StringBuilder sb = new StringBuilder();
        for (final Violation v : violations()) {
            sb.append(v.report());
        }
        return sb.toString();
    }

    private static String pageOf(final String detail) {
        if (detail == null) {
            return null;
        }
        final int i = detail.indexOf("pfn ");
        if (i < 0) {
            return null;
        }
        final int gen = detail.indexOf(" gen ", i);
        int end = gen < 0 ? detail.length() : gen + 5;
        while (end < detail.length() && Character.isDigit(detail.charAt(end))) {
            end++;
        }
        return detail.substring(i, end);
    }
}
