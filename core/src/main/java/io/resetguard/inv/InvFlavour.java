package io.resetguard.inv;

/**
 * How an IOMMU driver learns of an ATC invalidation timeout (docs/protocol.md §3).
 */
public enum InvFlavour {
    /**
     * arm-smmu-v3 (docs/protocol.md §3.1, §3.2): the timeout is reported at the next CMD_SYNC as
     * CERROR_ATC_INV and does not name the failing command; the driver guesses the ATC_INV just
     * before the SYNC (the CONS rewind) and the SYNC then completes with 0: the caller sees success.
     */
    SMMUV3("smmuv3", 0),
    /**
     * Intel VT-d (docs/protocol.md §3.4): the Invalidation Time-out Error names the source and aborts
     * every pending wait descriptor; each waiting submitter gets -EAGAIN and resubmits.
     */
    VTD("vt-d", 0),
    /**
     * AMD IOMMU (docs/protocol.md §3.3, §3.5, §2.5a): the hardware ATS invalidation timeout is 1 s
     * (the engine's timeout), but the driver's completion wait ({@code wait_on_sem()}, a busy loop of
     * {@code udelay(1)} x {@code LOOP_TIMEOUT}) gives up after about 100 ms: it logs "Completion-Wait
     * loop timed out" and returns -EIO to the flush caller, which proceeds (the memory is then
     * reused; the AMD driver neither fences nor recovers). The invalidation itself stays in flight in
     * hardware: a completion before 1 s frees its ITag and completes the wait nobody waits on any
     * more; at 1 s the hardware times it out, frees the ITag and logs an event naming the device.
     * <ul>
     * <li>[inference] The hardware timeout reaches the driver as an IOTLB_INV_TIMEOUT entry of the
     *     IOMMU event log naming the device; the timeout listeners are told then, naming it.</li>
     * <li>[inference] At the 100 ms give-up the driver knows the commands it queued before the wait
     *     but not which of them hangs; the timeout listeners (a recovery policy; the AMD driver itself
     *     has none) are told then too, before the flush caller gets -EIO, with that batch as the
     *     suspects and the ATC_INV right before the wait as the culprit.</li>
     * <li>[inference] Once the hardware timed the invalidation out, the COMPLETION_WAIT behind it
     *     completes (its semaphore is written), as a CMD_SYNC does on SMMUv3; nobody waits on it.</li>
     * <li>[inference] An ITag freed by the hardware timeout may be reused; an answer to its earlier
     *     use that arrives then is indistinguishable by ITag ({@code LOG_ITAG_REUSE_COMPLETION}).</li>
     * </ul>
     */
    AMD("amd", 100_000_000L);

    private final String cliName;
    private final long softwareWaitNs;

    InvFlavour(final String cliName, final long softwareWaitNs) {
        this.cliName = cliName;
        this.softwareWaitNs = softwareWaitNs;
    }

    /** @return the name used on the command line and in reports. */
    public String cliName() {
        return cliName;
    }

    /**
     * @return how long the driver's software waits for a sync before it gives up with -EIO, in ns;
     *         0 if it waits for the hardware (SMMUv3, VT-d)
     */
    public long softwareWaitNs() {
        return softwareWaitNs;
    }
}
