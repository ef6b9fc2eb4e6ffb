package io.resetguard.lincheck;

import io.resetguard.errno.Errno;
import io.resetguard.fabric.Bdf;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.StateImpl;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import static org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt.forClasses;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lincheck checks of the group state operations (prepare, done, attach, replace, PASID attach and
 * detach, get domain) of two sibling functions: every concurrent history must be linearizable
 * against a sequential specification, for every protocol model, under model checking (all
 * interleavings up to a bound, sequentially consistent) and stress (real threads, the JMM). A second
 * check backs the lock-free claim: the CAS cell is obstruction-free and the locking cell is not.
 *
 * <p>The sequential specification ({@link PlainSpec}) is a plain model of the group's bookkeeping
 * written from docs/protocol.md, not the core's rules: a history is accepted only if some order of
 * its operations gives the same results in that model. Domains are compared by id; the specification
 * learns the ids from a fabric built the same way.
 *
 * <p>Budgets are small so {@code mvn verify} stays short; raise them with
 * {@code -Dlincheck.iterations=200 -Dlincheck.invocations=5000}.
 */
class GroupStateLincheckTest {
    private static volatile ProtocolModel model = ProtocolModel.LINUX_7_1;
    private static final int ITERATIONS = Integer.getInteger("lincheck.iterations", 8);
    private static final int INVOCATIONS = Integer.getInteger("lincheck.invocations", 120);

    /** The object under test; subclasses pick the state cell. */
    public abstract static class Ops {
        private final IommuGroup g;
        private final PciFunction a;
        private final PciFunction b;
        private final Domain d1;
        private final Domain d2;

        Ops(final StateImpl impl) {
            final Fabric f = Fabric.builder().model(model).stateImpl(impl).build();
            g = f.addIommu("smmu0").addGroup();
            a = g.addFunction(new Bdf(0, 1, 0, 0), true, 4);
            b = g.addFunction(new Bdf(0, 1, 0, 1), true, 0);
            d1 = f.allocPagingDomain();
            d2 = f.allocPagingDomain();
        }

        @Operation
        public String prepareA() {
            return g.prepare(a).kernelString();
        }

        @Operation
        public String prepareB() {
            return g.prepare(b).kernelString();
        }

        @Operation
        public void doneA() {
            g.done(a);
        }

        @Operation
        public void doneB() {
            g.done(b);
        }

        /** done(a, -EIO): a reset that failed, as the QUAR series passes its result (§2.5, §2.5a). */
        @Operation
        public void doneFailedA() {
            g.done(a, Errno.EIO);
        }

        @Operation
        public String attach1() {
            return g.attachGroup(d1).kernelString();
        }

        @Operation
        public String deferredAttachA() {
            return g.deferredAttach(a).kernelString();
        }

        @Operation
        public boolean parkedA() {
            return g.isParked(a);
        }

        @Operation
        public String replace1() {
            return g.replaceGroup(d1).kernelString();
        }

        @Operation
        public String replace2() {
            return g.replaceGroup(d2).kernelString();
        }

        @Operation
        public String pasidAttach() {
            return g.attachPasid(a, 1, d1).kernelString();
        }

        @Operation
        public String pasidDetach() {
            return g.detachPasid(a, 1).kernelString();
        }

        @Operation
        public long getDomain() {
            final Domain d = g.getDomain(a);
            return d == null ? -1 : d.id();
        }

        @Operation
        public long driverGetDomainB() {
            final Domain d = g.driverGetDomain(b);
            return d == null ? -1 : d.id();
        }
    }

    /** The lock-free cell. */
    public static class LockFreeOps extends Ops {
        public LockFreeOps() {
            super(StateImpl.LOCK_FREE);
        }
    }

    /** The locking cell. */
    public static class LockingOps extends Ops {
        public LockingOps() {
            super(StateImpl.LOCKING);
        }
    }

    /**
     * The plain sequential specification: the group's reset bookkeeping as a handful of fields,
     * written from docs/protocol.md §1.2-§1.6 and §2.2 without the core's rules or state cells (a
     * fabric is built only to learn the domain ids the object under test will see). A rule of the
     * core that disagrees with the kernel's text therefore shows up as a non-linearizable history,
     * even in a run with one thread.
     *
     * <pre>
     *   flag models (7.0, seed)   resettingBy: which function set group->resetting_domain, -1 if
     *                             NULL; the fence is group-wide, but only that function is parked
     *   counter models (7.1 ...)  depth[x]: gdev->reset_depth; blocked[x] == depth[x] > 0 || kept[x];
     *                             recovery_cnt == number of blocked gdevs (invariant 6)
     *   done(result) models       kept[x]: the outermost done() reported a failed reset, so the
     *   (result-to-done, quar-v6) function stays blocked and counted at depth 0 (quar-v6 calls it
     *                             BROKEN, docs/protocol.md §2.5a) until an outermost done() reports
     *                             success; a nested done() only lowers the depth; every other model
     *                             ignores the result
     * </pre>
     */
    public static class PlainSpec {
        private static final int A = 0;
        private static final int B = 1;
        private final boolean flag = model.bookkeeping() == ProtocolModel.Bookkeeping.GROUP_FLAG;
        private final long defaultId;
        private final long blockingId;
        private final long d1;
        private final long d2;
        /** group->domain. */
        private long domain;
        /** Flag models: who set group->resetting_domain (A, B), or -1 while it is NULL. */
        private int resettingBy = -1;
        /** Counter models: gdev->reset_depth of A and B. */
        private final int[] depth = new int[2];
        /** done(result) models: kept blocked after a failed outermost done() (quar-v6: BROKEN). */
        private final boolean[] kept = new boolean[2];
        /** Whether done() reads the reset's result (§2.5, §2.5a). */
        private final boolean passResult = model == ProtocolModel.RESULT_TO_DONE || model == ProtocolModel.QUAR_V6;
        /** group->pasid_array[1] is present (A is the only PASID-capable function). */
        private boolean pasid1;

        public PlainSpec() {
            final Ops ids = new Ops(StateImpl.LOCKING) { };
            defaultId = ids.g.defaultDomain().id();
            blockingId = ids.g.blockingDomain().id();
            d1 = ids.d1.id();
            d2 = ids.d2.id();
            domain = defaultId;
        }

        /** The attach fence of §1.6 rows 1 and 4 (invariant 11, 14). */
        private boolean groupFenced() {
            return flag ? resettingBy >= 0 : parked(A) || parked(B);
        }

        /** On the blocking domain for a reset (invariant 3): the function that set the flag, or a blocked gdev. */
        private boolean parked(final int x) {
            return flag ? resettingBy == x : depth[x] > 0 || kept[x];
        }

        /** §1.2 (7.0: WARN + -EBUSY on re-entry; seed §2.3: 0), §1.3 (depth++; only the first blocks). */
        private String prepare(final int x) {
            if (flag) {
                if (resettingBy >= 0) {
                    return model == ProtocolModel.LINUX_7_0 ? "-EBUSY" : "0";
                }
                resettingBy = x;
                return "0";
            }
            depth[x]++;
            return "0";
        }

        /**
         * §1.4 (any done() clears the group flag), §1.5 (unbalanced: WARN, no-op; only depth 1 -> 0
         * unblocks), §2.5/§2.5a (done(result): the outermost done() keeps a failed function blocked,
         * a successful one unblocks it).
         */
        private void done(final int x, final boolean failed) {
            if (flag) {
                resettingBy = -1;
            } else if (depth[x] > 0) {
                depth[x]--;
                if (depth[x] == 0) {
                    kept[x] = passResult && failed;
                }
            }
        }

        /** __iommu_group_set_domain_internal(), not MUST_SUCCEED. */
        private String setDomain(final long d) {
            if (domain == d) {
                return "0";
            }
            if (groupFenced()) {
                return "-EBUSY";
            }
            domain = d;
            return "0";
        }

        public String prepareA() {
            return prepare(A);
        }

        public String prepareB() {
            return prepare(B);
        }

        public void doneA() {
            done(A, false);
        }

        public void doneB() {
            done(B, false);
        }

        public void doneFailedA() {
            done(A, true);
        }

        /** iommu_attach_group(): -EBUSY unless the group is on its default or blocking domain. */
        public String attach1() {
            return domain != defaultId && domain != blockingId ? "-EBUSY" : setDomain(d1);
        }

        /** iommu_deferred_attach(), §1.6 row 3: 7.0 fences it group-wide, 7.1 only for a blocked device. */
        public String deferredAttachA() {
            return (flag ? groupFenced() : parked(A)) ? "-EBUSY" : "0";
        }

        public boolean parkedA() {
            return parked(A);
        }

        public String replace1() {
            return setDomain(d1);
        }

        public String replace2() {
            return setDomain(d2);
        }

        /** iommu_attach_device_pasid(), §1.6 row 4: fenced, then -EBUSY if the PASID is taken. */
        public String pasidAttach() {
            if (groupFenced() || pasid1) {
                return "-EBUSY";
            }
            pasid1 = true;
            return "0";
        }

        /** iommu_detach_device_pasid(), §1.6 row 5: never fenced; the entry is erased. */
        public String pasidDetach() {
            if (!pasid1) {
                return "-EINVAL";
            }
            pasid1 = false;
            return "0";
        }

        /** iommu_get_domain_for_dev(): group->domain, the logical domain, also during a reset. */
        public long getDomain() {
            return domain;
        }

        /**
         * iommu_driver_get_domain_for_dev(): 7.0 returns resetting_domain whoever set it; 7.1 the
         * blocking domain while B is blocked; else group->domain.
         */
        public long driverGetDomainB() {
            return (flag ? groupFenced() : parked(B)) ? blockingId : domain;
        }
    }

    /**
     * NOTE: pure code over immutable values (the snapshot rules and snapshots, the word rules, the
     * word codec, the domain table filled at set-up, the per-thread context, the kernel log) runs as
     * one step: its reads cannot race, and without this every array element it touches is a switch
     * point and model checking of the word core takes many minutes. The word core's own loads and
     * CASes (LockFreeWordCell, and its descriptor) stay fully explored; so do the decode and
     * snapshot caches' benign races in WordCell, which are only identity caches.
     */
    private static ModelCheckingOptions modelChecking() {
        return new ModelCheckingOptions().iterations(ITERATIONS).invocationsPerIteration(INVOCATIONS)
            .threads(2).actorsPerThread(3).actorsBefore(2).actorsAfter(1).sequentialSpecification(PlainSpec.class)
            .addGuarantee(forClasses("io.resetguard.state.GroupOverflow", "io.resetguard.state.GroupState",
                "io.resetguard.state.DeviceState", "io.resetguard.state.PasidTable", "io.resetguard.state.DomainTable",
                "io.resetguard.state.OpCtx", "io.resetguard.state.FnWord", "io.resetguard.state.GroupWord",
                "io.resetguard.model.WordRules", "io.resetguard.model.ResetRules", "io.resetguard.model.GroupFlagRules",
                "io.resetguard.model.DeviceCounterRules", "io.resetguard.event.EventLog").allMethods().treatAsAtomic());
    }

    @ParameterizedTest
    @EnumSource(ProtocolModel.class)
    void lockFreeIsLinearizableUnderModelChecking(final ProtocolModel m) {
        model = m;
        modelChecking().check(LockFreeOps.class);
    }

    /** The locking twin: the same words and rules under the group lock, every model. */
    @ParameterizedTest
    @EnumSource(ProtocolModel.class)
    void lockingIsLinearizableUnderModelChecking(final ProtocolModel m) {
        model = m;
        modelChecking().check(LockingOps.class);
    }

    @ParameterizedTest
    @EnumSource(ProtocolModel.class)
    void lockFreeIsLinearizableUnderStress(final ProtocolModel m) {
        model = m;
        new StressOptions().iterations(ITERATIONS).invocationsPerIteration(INVOCATIONS * 2).threads(2)
            .actorsPerThread(3).sequentialSpecification(PlainSpec.class).check(LockFreeOps.class);
    }

    @Test
    void lockFreeCellIsObstructionFree() {
        model = ProtocolModel.LINUX_7_1;
        modelChecking().checkObstructionFreedom(true).check(LockFreeOps.class);
    }

    @Test
    void lockingCellIsNotObstructionFree() {
        model = ProtocolModel.LINUX_7_1;
        final AssertionError e = assertThrows(AssertionError.class,
            () -> modelChecking().checkObstructionFreedom(true).check(LockingOps.class));
        assertTrue(e.getMessage().contains("should be non-blocking, but an active lock is detected"), e.getMessage());
    }
}
