package io.resetguard.sim;

import io.resetguard.model.ProtocolModel;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fleet queue across epochs: the order of a plain priority queue over a virtual year. */
class FleetQueueTest {

    /**
     * Random pushes over a year, each after the last pop, near and far: every event comes out at its
     * absolute due time and in (due, index, kind) order, exactly as from a priority queue of absolute
     * keys. Without re-basing, a due time past 2^38 µs would wrap into the index bits.
     */
    @Test
    void popsInAbsoluteOrderAcrossEpochs() {
        final SplittableRandom r = new SplittableRandom(5);
        final long year = 8_760L * 3_600_000_000L;
        final FleetQueue q = new FleetQueue(4);
        final PriorityQueue<long[]> ref = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0])
            : a[1] != b[1] ? Long.compare(a[1], b[1]) : Long.compare(a[2], b[2]));
        for (int i = 0; i < 200; i++) {
            final long due = (long) (r.nextDouble() * year);
            q.push(due, i, 1);
            ref.add(new long[] {due, i, 1});
        }
        long now = 0;
        int popped = 0;
        while (!ref.isEmpty()) {
            final long[] want = ref.poll();
            assertEquals(want[0] * 1_000, q.peekDueNs());
            final long key = q.pop();
            assertEquals(want[1], FleetQueue.index(key));
            assertEquals(want[2], FleetQueue.kind(key));
            now = want[0];
            if (++popped < 20_000) {
                // a near event (a cycle) or, rarely, one more than two epochs ahead
                final long due = now + (r.nextInt(10) == 0 ? (long) (r.nextDouble() * 4 * FleetQueue.WINDOW_US)
                    : r.nextInt(1_000_000_000));
                final int who = r.nextInt(1 << 20);
                q.push(due, who, 0);
                ref.add(new long[] {due, who, 0});
            }
            assertEquals(ref.size(), q.size());
        }
        assertEquals(Long.MAX_VALUE, q.peekDueNs());
        assertTrue(q.epochs() >= year / FleetQueue.EPOCH_US, "epochs crossed: " + q.epochs());
        assertThrows(IllegalStateException.class, () -> q.push(0, 1, 0), "a push before the clock");
    }

    /** A week-long run of a small fleet (two crossings into later epochs) runs and finds the hangs. */
    @Test
    void aWeekLongRunRuns() throws Exception {
        final SimConfig c = SimConfig.defaults().withFleet(200, 2).withFaultRate(0.1).withThreads(2)
            .withDurationNs(168 * SimConfig.HOUR).withModels(List.of(ProtocolModel.LINUX_7_0));
        final ModelResult m = new Simulation(c, 0).runAll(null).get(0);
        // the hangs are drawn over the whole week: most of them lie past the first 76 hours
        assertTrue(m.timeouts() > 0 && m.failedResets() > 0 && m.corruptions() > 0, m.toString());
        assertTrue(m.invalidations() > 200 * 168 * 20, "about 30 cycles per function and hour: " + m);
    }
}
