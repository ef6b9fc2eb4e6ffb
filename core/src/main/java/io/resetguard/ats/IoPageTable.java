package io.resetguard.ats;

import java.util.concurrent.ConcurrentHashMap;

/**
 * IoPageTable - the IO page table of one paging domain: IOVA page to (physical page reference,
 * writable). A domain attached to several RIDs or PASIDs shares one table. Thread-safe.
 */
public final class IoPageTable {
    /** One page table entry. @param ref a {@link io.resetguard.mem.PhysMem} reference @param write writable */
    public record Pte(long ref, boolean write) {
    }

    private final ConcurrentHashMap<Long, Pte> ptes = new ConcurrentHashMap<>();

    /** @return the previous entry, or null. */
    public Pte map(final long iovaPage, final long ref, final boolean write) {
        return ptes.put(iovaPage, new Pte(ref, write));
    }

    /** @return the entry, or null. */
    public Pte lookup(final long iovaPage) {
        return ptes.get(iovaPage);
    }

    /** Clear the entry. @return the removed entry, or null */
    public Pte unmap(final long iovaPage) {
        return ptes.remove(iovaPage);
    }

    /** @return the number of mapped pages. */
    public int size() {
        return ptes.size();
    }
}
