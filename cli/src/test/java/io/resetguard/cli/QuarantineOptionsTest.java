package io.resetguard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.resetguard.inv.InvFlavour;
import io.resetguard.recovery.RecoveryPolicy;
import io.resetguard.sim.SimConfig;
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
        assertTrue(err.toString().contains("--completion-count: completionCount must be in 1..8"), err.toString());
        assertEquals(2, run("simulate", "--completion-count-rate", "2", "--report", report));
        assertTrue(err.toString().contains("--completion-count-rate"), err.toString());
        assertEquals(2, run("simulate", "--operator-reset-delay", "soon", "--report", report));
        assertTrue(err.toString().contains("--operator-reset-delay must look like"), err.toString());
        assertEquals(2, run("simulate", "--recovery", "reboot", "--report", report));
        assertTrue(err.toString().contains("quarantine"), "the message lists the new policy: " + err);
        assertEquals(2, run("simulate", "--flavour", "arm", "--report", report));
        assertTrue(err.toString().contains("amd"), err.toString());
    }

    @Test
    void scenarioTakesTheSameSettingsAndNamesABadField(@TempDir final Path tmp) throws Exception {
        final SimConfig c = ScenarioCommand.config(new ObjectMapper().readTree("{\"recovery\": \"quarantine\", "
            + "\"flavour\": \"amd\", \"operatorResetDelay\": \"10s\", \"completionCountRate\": 0.5, "
            + "\"completionCount\": 4}"));
        assertEquals(RecoveryPolicy.QUARANTINE, c.recovery());
        assertEquals(InvFlavour.AMD, c.flavour());
        assertEquals(10_000_000_000L, c.operatorResetDelayNs());
        assertEquals(0.5, c.completionCountRate());
        assertEquals(4, c.completionCount());
        final SimConfig d = ScenarioCommand.config(new ObjectMapper().readTree("{}"));
        assertEquals(SimConfig.OPERATOR_RESET_DELAY_NS, d.operatorResetDelayNs());
        assertEquals(0, d.completionCountRate());
        final Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"completionCount\": 0}");
        assertEquals(2, run("scenario", bad.toString()));
        assertTrue(err.toString().contains("field 'completionCount'"), err.toString());
        Files.writeString(bad, "{\"operatorResetDelay\": 30}");
        assertEquals(2, run("scenario", bad.toString()));
        assertTrue(err.toString().contains("field 'operatorResetDelay' must be a string"), err.toString());
    }
}
