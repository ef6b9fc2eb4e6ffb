package io.resetguard.mem;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * PhysMem - emulated physical memory: pages with an owner and a generation, so that an access
 * through a translation made before a page was freed (and perhaps handed to someone else) is
 * detectable (docs/protocol.md §5 "memory corruption, concretely", invariant 1).
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
 *   63                 32 31                   1   0
 *  +---------------------+----------------------+---+
 *  | owner (A = 1)       |  generation (31 bit) | A |   A = allocated
 *  | next free + 1 (A=0) |                      |   |
 *  +---------------------+----------------------+---+
 * </pre>
 * Freeing bumps the generation, so every reference taken before the free is stale from then on,
 * whether or not the page was reallocated. Free pages are kept on a LIFO stack (the most recently
 * freed page is reused first, as the kernel's per-CPU lists do), which is what makes "freed and
 * handed to someone else" happen quickly.
 *
 * <p>The free stack is intrusive: a free page's word links to the next free page, and the top is
 * one {@link AtomicLong}, so a page costs 8 bytes and nothing else (a fleet simulation's shard
 * holds one per function). The top packs a tag that every push and pop increments, so a pop that read a stale
 * link fails its CAS instead of corrupting the stack (ABA):
 * <pre>
 *   63                32 31                     0
 *  +--------------------+------------------------+
 *  |    tag (32 bit)    | top pfn + 1 (0: empty) |
 *  +--------------------+------------------------+
 * </pre>
 *
 * <p>Thread-safe and lock-free: alloc and free are a volatile CAS on the page word and one on the
 * top.
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

    private static final long LINK_MASK = 0xffffffffL;

    private final AtomicLongArray pages;
    /** Tag and top of the free stack; see the class comment. */
    private final AtomicLong top = new AtomicLong();

    /**
     * The most pages one PhysMem holds: 2^28 pages take 2 GiB of page words, more than any fleet shard
     * needs (one page per function, at most 2^24 functions per shard); beyond it the array would
     * exhaust a normal heap, so the caller gets an IllegalArgumentException rather than an
     * OutOfMemoryError.
     */
    public static final int MAX_PAGES = 1 << 28;

    /** @param pageCount number of pages, in 1..{@link #MAX_PAGES} */
    public PhysMem(final int pageCount) {
        if (pageCount <= 0 || pageCount > MAX_PAGES) {
            throw new IllegalArgumentException("pageCount must be in 1.." + MAX_PAGES + " (8 bytes of heap a page), was "
                + pageCount);
        }
        pages = new AtomicLongArray(pageCount);
        // page i links to i + 1 (stored as i + 2), the last one to nothing: pfn 0 is on top
        for (int i = 0; i < pageCount - 1; i++) {
            pages.setPlain(i, (long) (i + 2) << 32);
        }
        top.set(1); // tag 0, top pfn 0; the volatile store publishes the plain page stores
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
        for (;;) {
            final long t = top.get();
            final int head = (int) (t & LINK_MASK) - 1;
            if (head < 0) {
                return -1;
            }
            final long w = pages.get(head);
            final long next = w >>> 32;
            // NOTE: if another thread popped head meanwhile, w may be its allocated word and next
            // garbage; the tag it bumped makes this CAS fail, so the garbage is never installed.
            if (top.compareAndSet(t, (t + (1L << 32)) & ~LINK_MASK | next)) {
                final int gen = (int) (w >>> 1) & 0x7fffffff;
                // the page is ours alone now: nobody else can pop it, and free() refuses it (A = 0)
                pages.set(head, (long) owner << 32 | (long) gen << 1 | 1);
                return ref(head, gen);
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
        final int nextGen = (gen(ref) + 1) & 0x7fffffff;
        for (;;) {
            final long w = pages.get(pfn);
            if ((w & 1) == 0 || ((int) (w >>> 1) & 0x7fffffff) != gen(ref)) {
                return false;
            }
            // the CAS decides which of two racing frees wins; the winner owns the page until it is on the stack
            if (pages.compareAndSet(pfn, w, (long) nextGen << 1)) {
                break;
            }
        }
        for (;;) {
            final long t = top.get();
            // link below the current top; only the link bits change, so a concurrent check() of a
            // stale reference still reads A = 0 and the new generation
            pages.set(pfn, (t & LINK_MASK) << 32 | (long) nextGen << 1);
            if (top.compareAndSet(t, (t + (1L << 32)) & ~LINK_MASK | (pfn + 1))) {
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

    /** @return the number of free pages (a racy snapshot; O(pages)). */
    public int freePages() {
        int n = 0;
        for (int i = 0; i < pages.length(); i++) {
            if ((pages.get(i) & 1) == 0) {
                n++;
            }
        }
        return n;
    }
}
