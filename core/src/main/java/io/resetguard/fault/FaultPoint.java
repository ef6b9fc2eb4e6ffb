package io.resetguard.fault;

/**
 * A place in the emulated kernel where a failure can be injected.
 *
 * <p>Each point names the kernel call whose failure it stands for; the injector chooses the errno.
 */
public enum FaultPoint {
    /** {@code __iommu_group_alloc_blocking_domain()} fails (ENOMEM), §1.2 step 4. */
    BLOCKING_DOMAIN_ALLOC,
    /** {@code __iommu_attach_device()} of one device's RID fails, §1.2 step 5 and §1.4. */
    DEVICE_ATTACH,
    /** A driver {@code set_dev_pasid()} fails, §1.2 step 6 and §1.5. */
    SET_DEV_PASID,
    /**
     * A reset method fails when it runs (§4.1): -ENOTTY walks on, -ENOMEM fails its prepare(), any
     * other errno is returned after the reset. Consulted after the method's own {@code ResetFaults}.
     */
    RESET_METHOD,
    /** The function drops an Invalidate Request: never processed, never completed (§5). */
    INVALIDATION,
    /** The function processes an Invalidate Request but its completion is lost (§5). */
    COMPLETION
}
