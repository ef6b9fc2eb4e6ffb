package io.resetguard.state;

/**
 * GdevBlocked - the blocked state of one {@code struct group_device}: M71's {@code bool blocked}
 * widened to the {@code enum gdev_blocked} of the QUAR v5/v6 series (docs/protocol.md §2.5a,
 * "iommu: Convert gdev-&gt;blocked from bool to enum gdev_blocked").
 *
 * <pre>
 *  value      bool models (M71 family)           quar-v6
 *  ---------  ---------------------------------  -----------------------------------------------
 *  NONE       blocked == false                   not blocked
 *  RESETTING  blocked == true                    inside a reset: reset_depth &gt; 0
 *  BROKEN     (never)                            outermost done() reported a failed reset:
 *                                                reset_depth 0, still parked and in recovery_cnt
 * </pre>
 *
 * <p>[inference] The names are this project's: the series' enum values were not public. Every
 * value but NONE counts in {@code group->recovery_cnt} and parks the RID on the blocking domain.
 */
public enum GdevBlocked {
    /** Not blocked. */
    NONE,
    /** Blocked for a reset in progress (or, under a bool model, kept blocked after a failed one). */
    RESETTING,
    /** Blocked after a failed reset until a later reset reports success (quar-v6 only). */
    BROKEN;

    /** @return {@code true} unless {@link #NONE}: the gdev is parked and counted. */
    public boolean blocked() {
        return this != NONE;
    }
}
