package io.resetguard.mem;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * PhysMem - emulated physical memory: pages with an owner and a generation, so that an access
 * through a translation made before a page was freed (and perhaps handed to someone else) is
 * detectable (kernel-semantics.md §5 "memory corruption, concretely", invariant 1).
 *
 * <p>A page reference ({@link #ref}) packs the page frame number and the generation the holder saw:
 * <pre>
 *   63                    32 31                     0
 *  +------------------------+------------------------+
 *  |     pfn (unsigned)     |  generation (unsigned) |
 *  +------------------------+------------------------+
 * </pre>
 * Each page's state is one word in an {@link AtomicLongArray}:
 * <pre>
 *   63            32 31                   1   0
 *  +----------------+----------------------+---+
 *  |  owner (int)   |  generation (31 bit) | A |   A = allocated
 *  +----------------+----------------------+---+
 * </pre>
 * Freeing bumps the generation, so every reference taken before the free is stale from then on,
 * whether or not the page was reallocated. Free pages are kept on a LIFO stack (the most recently
 * freed page is reused first, as the kernel's per-CPU lists do), which is what makes "freed and
 * handed to someone else" happen quickly.
 *
 * <p>Thread-safe and lock-free: alloc and free are a pop/push on a {@link ConcurrentLinkedDeque}
 * plus a volatile CAS on the page word.
 */
public final class PhysMem {
    /** What an access through a page reference found. */
    public enum Access {
        /** The page is allocated and of the referenced generation. */
        VALID,
        /** The page was freed and is free now. */
        FREED,
        /** The page was freed and reallocated to another owner (or the same owner anew). */
        REALLOCATED
    }

    private final AtomicLongArray pages;
    private final ConcurrentLinkedDeque<Integer> free = new ConcurrentLinkedDeque<>();

    /** @param pageCount number of pages, &gt; 0 */
    public PhysMem(final int pageCount) {
        if (pageCount <= 0) {
            throw new IllegalArgumentException("pageCount must be > 0, was " + pageCount);
        }
        pages = new AtomicLongArray(pageCount);
        for (int i = pageCount - 1; i >= 0; i--) {
            free.push(i);
        }
    }

    /** @return a reference to page {@code pfn} at generation {@code gen}. */
    public static long ref(final int pfn, final int gen) {
        return (long) pfn << 32 | (gen & 0xffffffffL);
    }

    /** @return the page frame number of a reference. */
    public static int pfn(final long ref) {
        return (int) (ref >>> 32);
    }

    /** @return the generation of a reference. */
    public static int gen(final long ref) {
        return (int) ref;
    }

    /** @return a reference printed as {@code pfn N gen G}. */
    public static String toString(final long ref) {
        return "pfn " + pfn(ref) + " gen " + gen(ref);
    }

    /**
     * Allocate a page for {@code owner}.
     *
     * @return a reference, or -1 if memory is exhausted
     */
    public long alloc(final int owner) {
        final Integer pfn = free.pollFirst();
        if (pfn == null) {
            return -1;
        }
        for (;;) {
            final long w = pages.get(pfn);
            final int gen = (int) (w >>> 1) & 0x7fffffff;
            if (pages.compareAndSet(pfn, w, (long) owner << 32 | (long) gen << 1 | 1)) {
                return ref(pfn, gen);
            }
        }
    }

    /**
     * Free the page a reference names.
     *
     * @return {@code false} (nothing changed) if the reference is stale: a double free
     */
    public boolean free(final long ref) {
        final int pfn = pfn(ref);
        for (;;) {
            final long w = pages.get(pfn);
            if ((w & 1) == 0 || ((int) (w >>> 1) & 0x7fffffff) != gen(ref)) {
                return false;
            }
            final int nextGen = (gen(ref) + 1) & 0x7fffffff;
            if (pages.compareAndSet(pfn, w, (long) nextGen << 1)) {
                free.push(pfn);
                return true;
            }
        }
    }

    /** @return what an access through {@code ref} reaches now. */
    public Access check(final long ref) {
        final long w = pages.get(pfn(ref));
        if (((int) (w >>> 1) & 0x7fffffff) == gen(ref) && (w & 1) != 0) {
            return Access.VALID;
        }
        return (w & 1) == 0 ? Access.FREED : Access.REALLOCATED;
    }

    /** @return the current owner of page {@code pfn}, or -1 if it is free. */
    public int owner(final int pfn) {
        final long w = pages.get(pfn);
        return (w & 1) == 0 ? -1 : (int) (w >>> 32);
    }

    /** @return the number of pages. */
    public int pageCount() {
        return pages.length();
    }

    /** @return the number of free pages (a racy snapshot). */
    public int freePages() {
        return free.size();
    }
}
