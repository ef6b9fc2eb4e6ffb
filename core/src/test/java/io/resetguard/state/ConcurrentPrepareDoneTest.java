package io.resetguard.state;

import io.resetguard.errno.Errno;
import io.resetguard.fabric.Bdf;
import io.resetguard.fabric.Domain;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.model.Invariants;
import io.resetguard.model.ProtocolModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threads resetting sibling functions of one group while another thread keeps trying to attach: a
 * correctness (not speed) check that every snapshot a thread observes keeps the invariants and that
 * the bookkeeping balances at the end. jcstress covers the fine-grained interleavings.
 */
class ConcurrentPrepareDoneTest {
    private static final int ROUNDS = 20_000;

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void siblingResetsAndAttachesBalance(final StateImpl impl) throws Exception {
        final Fabric f = Fabric.builder().model(ProtocolModel.LINUX_7_1).stateImpl(impl).build();
        final IommuGroup g = f.addIommu("smmu0").addGroup();
        final PciFunction[] fns = new PciFunction[2];
        for (int i = 0; i < fns.length; i++) {
            fns[i] = g.addFunction(new Bdf(0, 1, 0, i), true, 0);
        }
        final Domain[] domains = {f.allocPagingDomain(), f.allocPagingDomain()};
        final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        final CyclicBarrier start = new CyclicBarrier(3);
        final List<Thread> threads = new ArrayList<>();
        for (final PciFunction fn : fns) {
            threads.add(new Thread(() -> {
                final OpCtx ctx = new OpCtx();
                await(start);
                for (int r = 0; r < ROUNDS; r++) {
                    if (g.prepare(fn, ctx.reset(f.faults())) != Errno.OK) {
                        problems.add("prepare failed");
                    }
                    final List<String> v = Invariants.check(g, g.snapshot());
                    if (!v.isEmpty()) {
                        problems.add(v.toString());
                    }
                    g.done(fn, Errno.OK, ctx.reset(f.faults()));
                }
            }));
        }
        final int[] attached = new int[1];
        threads.add(new Thread(() -> {
            await(start);
            for (int r = 0; r < ROUNDS; r++) {
                final Errno e = g.replaceGroup(domains[r & 1]);
                if (e == Errno.OK) {
                    attached[0]++;
                } else if (e != Errno.EBUSY) {
                    problems.add("replace returned " + e);
                }
            }
        }));
        threads.forEach(Thread::start);
        for (final Thread t : threads) {
            t.join();
        }
        assertTrue(problems.isEmpty(), () -> problems.size() + " problems, first: " + problems.peek());
        final GroupState s = g.snapshot();
        assertEquals(0, s.recoveryCnt());
        assertTrue(Invariants.check(g, s).isEmpty());
        for (final PciFunction fn : fns) {
            assertEquals(s.domain(), s.deviceOf(fn).rid(), "every function ends on the current domain");
        }
        assertEquals(0, f.events().total(), () -> "no WARN expected: " + f.events().events());
    }

    private static void await(final CyclicBarrier b) {
        try {
            b.await();
        } catch (final Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
