package io.resetguard.ats;

import io.resetguard.inv.InvCommand;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Atc - one function's Address Translation Cache: a bounded, direct-mapped cache of translation
 * completions (PASID, IOVA page) to (physical page reference, writable), docs/protocol.md §5.
 *
 * <p>Each slot holds an immutable {@link Entry}; fills and invalidations are single-slot atomic
 * writes. A fill that raced with an invalidation is discarded, as PCIe requires of a device: every
 * invalidation bumps an epoch, and {@link #fill} keeps the entry only if the epoch it read before the
 * translation request is still current (checked after the store, so a racing invalidation either sees
 * the entry and removes it, or bumps the epoch and makes the filler remove it).
 */
public final class Atc {
    /** A cached translation. */
    public record Entry(int pasid, long iovaPage, long ref, boolean write, long cachedAtNs) {
    }

    private final AtomicReferenceArray<Entry> slots;
    @SuppressWarnings("unused") // through EPOCH
    private volatile long epoch;
    private static final VarHandle EPOCH;

    static {
        try {
            EPOCH = MethodHandles.lookup().findVarHandle(Atc.class, "epoch", long.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** @param capacity number of entries, &gt; 0 */
    public Atc(final int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("ATC capacity must be > 0, was " + capacity);
        }
        slots = new AtomicReferenceArray<>(capacity);
    }

    private int index(final int pasid, final long page) {
        final long h = (page * 0x9E3779B97F4A7C15L) ^ (pasid * 0xC2B2AE3D27D4EB4FL);
        return (int) Math.floorMod(h ^ (h >>> 29), (long) slots.length());
    }

    /** @return the cached translation, or null on a miss. */
    public Entry lookup(final int pasid, final long page) {
        final Entry e = slots.get(index(pasid, page));
        return e != null && e.pasid == pasid && e.iovaPage == page ? e : null;
    }

    /** @return the epoch to pass to {@link #fill}; read it before the translation request. */
    public long epoch() {
        return (long) EPOCH.getVolatile(this);
    }

    /**
     * Cache a translation completion, evicting whatever shares its slot.
     *
     * @param e           the entry
     * @param epochBefore {@link #epoch()} read before the translation request was sent
     * @return {@code false} if an invalidation raced and the completion was discarded
     */
    public boolean fill(final Entry e, final long epochBefore) {
        final int i = index(e.pasid, e.iovaPage);
        slots.set(i, e);
        if ((long) EPOCH.getVolatile(this) != epochBefore) {
            slots.compareAndSet(i, e, null);
            return false;
        }
        return true;
    }

    /**
     * Process an Invalidate Request: drop every matching entry.
     *
     * @return how many entries were dropped
     */
    public int invalidate(final InvCommand c) {
        EPOCH.getAndAdd(this, 1L);
        int n = 0;
        for (int i = 0; i < slots.length(); i++) {
            final Entry e = slots.get(i);
            if (e != null && c.matches(e.pasid, e.iovaPage) && slots.compareAndSet(i, e, null)) {
                n++;
            }
        }
        return n;
    }

    /** Drop everything (a completed function reset). */
    public void flush() {
        EPOCH.getAndAdd(this, 1L);
        for (int i = 0; i < slots.length(); i++) {
            slots.set(i, null);
        }
    }

    /** @return the number of cached entries (a racy count). */
    public int size() {
        int n = 0;
        for (int i = 0; i < slots.length(); i++) {
            if (slots.get(i) != null) {
                n++;
            }
        }
        return n;
    }
}
