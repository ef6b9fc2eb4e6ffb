package io.resetguard.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * SyntheticResults - a small JMH JSON result document written by hand, in JMH 1.37's format, with
 * numbers chosen so that the targets come out known: T1 PASS (2.5x), T2 MISS (0.5x), T3 PASS (1.2x,
 * 12 M/s), T4 MISS (2.5x). Every two-thread run has three forks with distinct values.
 */
final class SyntheticResults {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PKG = "io.resetguard.bench.";

    private final ArrayNode root = JSON.createArrayNode();

    static String json() {
        final SyntheticResults s = new SyntheticResults();
        s.avgt("PrepareDoneBench.casTransition", 1, Map.of(), 6.0, new double[][] {{6.0, 6.0, 6.0}}, Map.of());
        s.avgt("PrepareDoneBench.prepareDone", 1, Map.of("model", "linux-7.1", "stateImpl", "lock-free",
            "functions", "1"), 15.0, new double[][] {{15.0, 15.0, 15.0}}, Map.of("retries", 0.0, "prepareErrors", 0.0));
        s.avgt("PrepareDoneBench.prepareDone", 1, Map.of("model", "linux-7.1", "stateImpl", "locking",
            "functions", "1"), 30.0, new double[][] {{30.0, 30.0, 30.0}}, Map.of("retries", 0.0));
        s.avgt("PrepareDoneBench.prepareDone", 1, Map.of("model", "linux-7.1", "stateImpl", "lock-free",
            "functions", "64"), 150.0, new double[][] {{150.0, 150.0, 150.0}}, Map.of("retries", 0.0));
        s.avgt("PrepareDoneBench.casTransitionContended", 2, Map.of(), 31.0,
            new double[][] {{30, 30, 30}, {31, 31, 31}, {32, 32, 32}}, Map.of());
        s.avgt("PrepareDoneBench.prepareDoneContended", 2, Map.of("model", "linux-7.1", "stateImpl", "lock-free",
            "functions", "1"), 400.0, new double[][] {{390, 390, 390}, {400, 400, 400}, {410, 410, 410}},
            Map.of("retries", 1_000_000.0));
        s.avgt("PrepareDoneBench.prepareDoneContended", 2, Map.of("model", "linux-7.1", "stateImpl", "locking",
            "functions", "1"), 200.0, new double[][] {{190, 190, 190}, {200, 200, 200}, {210, 210, 210}},
            Map.of("retries", 0.0));
        for (final String f : new String[] {"1", "4096"}) {
            s.thrpt("ResetBench.reset", 1, Map.of("model", "linux-7.1", "stateImpl", "lock-free", "functions", f,
                "fabric", "shared"), 7.0, new double[][] {{7.0, 7.0, 7.0}}, Map.of("resetErrors", 0.0));
            s.thrpt("ResetBench.reset", 1, Map.of("model", "linux-7.1", "stateImpl", "locking", "functions", f,
                "fabric", "shared"), 6.0, new double[][] {{6.0, 6.0, 6.0}}, Map.of("resetErrors", 0.0));
        }
        s.thrpt("ResetBench.resetTwoThreads", 2, Map.of("model", "linux-7.1", "stateImpl", "lock-free",
            "functions", "4096", "fabric", "shared"), 12.0, new double[][] {{11, 11, 11}, {12, 12, 12}, {13, 13, 13}},
            Map.of("resetErrors", 0.0, "keptBlocked", 0.0));
        s.thrpt("ResetBench.resetTwoThreads", 2, Map.of("model", "linux-7.1", "stateImpl", "locking",
            "functions", "4096", "fabric", "shared"), 9.0, new double[][] {{9, 9, 9}, {9, 9, 9}, {9, 9, 9}},
            Map.of("resetErrors", 2.0));
        s.group("InvalidationHandoffBench.roundTrip", "submit", Map.of("queue", "jctools-mpsc", "functions", "1"),
            1000.0, new double[] {990, 1000, 1010}, 50_000.0);
        s.group("QueuePingPongBench.pingPong", "ping", Map.of("channel", "jctools-mpsc"), 400.0,
            new double[] {390, 400, 410}, 40_000.0);
        s.group("QueuePingPongBench.pingPong", "ping", Map.of("channel", "atomic"), 300.0,
            new double[] {300, 300, 300}, 30_000.0);
        s.sample("InvalidationBench.latency", 1, Map.of("queue", "jctools-mpsc", "functions", "1"));
        s.thrpt("InvalidationBench.throughput", 1, Map.of("queue", "abq", "functions", "1"), 2.0,
            new double[][] {{2.0, 2.0, 2.0}}, Map.of("refused", 0.0, "timeouts", 0.0));
        return s.root.toPrettyString();
    }

    private ObjectNode base(final String name, final String mode, final int threads, final int forks,
                            final Map<String, String> params) {
        final ObjectNode n = root.addObject();
        n.put("jmhVersion", "1.37");
        n.put("benchmark", PKG + name);
        n.put("mode", mode);
        n.put("threads", threads);
        n.put("forks", forks);
        n.put("jvm", "/usr/lib/jvm/java-17/bin/java");
        n.putArray("jvmArgs").add("--add-exports").add("java.base/jdk.internal.misc=ALL-UNNAMED");
        n.put("jdkVersion", "17.0.15");
        n.put("vmName", "OpenJDK 64-Bit Server VM");
        n.put("vmVersion", "17.0.15+6");
        n.put("warmupIterations", 2);
        n.put("warmupTime", "500 ms");
        n.put("warmupBatchSize", 1);
        n.put("measurementIterations", 3);
        n.put("measurementTime", "500 ms");
        n.put("measurementBatchSize", 1);
        if (!params.isEmpty()) {
            final ObjectNode p = n.putObject("params");
            params.forEach(p::put);
        }
        return n;
    }

    private static ObjectNode metric(final ObjectNode parent, final String field, final double score,
                                     final String unit, final double[][] raw) {
        final ObjectNode m = parent.putObject(field);
        fill(m, score, unit, raw);
        return m;
    }

    private static void fill(final ObjectNode m, final double score, final String unit, final double[][] raw) {
        m.put("score", score);
        m.put("scoreError", score / 20);
        m.putArray("scoreConfidence").add(score * 0.95).add(score * 1.05);
        final ObjectNode p = m.putObject("scorePercentiles");
        for (final String k : new String[] {"0.0", "50.0", "90.0", "95.0", "99.0", "99.9", "99.99", "99.999",
            "99.9999", "100.0"}) {
            p.put(k, score);
        }
        m.put("scoreUnit", unit);
        final ArrayNode r = m.putArray("rawData");
        for (final double[] fork : raw) {
            final ArrayNode f = r.addArray();
            for (final double v : fork) {
                f.add(v);
            }
        }
    }

    /** AuxCounters EVENTS: {@code v} per iteration; JMH's score is the sum over all iterations. */
    private static void counters(final ObjectNode n, final Map<String, Double> counters, final int forks) {
        final ObjectNode sec = n.putObject("secondaryMetrics");
        counters.forEach((k, v) -> counter(sec, k, v, forks));
    }

    private static void counter(final ObjectNode sec, final String k, final double v, final int forks) {
        final double[][] raw = new double[forks][];
        for (int i = 0; i < forks; i++) {
            raw[i] = new double[] {v, v, v};
        }
        metric(sec, k, v * 3 * forks, "#", raw);
    }

    private void avgt(final String name, final int threads, final Map<String, String> params, final double score,
                      final double[][] raw, final Map<String, Double> counters) {
        final ObjectNode n = base(name, "avgt", threads, raw.length, params);
        metric(n, "primaryMetric", score, "ns/op", raw);
        counters(n, counters, raw.length);
    }

    private void thrpt(final String name, final int threads, final Map<String, String> params, final double score,
                       final double[][] raw, final Map<String, Double> counters) {
        final ObjectNode n = base(name, "thrpt", threads, raw.length, params);
        metric(n, "primaryMetric", score, "ops/us", raw);
        counters(n, counters, raw.length);
    }

    /** A two-thread group in sample mode: the measuring member's secondary, its p50/p99.9 per fork. */
    private void group(final String name, final String member, final Map<String, String> params, final double p50,
                       final double[] forkP50, final double p999) {
        final ObjectNode n = base(name, "sample", 2, forkP50.length, params);
        final ObjectNode pm = metric(n, "primaryMetric", p50 * 1.1, "ns/op", new double[][] {{p50}, {p50}, {p50}});
        ((ObjectNode) pm.get("scorePercentiles")).put("50.0", p50).put("99.9", p999);
        final ObjectNode sec = n.putObject("secondaryMetrics");
        final double[][] raw = new double[forkP50.length][];
        final double[][] p50raw = new double[forkP50.length][];
        final double[][] p999raw = new double[forkP50.length][];
        for (int i = 0; i < forkP50.length; i++) {
            raw[i] = new double[] {p50 * 1.2, p50 * 1.2, p50 * 1.2};
            p50raw[i] = new double[] {forkP50[i], forkP50[i], forkP50[i]};
            p999raw[i] = new double[] {p999, p999, p999};
        }
        final ObjectNode m = metric(sec, member, p50 * 1.2, "ns/op", raw);
        ((ObjectNode) m.get("scorePercentiles")).put("50.0", p50).put("90.0", p50 * 1.1).put("99.0", p50 * 2)
            .put("99.9", p999).put("99.99", p999 * 10).put("100.0", p999 * 100);
        metric(sec, member + ":p0.50", p50, "ns/op", p50raw);
        metric(sec, member + ":p0.999", p999, "ns/op", p999raw);
        counter(sec, "refused", 0, forkP50.length);
        if (member.equals("submit")) {
            counter(sec, "roundTrips", 200_000, forkP50.length);
            counter(sec, "doorbells", 300_000, forkP50.length); // 1.5 per round trip
        }
    }

    /** A plain sample-mode run with a histogram per fork. */
    private void sample(final String name, final int threads, final Map<String, String> params) {
        final ObjectNode n = base(name, "sample", threads, 1, params);
        final ObjectNode pm = metric(n, "primaryMetric", 210, "ns/op", new double[][] {{200, 220}});
        ((ObjectNode) pm.get("scorePercentiles")).put("50.0", 200).put("99.9", 900);
        final ArrayNode h = pm.putArray("rawDataHistogram");
        final ArrayNode fork = h.addArray();
        final ArrayNode it1 = fork.addArray();
        it1.addArray().add(200.0).add(80);
        it1.addArray().add(300.0).add(20);
        final ArrayNode it2 = fork.addArray();
        it2.addArray().add(190.0).add(50);
        it2.addArray().add(900.0).add(1);
        counters(n, Map.of("refused", 0.0, "timeouts", 0.0), 1);
    }
}
