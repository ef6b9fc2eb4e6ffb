package io.resetguard.sim;

import io.resetguard.model.ProtocolModel;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The public shard API: tasks are pure, results merge exactly in any grouping and order. */
class ShardApiTest {

    /** A random shard result: random counts and a histogram of random latencies (ns to seconds). */
    private static ShardResult random(final SplittableRandom r) {
        final Histogram h = new Histogram(ShardResult.LATENCY_DIGITS);
        final int n = r.nextInt(50);
        for (int k = 0; k < n; k++) {
            // wide range, so that merging forces the auto-resizing histograms to grow in different orders
            h.recordValue((long) Math.pow(10, r.nextDouble() * 10));
        }
        final long[] c = new long[14];
        for (int k = 0; k < c.length; k++) {
            c[k] = r.nextInt(1_000);
        }
        return new ShardResult(1, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12],
            c[13], h);
    }

    /** Merge {@code rs[from, to)} by a random binary tree. */
    private static ShardResult tree(final List<ShardResult> rs, final int from, final int to, final SplittableRandom r) {
        if (to - from == 1) {
            return rs.get(from);
        }
        final int mid = from + 1 + r.nextInt(to - from - 1);
        return tree(rs, from, mid, r).merge(tree(rs, mid, to, r));
    }

    /**
     * Property: for random results, every permutation merged by every random tree (and a left fold)
     * gives the same result, with the counts summed and every value of every histogram kept.
     */
    @Test
    void mergeIsAssociativeAndCommutativeExactly() {
        final SplittableRandom r = new SplittableRandom(16);
        for (int trial = 0; trial < 200; trial++) {
            final List<ShardResult> rs = new ArrayList<>();
            final int n = 1 + r.nextInt(12);
            long resets = 0;
            long values = 0;
            for (int k = 0; k < n; k++) {
                final ShardResult x = random(r);
                resets += x.resets();
                values += x.latency().getTotalCount();
                rs.add(x);
            }
            ShardResult fold = ShardResult.empty();
            for (final ShardResult x : rs) {
                fold = fold.merge(x);
            }
            assertEquals(n, fold.shards());
            assertEquals(resets, fold.resets());
            assertEquals(values, fold.latency().getTotalCount());
            for (int p = 0; p < 5; p++) {
                final List<ShardResult> perm = new ArrayList<>(rs);
                Collections.shuffle(perm, new java.util.Random(r.nextLong()));
                final ShardResult t = tree(perm, 0, n, r);
                assertEquals(fold, t, "trial " + trial);
                assertEquals(fold.hashCode(), t.hashCode());
                assertEquals(ModelResult.of(ProtocolModel.SEED, fold, 0), ModelResult.of(ProtocolModel.SEED, t, 0));
            }
            assertEquals(fold, fold.merge(ShardResult.empty()), "empty() is the identity");
        }
    }

    /** Equality sees a histogram value moved to another bucket, and a count changed. */
    @Test
    void equalityComparesHistogramValuesAndCounts() {
        final Histogram a = new Histogram(3);
        a.recordValue(2_000);
        final Histogram b = new Histogram(3);
        b.recordValue(2_100);
        final ShardResult x = new ShardResult(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, a);
        assertNotEquals(x, new ShardResult(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b));
        assertNotEquals(x, new ShardResult(1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, a));
        assertEquals(x, new ShardResult(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, a.copy()));
    }

    /** Shard tasks run one by one and merged in reverse give exactly what Simulation.run gives. */
    @Test
    void shardTasksMergedGiveTheModelsResult() throws Exception {
        final SimConfig c = SimConfig.defaults().withFleet(1_500, 3).withFaultRate(0.05).withThreads(2)
            .withDurationNs(SimConfig.HOUR / 4);
        final ModelResult whole = new Simulation(c, 1).run(ProtocolModel.LINUX_7_0, null);
        ShardResult sum = ShardResult.empty();
        for (int s = c.iommus() - 1; s >= 0; s--) {
            final ShardTask t = new ShardTask(c, 1, ProtocolModel.LINUX_7_0, s);
            sum = roundTrip(t).run().merge(sum);
        }
        assertEquals(3, sum.shards());
        final ModelResult parts = ModelResult.of(ProtocolModel.LINUX_7_0, sum, whole.wallNs());
        assertEquals(whole, parts);
        assertTrue(whole.corruptions() > 0 && whole.latency().getTotalCount() == whole.invalidations(), whole.toString());
        assertEquals(roundTrip(sum), sum, "a result survives serialization");
    }

    @Test
    void aTaskNamesItsBadField() {
        final SimConfig c = SimConfig.defaults().withFleet(100, 2);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ShardTask(c, 0, ProtocolModel.SEED, 2))
            .getMessage().startsWith("shard"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ShardTask(c, -1, ProtocolModel.SEED, 0))
            .getMessage().startsWith("replication"));
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(final T o) throws Exception {
        final ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(o);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b.toByteArray()))) {
            return (T) in.readObject();
        }
    }
}
