package io.resetguard.model;

import io.resetguard.errno.Errno;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.PciFunction;
import io.resetguard.fault.FaultInjector;
import io.resetguard.state.DeviceState;
import io.resetguard.state.DomainTable;
import io.resetguard.state.FnWord;
import io.resetguard.state.GdevBlocked;
import io.resetguard.state.GroupOverflow;
import io.resetguard.state.GroupState;
import io.resetguard.state.GroupWord;
import io.resetguard.state.OpCtx;
import io.resetguard.state.Transition;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * LockFreeWordCell - the word core (docs/state-core.md): prepare/done are one compare-and-set on one
 * word; every other operation is a multi-word descriptor that any thread which meets it helps to
 * finish.
 *
 * <p><b>Hot path.</b> 7.1 family: read the group word G (acquire), the overflow O, the function word
 * F (acquire); F must be unfrozen and carry G's epoch; the rule computes F'; CAS F -&gt; F'.
 * Linearization point: the successful CAS (or, when F' == F, the load of F). 7.0/seed: read G, O,
 * F; the rule computes G'; CAS G -&gt; G' (linearization point), or the load of G when G' == G.
 *
 * <p><b>Multi-word path</b> (Harris-style k-CAS over G and every function word, gated by one
 * descriptor at a time in {@link #desc}):
 * <ol>
 * <li>the initiator reads G (no OP), O and every F, decodes a snapshot, applies the snapshot rule
 *     with its own {@link OpCtx} (so every fault is drawn by the initiator, and replayed on retry),
 *     encodes the result, and installs a descriptor D (oldG, oldF[], oldO -&gt; newG, newF[], newO)
 *     by CAS on {@code desc} from a completed one;</li>
 * <li>any thread (helper) then: CAS G: oldG -&gt; oldG|OP; CAS each F: oldF -&gt; oldF|FZ; a value
 *     that is neither decides D FAILED (CAS on its status); all frozen decides SUCCEEDED. That
 *     decision is D's linearization point: every word held its old value then, and nothing else
 *     could change it;</li>
 * <li>write-back, only while G == oldG|OP: SUCCEEDED writes every newF (CAS from oldF|FZ), then O,
 *     then G := newG (epoch + 1, OP clear); FAILED restamps every word D read (epoch + 1, FZ clear)
 *     and G := oldG with epoch + 1; then D.complete.</li>
 * </ol>
 * The result is computed once, by the initiator, before publication: helpers only copy words, so
 * they never draw a fault and cannot disagree. A thread that meets OP or FZ helps the current
 * descriptor, so a stalled thread never blocks another: whoever needs the group finishes the
 * stalled operation (obstruction- and lock-freedom: a D fails only because another word changed,
 * i.e. another operation succeeded).
 *
 * <p><b>ABA.</b> Domain codes are never reused. Every completed descriptor (committed or failed)
 * moves G and every word it read to a new epoch, so a stale helper's CAS (expecting oldG or oldF)
 * fails until the 20-bit epoch wraps: 2^20 multi-word operations while one helper is stalled
 * between its load and its CAS (the forced-wrap test starts the epoch next to the wrap). Under 7.0
 * and the seed the one-CAS prepare/done bump G's epoch too (G has no other version), so G never
 * returns to an earlier value within the wrap either.
 */
public final class LockFreeWordCell extends WordCell {
    private static final VarHandle GROUP;
    private static final VarHandle OVERFLOW;
    private static final VarHandle DESC;
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            final MethodHandles.Lookup l = MethodHandles.lookup();
            GROUP = l.findVarHandle(LockFreeWordCell.class, "group", long.class);
            OVERFLOW = l.findVarHandle(LockFreeWordCell.class, "overflow", GroupOverflow.class);
            DESC = l.findVarHandle(LockFreeWordCell.class, "desc", Desc.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through GROUP
    private long group;
    @SuppressWarnings("unused") // accessed through OVERFLOW
    private GroupOverflow overflow;
    @SuppressWarnings("unused") // accessed through DESC
    private Desc desc;

    LockFreeWordCell(final ProtocolModel model, final DomainTable domains, final Domain blocking,
                     final Domain defaultDomain, final int groupId, final int initialEpoch) {
        super(model, domains, blocking, groupId);
        final GroupOverflow o = GroupOverflow.initial(initialEpoch);
        final long g = GroupWord.withEpoch(GroupWord.withDomain(0L, domains.codeChecked(defaultDomain)), initialEpoch);
        OVERFLOW.set(this, o);
        DESC.set(this, Desc.DONE);
        GROUP.setRelease(this, g);
    }

    // ------------------------------------------------------------------------------------------------
    // hot path

    @Override
    public boolean tryPrepare(final PciFunction fn, final OpCtx ctx) {
        if (!fn.atsSupported()) {
            ctx.beginAttempt();
            return true; // 0, the IOMMU is not touched
        }
        for (;;) {
            final long g = (long) GROUP.getAcquire(this);
            if (GroupWord.op(g)) {
                helpCurrent();
                continue;
            }
            final GroupOverflow o = (GroupOverflow) OVERFLOW.getAcquire(this);
            final int slot = o.slotOf(fn);
            if (slot < 0) {
                return false;
            }
            final long[] w = o.words();
            final int at = slot * FnWord.STRIDE;
            final long f = (long) WORDS.getAcquire(w, at);
            if (!consistent(g, f)) {
                helpCurrent();
                continue;
            }
            ctx.beginAttempt();
            if (counter) {
                final long nf = WordRules.prepareCounter(model, fn, f, g, blockingCode, o.pasidArrayEmpty(), ctx);
                if (nf == FnWord.SLOW) {
                    ctx.handOver();
                    return false;
                }
                // NOTE: the CAS on F also validates G: G changes only when a descriptor commits, and
                // a descriptor freezes F (so this CAS fails) before it commits.
                if (nf == f || WORDS.compareAndSet(w, at, f, nf)) {
                    return true;
                }
            } else {
                final long ng = WordRules.prepareFlag(model, fn, slot, g, blockingCode, o.pasidArrayEmpty(),
                    o.fn(o.resettingSlot(g)), ctx);
                if (ng == FnWord.SLOW) {
                    ctx.handOver();
                    return false;
                }
                if (ng == g || GROUP.compareAndSet(this, g, bumped(ng))) {
                    return true;
                }
            }
        }
    }

    @Override
    public boolean tryDone(final PciFunction fn, final Errno resetResult, final OpCtx ctx) {
        if (!fn.atsSupported()) {
            ctx.beginAttempt();
            return true;
        }
        for (;;) {
            final long g = (long) GROUP.getAcquire(this);
            if (GroupWord.op(g)) {
                helpCurrent();
                continue;
            }
            final GroupOverflow o = (GroupOverflow) OVERFLOW.getAcquire(this);
            final int slot = o.slotOf(fn);
            if (slot < 0) {
                return false;
            }
            final long[] w = o.words();
            final int at = slot * FnWord.STRIDE;
            final long f = (long) WORDS.getAcquire(w, at);
            if (!consistent(g, f)) {
                helpCurrent();
                continue;
            }
            ctx.beginAttempt();
            if (counter) {
                final long nf = WordRules.doneCounter(model, fn, f, g, blockingCode, o.pasidArrayEmpty(),
                    o.recoveryAdjust() == 0, resetResult, domains, groupId, ctx);
                if (nf == FnWord.SLOW) {
                    ctx.handOver();
                    return false;
                }
                if (nf == f || WORDS.compareAndSet(w, at, f, nf)) {
                    return true;
                }
            } else {
                final long ng = WordRules.doneFlag(fn, slot, f, g, blockingCode, o.pasidArrayEmpty(), o.hasOrphans(),
                    domains, groupId, ctx);
                if (ng == FnWord.SLOW) {
                    ctx.handOver();
                    return false;
                }
                // NOTE: F changes only under a descriptor, which sets OP in G first: the CAS on G
                // (whose epoch every write bumps) validates the F we read.
                if (ng == g || GROUP.compareAndSet(this, g, bumped(ng))) {
                    return true;
                }
            }
        }
    }

    /** The group word {@code g} with the next epoch (7.0/seed one-CAS transitions: no ABA on G). */
    private static long bumped(final long g) {
        return GroupWord.withEpoch(g, GroupWord.nextEpoch(GroupWord.epoch(g)));
    }

    /**
     * Whether a function word read after group word {@code g} (no OP) may be used with it: unfrozen
     * and, under the 7.1 family, stamped with g's epoch (no descriptor committed in between).
     */
    private boolean consistent(final long g, final long f) {
        return !FnWord.frozen(f) && (!counter || FnWord.epoch(f) == GroupWord.epoch(g));
    }

    @Override
    public Errno tryRefuseSetDomain(final Domain d, final boolean attachGroup, final Domain defaultDomain,
                                    final OpCtx ctx) {
        ctx.beginAttempt();
        for (;;) {
            final long g = (long) GROUP.getAcquire(this);
            if (GroupWord.op(g)) {
                helpCurrent();
                continue;
            }
            final int cur = GroupWord.domain(g);
            if (attachGroup && cur != 0 && cur != DomainTable.code(defaultDomain) && cur != blockingCode) {
                return Errno.EBUSY; // linearized at the load of G
            }
            if (d == null || d.isFreed() || domains.get(DomainTable.code(d)) != d) {
                return null; // WARN paths and foreign domains: the multi-word path reports them
            }
            if (cur == DomainTable.code(d)) {
                return Errno.OK; // already attached: linearized at the load of G
            }
            if (!counter) {
                return GroupWord.has(g, GroupWord.RST) ? Errno.EBUSY : null;
            }
            final GroupOverflow o = (GroupOverflow) OVERFLOW.getAcquire(this);
            if (o.recoveryAdjust() != 0) {
                return null; // recovery_cnt is not the derived count: let the snapshot rule decide
            }
            final long[] w = o.words();
            boolean retry = false;
            for (int i = 0; i < o.capacity(); i++) {
                final long f = (long) WORDS.getAcquire(w, i * FnWord.STRIDE);
                if (!consistent(g, f)) {
                    retry = true;
                    break;
                }
                if (FnWord.blocked(f) != 0) {
                    // NOTE: linearized at this load: F carries G's epoch, so G was still g then,
                    // and a blocked gdev means recovery_cnt > 0: fenced (invariant 11)
                    return Errno.EBUSY;
                }
            }
            if (retry) {
                helpCurrent();
                continue;
            }
            if (o.hasOrphans() && (long) GROUP.getAcquire(this) == g) {
                return Errno.EBUSY; // orphaned units keep the group fenced; O validated by the re-read
            }
            return null; // not fenced at one instant is not provable from a collect: multi-word path
        }
    }

    @Override
    public boolean isParked(final PciFunction fn) {
        for (;;) {
            final long g = (long) GROUP.getAcquire(this);
            if (GroupWord.op(g)) {
                helpCurrent();
                continue;
            }
            final GroupOverflow o = (GroupOverflow) OVERFLOW.getAcquire(this);
            final int slot = o.slotOf(fn);
            if (!counter) {
                // NOTE: O changes only with G's epoch; the re-read proves both were current together
                if ((long) GROUP.getAcquire(this) != g) {
                    continue;
                }
                return slot >= 0 && GroupWord.has(g, GroupWord.RST) && o.resettingSlot(g) == slot;
            }
            if (slot < 0) {
                if ((long) GROUP.getAcquire(this) != g) {
                    continue;
                }
                return false;
            }
            final long f = (long) WORDS.getAcquire(o.words(), slot * FnWord.STRIDE);
            if (!consistent(g, f)) {
                helpCurrent();
                continue;
            }
            return FnWord.blocked(f) != 0;
        }
    }

    @Override
    public Domain domain() {
        for (;;) {
            final long g = (long) GROUP.getAcquire(this);
            if (!GroupWord.op(g)) {
                return domains.get(GroupWord.domain(g));
            }
            helpCurrent(); // NOTE: under OP the word holds the old state, but helping keeps reads fresh
        }
    }

    @Override
    public DeviceState deviceOf(final PciFunction fn) {
        for (;;) {
            final long g = (long) GROUP.getAcquire(this);
            if (GroupWord.op(g)) {
                helpCurrent();
                continue;
            }
            final GroupOverflow o = (GroupOverflow) OVERFLOW.getAcquire(this);
            final int slot = o.slotOf(fn);
            final long f = slot < 0 ? 0L : (long) WORDS.getAcquire(o.words(), slot * FnWord.STRIDE);
            if (slot >= 0 && !consistent(g, f)) {
                helpCurrent();
                continue;
            }
            if (!counter && (long) GROUP.getAcquire(this) != g) {
                continue;
            }
            if (counter && slot < 0 && (long) GROUP.getAcquire(this) != g) {
                continue;
            }
            if (slot < 0) {
                return null;
            }
            final int b = FnWord.blocked(f);
            final Domain rid = GroupWord.has(g, GroupWord.RST) && GroupWord.has(g, GroupWord.PRK)
                && o.resettingSlot(g) == slot ? blocking : domains.get(FnWord.rid(f));
            return new DeviceState(fn, GdevBlocked.values()[b], FnWord.depth(f), rid, o.pasids(slot));
        }
    }

    @Override
    public long groupWord() {
        return (long) GROUP.getAcquire(this);
    }

    // ------------------------------------------------------------------------------------------------
    // multi-word path

    /** The transition that changes nothing: a snapshot is a multi-word operation that reads. */
    static final Transition IDENTITY = (s, c) -> s;

    /** A consistent snapshot: a multi-word operation that changes nothing (allocates). */
    @Override
    public GroupState getStateAcquire() {
        return apply(IDENTITY, new OpCtx().reset(FaultInjector.NONE));
    }

    @Override
    public GroupState apply(final Transition t, final OpCtx ctx) {
        for (;;) {
            final Desc p = (Desc) DESC.getAcquire(this);
            if (!p.complete()) {
                help(p);
                continue;
            }
            final long g = (long) GROUP.getAcquire(this);
            if (GroupWord.op(g)) {
                continue; // a new descriptor was installed after p: help it on the next turn
            }
            final GroupOverflow o = (GroupOverflow) OVERFLOW.getAcquire(this);
            final long[] w = o.words();
            final long[] old = new long[o.capacity()];
            boolean torn = false;
            for (int i = 0; i < old.length; i++) {
                old[i] = (long) WORDS.getAcquire(w, i * FnWord.STRIDE);
                torn |= !consistent(g, old[i]);
            }
            if (torn || (long) GROUP.getAcquire(this) != g) {
                Thread.onSpinWait();
                continue;
            }
            final GroupState s0 = decode(g, o, old);
            ctx.beginAttempt(s0);
            final GroupState s1 = t.apply(s0, ctx);
            final int ne = GroupWord.nextEpoch(GroupWord.epoch(g));
            final GroupOverflow.Encoded e = o.encode(s1, ne, domains, counter);
            final Desc d = new Desc(g, o, old, e, ne);
            if (!DESC.compareAndSet(this, p, d)) {
                continue;
            }
            help(d);
            if (d.status() == Desc.SUCCEEDED) {
                committed(e.group, e.overflow, e.fnWords, s1);
                return s1;
            }
        }
    }

    private void helpCurrent() {
        final Desc d = (Desc) DESC.getAcquire(this);
        if (!d.complete()) {
            help(d);
        } else {
            Thread.onSpinWait();
        }
    }

    /** Run descriptor {@code d} to completion (idempotent; any thread). */
    private void help(final Desc d) {
        final long opG = d.oldG | GroupWord.OP;
        // 1. announce: G carries OP (its other bits are still the old state)
        while (d.status() == Desc.UNDECIDED) {
            final long g = (long) GROUP.getAcquire(this);
            if (g == opG) {
                break;
            }
            if (g == d.oldG) {
                if (GROUP.compareAndSet(this, g, opG)) {
                    break;
                }
                continue;
            }
            d.decide(Desc.FAILED); // NOTE: G moved on; it never returns to oldG within the epoch wrap
        }
        // 2. freeze every function word at the value the initiator read
        final long[] w = d.oldO.words();
        for (int i = 0; i < d.oldF.length && d.status() == Desc.UNDECIDED; i++) {
            final int at = i * FnWord.STRIDE;
            final long want = d.oldF[i];
            final long fz = want | FnWord.FZ;
            while (d.status() == Desc.UNDECIDED) {
                final long v = (long) WORDS.getAcquire(w, at);
                if (v == fz) {
                    break;
                }
                if (v == want) {
                    if (WORDS.compareAndSet(w, at, v, fz)) {
                        break;
                    }
                    continue;
                }
                d.decide(Desc.FAILED); // a one-CAS transition got there first: it linearized before D
            }
        }
        d.decide(Desc.SUCCEEDED); // no-op if FAILED was decided
        // 3. write back, only while G still carries D's announcement
        if ((long) GROUP.getAcquire(this) == opG) {
            if (d.status() == Desc.SUCCEEDED) {
                if (d.enc.overflow.words() == w) {
                    for (int i = 0; i < d.oldF.length; i++) {
                        WORDS.compareAndSet(w, i * FnWord.STRIDE, d.oldF[i] | FnWord.FZ, d.enc.fnWords[i]);
                    }
                } // else: the capacity grew; the new array is filled, the old one stays frozen for ever
                OVERFLOW.compareAndSet(this, d.oldO, d.enc.overflow);
                GROUP.compareAndSet(this, opG, d.enc.group);
            } else {
                for (int i = 0; i < d.oldF.length; i++) {
                    final int at = i * FnWord.STRIDE;
                    final int stamp = FnWord.epoch(d.oldF[i]);
                    for (;;) {
                        final long v = (long) WORDS.getAcquire(w, at);
                        // NOTE: only words still carrying the stamp D read are D's: a later
                        // descriptor's frozen word carries D's new epoch and is left alone
                        if (FnWord.epoch(v) != stamp
                            || WORDS.compareAndSet(w, at, v, FnWord.withEpoch(v & ~FnWord.FZ, d.newEpoch))) {
                            break;
                        }
                    }
                }
                GROUP.compareAndSet(this, opG, GroupWord.withEpoch(d.oldG, d.newEpoch));
            }
        }
        d.markComplete();
    }

    @Override
    public boolean isLockFree() {
        return true;
    }

    /** A multi-word operation: what it read and what it writes, and its decision. */
    static final class Desc {
        static final int UNDECIDED = 0;
        static final int SUCCEEDED = 1;
        static final int FAILED = 2;
        private static final VarHandle STATUS;
        private static final VarHandle COMPLETE;

        static {
            try {
                final MethodHandles.Lookup l = MethodHandles.lookup();
                STATUS = l.findVarHandle(Desc.class, "status", int.class);
                COMPLETE = l.findVarHandle(Desc.class, "complete", boolean.class);
            } catch (final ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** The completed descriptor a new cell starts with. */
        static final Desc DONE = new Desc(0L, null, new long[0], null, 0);

        final long oldG;
        final GroupOverflow oldO;
        final long[] oldF;
        final GroupOverflow.Encoded enc;
        final int newEpoch;
        @SuppressWarnings("unused") // accessed through STATUS
        private int status;
        @SuppressWarnings("unused") // accessed through COMPLETE
        private boolean complete;

        Desc(final long oldG, final GroupOverflow oldO, final long[] oldF, final GroupOverflow.Encoded enc,
             final int newEpoch) {
            this.oldG = oldG;
            this.oldO = oldO;
            this.oldF = oldF;
            this.enc = enc;
            this.newEpoch = newEpoch;
            if (oldO == null) {
                STATUS.set(this, FAILED);
                COMPLETE.set(this, true);
            }
        }

        int status() {
            return (int) STATUS.getAcquire(this);
        }

        void decide(final int s) {
            STATUS.compareAndSet(this, UNDECIDED, s);
        }

        boolean complete() {
            return (boolean) COMPLETE.getAcquire(this);
        }

        void markComplete() {
            COMPLETE.setRelease(this, true);
        }
    }
}
