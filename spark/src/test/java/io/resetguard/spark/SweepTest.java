package io.resetguard.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.resetguard.cli.Main;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sweeps on {@code local[2]}: a run of a sweep gives exactly the counts of {@code simulate} with that
 * seed and those settings, and the output holds sweep.json, the Parquet rows and the charts.
 */
class SweepTest {
    /** A small fleet with enough hung devices that every model has something to count. */
    private static final String[] SETTINGS = {"--functions", "3000", "--iommus", "4", "--duration", "5m",
        "--fault-rate", "0.05"};

    private static String[] concat(final String[] a, final String... b) {
        final String[] r = new String[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** Run {@code resetguard} (cli) or the sweep; @return exit code, stdout, stderr. */
    private static String[] sweep(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int rc = SweepMain.run(args, new PrintWriter(out), new PrintWriter(err));
        return new String[] {String.valueOf(rc), out.toString(), err.toString()};
    }

    @Test
    void aSeedOfASweepIsExactlyThatSimulate(@TempDir final Path tmp) throws Exception {
        final Path out = tmp.resolve("sweep");
        final String[] r = sweep(concat(concat(new String[] {"sweep"}, SETTINGS), "--seeds", "7,8", "--master",
            "local[2]", "--out", out.toString(), "--no-progress"));
        assertEquals("0", r[0], r[2]);
        final Path report = tmp.resolve("simulate");
        final StringWriter so = new StringWriter();
        final StringWriter se = new StringWriter();
        final int rc = Main.run(concat(concat(new String[] {"simulate"}, SETTINGS), "--seed", "7", "--report",
            report.toString(), "--no-progress"), new PrintWriter(so), new PrintWriter(se));
        assertEquals(0, rc, se.toString());

        final ObjectMapper om = new ObjectMapper();
        final JsonNode sw = om.readTree(out.resolve("sweep.json").toFile());
        final JsonNode sim = om.readTree(report.resolve("report.json").toFile());
        assertEquals(SweepOutput.SCHEMA_VERSION, sw.get("schemaVersion").asInt());
        assertEquals(2, sw.get("runs").size());
        final JsonNode run7 = sw.get("runs").get(0);
        assertEquals(7, run7.get("seed").asLong());
        assertEquals(8, sw.get("runs").get(1).get("seed").asLong());
        // every setting simulate reports (but the thread count, which a task does not have) is the same
        for (final Iterator<Map.Entry<String, JsonNode>> it = sim.get("settings").fields(); it.hasNext(); ) {
            final Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("threads")) {
                assertEquals(e.getValue(), run7.get("settings").get(e.getKey()), e.getKey());
            }
        }
        // every count of every model is the same; only the wall-clock rate differs
        assertEquals(sim.get("models").size(), run7.get("models").size());
        long corruptions = 0;
        for (final Iterator<Map.Entry<String, JsonNode>> it = sim.get("models").fields(); it.hasNext(); ) {
            final Map.Entry<String, JsonNode> m = it.next();
            final JsonNode mine = run7.get("models").get(m.getKey());
            assertEquals(m.getValue().size(), mine.size(), m.getKey());
            for (final Iterator<Map.Entry<String, JsonNode>> f = m.getValue().fields(); f.hasNext(); ) {
                final Map.Entry<String, JsonNode> e = f.next();
                if (!e.getKey().equals("eventsPerWallSecond")) {
                    assertEquals(e.getValue(), mine.get(e.getKey()), m.getKey() + "." + e.getKey());
                }
            }
            corruptions += m.getValue().get("corruptions").asLong();
        }
        assertTrue(corruptions > 0, "the fleet is too quiet to tell the models apart");
        // seed 8 is another fleet
        assertTrue(run7.get("models").get("linux-7.0").get("invalidations").asLong()
            != sw.get("runs").get(1).get("models").get("linux-7.0").get("invalidations").asLong());

        // the Parquet rows: one per run and model, the same counts
        final SparkSession spark = Spark.session("local[2]");
        try {
            final Dataset<Row> rows = spark.read().parquet(out.resolve(SweepOutput.PARQUET).toString());
            assertEquals(2L * sim.get("models").size(), rows.count());
            final List<Row> seed7 = rows.where("seed = 7 AND model = 'seed'").collectAsList();
            assertEquals(1, seed7.size());
            assertEquals(sim.get("models").get("seed").get("blockedAtEnd").asLong(),
                seed7.get(0).getLong(seed7.get(0).fieldIndex("blockedAtEnd")));
            assertEquals(sim.get("models").get("seed").get("invalidations").asLong(),
                seed7.get(0).getLong(seed7.get(0).fieldIndex("invalidations")));
        } finally {
            spark.stop();
        }
        final String html = Files.readString(out.resolve("index.html"));
        assertTrue(html.contains("<svg") && html.contains("per run (count)") && html.contains("seed 8"), html);
        assertTrue(Files.isRegularFile(out.resolve(".resetguard-report")));
    }

    @Test
    void aGridRunsItsProductAndChartsItsValues(@TempDir final Path tmp) throws Exception {
        final Path grid = tmp.resolve("grid.json");
        Files.writeString(grid, "{\"faultRate\": [0.01, 0.05], \"recovery\": [\"seed-worker\", \"quarantine\"]}");
        final Path out = tmp.resolve("out");
        final String[] r = sweep("sweep", "--functions", "600", "--iommus", "2", "--duration", "2m", "--models",
            "linux-7.0,seed", "--grid", grid.toString(), "--master", "local[2]", "--out", out.toString());
        assertEquals("0", r[0], r[2]);
        // progress as in simulate (not a terminal: a line per tenth), counted in shard tasks: 4 x 2 x 2
        assertTrue(r[1].contains("4 run(s), 16 Spark task(s)"), r[1]);
        assertTrue(r[2].contains("progress 100%"), r[2]);
        final JsonNode sw = new ObjectMapper().readTree(out.resolve("sweep.json").toFile());
        assertEquals(4, sw.get("runs").size());
        final String[][] expect = {{"0.01", "seed-worker"}, {"0.01", "quarantine"}, {"0.05", "seed-worker"},
            {"0.05", "quarantine"}};
        for (int i = 0; i < 4; i++) {
            final JsonNode s = sw.get("runs").get(i).get("settings");
            assertEquals(Double.parseDouble(expect[i][0]), s.get("faultRate").asDouble(), "run " + i);
            assertEquals(expect[i][1], s.get("recovery").asText(), "run " + i);
            assertEquals(2, sw.get("runs").get(i).get("models").size());
        }
        final String html = Files.readString(out.resolve("index.html"));
        assertTrue(html.contains("faultRate (probability)") && html.contains("recovery (policy)"), html);
        assertTrue(html.contains("mean memory corruptions per run (count)"), html);
        assertFalse(html.contains("NaN"));
    }
}
