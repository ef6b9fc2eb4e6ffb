package io.resetguard.state;

import io.resetguard.fabric.Domain;

import java.util.Arrays;

/**
 * PasidTable - an immutable, sorted map from PASID (&ge; 1) to {@link Domain}.
 *
 * <p>Used twice: as the group's {@code pasid_array} (the logical PASID attachments that prepare()
 * retains and done() restores, docs/protocol.md §1.1) and, per device, as the physical PASID
 * attachments of the emulated IOMMU. PASID 0 ({@code IOMMU_NO_PASID}) is the RID and lives
 * elsewhere. Tables are small, so lookups are a binary search over two parallel arrays and updates
 * copy them.
 */
public final class PasidTable {
    /** The empty table; shared. */
    public static final PasidTable EMPTY = new PasidTable(new int[0], new Domain[0]);

    private final int[] pasids;
    private final Domain[] domains;

    private PasidTable(final int[] pasids, final Domain[] domains) {
        this.pasids = pasids;
        this.domains = domains;
    }

    /** @return the number of entries. */
    public int size() {
        return pasids.length;
    }

    /** @return {@code true} if there are no entries. */
    public boolean isEmpty() {
        return pasids.length == 0;
    }

    /** @return the i-th PASID in ascending order. */
    public int pasidAt(final int i) {
        return pasids[i];
    }

    /** @return the domain of the i-th PASID in ascending order. */
    public Domain domainAt(final int i) {
        return domains[i];
    }

    /** @return the domain attached to {@code pasid}, or {@code null}. */
    public Domain get(final int pasid) {
        final int i = Arrays.binarySearch(pasids, pasid);
        return i >= 0 ? domains[i] : null;
    }

    /** @return a table with {@code pasid} mapped to {@code domain} (added or replaced). */
    public PasidTable with(final int pasid, final Domain domain) {
        if (pasid < 1) {
            throw new IllegalArgumentException("PASID must be >= 1, was " + pasid);
        }
        final int i = Arrays.binarySearch(pasids, pasid);
        if (i >= 0) {
            if (domains[i] == domain) {
                return this;
            }
            final Domain[] d = domains.clone();
            d[i] = domain;
            return new PasidTable(pasids, d);
        }
        final int at = -i - 1;
        final int[] p = new int[pasids.length + 1];
        final Domain[] d = new Domain[pasids.length + 1];
        System.arraycopy(pasids, 0, p, 0, at);
        System.arraycopy(domains, 0, d, 0, at);
        p[at] = pasid;
        d[at] = domain;
        System.arraycopy(pasids, at, p, at + 1, pasids.length - at);
        System.arraycopy(domains, at, d, at + 1, pasids.length - at);
        return new PasidTable(p, d);
    }

    /** @return a table without {@code pasid} (this table if it was absent). */
    public PasidTable without(final int pasid) {
        final int i = Arrays.binarySearch(pasids, pasid);
        if (i < 0) {
            return this;
        }
        if (pasids.length == 1) {
            return EMPTY;
        }
        final int[] p = new int[pasids.length - 1];
        final Domain[] d = new Domain[pasids.length - 1];
        System.arraycopy(pasids, 0, p, 0, i);
        System.arraycopy(domains, 0, d, 0, i);
        System.arraycopy(pasids, i + 1, p, i, pasids.length - i - 1);
        System.arraycopy(domains, i + 1, d, i, pasids.length - i - 1);
        return new PasidTable(p, d);
    }

    @Override
    public boolean equals(final Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof PasidTable)) {
            return false;
        }
        final PasidTable t = (PasidTable) o;
        return Arrays.equals(pasids, t.pasids) && Arrays.equals(domains, t.domains);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(pasids) + Arrays.hashCode(domains);
    }

    @Override
    public String toString() {
        final StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < pasids.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(pasids[i]).append('=').append(domains[i]);
        }
        return sb.append('}').toString();
    }
}
