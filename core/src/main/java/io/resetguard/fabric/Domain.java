package io.resetguard.fabric;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Domain - an IOMMU domain: what a RID or PASID is attached to.
 *
 * <p>Lifecycle: a {@link Type#PAGING} or {@link Type#IDENTITY} domain is allocated by the fabric and
 * freed once with {@link Fabric#freeDomain(Domain)}. Freeing is monotonic and visible to every
 * thread, so any later attach of the domain is detected as a use-after-free (docs/protocol.md
 * §1.6, invariant 12). A {@link Type#BLOCKED} domain belongs to its group and is never freed.
 *
 * <p>Memory ordering: {@link #isFreed()} is an acquire load of the freed flag and
 * {@link #casFreed()} a volatile CAS, so a thread that sees the flag also sees everything the
 * freeing thread did before freeing.
 */
public final class Domain {
    /** The kind of domain. */
    public enum Type {
        /** Translates nothing; rejects untranslated, translation and translated requests (§1.7). */
        BLOCKED,
        /** An IO page table (DMA API or user space). */
        PAGING,
        /** Identity (passthrough) mapping. */
        IDENTITY
    }

    private static final VarHandle FREED;

    static {
        try {
            FREED = MethodHandles.lookup().findVarHandle(Domain.class, "freed", int.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Fabric fabric;
    private final long id;
    private final Type type;
    @SuppressWarnings("unused") // accessed through FREED
    private volatile int freed;

    Domain(final Fabric fabric, final long id, final Type type) {
        this.fabric = fabric;
        this.id = id;
        this.type = type;
    }

    /** @return the fabric that allocated this domain; a domain is used only within it. */
    public Fabric fabric() {
        return fabric;
    }

    /**
     * Check that this domain belongs to {@code f}.
     *
     * @throws IllegalArgumentException naming both, if it was allocated by another fabric
     */
    public void requireFabric(final Fabric f) {
        if (fabric != f) {
            throw new IllegalArgumentException(this + " belongs to another Fabric; a domain is used only in the "
                + "fabric that allocated it");
        }
    }

    /** @return the fabric-wide id of this domain. */
    public long id() {
        return id;
    }

    /** @return the kind of domain. */
    public Type type() {
        return type;
    }

    /** @return {@code true} if this is a blocking domain. */
    public boolean isBlocking() {
        return type == Type.BLOCKED;
    }

    /** @return {@code true} once the domain was freed (acquire load). */
    public boolean isFreed() {
        return (int) FREED.getAcquire(this) != 0;
    }

    /** Mark freed (volatile CAS 0 -> 1). @return {@code false} if it was already freed. */
    boolean casFreed() {
        return FREED.compareAndSet(this, 0, 1);
    }

    @Override
    public String toString() {
        return type.name().toLowerCase() + "#" + id;
    }
}
