package io.resetguard.time;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** schedule() runs inline; execute() runs after the current executed task and never nests. */
class InlineSchedulerTest {

    @Test
    void aNestedExecuteRunsAfterTheCurrentTaskAndBeforeTheOutermostReturns() {
        final InlineScheduler s = new InlineScheduler();
        final List<String> order = new ArrayList<>();
        s.execute(() -> {
            order.add("a start");
            s.execute(() -> {
                order.add("b");
                s.execute(() -> order.add("d"));
            });
            s.execute(() -> order.add("c"));
            order.add("a end");
        });
        assertEquals(List.of("a start", "a end", "b", "c", "d"), order);
        assertFalse(s.executingOnThisThread());
    }

    @Test
    void scheduleStillRunsInsideTheCallAndAdvancesTime() {
        final InlineScheduler s = new InlineScheduler();
        final List<String> order = new ArrayList<>();
        s.execute(() -> {
            s.schedule(5, () -> order.add("waited"));
            order.add("after schedule");
        });
        assertEquals(List.of("waited", "after schedule"), order);
        assertEquals(5, s.nanoTime());
    }

    @Test
    void aMillionLongHandOffChainDoesNotGrowTheStack() {
        final InlineScheduler s = new InlineScheduler();
        final AtomicInteger left = new AtomicInteger(1_000_000);
        final Runnable[] step = new Runnable[1];
        step[0] = () -> {
            if (left.decrementAndGet() > 0) {
                s.execute(step[0]); // each task hands on to the next, as a device-lock waiter does
            }
        };
        s.execute(step[0]);
        assertEquals(0, left.get());
    }

    @Test
    void aThrowingTaskDoesNotStrandTheQueuedOnes() {
        final InlineScheduler s = new InlineScheduler();
        final List<String> order = new ArrayList<>();
        final IllegalStateException boom = new IllegalStateException("boom");
        final IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> s.execute(() -> {
            s.execute(() -> order.add("queued before the throw"));
            s.execute(() -> {
                throw new IllegalArgumentException("second");
            });
            throw boom;
        }));
        assertSame(boom, thrown);
        assertEquals(1, thrown.getSuppressed().length);
        assertEquals(List.of("queued before the throw"), order);
        assertFalse(s.executingOnThisThread());
        s.execute(() -> order.add("next"));
        assertEquals(List.of("queued before the throw", "next"), order);
    }

    @Test
    void theSameThrowableTwiceStillStrandsNothing() {
        final InlineScheduler s = new InlineScheduler();
        final List<String> order = new ArrayList<>();
        final IllegalStateException cached = new IllegalStateException("cached");
        final IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> s.execute(() -> {
            s.execute(() -> {
                throw cached;
            });
            s.execute(() -> order.add("still runs"));
            throw cached;
        }));
        assertSame(cached, thrown);
        assertEquals(0, thrown.getSuppressed().length);
        assertEquals(List.of("still runs"), order);
        assertFalse(s.executingOnThisThread());
    }

    @Test
    void threadsHaveTheirOwnQueues() throws InterruptedException {
        final InlineScheduler s = new InlineScheduler();
        final boolean[] otherSawRunning = new boolean[1];
        final List<String> order = new ArrayList<>();
        s.execute(() -> {
            final Thread t = new Thread(() -> {
                otherSawRunning[0] = s.executingOnThisThread();
                s.execute(() -> order.add("other thread ran at once")); // not queued behind ours
            });
            t.start();
            try {
                t.join();
            } catch (final InterruptedException e) {
                throw new AssertionError(e);
            }
            order.add("ours");
        });
        assertFalse(otherSawRunning[0]);
        assertEquals(List.of("other thread ran at once", "ours"), order);
        assertTrue(order.size() == 2);
    }
}
