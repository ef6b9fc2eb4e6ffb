package io.resetguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.resetguard.model.ProtocolModel;
import io.resetguard.recovery.RecoveryPolicy;
import io.resetguard.report.ProjectVersion;
import io.resetguard.sim.ModelResult;
import io.resetguard.sim.SimConfig;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulation's console tables, progress line, report.json (schema 2) and HTML charts. */
class SimReportTest {
    @TempDir
    Path tmp;

    /** A result with large counts and a latency histogram of {@code n} values 2 µs .. 1 s. */
    private static ModelResult result(final ProtocolModel m, final int n) {
        final Histogram h = new Histogram(3);
        for (int i = 0; i < n; i++) {
            h.recordValue(i % 1000 == 999 ? 1_000_000_000L : 2_000L + i);
        }
        return new ModelResult(m, 1_234_567, 313_000, 252_000, 184_000, 0, 4_620_000, 0, 987_654_321, 12_345,
            h.getValueAtPercentile(50), h.getValueAtPercentile(99), 5_000_000_000L, 1_000_000_000L, 0, 0, 0, 0, h);
    }

    @Test
    void tablesHaveSeparatorsReadableHeadersAndFit100Columns() {
        final StringWriter s = new StringWriter();
        final List<ModelResult> rs = List.of(result(ProtocolModel.LINUX_7_0, 5000), result(ProtocolModel.RESULT_TO_DONE, 10));
        SimReport.table(RecoveryPolicy.FENCE_THEN_RESET, rs, new PrintWriter(s, true));
        final String t = s.toString();
        for (final String line : t.split("\n")) {
            assertTrue(line.length() <= SimReport.WIDTH, line.length() + " columns: " + line);
            assertFalse(line.matches(".*\\b[a-z]+[A-Z][a-zA-Z]*\\b.*"), "a camelCase header: " + line);
        }
        assertTrue(t.contains("failed resets") && t.contains("blocked at end") && t.contains("liveness violations"), t);
        assertTrue(t.contains("1,234,567") && t.contains("987,654,321") && t.contains("4,620,000"), t);
        assertTrue(t.contains("1.00 s"), "the max latency, in a unit: " + t);
        assertTrue(t.contains("result-to-done"), t);
        assertFalse(t.contains("quarantined"), "no quarantine table when no model has a count: " + t);
    }

    /** {@link #result} with the four quarantine counts. */
    private static ModelResult quarantineResult(final ProtocolModel m, final long quarantined, final long healthy,
                                                final long waitTimeouts, final long idle) {
        final ModelResult r = result(m, 100);
        return new ModelResult(m, r.resets(), r.failedResets(), r.blockedAtEnd(), r.corruptions(), r.staleReads(),
            r.livenessViolations(), r.useAfterFree(), r.invalidations(), r.timeouts(), r.invalidationLatencyP50Ns(),
            r.invalidationLatencyP99Ns(), r.events(), r.wallNs(), quarantined, healthy, waitTimeouts, idle,
            r.latency());
    }

    @Test
    void quarantineTableShowsHealthyQuarantinedUnderQuarantineOrWhenCountedAndFits100Columns() {
        final List<ModelResult> zero = List.of(quarantineResult(ProtocolModel.QUAR_V6, 0, 0, 0, 0));
        final StringWriter q = new StringWriter();
        SimReport.table(RecoveryPolicy.QUARANTINE, zero, new PrintWriter(q, true));
        assertTrue(q.toString().contains("healthy quarantined"), "always shown under quarantine, zeros too: " + q);

        final List<ModelResult> rs = List.of(quarantineResult(ProtocolModel.LINUX_7_0, 19_196, 18_244, 1_234_567, 7),
            quarantineResult(ProtocolModel.RESULT_TO_DONE, 3, 0, 0, 0));
        final StringWriter s = new StringWriter();
        SimReport.table(RecoveryPolicy.QUARANTINE, rs, new PrintWriter(s, true));
        final String t = s.toString();
        for (final String line : t.split("\n")) {
            assertTrue(line.length() <= SimReport.WIDTH, line.length() + " columns: " + line);
            assertFalse(line.matches(".*\\b[a-z]+[A-Z][a-zA-Z]*\\b.*"), "a camelCase header: " + line);
        }
        assertTrue(t.contains("quarantined") && t.contains("healthy quarantined") && t.contains("completion-wait timeouts")
            && t.contains("idle-ITag completions"), t);
        final String row = t.lines().filter(l -> l.startsWith("linux-7.0") && l.contains("18,244")).findFirst()
            .orElseThrow(() -> new AssertionError("no quarantine row for linux-7.0: " + t));
        assertTrue(row.contains("19,196") && row.contains("1,234,567") && row.endsWith(" 7"), row);

        final StringWriter other = new StringWriter();
        SimReport.table(RecoveryPolicy.NONE, List.of(quarantineResult(ProtocolModel.LINUX_7_0, 0, 0, 5, 0)),
            new PrintWriter(other, true));
        assertTrue(other.toString().contains("completion-wait timeouts"), "a non-zero count shows the table: " + other);
    }

    @Test
    void reportJsonCarriesTheQuarantineCountsAndSettings() {
        final SimConfig c = SimConfig.defaults().withRecovery(RecoveryPolicy.QUARANTINE)
            .withOperatorResetDelayNs(45_000_000_000L).withCompletionCount(0.25, 4);
        final JsonNode j = SimReport.json(c, List.of(quarantineResult(ProtocolModel.QUAR_V6, 11, 5, 3, 2)), 1.0);
        final JsonNode m = j.get("models").get("quar-v6");
        assertEquals(11, m.get("quarantined").asLong());
        assertEquals(5, m.get("healthyFunctionsQuarantined").asLong());
        assertEquals(3, m.get("completionWaitTimeouts").asLong());
        assertEquals(2, m.get("idleItagCompletions").asLong());
        final JsonNode s = j.get("settings");
        assertEquals("quarantine", s.get("recovery").asText());
        assertEquals("45s", s.get("operatorResetDelay").asText());
        assertEquals(0.25, s.get("completionCountRate").asDouble());
        assertEquals(4, s.get("completionCount").asInt());
    }

    @Test
    void quarantineRunReportsItsCountsInJsonAndHtml() throws Exception {
        final Path r = tmp.resolve("q");
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        assertEquals(0, Main.run(new String[] {"simulate", "--functions", "300", "--iommus", "2", "--duration", "5m",
            "--fault-rate", "0.2", "--models", "linux-7.0,quar-v6", "--recovery", "quarantine", "--flavour", "amd",
            "--no-progress", "--report", r.toString()}, new PrintWriter(out), new PrintWriter(err)), err.toString());
        assertTrue(out.toString().contains("healthy quarantined"), out.toString());
        final JsonNode models = new ObjectMapper().readTree(r.resolve("report.json").toFile()).get("models");
        long quarantined = 0;
        for (final String m : List.of("linux-7.0", "quar-v6")) {
            final JsonNode n = models.get(m);
            for (final String f : List.of("quarantined", "healthyFunctionsQuarantined", "completionWaitTimeouts",
                "idleItagCompletions")) {
                assertTrue(n.has(f), m + " lacks " + f);
            }
            assertTrue(n.get("healthyFunctionsQuarantined").asLong() <= n.get("quarantined").asLong(), n.toString());
            quarantined += n.get("quarantined").asLong();
        }
        assertTrue(quarantined > 0, "hung devices under quarantine are quarantined: " + models);
        final String html = Files.readString(r.resolve("index.html"));
        assertTrue(html.contains("<h2>Quarantine</h2>") && html.contains("Healthy functions quarantined by model"), html);
        assertTrue(html.contains("recovery quarantine (operator reset delay 30s), amd,"), "the run's settings");
        assertEquals(7, html.split("<svg", -1).length - 1, "the six charts and the healthy-quarantined one");
    }

    @Test
    void progressNamesElapsedTimeLeftAndTheModel() {
        assertEquals("30.0 s elapsed, about 1 min 10 s left, model linux-7.0",
            SimRun.status(0.3, 30, List.of("linux-7.0", "seed", "linux-7.1")));
        assertEquals("45.0 s elapsed, about 45.0 s left, model seed",
            SimRun.status(0.5, 45, List.of("linux-7.0", "seed", "linux-7.1")));
        assertEquals("2 min 00 s elapsed, model linux-7.1", SimRun.status(1.0, 120, List.of("linux-7.0", "seed", "linux-7.1")));
        final StringWriter log = new StringWriter();
        final AtomicInteger shown = new AtomicInteger(-1);
        for (int i = 0; i <= 100; i++) {
            SimRun.bar(i / 100.0, shown, false, System.nanoTime(), List.of("linux-7.0", "seed"), new PrintWriter(log));
        }
        final String[] lines = log.toString().split("\n");
        assertTrue(lines[0].startsWith("progress  10%: ") && lines[0].contains(" elapsed, about ")
            && lines[0].endsWith("left, model linux-7.0"), lines[0]);
        assertTrue(lines[6].contains("model seed"), lines[6]);

        final StringWriter bar = new StringWriter();
        final AtomicInteger drawn = new AtomicInteger(-1);
        final long hourAgo = System.nanoTime() - 3_600_000_000_000L;
        for (int i = 1; i <= 99; i++) {
            SimRun.bar(i / 100.0, drawn, true, hourAgo, List.of("result-to-done", "seed-on-7.1"), new PrintWriter(bar));
        }
        for (final String redraw : bar.toString().split("\r")) {
            assertTrue(redraw.length() <= SimReport.WIDTH, redraw.length() + " columns: " + redraw);
        }
        assertTrue(bar.toString().contains("h ") && bar.toString().contains("left, model seed-on-7.1"), bar.toString());
    }

    @Test
    void reportJsonHasItsSchemaGeneratorTailLatenciesAndAHistogramThatMergesExactly() throws Exception {
        final Path a = tmp.resolve("a");
        final Path b = tmp.resolve("b");
        for (final Object[] run : new Object[][] {{a, "1"}, {b, "2"}}) {
            final StringWriter err = new StringWriter();
            assertEquals(0, Main.run(new String[] {"simulate", "--functions", "300", "--iommus", "2", "--duration", "5m",
                "--fault-rate", "0.2", "--models", "linux-7.0", "--seed", (String) run[1], "--no-progress",
                "--report", run[0].toString()}, new PrintWriter(new StringWriter()), new PrintWriter(err)), err.toString());
        }
        final ObjectMapper om = new ObjectMapper();
        final JsonNode ja = om.readTree(a.resolve("report.json").toFile());
        final JsonNode jb = om.readTree(b.resolve("report.json").toFile());
        assertEquals(2, ja.get("schemaVersion").asInt());
        assertEquals("resetguard " + ProjectVersion.get(), ja.get("generator").asText());
        final JsonNode ma = ja.get("models").get("linux-7.0");
        final JsonNode mb = jb.get("models").get("linux-7.0");
        final Histogram ha = SimReport.decode(ma.get("invalidationLatencyHistogram").asText());
        final Histogram hb = SimReport.decode(mb.get("invalidationLatencyHistogram").asText());
        assertTrue(ha.getTotalCount() > 0, "invalidations were recorded");
        assertEquals(ma.get("invalidationLatencyP50Ns").asLong(), ha.getValueAtPercentile(50));
        assertEquals(ma.get("invalidationLatencyP99Ns").asLong(), ha.getValueAtPercentile(99));
        assertEquals(ma.get("invalidationLatencyP999Ns").asLong(), ha.getValueAtPercentile(99.9));
        assertEquals(ma.get("invalidationLatencyMaxNs").asLong(), ha.getMaxValue());
        assertTrue(ma.get("invalidationLatencyMaxNs").asLong() >= ma.get("invalidationLatencyP999Ns").asLong());
        final Histogram merged = ha.copy();
        merged.add(hb);
        assertEquals(ha.getTotalCount() + hb.getTotalCount(), merged.getTotalCount());
        assertEquals(Math.max(ha.getMaxValue(), hb.getMaxValue()), merged.getMaxValue());
    }

    @Test
    void encodingRoundTripsExactly() throws Exception {
        final ModelResult r = result(ProtocolModel.SEED, 20_000);
        final Histogram back = SimReport.decode(SimReport.encode(r.latency()));
        assertEquals(r.latency(), back);
        assertEquals(1_000_000_000L, r.invalidationLatencyMaxNs(), 1_000_000_000L / 1000.0);
    }

    @Test
    void htmlChartsAreTitledLabelledAndAccessibleAndEventsPerSecondIsNotCharted() throws Exception {
        final Path r = tmp.resolve("r");
        final StringWriter err = new StringWriter();
        assertEquals(0, Main.run(new String[] {"simulate", "--functions", "200", "--iommus", "2", "--duration", "2m",
            "--no-progress", "--report", r.toString()}, new PrintWriter(new StringWriter()), new PrintWriter(err)),
            err.toString());
        final String html = Files.readString(r.resolve("index.html"));
        final long charts = html.split("<svg", -1).length - 1;
        assertEquals(6, charts, "five counts and the latency percentiles");
        assertEquals(charts, html.split("role=\"img\" aria-labelledby=", -1).length - 1, "every chart is a labelled image");
        assertEquals(charts, html.split("<desc id=", -1).length - 1, "every chart has a text alternative");
        assertTrue(html.contains("<title id=\"chart-") && html.contains("Memory corruptions by model"), html);
        assertTrue(html.contains("latency, ns of virtual time (log)"), "an axis with its unit");
        assertFalse(html.contains("Simulated events per wall second"), "the JIT/load-noise chart is gone");
        assertTrue(html.contains("<html lang=\"en\">"));
    }
}
