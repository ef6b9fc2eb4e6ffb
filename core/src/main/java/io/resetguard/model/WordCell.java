package io.resetguard.model;

import io.resetguard.errno.Errno;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.PciFunction;
import io.resetguard.state.DeviceState;
import io.resetguard.state.DomainTable;
import io.resetguard.state.GroupOverflow;
import io.resetguard.state.GroupState;
import io.resetguard.state.OpCtx;
import io.resetguard.state.StateCell;
import io.resetguard.state.StateImpl;

/**
 * WordCell - a group's state as primitive words (docs/state-core.md): the group word, one padded
 * function word per gdev slot, and an immutable overflow object. Two implementations differ only in
 * how a transition is applied: {@link LockFreeWordCell} (one compare-and-set per prepare/done, a
 * helped multi-word descriptor for everything else) and {@link LockingWordCell} (the same words and
 * the same rules under a lock, as the kernel's {@code group->mutex} over plain fields).
 *
 * <p>The hot entry points {@link #tryPrepare} and {@link #tryDone} run the word rules of
 * {@link WordRules}; they answer {@code false} when the case needs the multi-word path, having
 * written nothing, and the caller then applies the snapshot rule through {@link #apply}. Every other
 * operation, and {@link #getStateAcquire()} (a consistent snapshot), is the multi-word path.
 */
public abstract class WordCell implements StateCell {
    /** The model. */
    protected final ProtocolModel model;
    /** The fabric's domain table. */
    protected final DomainTable domains;
    /** The group's blocking domain. */
    protected final Domain blocking;
    /** Its code. */
    protected final int blockingCode;
    /** The group id, for messages. */
    protected final int groupId;
    /** The 7.1 family: function words, derived recovery_cnt. */
    protected final boolean counter;

    WordCell(final ProtocolModel model, final DomainTable domains, final Domain blocking, final int groupId) {
        this.model = model;
        this.domains = domains;
        this.blocking = blocking;
        this.blockingCode = domains.codeChecked(blocking);
        this.groupId = groupId;
        this.counter = model.bookkeeping() == ProtocolModel.Bookkeeping.DEVICE_COUNTER;
    }

    /**
     * A new word cell of the given kind for a group of the given model, holding a group with no
     * gdevs on {@code defaultDomain}.
     *
     * @param impl          lock-free (the word core) or locking (its twin)
     * @param model         the protocol model
     * @param domains       the fabric's domain table
     * @param blocking      the group's blocking domain
     * @param defaultDomain the default domain, or null
     * @param groupId       the group id
     * @param initialEpoch  the first epoch (tests start it near the wrap)
     * @return the cell
     */
    public static WordCell create(final StateImpl impl, final ProtocolModel model, final DomainTable domains,
                                  final Domain blocking, final Domain defaultDomain, final int groupId,
                                  final int initialEpoch) {
        return impl == StateImpl.LOCKING
            ? new LockingWordCell(model, domains, blocking, defaultDomain, groupId, initialEpoch)
            : new LockFreeWordCell(model, domains, blocking, defaultDomain, groupId, initialEpoch);
    }

    /**
     * pci_dev_reset_iommu_prepare() of {@code fn} on the words, if one word suffices. The caller has
     * {@link OpCtx#reset reset} {@code ctx}; on {@code true} the result and events are in it.
     *
     * @return {@code false} (nothing written) if the multi-word path must decide
     */
    public abstract boolean tryPrepare(PciFunction fn, OpCtx ctx);

    /**
     * pci_dev_reset_iommu_done() of {@code fn} on the words, if one word suffices.
     *
     * @return {@code false} (nothing written) if the multi-word path must decide
     */
    public abstract boolean tryDone(PciFunction fn, Errno resetResult, OpCtx ctx);

    /**
     * iommu_attach_group() ({@code attachGroup}) or iommu_replace_group_handle() of {@code d}
     * decided from one linearizable read when the answer writes nothing (ResetRules.attachGroup and
     * setDomain): -EBUSY for a non-default domain attached (attach only), 0 when already on
     * {@code d}, -EBUSY while fenced. The caller has reset {@code ctx}.
     *
     * @return the result, or null when the multi-word path must decide (nothing was written)
     */
    public Errno tryRefuseSetDomain(final Domain d, final boolean attachGroup, final Domain defaultDomain,
                                    final OpCtx ctx) {
        return null;
    }

    /**
     * Whether {@code fn} is parked for a reset (ResetRules.parked), from one linearizable read.
     *
     * @return {@code false} also if {@code fn} is not in the group
     */
    public abstract boolean isParked(PciFunction fn);

    /** @return group-&gt;domain, one acquire load of the group word (linearizable). */
    public abstract Domain domain();

    /**
     * fn's gdev as it is at one instant, without building the whole snapshot.
     *
     * @return the gdev, or null if {@code fn} is not in the group
     */
    public abstract DeviceState deviceOf(PciFunction fn);

    /**
     * The last snapshot this cell decoded or committed. NOTE: only an identity cache, so that a
     * state that did not change is the same snapshot object (callers compare with ==); a stale
     * value costs an equals() and is never returned for a different state.
     */
    private volatile GroupState last;

    /** @return {@code s}, or the remembered snapshot if it is equal to {@code s}. */
    protected final GroupState canonical(final GroupState s) {
        final GroupState l = last;
        if (l != null && l.equals(s)) {
            return l;
        }
        last = s;
        return s;
    }

    /** Remember {@code s} as the last snapshot. */
    protected final void remember(final GroupState s) {
        last = s;
    }

    /** A decoded snapshot and the words it was decoded from (immutable; never written). */
    private static final class Decoded {
        final long g;
        final GroupOverflow o;
        final long[] f;
        final GroupState s;

        Decoded(final long g, final GroupOverflow o, final long[] f, final GroupState s) {
            this.g = g;
            this.o = o;
            this.f = f;
            this.s = s;
        }
    }

    private volatile Decoded decoded;

    /**
     * The snapshot of the words {@code g}, {@code o}, {@code f} (decode is a pure function of them,
     * so the last result is reused when they are equal: a group of n functions then costs O(n)
     * compares per multi-word operation instead of n allocations). {@code f} must never be written.
     */
    protected final GroupState decode(final long g, final GroupOverflow o, final long[] f) {
        final Decoded d = decoded;
        if (d != null && d.g == g && d.o == o && java.util.Arrays.equals(d.f, f)) {
            return d.s;
        }
        final GroupState s = canonical(o.decode(g, f, domains, blocking, counter));
        decoded = new Decoded(g, o, f, s);
        return s;
    }

    /** Record that {@code s} was committed as the words {@code g}, {@code o}, {@code f}. */
    protected final void committed(final long g, final GroupOverflow o, final long[] f, final GroupState s) {
        decoded = new Decoded(g, o, f, s);
        remember(s);
    }

    /** @return the current group word (tests, stress). */
    public abstract long groupWord();
}
