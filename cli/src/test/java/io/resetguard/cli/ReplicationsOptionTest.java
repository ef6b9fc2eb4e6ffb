package io.resetguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --replications N}: each run reported, their mean and 95% interval in the table and report.json. */
class ReplicationsOptionTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args) {
        return Main.run(args, new PrintWriter(out), new PrintWriter(err));
    }

    @Test
    void everyReplicationAndTheirMeanAreReported(@TempDir final Path tmp) throws Exception {
        final Path report = tmp.resolve("r");
        assertEquals(0, run("simulate", "--functions", "300", "--iommus", "2", "--duration", "10m", "--fault-rate",
            "0.2", "--threads", "2", "--no-progress", "--models", "linux-7.0", "--replications", "3",
            "--report", report.toString()), err.toString());
        assertTrue(out.toString().contains("Replication 2") && out.toString().contains("over 3 replications"),
            out.toString());
        final JsonNode j = new ObjectMapper().readTree(report.resolve("report.json").toFile());
        assertEquals(3, j.get("replications").size());
        final long a = j.get("replications").get(0).get("models").get("linux-7.0").get("invalidations").asLong();
        final long b = j.get("replications").get(1).get("models").get("linux-7.0").get("invalidations").asLong();
        assertNotEquals(a, b, "fresh streams per replication");
        assertEquals(a, j.get("models").get("linux-7.0").get("invalidations").asLong(), "models is replication 0");
        final JsonNode inv = j.get("summary").get("linux-7.0").get("invalidations");
        assertTrue(inv.get("ci95Low").asDouble() < inv.get("mean").asDouble()
            && inv.get("mean").asDouble() < inv.get("ci95High").asDouble(), inv.toString());
    }

    @Test
    void aBadCountNamesTheOptionOrFieldAndExits2(@TempDir final Path tmp) throws Exception {
        assertEquals(2, run("simulate", "--replications", "0", "--report", tmp.resolve("r").toString()));
        assertTrue(err.toString().contains("--replications '0': must be in 1..10000"), err.toString());
        final Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"replications\": 0}");
        assertEquals(2, run("scenario", bad.toString()));
        assertTrue(err.toString().contains("field 'replications'"), err.toString());
    }
}
