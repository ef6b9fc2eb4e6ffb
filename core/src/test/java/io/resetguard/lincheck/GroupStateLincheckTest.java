package io.resetguard.lincheck;

import io.resetguard.fabric.Bdf;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.StateImpl;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
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
 * <p>The sequential specification runs the same operations one at a time on a fabric of its own
 * with the locking cell: what a caller may observe is defined by the rules applied in some order.
 * Domains are compared by id; both fabrics allocate ids in the same order.
 *
 * <p>Budgets are small so {@code mvn verify} stays short; raise them with
 * {@code -Dlincheck.iterations=200 -Dlincheck.invocations=5000}.
 */
class GroupStateLincheckTest {
    private static volatile ProtocolModel model = ProtocolModel.LINUX_7_1;
    private static final int ITERATIONS = Integer.getInteger("lincheck.iterations", 12);
    private static final int INVOCATIONS = Integer.getInteger("lincheck.invocations", 200);

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

    /** The sequential specification. */
    public static class Spec extends Ops {
        public Spec() {
            super(StateImpl.LOCKING);
        }
    }

    private static ModelCheckingOptions modelChecking() {
        return new ModelCheckingOptions().iterations(ITERATIONS).invocationsPerIteration(INVOCATIONS)
            .threads(2).actorsPerThread(3).actorsBefore(2).actorsAfter(1).sequentialSpecification(Spec.class);
    }

    @ParameterizedTest
    @EnumSource(ProtocolModel.class)
    void lockFreeIsLinearizableUnderModelChecking(final ProtocolModel m) {
        model = m;
        modelChecking().check(LockFreeOps.class);
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolModel.class, names = {"LINUX_7_0", "LINUX_7_1"})
    void lockingIsLinearizableUnderModelChecking(final ProtocolModel m) {
        model = m;
        modelChecking().check(LockingOps.class);
    }

    @ParameterizedTest
    @EnumSource(ProtocolModel.class)
    void lockFreeIsLinearizableUnderStress(final ProtocolModel m) {
        model = m;
        new StressOptions().iterations(ITERATIONS).invocationsPerIteration(INVOCATIONS * 2).threads(2)
            .actorsPerThread(3).sequentialSpecification(Spec.class).check(LockFreeOps.class);
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
