package io.resetguard.inv;

/**
 * How an IOMMU driver learns of an ATC invalidation timeout (kernel-semantics.md §3).
 */
public enum InvFlavour {
    /**
     * arm-smmu-v3 (§3.1, §3.2): the timeout is reported at the next CMD_SYNC as
     * CERROR_ATC_INV and does not name the failing command; the driver guesses the ATC_INV just
     * before the SYNC (the CONS rewind) and the SYNC then completes with 0: the caller sees success.
     */
    SMMUV3("smmuv3"),
    /**
     * Intel VT-d (§3.4): the Invalidation Time-out Error names the source and aborts every pending
     * wait descriptor; each waiting submitter gets -EAGAIN and resubmits.
     */
    VTD("vt-d");

    private final String cliName;

    InvFlavour(final String cliName) {
        this.cliName = cliName;
    }

    /** @return the name used on the command line and in reports. */
    public String cliName() {
        return cliName;
    }
}
