package io.resetguard.event;

/**
 * Every event the emulator records, with the kernel site it stands for.
 *
 * <p>A kernel {@code WARN_ON()} is emulated as a recorded event of category {@link EventCategory#WARN}
 * and never as a Java exception, so that tests and reports can count them. The section numbers refer
 * to {@code docs/protocol.md}.
 */
public enum EventType {
    /** §1.2 step 3: M70 {@code WARN_ON(group->resetting_domain)} on re-entry; prepare returns -EBUSY. */
    WARN_PREPARE_REENTRY(EventCategory.WARN, "pci_dev_reset_iommu_prepare: WARN_ON(group->resetting_domain)"),
    /** §1.3/§1.5: M71 {@code __dev_to_gdev()} returned NULL. */
    WARN_NO_GROUP_DEVICE(EventCategory.WARN, "pci_dev_reset_iommu_*: WARN_ON(!gdev)"),
    /** §1.5, invariant 8: {@code WARN_ON(gdev->reset_depth == 0)}, unbalanced done(). */
    WARN_DONE_UNBALANCED(EventCategory.WARN, "pci_dev_reset_iommu_done: WARN_ON(!gdev->reset_depth)"),
    /** §1.4/§1.5: {@code WARN_ON(!group->blocking_domain)} in done(). */
    WARN_DONE_NO_BLOCKING_DOMAIN(EventCategory.WARN, "pci_dev_reset_iommu_done: WARN_ON(!group->blocking_domain)"),
    /** §1.4/§1.5: re-attaching the RID to group->domain failed in done(). */
    WARN_DONE_REATTACH_FAILED(EventCategory.WARN, "pci_dev_reset_iommu_done: WARN_ON(__iommu_attach_device())"),
    /** §1.4/§1.5: restoring a PASID in done() failed. */
    WARN_DONE_PASID_RESTORE_FAILED(EventCategory.WARN, "pci_dev_reset_iommu_done: WARN_ON(set_dev_pasid())"),
    /** §1.2 step 6: removing a PASID to the blocked domain in prepare() failed. */
    WARN_PREPARE_PASID_REMOVE_FAILED(EventCategory.WARN, "pci_dev_reset_iommu_prepare: iommu_remove_dev_pasid() WARN"),
    /** §1.5: {@code WARN_ON(group->recovery_cnt == 0)} on the outermost done(). */
    WARN_RECOVERY_CNT_UNDERFLOW(EventCategory.WARN, "pci_dev_reset_iommu_done: WARN_ON(!group->recovery_cnt)"),
    /** §1.6: {@code WARN_ON(!new_domain)} in {@code __iommu_group_set_domain_internal()}. */
    WARN_SET_DOMAIN_NULL(EventCategory.WARN, "__iommu_group_set_domain_internal: WARN_ON(!new_domain)"),
    /** §1.6: M70 nofail teardown got -EBUSY: {@code WARN_ON} in {@code __iommu_group_set_domain_nofail()}. */
    WARN_NOFAIL_SET_DOMAIN(EventCategory.WARN, "__iommu_group_set_domain_nofail: WARN_ON(ret)"),
    /** A paging domain was freed twice (emulator check, kernel would corrupt the allocator). */
    WARN_DOUBLE_FREE(EventCategory.WARN, "iommu_domain_free: double free"),
    /** A caller asked to attach a domain that was already freed (caller bug, refused with -EINVAL). */
    WARN_ATTACH_FREED_DOMAIN(EventCategory.WARN, "attach of a freed domain refused"),
    /** §1.4 M70: NULL group->domain dereferenced in done() (fixed by d769711fcddd in M71). */
    OOPS_DONE_NULL_DOMAIN(EventCategory.OOPS, "pci_dev_reset_iommu_done: NULL pointer dereference of group->domain"),
    /** §1.6 M70: PASID detach called the blocked-domain set_dev_pasid again on a resetting device. */
    LOG_REDUNDANT_PASID_REMOVE(EventCategory.LOG, "__iommu_remove_group_pasid: redundant set_dev_pasid on a resetting device"),
    /** §2.3 SEED: the reset method kept the function blocked after a failed reset. */
    LOG_RESET_FAILED_BLOCKING_ATS(EventCategory.LOG, "Reset failed. Blocking ATS to protect memory"),
    /** §4.2: the walk tries a reset method (detail: the method). */
    INFO_RESET_METHOD_TRY(EventCategory.INFO, "trying reset method"),
    /** §4.2: a reset method returned (detail: method and errno). */
    INFO_RESET_METHOD_RESULT(EventCategory.INFO, "reset method returned"),
    /** §4.1 flr/af_flr: pending transactions did not drain; the FLR goes ahead. */
    LOG_PENDING_TRANSACTION_TIMEOUT(EventCategory.LOG, "timed out waiting for pending transaction; performing function level reset anyway"),
    /** §4.1: a reset method's prepare() failed; the method returns that error. */
    LOG_IOMMU_PREPARE_FAILED(EventCategory.LOG, "failed to stop IOMMU for a PCI reset"),
    /** §4.5: still not ready after more than 1 s. */
    LOG_NOT_READY_WAITING(EventCategory.LOG, "not ready; waiting"),
    /** §4.5: not ready within the timeout: -ENOTTY. */
    LOG_NOT_READY_GIVING_UP(EventCategory.LOG, "not ready; giving up"),
    /** §4.5: ready after more than 1 s of polling. */
    INFO_READY_AFTER(EventCategory.INFO, "ready after waiting"),
    /** §4.1 acpi: evaluating _RST failed: -ENOTTY. */
    LOG_ACPI_RST_FAILED(EventCategory.LOG, "ACPI _RST failed"),
    /** §4.1 device_specific: a quirk's firmware wait after its FLR timed out. */
    LOG_QUIRK_FIRMWARE_TIMEOUT(EventCategory.LOG, "device firmware not ready after reset"),
    /** §4.4, invariant 16: the driver's reset_done() ran (detail: the reset's result). */
    INFO_RESET_DONE_CALLBACK(EventCategory.INFO, "reset_done callback"),
    /** §4.2: a sysfs reset_method write named a method that does not probe. */
    LOG_UNSUPPORTED_RESET_METHOD(EventCategory.LOG, "Unsupported reset method"),
    /** Invariant 17: two full resets of one function overlapped (the device lock failed). */
    VIOLATION_RESET_OVERLAP(EventCategory.VIOLATION, "two full-function resets of one device overlap"),
    /** §3.1/§3.4: an ATC invalidation got no completion in time (detail: ITag, flavour, culprit). */
    LOG_ATC_INV_TIMEOUT(EventCategory.LOG, "ATC invalidate timeout"),
    /** §5: a completion arrived for an ITag that had already timed out; counted and dropped. */
    INFO_LATE_COMPLETION(EventCategory.INFO, "late invalidation completion dropped"),
    /** §3.2: an ATC-timeout recovery was scheduled for a function. */
    INFO_RECOVERY_SCHEDULED(EventCategory.INFO, "ATC timeout recovery scheduled"),
    /** §3.2 step 3b: a recovery for a function already being recovered was dropped. */
    INFO_RECOVERY_DEDUP(EventCategory.INFO, "Device is already being recovered"),
    /** §3.2 step 3c: the recovery worker's own prepare() failed. */
    LOG_RECOVERY_BLOCK_FAILED(EventCategory.LOG, "failed to block ATS!"),
    /** §3.2 step 3d: the recovery reset finished (detail: its result). */
    INFO_RECOVERY_DONE(EventCategory.INFO, "ATC timeout recovery finished"),
    /** §2.4/§2.5: the driver fenced a function (translated requests blocked, ATC invalidations muted). */
    LOG_ATS_FENCED(EventCategory.LOG, "ATS fenced after an ATC invalidation timeout"),
    /** Invariant 5: ATS enabled before its ATC was invalidated, or enabled twice. */
    WARN_ATS_ENABLE_ORDER(EventCategory.WARN, "pci_enable_ats: ordering violated"),
    /** Invariant 1 / §5: a translated write reached a page freed or reallocated since it was cached. */
    VIOLATION_MEMORY_CORRUPTION(EventCategory.VIOLATION, "memory corruption: translated write through a stale ATC entry"),
    /** Invariant 1 / §5: a translated read returned a page freed or reallocated since it was cached. */
    VIOLATION_STALE_READ(EventCategory.VIOLATION, "data leak: translated read through a stale ATC entry"),
    /** Invariant 3: an ATC invalidation was sent to a function between prepare() and the outermost done(). */
    VIOLATION_INVALIDATION_TO_BLOCKED(EventCategory.VIOLATION, "ATC invalidation sent to a blocked function"),
    /** §5: an unmapped page went back to the allocator (detail: page and domain). */
    INFO_PAGE_FREED(EventCategory.INFO, "page freed after unmap"),
    /** §1.6, invariant 12: a freed domain was about to be attached (M70 UAF); the attach was not done. */
    VIOLATION_USE_AFTER_FREE(EventCategory.VIOLATION, "use-after-free: attach of a freed domain"),
    /** §2.6: a function was left blocked (or a recovery count non-zero) with no reset in progress. */
    VIOLATION_LIVENESS(EventCategory.VIOLATION, "liveness: function left blocked with no reset in progress"),

    // --- issue 13 part B: quarantine, Completion Count, AMD completion wait ---------------------------
    /**
     * docs/protocol.md §2.5, §2.5a (QUAR v4, 19 May 2026): the IOMMU driver quarantined a function of
     * a timed-out batch: {@code pci_disable_ats()}, STE.EATS cleared, further ATC invalidations muted
     * (detail: whether its own invalidation timed out).
     */
    LOG_ATS_QUARANTINED(EventCategory.LOG, "ATS quarantined after an ATC invalidation timeout"),
    /** docs/protocol.md §2.5 step 7: {@code reset_device_done} lifted a quarantine. */
    INFO_ATS_QUARANTINE_LIFTED(EventCategory.INFO, "ATS quarantine lifted by reset_device_done"),
    /**
     * docs/protocol.md §2.5a: an Invalidate Completion named an ITag that is not busy (an extra
     * message beyond the Completion Count, or an answer after the ITag timed out).
     */
    LOG_INV_COMPLETION_NOT_BUSY(EventCategory.LOG, "Invalidate Completion for an ITag that is not busy"),
    /** docs/protocol.md §2.5a: an Invalidate Completion's Completion Count differs from the first message's. */
    LOG_INV_COMPLETION_COUNT_MISMATCH(EventCategory.LOG, "Invalidate Completion with an inconsistent Completion Count"),
    /**
     * docs/protocol.md §5, §2.5a: a completion for an earlier use of an ITag arrived while the ITag
     * was busy again; hardware matches by ITag alone and cannot tell them apart [inference].
     */
    LOG_ITAG_REUSE_COMPLETION(EventCategory.LOG, "Invalidate Completion for a reused ITag"),
    /** docs/protocol.md §3.3, §3.5: AMD {@code wait_on_sem()} gave up after about 100 ms; -EIO to the flush caller. */
    LOG_COMPLETION_WAIT_TIMEOUT(EventCategory.LOG, "Completion-Wait loop timed out");

    private final EventCategory category;
    private final String message;

    EventType(final EventCategory category, final String message) {
        this.category = category;
        this.message = message;
    }

    /** @return the category (WARN, LOG, OOPS, VIOLATION...). */
    public EventCategory category() {
        return category;
    }

    /** @return the kernel-style message of this site. */
    public String message() {
        return message;
    }
}
