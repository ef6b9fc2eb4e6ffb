package io.resetguard.recovery;

/** What the IOMMU driver does when its interrupt path learns of an ATC invalidation timeout. */
public enum RecoveryPolicy {
    /** Nothing (arm-smmu-v3 and VT-d before the seed: the caller proceeds, §3.1, §3.4). */
    NONE("none"),
    /**
     * The seed's patch 2/2 (§3.2): a worker per function (duplicates dropped while one is in
     * flight) clears bus mastering, calls prepare() itself, runs pci_reset_function() and sets bus
     * mastering again only if the reset worked.
     */
    SEED_WORKER("seed-worker"),
    /**
     * The direction the review favoured (§2.4, §2.5 QUAR v4): fence the function at once (translated
     * requests blocked, invalidations muted), and let an external trigger (AER, sysfs) reset it
     * later; the reset's done() lifts the fence.
     */
    FENCE_THEN_RESET("fence-then-reset"),
    /**
     * The QUAR v4 agreement of 19 May 2026 (docs/protocol.md §2.5 steps 1-7, §2.5a): quarantine
     * every function of the timed-out batch (the driver cannot tell which of the batch's ATC_INV
     * commands failed, so the whole batch is suspect): {@code pci_disable_ats()}, STE.EATS cleared,
     * further ATC invalidations muted. The IOMMU side starts no reset; an operator or AER resets each
     * quarantined function later, and only a done() that the model lets unblock
     * ({@code reset_device_done}) lifts the quarantine: a failed reset leaves it under every model
     * that keeps a failed reset blocked.
     */
    QUARANTINE("quarantine");

    private final String cliName;

    RecoveryPolicy(final String cliName) {
        this.cliName = cliName;
    }

    /** @return the name used on the command line and in reports. */
    public String cliName() {
        return cliName;
    }

    /** @return the policy with this name; IllegalArgumentException naming the valid ones otherwise. */
    public static RecoveryPolicy parse(final String name) {
        for (final RecoveryPolicy p : values()) {
            if (p.cliName.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("recovery '" + name + "' is unknown; use none, seed-worker, fence-then-reset or quarantine");
    }
}
