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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code simulate} and {@code scenario}: the report's shape, and bad input naming its field. */
class SimulateCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args) {
        return Main.run(args, new PrintWriter(out), new PrintWriter(err));
    }

    @Test
    void simulateWritesTheComparisonTableAndTheReport(@TempDir final Path tmp) throws Exception {
        final Path report = tmp.resolve("r");
        assertEquals(0, run("simulate", "--functions", "500", "--iommus", "2", "--duration", "10m", "--fault-rate",
            "0.2", "--threads", "2", "--no-progress", "--report", report.toString()), err.toString());
        assertTrue(out.toString().contains("linux-7.0"), out.toString());
        final JsonNode j = new ObjectMapper().readTree(report.resolve("report.json").toFile());
        assertEquals(42, j.get("seed").asLong());
        assertEquals(500, j.get("settings").get("functions").asInt());
        assertTrue(j.get("wallSeconds").asDouble() > 0);
        for (final String m : new String[] {"linux-7.0", "seed", "linux-7.1", "result-to-done", "seed-on-7.1", "quar-v6"}) {
            final JsonNode r = j.get("models").get(m);
            for (final String f : new String[] {"resets", "failedResets", "blockedAtEnd", "corruptions",
                "livenessViolations", "useAfterFree", "invalidations", "timeouts", "invalidationLatencyP50Ns",
                "invalidationLatencyP99Ns", "eventsPerWallSecond"}) {
                assertTrue(r.has(f), m + " lacks " + f);
            }
        }
        assertTrue(Files.readString(report.resolve("index.html")).contains("<svg"));
    }

    @Test
    void withoutATerminalProgressIsALinePerTenthNotACarriageReturnBar() {
        final StringWriter log = new StringWriter();
        final PrintWriter w = new PrintWriter(log);
        final java.util.concurrent.atomic.AtomicInteger shown = new java.util.concurrent.atomic.AtomicInteger(-1);
        for (int i = 0; i <= 200; i++) {
            SimRun.bar(i / 200.0, shown, false, System.nanoTime(), w);
        }
        SimRun.bar(0.5, shown, false, System.nanoTime(), w); // late caller from another shard: ignored
        final String[] lines = log.toString().split("\n");
        assertEquals(10, lines.length, log.toString());
        for (int k = 0; k < 10; k++) {
            assertTrue(lines[k].startsWith(String.format("progress %3d%%", (k + 1) * 10)), lines[k]);
        }
        assertFalse(log.toString().contains("\r"));
    }

    @Test
    void badOptionsNameTheOptionAndExit2(@TempDir final Path tmp) {
        assertEquals(2, run("simulate", "--duration", "forever", "--report", tmp.resolve("x").toString()));
        assertTrue(err.toString().contains("--duration"), err.toString());
        assertEquals(2, run("simulate", "--models", "linux-6.1"));
        assertTrue(err.toString().contains("--models"), err.toString());
        assertEquals(2, run("simulate", "--models", "seed,linux-7.0,seed"));
        assertTrue(err.toString().contains("--models 'seed,linux-7.0,seed': names a model twice"), err.toString());
        assertEquals(2, run("simulate", "--fault-rate", "3", "--report", tmp.resolve("y").toString()));
        assertTrue(err.toString().contains("--fault-rate"), err.toString());
        assertEquals(2, run("simulate", "--late-rate", "-0.5", "--report", tmp.resolve("z").toString()));
        assertTrue(err.toString().contains("--late-rate"), err.toString());
        assertEquals(2, run("simulate", "--ignore-in-reset-rate", "1.5", "--report", tmp.resolve("z").toString()));
        assertTrue(err.toString().contains("--ignore-in-reset-rate"), err.toString());
        assertFalse(Files.exists(tmp.resolve("x")) || Files.exists(tmp.resolve("y")) || Files.exists(tmp.resolve("z")),
            "no partial report");
    }

    @Test
    void scenarioFileRunsAndABadOneNamesTheField(@TempDir final Path tmp) throws Exception {
        final Path good = tmp.resolve("good.json");
        Files.writeString(good, "{\"functions\": 200, \"iommus\": 1, \"duration\": \"5m\", \"models\": [\"seed\"],"
            + " \"report\": \"" + tmp.resolve("rep").toString().replace("\\", "\\\\") + "\"}");
        assertEquals(0, run("scenario", good.toString()), err.toString());
        assertTrue(Files.exists(tmp.resolve("rep").resolve("report.json")));

        final Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"functions\": 200, \"faultRate\": \"high\", \"report\": \""
            + tmp.resolve("none").toString().replace("\\", "\\\\") + "\"}");
        assertEquals(2, run("scenario", bad.toString()));
        assertTrue(err.toString().contains("faultRate"), err.toString());
        assertFalse(Files.exists(tmp.resolve("none")));

        final Path unknown = tmp.resolve("unknown.json");
        Files.writeString(unknown, "{\"function\": 200}");
        assertEquals(2, run("scenario", unknown.toString()));
        assertTrue(err.toString().contains("'function' is unknown"), err.toString());

        final Path range = tmp.resolve("range.json");
        Files.writeString(range, "{\"functions\": 4, \"iommus\": 8}");
        assertEquals(2, run("scenario", range.toString()));
        assertTrue(err.toString().contains("field 'iommus'"), err.toString());

        final Path broken = tmp.resolve("broken.json");
        Files.writeString(broken, "{\"functions\": ");
        assertEquals(2, run("scenario", broken.toString()));
        assertTrue(err.toString().contains("not valid JSON"), err.toString());
    }

    @Test
    void anExistingDirectoryThatIsNotAReportIsRefusedBeforeTheRunAndLeftAlone(@TempDir final Path tmp) throws Exception {
        final Path mine = Files.createDirectories(tmp.resolve("mine"));
        Files.writeString(mine.resolve("notes.txt"), "keep me");
        assertEquals(2, run("simulate", "--functions", "50", "--iommus", "1", "--duration", "1m", "--no-progress",
            "--report", mine.toString()));
        assertTrue(err.toString().contains("--report") && err.toString().contains("not a ResetGuard report"),
            err.toString());
        assertEquals("keep me", Files.readString(mine.resolve("notes.txt")));
        assertFalse(out.toString().contains("Simulating"), "refused before the simulation ran");

        final Path file = Files.writeString(tmp.resolve("file"), "x");
        assertEquals(2, run("simulate", "--report", file.toString()));
        assertTrue(err.toString().contains("not a directory"), err.toString());
        assertEquals(2, run("simulate", "--report", "."));
        assertTrue(err.toString().contains("current directory"), err.toString());
        assertEquals(2, run("simulate", "--report", ""));
        assertTrue(err.toString().contains("--report '': must name a directory"), err.toString());
    }

    @Test
    void aPreviousReportIsReplacedWholeAndNothingIsLeftBeside(@TempDir final Path tmp) throws Exception {
        final Path report = tmp.resolve("r");
        final String[] args = {"simulate", "--functions", "50", "--iommus", "1", "--duration", "1m", "--models",
            "seed", "--no-progress", "--report", report.toString()};
        assertEquals(0, run(args), err.toString());
        assertEquals(0, run(args), err.toString());
        try (java.util.stream.Stream<Path> s = Files.list(tmp)) {
            assertEquals(java.util.Set.of(report, ReportDir.sibling(report, "rg-lock")), s.collect(
                java.util.stream.Collectors.toSet()), "no temporary or old directory left beside it, only the lock file");
        }
        try (java.util.stream.Stream<Path> s = Files.list(report)) {
            final java.util.Set<String> files = new java.util.HashSet<>(ReportDir.REPORT_FILES);
            files.add(ReportDir.MARKER);
            assertEquals(files,
                s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
        }
    }

    @Test
    void aScenarioReportThatIsNotAReportDirectoryOrAFieldGivenTwiceIsABadFile(@TempDir final Path tmp) throws Exception {
        final Path mine = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(mine.resolve("Main.java"), "class Main {}");
        final Path f = tmp.resolve("s.json");
        Files.writeString(f, "{\"functions\": 50, \"report\": \"" + mine.toString().replace("\\", "\\\\") + "\"}");
        assertEquals(2, run("scenario", f.toString()));
        assertTrue(err.toString().contains("field 'report'"), err.toString());
        assertTrue(Files.exists(mine.resolve("Main.java")));

        Files.writeString(f, "{\"functions\": 50, \"functions\": 60}");
        assertEquals(2, run("scenario", f.toString()));
        assertTrue(err.toString().contains("functions"), err.toString());
        Files.writeString(f, "{\"functions\": 50} {\"seed\": 1}");
        assertEquals(2, run("scenario", f.toString()));
        assertTrue(err.toString().contains("not valid JSON"), err.toString());
    }
}
