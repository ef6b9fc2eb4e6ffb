package io.resetguard.fabric;

import java.util.ArrayList;
import java.util.List;

/**
 * Iommu - one IOMMU instance (an SMMUv3, a VT-d DRHD unit) with its groups.
 */
public final class Iommu {
    private final Fabric fabric;
    private final int id;
    private final String name;
    /** Guarded by itself: topology changes are rare, and a copy-on-write list would make adding n groups O(n^2). */
    private final List<IommuGroup> groups = new ArrayList<>();

    Iommu(final Fabric fabric, final int id, final String name) {
        this.fabric = fabric;
        this.id = id;
        this.name = name;
    }

    /** @return the fabric. */
    public Fabric fabric() {
        return fabric;
    }

    /** @return the index of this IOMMU in its fabric. */
    public int id() {
        return id;
    }

    /** @return its name, e.g. {@code smmu0}. */
    public String name() {
        return name;
    }

    /** @return the groups, in creation order (an immutable copy). */
    public List<IommuGroup> groups() {
        synchronized (groups) {
            return List.copyOf(groups);
        }
    }

    /** @return the number of groups. */
    public int groupCount() {
        synchronized (groups) {
            return groups.size();
        }
    }

    /**
     * Create a group whose default domain is a new paging domain.
     *
     * @return the group
     */
    public IommuGroup addGroup() {
        return addGroup(true);
    }

    /**
     * Create a group.
     *
     * @param withDefaultDomain {@code false} emulates a failed default-domain allocation at probe:
     *                          {@code group->domain} is NULL (§1.2 note, §7 scenario 13)
     * @return the group
     */
    public IommuGroup addGroup(final boolean withDefaultDomain) {
        final IommuGroup g = fabric.newGroup(this, withDefaultDomain);
        synchronized (groups) {
            groups.add(g);
        }
        return g;
    }

    @Override
    public String toString() {
        return name;
    }
}
