package io.resetguard.stress;

import io.resetguard.event.EventCategory;
import io.resetguard.event.EventLog;
import io.resetguard.event.EventType;
import io.resetguard.fabric.AttachListener;
import io.resetguard.fabric.Bdf;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.Invariants;
import io.resetguard.model.ProtocolModel;
import io.resetguard.pci.PciCaps;
import io.resetguard.pci.PciCore;
import io.resetguard.state.DeviceState;
import io.resetguard.state.GroupState;
import io.resetguard.state.StateImpl;
import io.resetguard.time.InlineScheduler;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Probe - builds the fixtures of the stress tests and turns a group's state into the short tokens
 * that appear in jcstress outcome ids.
 *
 * <p>Tokens (all free of regular-expression metacharacters, because jcstress 0.16 matches
 * {@code @Outcome} ids as regular expressions after trying them verbatim):
 * <pre>
 *  errno      "0", "-EBUSY", "-ENOMEM", ...           {@link io.resetguard.errno.Errno#kernelString()}
 *  domain     "BLK"  the group's blocking domain
 *             "DEF"  the group's default domain
 *             "NEW"  the paging domain a test attaches
 *             "NULL" no domain;  "OTHER" anything else
 *  gdev       "NONE", "RESETTING", "BROKEN"              gdev-&gt;blocked ({@link io.resetguard.state.GdevBlocked};
 *                                                       bool models: NONE or RESETTING), "GONE" if no gdev
 *  fence      group-&gt;resetting_domain != NULL ? 1 : 0   (linux-7.0, seed: the group flag)
 *             group-&gt;recovery_cnt                       (linux-7.1 family)
 *  events     number of kernel log events of the sample's fabric (all WARNs in every expected outcome)
 *  sound      Invariants.check(group, snapshot) is empty AND no OOPS/VIOLATION event was logged
 *             (soundExcept: other than the one expected type, which the test counts in its own field)
 * </pre>
 * Every fixture builds its own fabric and so its own {@link EventLog}: the counts are per sample.
 *
 * <p>Cost note: jcstress 0.16 builds a fresh fixture for every sample, also in its interpreter-only
 * (-Xint) configurations, where fixture construction dominates a test's run time. Hence the
 * pre-parsed addresses and the cheap counters below.
 */
public final class Probe {
    /** The first function of a fixture's group (parsed once: parsing costs more than the rest of a fixture). */
    public static final Bdf BDF_A = Bdf.parse("0000:3b:00.0");
    /** The second function (a sibling in the same group). */
    public static final Bdf BDF_B = Bdf.parse("0000:3b:00.1");
    /** A third function (hot-added in some tests). */
    public static final Bdf BDF_C = Bdf.parse("0000:3b:00.2");

    /**
     * PCI capabilities of every reset fixture: a typical endpoint (FLR and PM reset, no quirk) with
     * Immediate Readiness, so an FLR takes no emulated wait at all. Immutable, shared by all samples.
     */
    public static final PciCaps INSTANT_FLR = PciCaps.typical().withImmReady(true);

    /**
     * OOPS and VIOLATION event types: any of them makes a sample unsound. Precomputed, because
     * {@code EventLog.count(EventCategory)} clones {@code EventType.values()} and reads every counter,
     * which dominates the arbiter in the interpreter-only (-Xint) jcstress configurations.
     */
    private static final EventType[] FATAL_TYPES = Arrays.stream(EventType.values())
        .filter(t -> t.category() == EventCategory.OOPS || t.category() == EventCategory.VIOLATION)
        .toArray(EventType[]::new);

    private Probe() {
    }

    /**
     * @param model the protocol model
     * @param impl  the state cell implementation
     * @return a new fabric with its own kernel log
     */
    public static Fabric fabric(final ProtocolModel model, final StateImpl impl) {
        return Fabric.builder().model(model).stateImpl(impl).build();
    }

    /**
     * @param model the protocol model
     * @param impl  the state cell implementation
     * @return a new group on a new fabric, on its default domain, with no function yet
     */
    public static IommuGroup group(final ProtocolModel model, final StateImpl impl) {
        return fabric(model, impl).addIommu("smmu0").addGroup();
    }

    /**
     * @param g   the group
     * @param bdf its address
     * @return a new ATS-capable function without PASIDs in {@code g}
     */
    public static PciFunction atsFunction(final IommuGroup g, final Bdf bdf) {
        return g.addFunction(bdf, true, 0);
    }

    /** @return the token of {@code d}: BLK, DEF, NEW (= {@code extra}), NULL or OTHER. */
    public static String domain(final IommuGroup g, final Domain d, final Domain extra) {
        if (d == null) {
            return "NULL";
        }
        if (d == g.blockingDomain()) {
            return "BLK";
        }
        if (d == g.defaultDomain()) {
            return "DEF";
        }
        if (extra != null && d == extra) {
            return "NEW";
        }
        return "OTHER";
    }

    /** @return the token of the domain {@code fn}'s RID is physically attached to ("GONE" if no gdev). */
    public static String rid(final IommuGroup g, final GroupState s, final PciFunction fn, final Domain extra) {
        final DeviceState d = s.deviceOf(fn);
        return d == null ? "GONE" : domain(g, d.rid(), extra);
    }

    /** @return the token of {@code fn}'s gdev-&gt;blocked: NONE, RESETTING, BROKEN, or GONE if no gdev. */
    public static String gdev(final GroupState s, final PciFunction fn) {
        final DeviceState d = s.deviceOf(fn);
        return d == null ? "GONE" : d.blockedState().name();
    }

    /** @return {@code fn}'s reset_depth (-1 if no gdev). */
    public static int depth(final GroupState s, final PciFunction fn) {
        final DeviceState d = s.deviceOf(fn);
        return d == null ? -1 : d.depth();
    }

    /** @return the attach fence: the M70 flag as 0/1, or the M71 recovery_cnt. */
    public static int fence(final IommuGroup g, final GroupState s) {
        return g.model().bookkeeping() == ProtocolModel.Bookkeeping.GROUP_FLAG
            ? (s.resetting() ? 1 : 0)
            : s.recoveryCnt();
    }

    /**
     * @return the number of events the group's fabric logged, of any type (a sum of the per-type counters). In
     *         these fixtures every expected event is a WARN; an unexpected event of another kind
     *         changes the count, so the sample falls out of the expected outcomes.
     */
    public static long events(final IommuGroup g) {
        return g.fabric().events().total();
    }

    /** @return the number of events of one type the group's fabric logged. */
    public static long count(final IommuGroup g, final EventType t) {
        return g.fabric().events().count(t);
    }

    /**
     * @param fabric the fabric
     * @return a PCI core on a fresh {@link InlineScheduler}: every wait runs inline on the calling
     *         thread in zero real time, and a device-lock hand-off runs the waiter's continuation on
     *         the unlocking thread
     */
    public static PciCore pci(final Fabric fabric) {
        return new PciCore(fabric, new InlineScheduler());
    }

    /** @return the token of a PASID's domain on {@code fn}: as {@link #domain}, NULL if not attached. */
    public static String pasid(final IommuGroup g, final GroupState s, final PciFunction fn, final int pasid,
                               final Domain extra) {
        final DeviceState d = s.deviceOf(fn);
        return d == null ? "GONE" : domain(g, d.pasids().get(pasid), extra);
    }

    /**
     * Watch - an attach listener (the emulated IOMMU driver's view) that checks
     * {@link Invariants#check} on the group's snapshot at every physical attachment change, so a
     * transient violation between two commits is caught even if the final state is sound, and that
     * records the highest recovery_cnt (7.1 family) or resetting flag (7.0 family) it saw.
     */
    public static final class Watch implements AttachListener {
        private final AtomicInteger violations = new AtomicInteger();
        private final AtomicInteger maxFence = new AtomicInteger();
        private final AtomicInteger changes = new AtomicInteger();

        /**
         * @param g the group to watch
         * @return a new watch, registered on {@code g}
         */
        public static Watch on(final IommuGroup g) {
            final Watch w = new Watch();
            g.addAttachListener(w);
            return w;
        }

        @Override
        public void onPhysicalChange(final IommuGroup group, final PciFunction fn, final DeviceState before,
                                     final DeviceState after) {
            changes.incrementAndGet();
            final GroupState s = group.snapshot();
            if (!Invariants.check(group, s).isEmpty()) {
                violations.incrementAndGet();
            }
            maxFence.accumulateAndGet(fence(group, s), Math::max);
        }

        @Override
        public void onRedundantPasidRemove(final IommuGroup group, final PciFunction fn) {
            // counted by the event log (LOG_REDUNDANT_PASID_REMOVE)
        }

        /** @return how many snapshots seen at physical changes broke an invariant. */
        public int violations() {
            return violations.get();
        }

        /** @return how many physical attachment changes were reported. */
        public int changes() {
            return changes.get();
        }

        /** @return the highest fence value seen (recovery_cnt, or the 7.0 flag as 0/1). */
        public int maxFence() {
            return maxFence.get();
        }
    }

    /**
     * ResetDone - an attach listener that counts the {@code reset_device_done} calls
     * ({@link AttachListener#onResetDeviceDone}) the group makes: the driver's quarantine is lifted
     * once per call, so a race must see exactly one per done() that unblocked.
     */
    public static final class ResetDone implements AttachListener {
        private final AtomicInteger calls = new AtomicInteger();

        /**
         * @param g the group to watch
         * @return a new counter, registered on {@code g}
         */
        public static ResetDone on(final IommuGroup g) {
            final ResetDone h = new ResetDone();
            g.addAttachListener(h);
            return h;
        }

        @Override
        public void onPhysicalChange(final IommuGroup group, final PciFunction fn, final DeviceState before,
                                     final DeviceState after) {
        }

        @Override
        public void onResetDeviceDone(final IommuGroup group, final PciFunction fn) {
            calls.incrementAndGet();
        }

        /** @return the number of reset_device_done calls so far. */
        public int calls() {
            return calls.get();
        }
    }

    /**
     * @return {@code true} if {@code s} satisfies {@link Invariants#check} and the fabric logged no
     *         OOPS or VIOLATION event
     */
    public static boolean sound(final IommuGroup g, final GroupState s) {
        return soundExcept(g, s, null);
    }

    /**
     * As {@link #sound(IommuGroup, GroupState)}, except that events of type {@code expected} do not
     * make the sample unsound: for the few outcomes whose OOPS or VIOLATION is a model's documented
     * defect (the 7.0 NULL-domain oops, the §2.6 liveness leak of seed-on-7.1). The test must then
     * put {@code count(g, expected)} in a result field of its own, so the defect shows in the outcome
     * id and its outcomes stay graded one by one.
     *
     * @param expected the one OOPS or VIOLATION type the caller counts itself, or null for none
     * @return {@code true} if {@code s} satisfies {@link Invariants#check} and the fabric logged no
     *         OOPS or VIOLATION event other than {@code expected}
     */
    public static boolean soundExcept(final IommuGroup g, final GroupState s, final EventType expected) {
        final EventLog log = g.fabric().events();
        for (final EventType t : FATAL_TYPES) {
            if (t != expected && log.count(t) != 0) {
                return false;
            }
        }
        return Invariants.check(g, s).isEmpty();
    }

    /** @return {@link #sound(IommuGroup, GroupState)} of the group's current snapshot. */
    public static boolean sound(final IommuGroup g) {
        return sound(g, g.snapshot());
    }
}
