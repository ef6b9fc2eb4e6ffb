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

import java.util.concurrent.locks.ReentrantLock;

/**
 * LockingWordCell - the locking twin of {@link LockFreeWordCell}: the same words, the same
 * {@link WordRules} and the same snapshot rules, applied under one lock per group, as the kernel
 * applies them under {@code group->mutex} over plain fields. The lock orders everything, so words
 * are plain fields and plain array elements, read and written only with the lock held; the
 * linearization point of every operation is its critical section.
 *
 * <p>Not lock-free: a thread stalled with the lock held blocks every other operation of the group
 * (the obstruction-freedom check of the Lincheck test shows it).
 */
public final class LockingWordCell extends WordCell {
    private final ReentrantLock lock = new ReentrantLock();
    private long group;
    private GroupOverflow overflow;

    LockingWordCell(final ProtocolModel model, final DomainTable domains, final Domain blocking,
                    final Domain defaultDomain, final int groupId, final int initialEpoch) {
        super(model, domains, blocking, groupId);
        lock.lock();
        try {
            overflow = GroupOverflow.initial(initialEpoch);
            group = GroupWord.withEpoch(GroupWord.withDomain(0L, domains.codeChecked(defaultDomain)), initialEpoch);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean tryPrepare(final PciFunction fn, final OpCtx ctx) {
        ctx.beginAttempt();
        if (!fn.atsSupported()) {
            return true;
        }
        lock.lock();
        try {
            final long g = group;
            final GroupOverflow o = overflow;
            final int slot = o.slotOf(fn);
            if (slot < 0) {
                return false;
            }
            final long[] w = o.words();
            final int at = slot * FnWord.STRIDE;
            final long f = w[at];
            if (counter) {
                final long nf = WordRules.prepareCounter(model, fn, f, g, blockingCode, o.pasidArrayEmpty(), ctx);
                if (nf == FnWord.SLOW) {
                    ctx.handOver();
                    return false;
                }
                w[at] = nf;
            } else {
                final long ng = WordRules.prepareFlag(model, fn, slot, g, blockingCode, o.pasidArrayEmpty(),
                    o.fn(o.resettingSlot(g)), ctx);
                if (ng == FnWord.SLOW) {
                    ctx.handOver();
                    return false;
                }
                group = ng;
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean tryDone(final PciFunction fn, final Errno resetResult, final OpCtx ctx) {
        ctx.beginAttempt();
        if (!fn.atsSupported()) {
            return true;
        }
        lock.lock();
        try {
            final long g = group;
            final GroupOverflow o = overflow;
            final int slot = o.slotOf(fn);
            if (slot < 0) {
                return false;
            }
            final long[] w = o.words();
            final int at = slot * FnWord.STRIDE;
            final long f = w[at];
            if (counter) {
                final long nf = WordRules.doneCounter(model, fn, f, g, blockingCode, o.pasidArrayEmpty(),
                    o.recoveryAdjust() == 0, resetResult, domains, groupId, ctx);
                if (nf == FnWord.SLOW) {
                    ctx.handOver();
                    return false;
                }
                w[at] = nf;
            } else {
                final long ng = WordRules.doneFlag(fn, slot, f, g, blockingCode, o.pasidArrayEmpty(), o.hasOrphans(),
                    domains, groupId, ctx);
                if (ng == FnWord.SLOW) {
                    ctx.handOver();
                    return false;
                }
                group = ng;
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isParked(final PciFunction fn) {
        lock.lock();
        try {
            final int slot = overflow.slotOf(fn);
            if (slot < 0) {
                return false;
            }
            if (!counter) {
                return GroupWord.has(group, GroupWord.RST) && overflow.resettingSlot(group) == slot;
            }
            return FnWord.blocked(overflow.words()[slot * FnWord.STRIDE]) != 0;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Domain domain() {
        lock.lock();
        try {
            return domains.get(GroupWord.domain(group));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public DeviceState deviceOf(final PciFunction fn) {
        lock.lock();
        try {
            final GroupOverflow o = overflow;
            final int slot = o.slotOf(fn);
            if (slot < 0) {
                return null;
            }
            final long f = o.words()[slot * FnWord.STRIDE];
            final long g = group;
            final Domain rid = GroupWord.has(g, GroupWord.RST) && GroupWord.has(g, GroupWord.PRK)
                && o.resettingSlot(g) == slot ? blocking : domains.get(FnWord.rid(f));
            return new DeviceState(fn, GdevBlocked.values()[FnWord.blocked(f)], FnWord.depth(f), rid, o.pasids(slot));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long groupWord() {
        lock.lock();
        try {
            return group;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public GroupState getStateAcquire() {
        return apply(LockFreeWordCell.IDENTITY, new OpCtx().reset(FaultInjector.NONE));
    }

    @Override
    public GroupState apply(final Transition t, final OpCtx ctx) {
        lock.lock();
        try {
            final GroupOverflow o = overflow;
            final long[] w = o.words();
            final long[] f = new long[o.capacity()];
            for (int i = 0; i < f.length; i++) {
                f[i] = w[i * FnWord.STRIDE];
            }
            final GroupState s0 = decode(group, o, f);
            ctx.beginAttempt(s0);
            final GroupState s1 = t.apply(s0, ctx);
            if (s1 == s0) {
                return s0; // nothing changed: nothing written
            }
            final GroupOverflow.Encoded e = o.encode(s1, GroupWord.nextEpoch(GroupWord.epoch(group)), domains, counter);
            final long[] nw = e.overflow.words();
            for (int i = 0; i < e.fnWords.length; i++) {
                nw[i * FnWord.STRIDE] = e.fnWords[i];
            }
            overflow = e.overflow;
            group = e.group;
            committed(e.group, e.overflow, e.fnWords, s1);
            return s1;
        } finally {
            lock.unlock();
        }
    }

    /** @return whether the calling thread holds the group lock (lockdep_assert_held). */
    public boolean isHeldByCurrentThread() {
        return lock.isHeldByCurrentThread();
    }

    @Override
    public boolean isLockFree() {
        return false;
    }
}
