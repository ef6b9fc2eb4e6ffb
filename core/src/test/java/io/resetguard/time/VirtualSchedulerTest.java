package io.resetguard.time;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The event list runs tasks by due time, ties by scheduling order, also when tasks schedule tasks. */
class VirtualSchedulerTest {

    @Test
    void runsInDueThenSchedulingOrderAgainstASortedReference() {
        final SplittableRandom r = new SplittableRandom(7);
        final VirtualScheduler s = new VirtualScheduler();
        final List<long[]> expected = new ArrayList<>(); // {due, seq}
        final List<long[]> ran = new ArrayList<>();
        long seq = 0;
        for (int round = 0; round < 50; round++) {
            for (int k = 0; k < 200; k++) {
                final long due = s.nanoTime() + r.nextInt(50); // many ties
                final long id = seq++;
                expected.add(new long[] {due, id});
                s.scheduleAt(due, () -> ran.add(new long[] {s.nanoTime(), id}));
            }
            s.runUntil(s.nanoTime() + 20); // interleave: part of the list drains before more arrives
        }
        s.runUntilIdle();
        expected.sort(Comparator.<long[]>comparingLong(a -> a[0]).thenComparingLong(a -> a[1]));
        assertEquals(expected.size(), ran.size());
        for (int i = 0; i < ran.size(); i++) {
            assertEquals(expected.get(i)[1], ran.get(i)[1], "task " + i);
            assertEquals(expected.get(i)[0], ran.get(i)[0], "time of task " + i);
        }
        assertEquals(0, s.pending());
        assertEquals(Long.MAX_VALUE, s.nextDueNs());
    }

    @Test
    void aTaskScheduledAtTheSameTimeRunsAfterItsScheduler() {
        final VirtualScheduler s = new VirtualScheduler();
        final StringBuilder order = new StringBuilder();
        s.schedule(5, () -> {
            order.append('a');
            s.schedule(0, () -> order.append('c'));
        });
        s.schedule(5, () -> order.append('b'));
        assertEquals(3, s.runUntilIdle());
        assertEquals("abc", order.toString());
        assertEquals(5, s.nanoTime());
    }

    @Test
    void thePastAndNegativeDelaysAreRefused() {
        final VirtualScheduler s = new VirtualScheduler(100);
        assertThrows(IllegalArgumentException.class, () -> s.schedule(-1, () -> { }));
        assertThrows(IllegalArgumentException.class, () -> s.scheduleAt(99, () -> { }));
        assertThrows(NullPointerException.class, () -> s.schedule(1, null));
    }
}
