package io.resetguard.reference;

import io.resetguard.errno.Errno;
import io.resetguard.event.Event;
import io.resetguard.fabric.Bdf;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.fault.FaultInjector;
import io.resetguard.fault.FaultPoint;
import io.resetguard.model.ProtocolModel;
import io.resetguard.model.WordCell;
import io.resetguard.state.LockFreeStateCell;
import io.resetguard.state.StateImpl;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * WordCoreDifferentialTest - the word core ({@link WordCell}, both the lock-free cell and its locking
 * twin) against the executable reference (the snapshot rules applied by {@link LockFreeStateCell}):
 * random operation sequences over groups of 1 to 6 functions, with PASIDs, hotplug and unplug,
 * domain frees and fault injection, under every model. After every operation the two must agree on
 * the errno, the kernel-log events (type, function, text) and the snapshot.
 *
 * <p>Both fabrics get the same seeded fault stream; a draw that one side makes and the other does
 * not shifts every later answer, so the test also checks that the word core draws exactly the
 * reference's faults (the fail-nth contract), whatever path (one word or multi-word) it takes.
 */
class WordCoreDifferentialTest {
    private static final int OPS = 19;

    @Provide
    Arbitrary<ProtocolModel> models() {
        return Arbitraries.of(ProtocolModel.values());
    }

    @Provide
    Arbitrary<StateImpl> impls() {
        return Arbitraries.of(StateImpl.values());
    }

    @Property(tries = 600)
    void wordCoreAgreesWithTheReference(@ForAll("models") final ProtocolModel model,
                                        @ForAll("impls") final StateImpl impl,
                                        @ForAll @IntRange(min = 1, max = 6) final int functions,
                                        @ForAll @IntRange(min = 0, max = 30) final int faultPercent,
                                        @ForAll final long faultSeed,
                                        @ForAll @Size(max = 60) final List<@IntRange(min = 0, max = 1 << 20) Integer> ops) {
        final Rig ref = new Rig(model, null, functions, faultPercent, faultSeed);
        final Rig word = new Rig(model, impl, functions, faultPercent, faultSeed);
        assertTrue(word.group.cell() instanceof WordCell, "the fabric's default cell is the word core");
        assertEquals(ref.describe(), word.describe(), "initial state");
        int step = 0;
        for (final int op : ops) {
            final String a = ref.run(op);
            final String b = word.run(op);
            final String where = "step " + step + " op " + Rig.name(op) + " under " + model + "/" + impl;
            assertEquals(a, b, where + ": result");
            assertEquals(ref.events(), word.events(), where + ": kernel log");
            assertEquals(ref.describe(), word.describe(), where + ": snapshot");
            step++;
        }
    }

    /** One fabric with one group, its functions and a pool of domains. */
    private static final class Rig {
        final Fabric fabric;
        final IommuGroup group;
        final List<PciFunction> fns = new ArrayList<>();
        final List<Domain> pool = new ArrayList<>();

        Rig(final ProtocolModel model, final StateImpl impl, final int n, final int faultPercent, final long seed) {
            final SplittableRandom rnd = new SplittableRandom(seed);
            final Fabric.Builder b = Fabric.builder().model(model);
            if (impl == null) {
                b.cellFactory(LockFreeStateCell::new); // the reference
            } else {
                b.stateImpl(impl);
            }
            fabric = b.build();
            group = fabric.addIommu("smmu0").addGroup();
            for (int k = 0; k < n; k++) {
                fns.add(group.addFunction(Bdf.parse("0000:3b:00." + k), n < 3 || k != n - 1, k % 2 == 0 ? 4 : 0));
            }
            for (int k = 0; k < 3; k++) {
                pool.add(fabric.allocPagingDomain());
            }
            // faults only after the topology is built, so both rigs start equal
            fabric.faults(faultPercent == 0 ? FaultInjector.NONE : new FaultInjector() {
                @Override
                public synchronized Errno draw(final FaultPoint point, final PciFunction fn) {
                    if (rnd.nextInt(100) >= faultPercent) {
                        return Errno.OK;
                    }
                    return point == FaultPoint.BLOCKING_DOMAIN_ALLOC ? Errno.ENOMEM : Errno.EIO;
                }
            });
        }

        static String name(final int op) {
            return switch (op % OPS) {
                case 0 -> "prepare";
                case 1 -> "done(0)";
                case 2 -> "done(-EIO)";
                case 3 -> "finishReset(-EIO)";
                case 4 -> "attachGroup";
                case 5 -> "replaceGroup";
                case 6 -> "detachGroup";
                case 7 -> "claimDmaOwner";
                case 8 -> "releaseDmaOwner";
                case 9 -> "attachPasid";
                case 10 -> "replacePasid";
                case 11 -> "detachPasid";
                case 12 -> "deferredAttach";
                case 13 -> "unplug";
                case 14 -> "hotplug";
                case 15 -> "freeDomain";
                case 16 -> "driverGetDomain";
                case 17 -> "isParked";
                default -> "prepare;prepare";
            } + "#" + (op / OPS);
        }

        String run(final int op) {
            final int arg = op / OPS;
            final PciFunction fn = fns.get(arg % fns.size());
            final Domain d = (arg / 7) % 4 == 3 ? group.defaultDomain() : pool.get((arg / 7) % 3);
            final int pasid = 1 + (arg / 5) % 3;
            switch (op % OPS) {
                case 0: return group.prepare(fn).kernelString();
                case 1: group.done(fn); return "void";
                case 2: group.done(fn, Errno.EIO); return "void";
                case 3: return String.valueOf(group.finishReset(fn, Errno.EIO));
                case 4: return group.attachGroup(d).kernelString();
                case 5: return group.replaceGroup(d).kernelString();
                case 6: group.detachGroup(); return "void";
                case 7: return group.claimDmaOwner().kernelString();
                case 8: return group.releaseDmaOwner().kernelString();
                case 9: return group.attachPasid(fn, pasid, d).kernelString();
                case 10: return group.replacePasid(fn, pasid, d).kernelString();
                case 11: return group.detachPasid(fn, pasid).kernelString();
                case 12: return group.deferredAttach(fn).kernelString();
                case 13: return group.unplug(fn).kernelString();
                case 14: return group.hotplug(fn).kernelString();
                case 15: return d == group.defaultDomain() ? "skip" : fabric.freeDomain(d).kernelString();
                case 16: return String.valueOf(group.driverGetDomain(fn));
                case 17: return String.valueOf(group.isParked(fn)) + "/" + group.getDomain(fn) + "/" + group.deviceState(fn);
                default: return group.prepare(fn).kernelString() + "," + group.prepare(fn).kernelString();
            }
        }

        String events() {
            final StringBuilder sb = new StringBuilder();
            for (final Event e : fabric.events().events()) {
                sb.append(e.type()).append(' ').append(e.bdf()).append(' ').append(e.detail()).append('\n');
            }
            return sb.toString();
        }

        String describe() {
            return group.snapshot().toString();
        }
    }
}
