package io.resetguard.fabric;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Iommu - one IOMMU instance (an SMMUv3, a VT-d DRHD unit) with its groups.
 */
public final class Iommu {
    private final Fabric fabric;
    private final int id;
    private final String name;
    private final List<IommuGroup> groups = new CopyOnWriteArrayList<>();

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

    /** @return the groups, in creation order (a read-only view). */
    public List<IommuGroup> groups() {
        return java.util.Collections.unmodifiableList(groups);
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
        groups.add(g);
        return g;
    }

    @Override
    public String toString() {
        return name;
    }
}
