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
    FENCE_THEN_RESET("fence-then-reset");

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
        throw new IllegalArgumentException("recovery '" + name + "' is unknown; use none, seed-worker or fence-then-reset");
    }
}
