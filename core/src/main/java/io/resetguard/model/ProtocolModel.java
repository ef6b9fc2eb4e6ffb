package io.resetguard.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * ProtocolModel - which version of the reset/IOMMU protocol a fabric emulates
 * (docs/protocol.md §0). A model is one row of traits; the rules ({@link ResetRules}), the
 * invariant checker ({@link Invariants}) and the PCI layer read the traits, never the constant.
 *
 * <pre>
 *  name            bookkeeping (§1.1)             re-entry    after a reset method        gdev state       probe hooks
 *  --------------  -----------------------------  ----------  --------------------------  ---------------  -----------
 *  linux-7.0       group-&gt;resetting_domain flag   WARN+EBUSY  done() always               (flag)           prepare/done
 *  seed            group-&gt;resetting_domain flag   return 0    done() if ok or no ATS      (flag)           prepare/done
 *  linux-7.1       gdev blocked/reset_depth,      depth++     done() always               bool blocked     prepare/done
 *                  group-&gt;recovery_cnt
 *  result-to-done  as linux-7.1                   depth++     done(result) (§2.5)         bool blocked     prepare/done
 *  seed-on-7.1     as linux-7.1                   depth++     as seed: leaks depth (§2.6) bool blocked     prepare/done
 *  quar-v6         as linux-7.1                   depth++     done(result) (§2.5a)        enum gdev_blocked none
 *                                                                                         NONE/RESETTING/
 *                                                                                         BROKEN
 * </pre>
 *
 * <p>The two flag models also carry the Linux 7.0 defects that the 7.1 fix series removed (§2.1):
 * the NULL {@code group->domain} oops in done(), the nofail teardown that WARNs and leaves a freed
 * domain behind (use-after-free), the group-wide PASID restore and the unfenced PASID detach.
 *
 * <p>{@code quar-v6} is unmerged: it models the direction of the QUAR series v5/v6 (docs/protocol.md
 * §2.5a, "iommu: Convert gdev-&gt;blocked from bool to enum gdev_blocked", "iommu: Pass in reset
 * result to pci_dev_reset_iommu_done()"), whose patch bodies were not public; its details marked
 * {@code [inference]} in {@link DeviceCounterRules} are this project's choices.
 */
public enum ProtocolModel {
    /** Linux 7.0 (M70). */
    LINUX_7_0("linux-7.0", Bookkeeping.GROUP_FLAG, false, AfterReset.ALWAYS_DONE, GdevBlockedKind.BOOL,
        ProbeHooks.PREPARE_DONE, "Linux 7.0 (c279e83953d9): one resetting_domain per group, re-entry WARN + -EBUSY"),
    /** The seed patch on Linux 7.0 (SEED). */
    SEED("seed", Bookkeeping.GROUP_FLAG, true, AfterReset.DONE_ON_SUCCESS_OR_NO_ATS, GdevBlockedKind.BOOL,
        ProbeHooks.PREPARE_DONE, "unmerged seed patch on 7.0: done() skipped after a failed reset, re-entry returns 0"),
    /** Linux 7.1 with the fix series (M71). */
    LINUX_7_1("linux-7.1", Bookkeeping.DEVICE_COUNTER, true, AfterReset.ALWAYS_DONE, GdevBlockedKind.BOOL,
        ProbeHooks.PREPARE_DONE, "Linux 7.1 with the fix series: per-function blocked/reset_depth, group recovery_cnt"),
    /** The QUAR direction: the reset result is passed to done() (§2.5). */
    RESULT_TO_DONE("result-to-done", Bookkeeping.DEVICE_COUNTER, true, AfterReset.PASS_RESULT, GdevBlockedKind.BOOL,
        ProbeHooks.PREPARE_DONE, "unmerged, QUAR v3 direction: done(result) on 7.1 keeps a failed function blocked"),
    /** The seed's skip-done rule on M71's counters, which exists to show its hazard (§2.6). */
    SEED_ON_7_1("seed-on-7.1", Bookkeeping.DEVICE_COUNTER, true, AfterReset.DONE_ON_SUCCESS_OR_NO_ATS,
        GdevBlockedKind.BOOL, ProbeHooks.PREPARE_DONE,
        "hypothetical: the seed's skip-done rule on 7.1's counters, leaks a reset depth on a later good reset"),
    /** The QUAR v5/v6 direction (§2.5a): done(result), enum gdev_blocked with BROKEN, probes leave the IOMMU alone. */
    QUAR_V6("quar-v6", Bookkeeping.DEVICE_COUNTER, true, AfterReset.PASS_RESULT, GdevBlockedKind.ENUM_WITH_BROKEN,
        ProbeHooks.NONE, "unmerged, QUAR v6 direction: done(result), a failed reset leaves the function BROKEN;"
            + " probes make no IOMMU change");

    /** Where the reset state is kept. */
    public enum Bookkeeping {
        /** One {@code resetting_domain} pointer per group (M70, SEED). */
        GROUP_FLAG,
        /** Per-device {@code blocked}/{@code reset_depth}, per-group {@code recovery_cnt} (M71 family). */
        DEVICE_COUNTER
    }

    /** What a reset method does with the IOMMU after the reset itself (§2.3, §2.5). */
    public enum AfterReset {
        /** Call done() unconditionally (M70, M71). */
        ALWAYS_DONE,
        /** Call done() only if the reset returned 0 or ATS is not supported; otherwise warn (SEED). */
        DONE_ON_SUCCESS_OR_NO_ATS,
        /**
         * Call done(result); done() always balances the depth and unblocks only on success (QUAR);
         * an outermost done() with a failed result keeps the function blocked and counted.
         */
        PASS_RESULT
    }

    /** What {@code gdev->blocked} is (§1.1, §2.5a). Meaningful for {@link Bookkeeping#DEVICE_COUNTER}. */
    public enum GdevBlockedKind {
        /**
         * {@code bool blocked} (M71): a function kept blocked after a failed reset is, to the
         * snapshot, indistinguishable from one inside a reset except by its depth of 0.
         */
        BOOL,
        /**
         * {@code enum gdev_blocked} (QUAR v5/v6): NONE, RESETTING while a reset is in progress
         * (depth &gt; 0), BROKEN after an outermost done() with a failed result (depth 0).
         */
        ENUM_WITH_BROKEN
    }

    /** What reset-method probing ({@code PCI_RESET_PROBE}) does to the IOMMU (§4.1, §4.2, §2.5a). */
    public enum ProbeHooks {
        /** {@code device_specific} and {@code bus} run prepare()/done() also in probe mode (M70, M71). */
        PREPARE_DONE,
        /** Probing makes no IOMMU change at all: no prepare/done, no attach change (QUAR v5 digest). */
        NONE
    }

    private final String cliName;
    private final Bookkeeping bookkeeping;
    private final boolean reentryAllowed;
    private final AfterReset afterReset;
    private final GdevBlockedKind gdevBlocked;
    private final ProbeHooks probeHooks;
    private final String description;

    ProtocolModel(final String cliName, final Bookkeeping bookkeeping, final boolean reentryAllowed,
                  final AfterReset afterReset, final GdevBlockedKind gdevBlocked, final ProbeHooks probeHooks,
                  final String description) {
        this.cliName = cliName;
        this.bookkeeping = bookkeeping;
        this.reentryAllowed = reentryAllowed;
        this.afterReset = afterReset;
        this.gdevBlocked = gdevBlocked;
        this.probeHooks = probeHooks;
        this.description = description;
    }

    /** @return one line saying what the model is, for {@code resetguard models} and reports. */
    public String description() {
        return description;
    }

    /** @return what gdev-&gt;blocked is under this model. */
    public GdevBlockedKind gdevBlocked() {
        return gdevBlocked;
    }

    /** @return what reset-method probing does to the IOMMU. */
    public ProbeHooks probeHooks() {
        return probeHooks;
    }

    /**
     * @return {@code true} if an outermost done() with a failed result keeps the function blocked
     *         (the {@link AfterReset#PASS_RESULT} models)
     */
    public boolean doneKeepsFailedBlocked() {
        return afterReset == AfterReset.PASS_RESULT;
    }

    /** @return the name used in code, on the command line and in reports, e.g. {@code linux-7.0}. */
    public String cliName() {
        return cliName;
    }

    /** @return where the reset state lives. */
    public Bookkeeping bookkeeping() {
        return bookkeeping;
    }

    /** @return {@code true} if a second prepare() while prepared returns 0 instead of WARN + -EBUSY. */
    public boolean reentryAllowed() {
        return reentryAllowed;
    }

    /** @return the reset methods' post-reset rule. */
    public AfterReset afterReset() {
        return afterReset;
    }

    /** @return {@code true} for the models built on Linux 7.0 without the 7.1 fix series. */
    public boolean hasLinux70Defects() {
        return bookkeeping == Bookkeeping.GROUP_FLAG;
    }

    /**
     * @param name a {@link #cliName()}
     * @return the model
     * @throws IllegalArgumentException naming the valid names
     */
    public static ProtocolModel parse(final String name) {
        for (final ProtocolModel m : values()) {
            if (m.cliName.equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("protocol model '" + name + "' is unknown; valid models: " + names());
    }

    /** @return the valid names, comma separated. */
    public static String names() {
        return Arrays.stream(values()).map(ProtocolModel::cliName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return cliName;
    }
}
