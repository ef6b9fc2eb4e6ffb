package io.resetguard.inv;

import io.resetguard.errno.Errno;
import io.resetguard.event.EventLog;
import io.resetguard.event.EventType;
import io.resetguard.fabric.Iommu;
import io.resetguard.fabric.PciFunction;
import io.resetguard.time.Scheduler;
import org.HdrHistogram.ConcurrentHistogram;
import org.jctools.queues.MpscUnboundedArrayQueue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * IommuEngine - one IOMMU's invalidation engine: a command queue that any number of threads submit
 * to and that one consumer at a time drains, the ITags of every function (32 each, never reused
 * before completion or timeout), timeouts, late completions, and the sync semantics of the driver
 * flavour (docs/protocol.md §3, §5).
 *
 * <p>Structure (the JCTools/Agrona single-consumer pattern):
 * <pre>
 *   submitters --offer--&gt; [command queue, bounded MPSC] --+
 *   devices, timers --offer--&gt; [inbox, unbounded MPSC] ---+--&gt; drain() (one thread at a time)
 *                                                               |-- ITag tables, pending syncs,
 *                                                               |   unresolved sequence numbers
 *                                                               +--&gt; deliver() to the device
 * </pre>
 * Everything drain() touches beyond the two queues is confined to the thread that holds
 * {@code draining}; the flag's volatile CAS/store order consecutive drainers. A producer offers and
 * then calls {@link #wake()}: if a drainer is active the CAS fails, and that drainer re-checks both
 * queues after clearing the flag, so no wake-up is lost.
 *
 * <p>Ordering: a SYNC completes when every ATC_INV dequeued before it has completed, timed out or
 * been muted. Under {@link InvFlavour#SMMUV3} a timeout is reported at the next SYNC, which names the
 * ATC_INV right before it as the culprit (possibly the wrong function when invalidations for several
 * functions share the SYNC, §7 scenario 12) and then completes with 0. Under {@link InvFlavour#VTD}
 * the timeout names the right function and aborts every pending SYNC with -EAGAIN and every
 * in-flight invalidation (their ITags are freed; a completion arriving later is a late completion).
 *
 * <p>Under {@link InvFlavour#AMD} the hardware times an invalidation out after the engine's timeout
 * (1 s) and tells the listeners, naming the function; the driver's software wait gives up on a sync
 * after {@link InvFlavour#softwareWaitNs()} (100 ms) and completes it with -EIO, while the hardware
 * keeps the ITags busy until the device answers or the hardware timeout fires.
 *
 * <p>Batches: the ATC_INV commands dequeued between two SYNCs form a batch; a timeout notification
 * carries the batch of the timed-out command ({@link InvBatch}), so that a driver can treat every
 * function the batch went to as suspect (docs/protocol.md §2.5a).
 *
 * <p>Completion Count: an ITag is free after as many completion messages as the count they carry
 * ({@link #complete(PciFunction, int, long, int)}); a message for an ITag that is not busy is an
 * error ({@link EventType#LOG_INV_COMPLETION_NOT_BUSY}).
 *
 * <p>Nobody spins: a full queue refuses with -EAGAIN, syncs complete through {@link InvCompletion}.
 */
public final class IommuEngine {
    /** Told of every ATC invalidation timeout the driver sees: the emulated interrupt path. */
    @FunctionalInterface
    public interface TimeoutListener {
        /**
         * @param engine  the engine
         * @param culprit the function the driver believes failed (SMMUv3: its guess)
         * @param actual  the function whose invalidation really timed out
         */
        void onAtcTimeout(IommuEngine engine, PciFunction culprit, PciFunction actual);

        /**
         * The same notification with the batch the timed-out invalidation belonged to (every
         * function one sync covered, docs/protocol.md §2.5a). The engine calls this one; the
         * default forgets the batch and calls {@link #onAtcTimeout(IommuEngine, PciFunction, PciFunction)}.
         *
         * @param batch the functions of the timed-out batch and which of them timed out
         */
        default void onAtcTimeout(final IommuEngine engine, final PciFunction culprit, final PciFunction actual,
                                  final InvBatch batch) {
            onAtcTimeout(engine, culprit, actual);
        }
    }

    /** ITags per function (PCIe ATS: 0..31). */
    public static final int ITAGS = 32;

    /** The largest Completion Count (the 3-bit field's 0). */
    public static final int MAX_COMPLETION_COUNT = 8;

    /**
     * The ATC_INV commands between two SYNCs (drainer only): the functions they went to and which of
     * them timed out, for {@link InvBatch}.
     */
    private static final class Batch {
        // NOTE: one small object per batch on the hot path; the lists only exist once a batch has a
        // second function or a timeout (a healthy one-function batch, the common case, has neither)
        PciFunction first;
        ArrayList<PciFunction> more;
        ArrayList<PciFunction> timedOut;

        void add(final PciFunction fn) {
            if (first == null) {
                first = fn;
            } else if (first != fn) {
                if (more == null) {
                    more = new ArrayList<>(2);
                }
                if (!more.contains(fn)) {
                    more.add(fn);
                }
            }
        }

        void addTimedOut(final PciFunction fn) {
            if (timedOut == null) {
                timedOut = new ArrayList<>(1);
            }
            if (!timedOut.contains(fn)) {
                timedOut.add(fn);
            }
        }

        InvBatch view() {
            final List<PciFunction> fns = new ArrayList<>(1 + (more == null ? 0 : more.size()));
            if (first != null) {
                fns.add(first);
            }
            if (more != null) {
                fns.addAll(more);
            }
            return new InvBatch(fns, timedOut == null ? List.of() : timedOut);
        }
    }

    private static final class Tags {
        final InvCommand[] cmd = new InvCommand[ITAGS];
        final Batch[] batch = new Batch[ITAGS];
        /** Completion Count of the first message for the ITag (0: none yet) and messages so far. */
        final byte[] ccExpected = new byte[ITAGS];
        final byte[] ccSeen = new byte[ITAGS];
        /** Whether the ITag's last use ended with its completion messages (not a timeout or an abort). */
        final boolean[] answered = new boolean[ITAGS];
        final long[] seq = new long[ITAGS];
        final long[] issuedNs = new long[ITAGS];
        final long[] gen = new long[ITAGS];
        int busy;
        long nextGen;
        final ArrayDeque<Sequenced> stalled = new ArrayDeque<>();
    }

    /** A dequeued ATC_INV with its sequence number. */
    private record Sequenced(InvCommand cmd, long seq, Batch batch) {
    }

    /** An ATC_INV that timed out and that no SYNC has reported yet (SMMUv3). */
    private record TimedOut(PciFunction fn, long seq, InvCommand cmd, Batch batch) {
    }

    private static final class PendingSync {
        final long seq;
        final InvCompletion completion;
        final PciFunction lastAtcInvTarget;
        /** AMD: the driver's software wait gave up on it (it completed with -EIO); hardware still owes it. */
        boolean abandoned;
        /** The batch this SYNC closed (null if no ATC_INV came since the previous SYNC). */
        Batch batch;

        PendingSync(final long seq, final InvCompletion completion, final PciFunction lastAtcInvTarget) {
            this.seq = seq;
            this.completion = completion;
            this.lastAtcInvTarget = lastAtcInvTarget;
        }
    }

    /**
     * A completion from a device carrying {@code count} (the Completion Count, 1..8), or (fn == null)
     * a tick of one of the engine's timers.
     */
    private record DeviceAnswer(PciFunction fn, int itag, long gen, boolean timeout, int count) {
    }

    /** When an issued invalidation times out if still unanswered. */
    private record Deadline(PciFunction fn, int itag, long gen, long dueNs) {
    }

    private static final DeviceAnswer TICK = new DeviceAnswer(null, -1, -1, true, 0);
    /** The AMD software completion-wait timer. */
    private static final DeviceAnswer WAIT_TICK = new DeviceAnswer(null, -2, -1, true, 0);

    private final Iommu iommu;
    private final Scheduler scheduler;
    private final EventLog events;
    private final InvFlavour flavour;
    private final long timeoutNs;
    private final AtcEndpoint endpoint;
    private final Queue<InvCommand> commands;
    private final int capacity;
    private final AtomicInteger queued = new AtomicInteger();
    private final MpscUnboundedArrayQueue<DeviceAnswer> inbox = new MpscUnboundedArrayQueue<>(64);
    private final AtomicBoolean draining = new AtomicBoolean();
    private final List<TimeoutListener> listeners = new CopyOnWriteArrayList<>();

    // confined to the drainer; insertion-ordered so that abortAll() retires in the same order on every run
    private final Map<PciFunction, Tags> tags = new LinkedHashMap<>();
    private final SeqWindow unresolved = new SeqWindow();
    private final ArrayDeque<PendingSync> syncs = new ArrayDeque<>();
    private final List<TimedOut> timedOutUnreported = new ArrayList<>();
    /** Issue order = deadline order (one constant timeout), so a FIFO serves as the timer queue. */
    private final ArrayDeque<Deadline> deadlines = new ArrayDeque<>();
    private boolean timerArmed;
    private long armedDueNs;
    private long nextSeq;
    private PciFunction lastAtcInvTarget;
    /** The batch the next ATC_INV joins; null right after a SYNC (allocated by the first ATC_INV). */
    private Batch openBatch;
    private boolean waitTimerArmed;
    private long waitArmedDueNs;

    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong issued = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong muted = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong aborted = new AtomicLong();
    private final AtomicLong late = new AtomicLong();
    private final AtomicLong stalls = new AtomicLong();
    private final AtomicLong syncErrors = new AtomicLong();
    private final AtomicLong notBusy = new AtomicLong();
    private final AtomicLong reusedTag = new AtomicLong();
    private final AtomicLong waitTimeouts = new AtomicLong();
    private final AtomicLong abandonedCompleted = new AtomicLong();
    // NOTE: two significant digits (values within 1%; 2 µs answers are exact). With three, a
    // histogram that has seen a 1 s timeout holds two 170 KB arrays, most of what a fresh engine
    // costs: the jcstress fixtures that hold an engine ran 4x fewer samples for it (52 vs 13 µs and
    // 392 vs 68 KB per ConcurrentSubmittersRace sample).
    private final ConcurrentHistogram latency = new ConcurrentHistogram(2);

    /**
     * @param iommu     the IOMMU instance
     * @param scheduler the clock and timer
     * @param events    the kernel log
     * @param flavour   how timeouts surface
     * @param timeoutNs how long an invalidation may stay unanswered
     * @param queue     the command queue implementation
     * @param capacity  the command queue's bound
     * @param endpoint  the device side
     */
    public IommuEngine(final Iommu iommu, final Scheduler scheduler, final EventLog events, final InvFlavour flavour,
                       final long timeoutNs, final QueueKind queue, final int capacity, final AtcEndpoint endpoint) {
        // NOTE: a lambda, not queue::newQueue, so that a null kind still fails after the other checks
        this(iommu, scheduler, events, flavour, timeoutNs, n -> queue.newQueue(n), capacity, endpoint);
    }

    /**
     * An engine over a command queue of the caller's making, instead of one built from a
     * {@link QueueKind}: the hook through which the stress suite's negative controls run the real
     * engine over a deliberately broken queue. Otherwise as
     * {@link #IommuEngine(Iommu, Scheduler, EventLog, InvFlavour, long, QueueKind, int, AtcEndpoint)}.
     *
     * <p>What {@code commands} must guarantee. The engine counts on it for "no command is lost or
     * duplicated, and none overtakes an earlier one", which is what a SYNC means:
     * <ul>
     * <li>{@code offer} is safe from any number of threads at once (multi-producer). It returns
     *     {@code false}, having queued nothing, when the queue is full, and {@code true} only if the
     *     element is queued, so that a later poll returns it. The engine admits at most
     *     {@code capacity} commands at a time whatever the queue's own bound; a queue that fills up
     *     earlier refuses, and the submitter gets -EAGAIN.</li>
     * <li>{@code poll} is called by one thread at a time (single consumer): whoever holds the engine's
     *     {@code draining} flag, which passes between threads through the flag's volatile
     *     compareAndSet and store. It returns each accepted element exactly once, in the order the
     *     offers took effect.</li>
     * <li>{@code isEmpty} may be called from any thread while offers and the poll run. It must not
     *     report an empty queue after an offer that happens-before the call returned {@code true}, while
     *     that element has not been polled: the drainer's re-check after it clears {@code draining}
     *     relies on this so that no wake-up is lost.</li>
     * </ul>
     * Every {@link QueueKind} gives such a queue. A queue that breaks these promises (one that drops an
     * offer and reports it queued, say) makes the engine lose commands and hang syncs. Such a queue is
     * only for negative controls, which must see that loss.
     *
     * <p>Caller: hand over an empty queue and no longer touch it. The engine owns it, and nothing else
     * may offer to or poll it.
     *
     * @param iommu     the IOMMU instance
     * @param scheduler the clock and timer
     * @param events    the kernel log
     * @param flavour   how timeouts surface
     * @param timeoutNs how long an invalidation may stay unanswered
     * @param commands  the command queue, empty, as described above
     * @param capacity  the most commands the engine lets wait in {@code commands}
     * @param endpoint  the device side
     * @throws IllegalArgumentException if {@code commands} is not empty, or as the other constructor
     */
    public IommuEngine(final Iommu iommu, final Scheduler scheduler, final EventLog events, final InvFlavour flavour,
                       final long timeoutNs, final Queue<InvCommand> commands, final int capacity,
                       final AtcEndpoint endpoint) {
        this(iommu, scheduler, events, flavour, timeoutNs, handOver(commands), capacity, endpoint);
    }

    /** The common constructor: checks the arguments, then makes the command queue for {@code capacity}. */
    private IommuEngine(final Iommu iommu, final Scheduler scheduler, final EventLog events, final InvFlavour flavour,
                        final long timeoutNs, final IntFunction<Queue<InvCommand>> newQueue, final int capacity,
                        final AtcEndpoint endpoint) {
        if (timeoutNs <= 0) {
            throw new IllegalArgumentException("timeoutNs must be > 0, was " + timeoutNs);
        }
        if (capacity < 2) {
            throw new IllegalArgumentException("capacity must be >= 2, was " + capacity);
        }
        this.iommu = Objects.requireNonNull(iommu, "iommu");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.events = Objects.requireNonNull(events, "events");
        this.flavour = Objects.requireNonNull(flavour, "flavour");
        this.timeoutNs = timeoutNs;
        this.commands = newQueue.apply(capacity);
        this.capacity = capacity;
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    }

    /** @return a maker that hands out {@code commands}, after checking that it is there and empty. */
    private static IntFunction<Queue<InvCommand>> handOver(final Queue<InvCommand> commands) {
        Objects.requireNonNull(commands, "commands");
        if (!commands.isEmpty()) {
            throw new IllegalArgumentException("the command queue must be empty, it holds " + commands.size());
        }
        return n -> commands;
    }

    /** @return the IOMMU. */
    public Iommu iommu() {
        return iommu;
    }

    /** @return the flavour. */
    public InvFlavour flavour() {
        return flavour;
    }

    /** @return the scheduler. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** Register the interrupt path. */
    public void addTimeoutListener(final TimeoutListener l) {
        listeners.add(Objects.requireNonNull(l, "listener"));
    }

    // ------------------------------------------------------------------------------------------------
    // producers (any thread)

    /**
     * Queue an ATC invalidation.
     *
     * @return 0, or -EAGAIN if the queue is full (nothing queued; try again later)
     */
    public Errno submit(final InvCommand c) {
        if (c.kind != InvCommand.Kind.ATC_INV) {
            throw new IllegalArgumentException("submit() takes ATC_INV commands; use sync()");
        }
        return offer(c);
    }

    /**
     * Queue a sync; it completes when every command queued before it resolved.
     *
     * @return the completion (already complete with -EAGAIN if the queue was full)
     */
    public InvCompletion sync() {
        final InvCompletion done = new InvCompletion(scheduler.nanoTime());
        if (offer(InvCommand.sync(done)).isError()) {
            done.complete(Errno.EAGAIN);
        }
        return done;
    }

    /**
     * Queue a sync if there is room.
     *
     * @return its completion, or null if the queue was full (nothing queued; try again later)
     */
    public InvCompletion trySync() {
        final InvCompletion done = new InvCompletion(scheduler.nanoTime());
        return offer(InvCommand.sync(done)).isOk() ? done : null;
    }

    private Errno offer(final InvCommand c) {
        // bound every queue by one counter, so the unbounded CLQ behaves like the others
        if (queued.incrementAndGet() > capacity || !commands.offer(c)) {
            queued.decrementAndGet();
            refused.incrementAndGet();
            return Errno.EAGAIN;
        }
        submitted.incrementAndGet();
        wake();
        return Errno.OK;
    }

    /**
     * An Invalidate Completion from the device for ({@code itag}, {@code tagGen}). Any thread.
     */
    public void complete(final PciFunction fn, final int itag, final long tagGen) {
        complete(fn, itag, tagGen, 1);
    }

    /**
     * One Invalidate Completion message from the device for ({@code itag}, {@code tagGen}) carrying
     * Completion Count {@code count}: the ITag is free once {@code count} messages with that count
     * arrived (docs/protocol.md §2.5a; a device may answer once per traffic class). Any thread.
     *
     * @param count the Completion Count, 1..8 (the wire's 3-bit 0 is 8)
     * @throws IllegalArgumentException if {@code count} is out of range
     */
    public void complete(final PciFunction fn, final int itag, final long tagGen, final int count) {
        if (count < 1 || count > MAX_COMPLETION_COUNT) {
            throw new IllegalArgumentException("completion count must be in 1..8, was " + count);
        }
        inbox.offer(new DeviceAnswer(fn, itag, tagGen, false, count));
        wake();
    }

    /** Make sure some thread drains. */
    public void wake() {
        if (draining.compareAndSet(false, true)) {
            scheduler.execute(this::drain);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // the consumer

    private void drain() {
        for (;;) {
            DeviceAnswer a;
            while ((a = inbox.poll()) != null) {
                answer(a);
            }
            InvCommand c;
            while ((c = commands.poll()) != null) {
                queued.decrementAndGet();
                dispatch(c);
                while ((a = inbox.poll()) != null) {
                    answer(a);
                }
            }
            completeSyncs();
            if (flavour.softwareWaitNs() > 0) {
                armWaitTimer();
            }
            draining.set(false);
            // NOTE: re-check after clearing the flag; a producer whose wake() lost the CAS relies on it
            if ((inbox.isEmpty() && commands.isEmpty()) || !draining.compareAndSet(false, true)) {
                return;
            }
        }
    }

    private void dispatch(final InvCommand c) {
        final long seq = nextSeq++;
        if (c.kind == InvCommand.Kind.SYNC) {
            final PendingSync ps = new PendingSync(seq, c.completion, lastAtcInvTarget);
            ps.batch = openBatch;
            syncs.add(ps);
            openBatch = null; // the SYNC closes the batch
            return;
        }
        lastAtcInvTarget = c.target;
        unresolved.add(seq);
        if (openBatch == null) {
            openBatch = new Batch();
        }
        issue(c, seq, openBatch);
    }

    private void issue(final InvCommand c, final long seq, final Batch batch) {
        if (!endpoint.accepts(c)) {
            muted.incrementAndGet();
            unresolved.remove(seq);
            return;
        }
        batch.add(c.target);
        final Tags t = tags.computeIfAbsent(c.target, k -> new Tags());
        final int free = ~t.busy;
        if (free == 0) {
            stalls.incrementAndGet();
            t.stalled.add(new Sequenced(c, seq, batch));
            return;
        }
        final int itag = Integer.numberOfTrailingZeros(free);
        final long gen = ++t.nextGen;
        t.busy |= 1 << itag;
        t.cmd[itag] = c;
        t.batch[itag] = batch;
        t.ccExpected[itag] = 0;
        t.ccSeen[itag] = 0;
        t.answered[itag] = false;
        t.seq[itag] = seq;
        t.gen[itag] = gen;
        t.issuedNs[itag] = scheduler.nanoTime();
        issued.incrementAndGet();
        final PciFunction fn = c.target;
        // NOTE: deliver before arming the timer. In virtual time the order does not matter (the timer
        // is due later); on the InlineScheduler both run at once, and a healthy device's completion
        // must reach the inbox before the timer's expiry.
        endpoint.deliver(this, c, itag, gen);
        deadlines.add(new Deadline(fn, itag, gen, scheduler.nanoTime() + timeoutNs));
        armTimer();
    }

    /**
     * One timer per engine, as the hardware polls: armed for the oldest deadline; its tick expires
     * every overdue invalidation and re-arms for the next. Completed invalidations are skipped when
     * their deadline comes up (their ITag generation moved on), so nothing is cancelled.
     */
    private void armTimer() {
        if (timerArmed) {
            return;
        }
        // Deadlines of invalidations that already resolved would only make the tick skip them; drop
        // them now, so a healthy engine's timer sleeps instead of ticking once per invalidation.
        Deadline head;
        while ((head = deadlines.peek()) != null && !live(head.fn, head.itag, head.gen)) {
            deadlines.poll();
        }
        if (head == null) {
            return;
        }
        timerArmed = true;
        armedDueNs = deadlines.peek().dueNs;
        scheduler.schedule(Math.max(0, armedDueNs - scheduler.nanoTime()), () -> {
            inbox.offer(TICK);
            wake();
        });
    }

    private void tick() {
        timerArmed = false;
        // NOTE: expire up to the due time this tick was armed for, not up to "now". In virtual time the
        // two are equal. On the zero-time InlineScheduler another thread may have moved the shared clock
        // far ahead while a healthy device's answer still waits in that thread's task queue; comparing
        // with "now" would then time out an invalidation that is being answered.
        final long due = armedDueNs;
        Deadline d;
        while ((d = deadlines.peek()) != null && d.dueNs <= due) {
            deadlines.poll();
            answer(new DeviceAnswer(d.fn, d.itag, d.gen, true, 0));
        }
        armTimer();
    }

    private void answer(final DeviceAnswer a) {
        if (a == TICK) {
            tick();
            return;
        }
        if (a == WAIT_TICK) {
            waitTick();
            return;
        }
        final Tags t = tags.get(a.fn);
        if (!live(t, a.itag, a.gen)) {
            if (!a.timeout) {
                strayCompletion(t, a);
            }
            return; // a timer for an ITag that already completed: nothing to do
        }
        if (!a.timeout) {
            // NOTE: the ITag frees only with the last of Completion Count messages carrying the same
            // count; a message with another count is an error and does not count (docs/protocol.md §2.5a).
            if (t.ccExpected[a.itag] == 0) {
                t.ccExpected[a.itag] = (byte) a.count;
            } else if (t.ccExpected[a.itag] != a.count) {
                events.record(EventType.LOG_INV_COMPLETION_COUNT_MISMATCH, a.fn.bdf(), "itag " + a.itag + ": count "
                    + a.count + ", first message said " + t.ccExpected[a.itag]);
                return;
            }
            if (++t.ccSeen[a.itag] < t.ccExpected[a.itag]) {
                return;
            }
            completed.incrementAndGet();
            t.answered[a.itag] = true;
            retire(t, a.itag);
            return;
        }
        timeouts.incrementAndGet();
        final InvCommand c = t.cmd[a.itag];
        final long seq = t.seq[a.itag];
        final Batch batch = t.batch[a.itag];
        batch.addTimedOut(a.fn);
        retire(t, a.itag);
        if (flavour == InvFlavour.VTD) {
            // ITE: hardware completes no pending wait descriptor; every waiter gets -EAGAIN, and the
            // in-flight descriptors are aborted (qi_check_fault marks them QI_ABORT).
            events.record(EventType.LOG_ATC_INV_TIMEOUT, a.fn.bdf(), "vt-d ITE, itag " + a.itag + ": " + c);
            abortAll();
            notifyTimeout(a.fn, a.fn, batch);
        } else if (flavour == InvFlavour.AMD) {
            // the hardware's own timeout (1 s): the ITag is free, the event log names the device; the
            // software wait may have given up long ago (docs/protocol.md §3.5) [inference: see InvFlavour.AMD]
            events.record(EventType.LOG_ATC_INV_TIMEOUT, a.fn.bdf(), "amd event log IOTLB_INV_TIMEOUT, itag " + a.itag
                + ": " + c);
            notifyTimeout(a.fn, a.fn, batch);
        } else {
            timedOutUnreported.add(new TimedOut(a.fn, seq, c, batch));
        }
    }

    /**
     * A completion whose (ITag, generation) is not in flight. The hardware sees only the ITag: if the
     * ITag is not busy the message is an error (docs/protocol.md §2.5a); if it is busy again, with a
     * later use, the hardware could not tell the two apart [inference] (counted as an ITag-reuse
     * hazard; the emulator, which can, does not credit it to the new use). Either way an answer to an
     * invalidation that had timed out or been aborted is also a late completion, as before.
     */
    private void strayCompletion(final Tags t, final DeviceAnswer a) {
        final boolean busy = t != null && (t.busy & 1 << a.itag) != 0;
        // a message beyond the Completion Count of a use that completed is an error, but not late
        final boolean extra = t != null && !busy && a.gen == t.gen[a.itag] && t.answered[a.itag];
        if (busy) {
            reusedTag.incrementAndGet();
            events.record(EventType.LOG_ITAG_REUSE_COMPLETION, a.fn.bdf(), "itag " + a.itag);
        } else {
            notBusy.incrementAndGet();
            events.record(EventType.LOG_INV_COMPLETION_NOT_BUSY, a.fn.bdf(), "itag " + a.itag);
        }
        if (!extra) {
            late.incrementAndGet();
            events.record(EventType.INFO_LATE_COMPLETION, a.fn.bdf(), "itag " + a.itag);
        }
    }

    /** @return whether ({@code itag}, {@code gen}) of {@code fn} is still in flight (drainer only). */
    private boolean live(final PciFunction fn, final int itag, final long gen) {
        return live(tags.get(fn), itag, gen);
    }

    private static boolean live(final Tags t, final int itag, final long gen) {
        return t != null && (t.busy & 1 << itag) != 0 && t.gen[itag] == gen;
    }

    private void retire(final Tags t, final int itag) {
        final long seq = t.seq[itag];
        latency.recordValue(Math.max(0, scheduler.nanoTime() - t.issuedNs[itag]));
        t.busy &= ~(1 << itag);
        t.cmd[itag] = null;
        unresolved.remove(seq);
        final Sequenced next = t.stalled.poll();
        if (next != null) {
            issue(next.cmd, next.seq, next.batch);
        }
    }

    private void abortAll() {
        for (final Tags t : tags.values()) {
            while (t.busy != 0) {
                final int itag = Integer.numberOfTrailingZeros(t.busy);
                aborted.incrementAndGet();
                retire(t, itag);
            }
        }
        PendingSync s;
        while ((s = syncs.poll()) != null) {
            s.completion.complete(Errno.EAGAIN);
        }
    }

    private void completeSyncs() {
        PendingSync s;
        while ((s = syncs.peek()) != null && (unresolved.isEmpty() || unresolved.first() > s.seq)) {
            syncs.poll();
            if (flavour == InvFlavour.SMMUV3 && !timedOutUnreported.isEmpty()) {
                reportAtSync(s);
            }
            if (s.abandoned) {
                // AMD: the semaphore is written now, but wait_on_sem() gave up long ago: nobody waits
                abandonedCompleted.incrementAndGet();
            } else {
                s.completion.complete(Errno.OK);
            }
        }
    }

    /**
     * AMD: arm the software completion-wait timer for the oldest sync the driver still waits on, if
     * it is not armed. One timer per engine, as for the invalidation deadlines.
     */
    private void armWaitTimer() {
        if (waitTimerArmed) {
            return;
        }
        for (final PendingSync s : syncs) {
            if (!s.abandoned) {
                waitTimerArmed = true;
                waitArmedDueNs = s.completion.submittedNs() + flavour.softwareWaitNs();
                scheduler.schedule(Math.max(0, waitArmedDueNs - scheduler.nanoTime()), () -> {
                    inbox.offer(WAIT_TICK);
                    wake();
                });
                return;
            }
        }
    }

    /**
     * AMD {@code wait_on_sem()} (docs/protocol.md §3.3, §3.5): every sync whose wait began at least
     * {@link InvFlavour#softwareWaitNs()} before the tick's due time and is still pending is given up:
     * "Completion-Wait loop timed out" is logged and the flush caller gets -EIO and proceeds. The
     * sync stays queued: the hardware completes it later (or times its invalidations out at 1 s),
     * and only then are the ITags free.
     *
     * <p>The AMD driver itself does nothing more (docs/protocol.md §3.5), but a recovery policy may:
     * before the flush caller gets -EIO (and frees its pages) the timeout listeners are told, with
     * the batch this sync closed as the suspects, the ATC_INV right before the wait as the culprit
     * (the driver's only guess, as on SMMUv3), and as the timed-out functions those of the batch whose
     * invalidation the hardware still holds (none, if the sync only waited behind an earlier batch's
     * hung command: the COMPLETION_WAIT waits for every earlier command; {@code actual} is then the
     * culprit guess and the batch holds no timed-out function). [inference] The driver knows which commands it queued
     * before the wait, not which of them hangs; the hardware's own timeout at 1 s tells the listeners
     * again, naming the device.
     */
    private void waitTick() {
        waitTimerArmed = false;
        final long due = waitArmedDueNs; // as in tick(): up to the due time armed for, not "now"
        for (final PendingSync s : syncs) {
            if (s.abandoned) {
                continue;
            }
            if (s.completion.submittedNs() + flavour.softwareWaitNs() > due) {
                break; // syncs are queued in submission order, so the later ones are younger
            }
            s.abandoned = true;
            waitTimeouts.incrementAndGet();
            events.record(EventType.LOG_COMPLETION_WAIT_TIMEOUT, s.lastAtcInvTarget == null ? null
                : s.lastAtcInvTarget.bdf(), "amd wait_on_sem: -EIO to the flush caller after "
                + flavour.softwareWaitNs() / 1_000_000 + " ms");
            if (s.batch != null && s.lastAtcInvTarget != null) {
                PciFunction pending = null;
                for (final PciFunction fn : s.batch.view().functions()) {
                    if (itagsBusy(fn) > 0) {
                        s.batch.addTimedOut(fn);
                        pending = pending == null ? fn : pending;
                    }
                }
                // NOTE: before the -EIO below, whose caller frees the pages: a policy's fence must come first
                notifyTimeout(s.lastAtcInvTarget, pending == null ? s.lastAtcInvTarget : pending, s.batch);
            }
            s.completion.complete(Errno.EIO);
        }
    }

    /**
     * SMMUv3: GERROR.CMDQ_ERR with CERROR_ATC_INV at this SYNC. The driver rewinds CONS by one entry
     * to find the culprit: the ATC_INV queued right before the SYNC, whichever function really
     * failed. Then the SYNC is retried and, the invalidation having been given up, completes: the
     * caller sees 0.
     */
    private void reportAtSync(final PendingSync s) {
        final List<TimedOut> due = new ArrayList<>();
        timedOutUnreported.removeIf(e -> {
            if (e.seq < s.seq) {
                due.add(e);
                return true;
            }
            return false;
        });
        if (due.isEmpty()) {
            return;
        }
        syncErrors.incrementAndGet();
        final PciFunction guess = s.lastAtcInvTarget;
        for (final TimedOut e : due) {
            final PciFunction actual = e.fn;
            events.record(EventType.LOG_ATC_INV_TIMEOUT, actual.bdf(), "smmuv3 CERROR_ATC_INV at CMD_SYNC: " + e.cmd
                + (guess == actual ? "" : "; culprit guessed as " + (guess == null ? "none" : guess.bdf())));
            notifyTimeout(guess == null ? actual : guess, actual, e.batch);
        }
    }

    private void notifyTimeout(final PciFunction culprit, final PciFunction actual, final Batch batch) {
        if (listeners.isEmpty()) {
            return;
        }
        final InvBatch b = batch.view();
        for (final TimeoutListener l : listeners) {
            l.onAtcTimeout(this, culprit, actual, b);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // statistics (any thread; exact once the engine is idle)

    /** @return commands accepted into the queue. */
    public long submitted() {
        return submitted.get();
    }

    /** @return offers refused with -EAGAIN because the queue was full. */
    public long refused() {
        return refused.get();
    }

    /** @return ATC invalidations delivered to a device. */
    public long issued() {
        return issued.get();
    }

    /** @return invalidations completed by their device in time. */
    public long completed() {
        return completed.get();
    }

    /** @return invalidations resolved at once because the driver muted the target. */
    public long muted() {
        return muted.get();
    }

    /** @return invalidations that timed out. */
    public long timeouts() {
        return timeouts.get();
    }

    /** @return in-flight invalidations aborted by a VT-d ITE. */
    public long aborted() {
        return aborted.get();
    }

    /** @return completions for an ITag that had already timed out or been aborted. */
    public long lateCompletions() {
        return late.get();
    }

    /** @return times an invalidation waited because its function had no free ITag. */
    public long itagStalls() {
        return stalls.get();
    }

    /** @return Invalidate Completion messages for an ITag that was not busy (an error, docs/protocol.md §2.5a). */
    public long completionsForIdleItag() {
        return notBusy.get();
    }

    /** @return completions for an earlier use of an ITag that arrived while it was busy again (a hazard). */
    public long completionsForReusedItag() {
        return reusedTag.get();
    }

    /** @return AMD: syncs the driver's software wait gave up on with -EIO. */
    public long completionWaitTimeouts() {
        return waitTimeouts.get();
    }

    /** @return AMD: syncs the hardware completed after the software had given up on them. */
    public long abandonedWaitsCompleted() {
        return abandonedCompleted.get();
    }

    /** @return SMMUv3 syncs that reported CERROR_ATC_INV. */
    public long syncErrors() {
        return syncErrors.get();
    }

    /**
     * @return the issue-to-resolution latency of invalidations, in emulated ns (a live histogram,
     *         two significant digits: a value reads back within 1%)
     */
    public ConcurrentHistogram latency() {
        return latency;
    }

    /**
     * @return ITags in flight over every function (call when the engine is idle and the scheduler
     *         quiet: the tables belong to the drainer)
     */
    public int itagsBusy() {
        int n = 0;
        for (final Tags t : tags.values()) {
            n += Integer.bitCount(t.busy) + t.stalled.size();
        }
        return n;
    }

    /**
     * @return ITags in flight or invalidations stalled for {@code fn}: exact when called by the thread
     *         that drains (for example from a sync's completion callback on a single-threaded
     *         scheduler) or when the engine is idle; commands still queued are not counted
     */
    public int itagsBusy(final PciFunction fn) {
        final Tags t = tags.get(fn);
        return t == null ? 0 : Integer.bitCount(t.busy) + t.stalled.size();
    }

    /** @return whether the engine holds no queued, in-flight or stalled work and no pending sync. */
    public boolean idle() {
        return commands.isEmpty() && inbox.isEmpty() && !draining.get() && syncsPending() == 0;
    }

    private int syncsPending() {
        return syncs.size();
    }

    @Override
    public String toString() {
        return "engine@" + iommu.name() + "(" + flavour.cliName() + ")";
    }
}
