package io.resetguard.inv;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The engine's unresolved-sequence window agrees with a TreeSet, including long-lived stragglers. */
class SeqWindowTest {

    @Test
    void agreesWithATreeSet() {
        final SplittableRandom r = new SplittableRandom(3);
        final SeqWindow w = new SeqWindow();
        final TreeSet<Long> ref = new TreeSet<>();
        final List<Long> live = new ArrayList<>();
        long next = 0;
        for (int op = 0; op < 200_000; op++) {
            if (live.isEmpty() || r.nextInt(100) < 52) {
                next += 1 + r.nextInt(3); // syncs take numbers too
                w.add(next);
                ref.add(next);
                live.add(next);
            } else {
                // mostly the recent ones resolve; now and then an old straggler (a timeout)
                final int k = r.nextInt(100) < 95 ? live.size() - 1 - r.nextInt(Math.min(live.size(), 8)) : r.nextInt(live.size());
                final long s = live.remove(k);
                w.remove(s);
                ref.remove(s);
                w.remove(s); // removing twice is harmless
            }
            assertEquals(ref.isEmpty(), w.isEmpty());
            if (!ref.isEmpty()) {
                assertEquals(ref.first(), w.first(), "op " + op);
            }
        }
    }
}
