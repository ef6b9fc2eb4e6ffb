package io.resetguard.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The settings of issue 13 part B in {@code simulate} and {@code scenario}: {@code quarantine},
 * {@code amd}, the operator's reset delay and Completion Counts, accepted alike by both, and bad
 * values named with exit code 2.
 */
class QuarantineOptionsTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args) {
        return Main.run(args, new PrintWriter(out), new PrintWriter(err));
    }

    @Test
    void simulateRunsTheQuarantinePolicyUnderAmdWithCompletionCounts(@TempDir final Path tmp) {
        assertEquals(0, run("simulate", "--functions", "300", "--iommus", "2", "--duration", "5m", "--fault-rate",
            "0.2", "--threads", "2", "--no-progress", "--models", "result-to-done", "--recovery", "quarantine",
            "--flavour", "amd", "--operator-reset-delay", "10s", "--completion-count-rate", "0.5",
            "--completion-count", "4", "--report", tmp.resolve("r").toString()), err.toString());
        assertTrue(out.toString().contains("result-to-done"), out.toString());
    }

    @Test
    void badValuesNameTheOptionAndExit2(@TempDir final Path tmp) {
        final String report = tmp.resolve("r").toString();
        assertEquals(2, run("simulate", "--completion-count", "9", "--report", report));
        assertTrue(err.toString().contains("--completion-count '9': must be in 1..8"), err.toString());
        assertEquals(2, run("simulate", "--completion-count-rate", "2", "--report", report));
        assertTrue(err.toString().contains("--completion-count-rate"), err.toString());
        assertEquals(2, run("simulate", "--operator-reset-delay", "soon", "--report", report));
        assertTrue(err.toString().contains("--operator-reset-delay 'soon': not a duration"), err.toString());
        assertEquals(2, run("simulate", "--recovery", "reboot", "--report", report));
        assertTrue(err.toString().contains("quarantine"), "the message lists the new policy: " + err);
        assertEquals(2, run("simulate", "--flavour", "arm", "--report", report));
        assertTrue(err.toString().contains("amd"), err.toString());
    }

    @Test
    void scenarioTakesTheSameSettingsAndNamesABadField(@TempDir final Path tmp) throws Exception {
        final Path good = tmp.resolve("good.json");
        Files.writeString(good, "{\"functions\": 300, \"iommus\": 2, \"duration\": \"5m\", \"threads\": 2, "
            + "\"models\": [\"result-to-done\"], \"recovery\": \"quarantine\", \"flavour\": \"amd\", "
            + "\"operatorResetDelay\": \"10s\", \"completionCountRate\": 0.5, \"completionCount\": 4, "
            + "\"report\": \"" + tmp.resolve("r2").toString().replace("\\", "\\\\") + "\"}");
        assertEquals(0, run("scenario", good.toString()), err.toString());
        assertTrue(out.toString().contains("result-to-done"), out.toString());
        final Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"completionCount\": 0}");
        assertEquals(2, run("scenario", bad.toString()));
        assertTrue(err.toString().contains("field 'completionCount'"), err.toString());
        Files.writeString(bad, "{\"operatorResetDelay\": 30}");
        assertEquals(2, run("scenario", bad.toString()));
        assertTrue(err.toString().contains("field 'operatorResetDelay': must be a string"), err.toString());
    }
}
