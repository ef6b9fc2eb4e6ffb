package io.resetguard.inv;

import io.resetguard.errno.Errno;
import io.resetguard.fabric.Bdf;
import io.resetguard.fabric.Fabric;
import io.resetguard.fabric.IommuGroup;
import io.resetguard.fabric.PciFunction;
import io.resetguard.time.InlineScheduler;
import io.resetguard.time.Scheduler;
import io.resetguard.time.VirtualScheduler;
import org.jctools.queues.MpscArrayQueue;
import org.junit.jupiter.api.Test;

import java.util.AbstractQueue;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine constructor that takes its command queue: the engine offers to and polls exactly the
 * queue it was given, a refusing queue surfaces as -EAGAIN, and a queue that is not fresh is refused.
 */
class GivenCommandQueueTest {
    /** A device that answers every invalidation at once. */
    private static final AtcEndpoint INSTANT = new AtcEndpoint() {
        @Override
        public boolean accepts(final InvCommand cmd) {
            return true;
        }

        @Override
        public void deliver(final IommuEngine engine, final InvCommand cmd, final int itag, final long tagGen) {
            engine.complete(cmd.target(), itag, tagGen);
        }
    };

    /** Counts what the engine does to a real MPSC queue. Test-only: offers and polls from one thread. */
    private static final class CountingQueue extends AbstractQueue<InvCommand> {
        final Queue<InvCommand> delegate;
        int offers;
        int polled;

        CountingQueue(final Queue<InvCommand> delegate) {
            this.delegate = delegate;
        }

        @Override
        public boolean offer(final InvCommand c) {
            offers++;
            return delegate.offer(c);
        }

        @Override
        public InvCommand poll() {
            final InvCommand c = delegate.poll();
            if (c != null) {
                polled++;
            }
            return c;
        }

        @Override
        public InvCommand peek() {
            return delegate.peek();
        }

        @Override
        public int size() {
            return delegate.size();
        }

        @Override
        public Iterator<InvCommand> iterator() {
            return delegate.iterator();
        }
    }

    private final IommuGroup group = Fabric.builder().build().addIommu("smmu0").addGroup();
    private final PciFunction fn = group.addFunction(Bdf.parse("01:00.0"), true, 0);

    private IommuEngine engine(final Scheduler s, final Queue<InvCommand> q, final int capacity) {
        return new IommuEngine(group.iommu(), s, group.fabric().events(), InvFlavour.SMMUV3, 1_000_000_000L, q,
            capacity, INSTANT);
    }

    @Test
    void anEngineGivenAQueueSubmitsAndDrainsThroughIt() {
        final CountingQueue q = new CountingQueue(new MpscArrayQueue<>(8));
        final IommuEngine e = engine(new InlineScheduler(), q, 8);
        assertEquals(Errno.OK, e.submit(InvCommand.atcAll(fn)));
        final InvCompletion sync = e.sync();
        assertEquals(Errno.OK, sync.poll(), "the sync completed inline, after the invalidation");
        assertEquals(2, q.offers);
        assertEquals(2, q.polled);
        assertEquals(2, e.submitted());
        assertEquals(1, e.issued());
        assertEquals(1, e.completed());
        assertTrue(e.idle());
    }

    @Test
    void aQueueThatRefusesAnOfferMakesTheSubmitterTryAgain() {
        final VirtualScheduler time = new VirtualScheduler();
        // the queue's own bound (2) is below the engine's (8): its refusal is what the submitter sees
        final IommuEngine e = engine(time, new ArrayBlockingQueue<>(2), 8);
        assertEquals(Errno.OK, e.submit(InvCommand.atcAll(fn)));
        assertEquals(Errno.OK, e.submit(InvCommand.atcAll(fn)));
        assertEquals(Errno.EAGAIN, e.submit(InvCommand.atcAll(fn)), "nothing drained yet: the queue is full");
        assertEquals(1, e.refused());
        time.runUntilIdle();
        for (int i = 0; i < 2; i++) {
            assertEquals(Errno.OK, e.submit(InvCommand.atcAll(fn)));
        }
        final InvCompletion sync = e.trySync();
        assertNull(sync, "two queued again: the queue refuses the sync as well");
        time.runUntilIdle();
        assertEquals(4, e.submitted());
        assertEquals(4, e.completed());
        assertEquals(2, e.refused());
        assertTrue(e.idle());
    }

    @Test
    void aQueueThatIsNotFreshIsRefused() {
        final Queue<InvCommand> used = new ArrayDeque<>();
        used.add(InvCommand.atcAll(fn));
        assertThrows(IllegalArgumentException.class, () -> engine(new InlineScheduler(), used, 8));
        assertThrows(NullPointerException.class, () -> engine(new InlineScheduler(), null, 8));
    }
}
