package io.resetguard.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * ProtocolModel - which version of the reset/IOMMU protocol a fabric emulates
 * (kernel-semantics.md §0).
 *
 * <pre>
 *  name            bookkeeping (§1.1)             re-entry of prepare()     after a reset method (§2.3)
 *  --------------  -----------------------------  ------------------------  -------------------------------
 *  linux-7.0       group-&gt;resetting_domain flag   WARN + -EBUSY  (§1.2)     done() always
 *  seed            group-&gt;resetting_domain flag   return 0       (§2.3)     done() if ok or no ATS, else warn
 *  linux-7.1       gdev blocked/reset_depth,      depth++        (§1.3)     done() always
 *                  group-&gt;recovery_cnt
 *  result-to-done  as linux-7.1                   depth++                   done(result): balances depth,
 *                                                                           unblocks only on ok or no ATS (§2.5)
 *  seed-on-7.1     as linux-7.1                   depth++                   as seed: leaks depth (§2.6)
 * </pre>
 *
 * <p>The two flag models also carry the Linux 7.0 defects that the 7.1 fix series removed (§2.1):
 * the NULL {@code group->domain} oops in done(), the nofail teardown that WARNs and leaves a freed
 * domain behind (use-after-free), the group-wide PASID restore and the unfenced PASID detach.
 */
public enum ProtocolModel {
    /** Linux 7.0 (M70). */
    LINUX_7_0("linux-7.0", Bookkeeping.GROUP_FLAG, false, AfterReset.ALWAYS_DONE),
    /** The seed patch on Linux 7.0 (SEED). */
    SEED("seed", Bookkeeping.GROUP_FLAG, true, AfterReset.DONE_ON_SUCCESS_OR_NO_ATS),
    /** Linux 7.1 with the fix series (M71). */
    LINUX_7_1("linux-7.1", Bookkeeping.DEVICE_COUNTER, true, AfterReset.ALWAYS_DONE),
    /** The QUAR direction: the reset result is passed to done() (§2.5). */
    RESULT_TO_DONE("result-to-done", Bookkeeping.DEVICE_COUNTER, true, AfterReset.PASS_RESULT),
    /** The seed's skip-done rule on M71's counters, which exists to show its hazard (§2.6). */
    SEED_ON_7_1("seed-on-7.1", Bookkeeping.DEVICE_COUNTER, true, AfterReset.DONE_ON_SUCCESS_OR_NO_ATS);

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
        /** Call done(result); done decides (QUAR). */
        PASS_RESULT
    }

    private final String cliName;
    private final Bookkeeping bookkeeping;
    private final boolean reentryAllowed;
    private final AfterReset afterReset;

    ProtocolModel(final String cliName, final Bookkeeping bookkeeping, final boolean reentryAllowed,
                  final AfterReset afterReset) {
        this.cliName = cliName;
        this.bookkeeping = bookkeeping;
        this.reentryAllowed = reentryAllowed;
        this.afterReset = afterReset;
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
