package io.resetguard.inv;

import io.resetguard.fabric.PciFunction;

/**
 * InvCommand - one entry of an IOMMU command queue: an ATC invalidation (CMD_ATC_INV / VT-d
 * device-TLB descriptor) or a sync (CMD_SYNC / wait descriptor). Immutable.
 */
public final class InvCommand {
    /** The command type. */
    public enum Kind {
        /** Invalidate a range, a PASID, or everything in one function's ATC. */
        ATC_INV,
        /** Complete when every earlier command completed or timed out. */
        SYNC
    }

    /** Why the driver sends an ATC invalidation; decides when it is muted and when it is a violation. */
    public enum Purpose {
        /** An unmap (or a lazy flush): muted for a function with ATS off, fenced or parked. */
        UNMAP,
        /**
         * The flush before {@code pci_enable_ats()} on a re-attach (§1.7): muted only if the function
         * was parked again meanwhile (in the kernel the flush completes under the group mutex, so a
         * prepare() cannot come between).
         */
        ENABLE_FLUSH,
        /** The flush right after {@code pci_disable_ats()}, part of prepare(): always sent, never a violation. */
        DISABLE_FLUSH,
        /** 7.0's redundant blocked-domain {@code set_dev_pasid()} on a parked function (§1.6): always sent. */
        REDUNDANT
    }

    /** PASID value meaning "no PASID prefix" (the RID's translations). */
    public static final int NO_PASID = 0;

    final Kind kind;
    final PciFunction target;
    final int pasid;
    final long iovaPage;
    final long pages;
    final boolean global;
    final Purpose purpose;
    final InvCompletion completion;

    private InvCommand(final Kind kind, final PciFunction target, final int pasid, final long iovaPage,
                       final long pages, final boolean global, final Purpose purpose, final InvCompletion completion) {
        this.kind = kind;
        this.target = target;
        this.pasid = pasid;
        this.iovaPage = iovaPage;
        this.pages = pages;
        this.global = global;
        this.purpose = purpose;
        this.completion = completion;
    }

    /**
     * Invalidate {@code pages} pages from {@code iovaPage} of {@code pasid} in {@code fn}'s ATC.
     *
     * @return the command
     */
    public static InvCommand atcRange(final PciFunction fn, final int pasid, final long iovaPage, final long pages) {
        if (pages <= 0) {
            throw new IllegalArgumentException("pages must be > 0, was " + pages);
        }
        return new InvCommand(Kind.ATC_INV, fn, pasid, iovaPage, pages, false, Purpose.UNMAP, null);
    }

    /** @return a command invalidating every translation of {@code pasid} in {@code fn}'s ATC. */
    public static InvCommand atcPasid(final PciFunction fn, final int pasid) {
        return new InvCommand(Kind.ATC_INV, fn, pasid, 0, Long.MAX_VALUE, false, Purpose.UNMAP, null);
    }

    /** @return a command invalidating {@code fn}'s whole ATC (Global Invalidate, all PASIDs). */
    public static InvCommand atcAll(final PciFunction fn) {
        return new InvCommand(Kind.ATC_INV, fn, NO_PASID, 0, Long.MAX_VALUE, true, Purpose.UNMAP, null);
    }

    /**
     * The driver's flush of {@code fn}'s whole ATC right after {@code pci_disable_ats()} when it moves
     * the function to the blocking domain (§1.7): part of prepare(), sent even though ATS is off.
     */
    public static InvCommand disableFlush(final PciFunction fn) {
        return atcAll(fn).withPurpose(Purpose.DISABLE_FLUSH);
    }

    /** @return this command with another purpose. */
    public InvCommand withPurpose(final Purpose p) {
        return new InvCommand(kind, target, pasid, iovaPage, pages, global, p, completion);
    }

    /** @return why it is sent. */
    public Purpose purpose() {
        return purpose;
    }

    static InvCommand sync(final InvCompletion c) {
        return new InvCommand(Kind.SYNC, null, NO_PASID, 0, 0, false, Purpose.UNMAP, c);
    }

    /** @return the kind. */
    public Kind kind() {
        return kind;
    }

    /** @return the target function (ATC_INV), or null (SYNC). */
    public PciFunction target() {
        return target;
    }

    /** @return the PASID ({@link #NO_PASID} for the RID). */
    public int pasid() {
        return pasid;
    }

    /** @return whether it invalidates every PASID. */
    public boolean global() {
        return global;
    }

    /** @return whether it matches a cached translation of ({@code pasid}, {@code iovaPage}). */
    public boolean matches(final int p, final long page) {
        if (global) {
            return true;
        }
        return p == pasid && page >= iovaPage && page - iovaPage < pages;
    }

    @Override
    public String toString() {
        if (kind == Kind.SYNC) {
            return "SYNC";
        }
        return "ATC_INV " + target.bdf() + (global ? " all" : " pasid " + pasid
            + (pages == Long.MAX_VALUE ? " all" : " iova " + iovaPage + "+" + pages));
    }
}
