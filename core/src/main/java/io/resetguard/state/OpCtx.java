package io.resetguard.state;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventSink;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.PciFunction;
import io.resetguard.fault.FaultInjector;
import io.resetguard.fault.FaultPoint;

import java.util.Arrays;

/**
 * OpCtx - the per-operation scratch of one protocol call: its result, the warnings it will log, and
 * the fault draws it made.
 *
 * <p>A transition is a pure function of the snapshot it is given, except for two inputs that come
 * from outside: fault injection and the kernel log. Both go through this object so that a transition
 * the lock-free cell retries behaves like one call:
 * <ul>
 * <li>{@link #beginAttempt()} clears the result and the pending warnings, so only the attempt that
 *     commits logs anything ({@link #flush(EventSink)} runs after the commit);</li>
 * <li>{@link #draw(FaultPoint, PciFunction)} memoizes its answers per (point, function,
 *     occurrence): the k-th draw of a point for a function in any attempt returns the answer the
 *     operation got for its k-th such draw, so retries do not consume extra faults even when the
 *     retry takes another path (for example, a winner already allocated the blocking domain).</li>
 * </ul>
 *
 * <p>Not thread-safe: one context serves one thread. Hot callers (benchmarks, the simulator) keep one
 * per thread and pass it to every call; {@link #reset(FaultInjector)} readies it for the next call.
 */
public final class OpCtx {
    private static final int INITIAL = 4;
    private static final FaultPoint[] NO_POINTS = new FaultPoint[0];
    private static final PciFunction[] NO_FNS = new PciFunction[0];
    private static final Errno[] NO_RESULTS = new Errno[0];
    private static final EventType[] NO_TYPES = new EventType[0];
    private static final String[] NO_DETAILS = new String[0];

    // NOTE: the scratch arrays start empty and grow on first use. Most calls draw no fault (no
    // injector) and log nothing, and a reset chain makes a context per call: ten eagerly allocated
    // arrays were most of a whole reset's allocation.
    private FaultInjector faults = FaultInjector.NONE;
    private FaultPoint[] drawPoint = NO_POINTS;
    private PciFunction[] drawFn = NO_FNS;
    private Errno[] drawResult = NO_RESULTS;
    private int drawn;
    private FaultPoint[] attemptPoint = NO_POINTS;
    private PciFunction[] attemptFn = NO_FNS;
    private int attemptDraws;

    private EventType[] warnType = NO_TYPES;
    private PciFunction[] warnFn = NO_FNS;
    private String[] warnDetail = NO_DETAILS;
    private int warns;

    private Errno result = Errno.OK;
    private Domain domainOut;
    private int attempts;
    private GroupState before;

    /**
     * Ready this context for a new operation.
     *
     * @param injector the fault injector of the fabric
     * @return this
     */
    public OpCtx reset(final FaultInjector injector) {
        faults = injector;
        drawn = 0;
        attemptDraws = 0;
        warns = 0;
        result = Errno.OK;
        domainOut = null;
        attempts = 0;
        before = null;
        return this;
    }

    /**
     * Start one attempt of the transition on {@code current}; called by the state cell before every
     * try.
     */
    public void beginAttempt(final GroupState current) {
        before = current;
        beginAttempt();
    }

    /** @return the snapshot the committed attempt started from (null before any attempt). */
    public GroupState before() {
        return before;
    }

    /** Start one attempt of the transition; called by the state cell before every try. */
    public void beginAttempt() {
        attemptDraws = 0;
        warns = 0;
        result = Errno.OK;
        domainOut = null;
        attempts++;
    }

    /**
     * Hand the current attempt over to the next one without counting it as a retry: the word core's
     * one-word attempt that answered "needs the multi-word path" wrote nothing and lost no race.
     * Its fault draws stay memoized, so the next attempt replays them.
     */
    public void handOver() {
        if (attempts > 0) {
            attempts--;
        }
    }

    /**
     * Ask the injector whether the call at {@code point} fails, at most once per call position.
     *
     * @param point the injectable call
     * @param fn    the function it concerns, or null
     * @return {@link Errno#OK} or the injected error
     */
    public Errno draw(final FaultPoint point, final PciFunction fn) {
        if (faults == FaultInjector.NONE) {
            return Errno.OK;
        }
        // occurrence of (point, fn) within this attempt
        int occurrence = 0;
        for (int k = 0; k < attemptDraws; k++) {
            if (attemptPoint[k] == point && attemptFn[k] == fn) {
                occurrence++;
            }
        }
        if (attemptDraws == attemptPoint.length) {
            attemptPoint = Arrays.copyOf(attemptPoint, grown(attemptDraws));
            attemptFn = Arrays.copyOf(attemptFn, grown(attemptDraws));
        }
        attemptPoint[attemptDraws] = point;
        attemptFn[attemptDraws] = fn;
        attemptDraws++;
        // the same occurrence in an earlier attempt of this operation?
        int seen = 0;
        for (int k = 0; k < drawn; k++) {
            if (drawPoint[k] == point && drawFn[k] == fn && seen++ == occurrence) {
                return drawResult[k];
            }
        }
        final Errno e = faults.draw(point, fn);
        if (drawn == drawPoint.length) {
            final int n = grown(drawn);
            drawPoint = Arrays.copyOf(drawPoint, n);
            drawFn = Arrays.copyOf(drawFn, n);
            drawResult = Arrays.copyOf(drawResult, n);
        }
        drawPoint[drawn] = point;
        drawFn[drawn] = fn;
        drawResult[drawn] = e;
        drawn++;
        return e;
    }

    /**
     * Queue a log event; it is recorded by {@link #flush(EventSink)} only if this attempt commits.
     *
     * @param type   the site
     * @param fn     the function concerned, or null
     * @param detail free text
     */
    public void warn(final EventType type, final PciFunction fn, final String detail) {
        if (warns == warnType.length) {
            final int n = grown(warns);
            warnType = Arrays.copyOf(warnType, n);
            warnFn = Arrays.copyOf(warnFn, n);
            warnDetail = Arrays.copyOf(warnDetail, n);
        }
        warnType[warns] = type;
        warnFn[warns] = fn;
        warnDetail[warns] = detail;
        warns++;
    }

    private static int grown(final int length) {
        return Math.max(INITIAL, length * 2);
    }

    /** Record the queued events of the committed attempt into {@code sink}. */
    public void flush(final EventSink sink) {
        for (int i = 0; i < warns; i++) {
            sink.record(warnType[i], warnFn[i] == null ? null : warnFn[i].bdf(), warnDetail[i]);
            warnFn[i] = null;
            warnDetail[i] = null;
        }
        warns = 0;
    }

    /** @return the number of events queued by the current attempt. */
    public int pendingWarnings() {
        return warns;
    }

    /** @return the function of the i-th queued event (may be null). */
    public PciFunction pendingWarningFn(final int i) {
        return warnFn[i];
    }

    /** @return the type of the i-th queued event. */
    public EventType pendingWarning(final int i) {
        return warnType[i];
    }

    /** Set the result of the operation. */
    public void result(final Errno e) {
        result = e;
    }

    /** @return the result of the operation. */
    public Errno result() {
        return result;
    }

    /** Set a domain-valued result (get-domain queries). */
    public void domainOut(final Domain d) {
        domainOut = d;
    }

    /** @return the domain-valued result. */
    public Domain domainOut() {
        return domainOut;
    }

    /** @return how many attempts the last operation took (1 when uncontended). */
    public int attempts() {
        return attempts;
    }
}
