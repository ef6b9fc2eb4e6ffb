package io.resetguard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.resetguard.model.ProtocolModel;
import io.resetguard.sim.SimConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Bad input and limits: every error is one line naming the option or the file, exit code 2. */
class InputErrorsTest {
    private String out;
    private String err;

    private int run(final String... args) {
        final StringWriter o = new StringWriter();
        final StringWriter e = new StringWriter();
        final int code = Main.run(args, new PrintWriter(o), new PrintWriter(e));
        out = o.toString();
        err = e.toString();
        return code;
    }

    /** Run, expect exit 2 and exactly one short error line containing every {@code needle}; nothing on out. */
    private void refused(final String[] args, final String... needles) {
        assertEquals(2, run(args), String.join(" ", args) + "\nout: " + out + "\nerr: " + err);
        final List<String> lines = err.strip().lines().toList();
        assertEquals(1, lines.size(), "one line:\n" + err);
        assertTrue(lines.get(0).length() <= Messages.MAX_LINE, "short line: " + lines.get(0).length());
        for (final String n : needles) {
            assertTrue(lines.get(0).contains(n), "'" + n + "' in: " + lines.get(0));
        }
        assertFalse(out.contains("Simulating"), "refused before the run");
    }

    private static String[] sim(final String... opts) {
        final String[] a = new String[opts.length + 1];
        a[0] = "simulate";
        System.arraycopy(opts, 0, a, 1, opts.length);
        return a;
    }

    @Test
    void everyOptionErrorIsOneLineWithTheOptionTheValueAndTryHelp(@TempDir final Path tmp) {
        final String rep = tmp.resolve("r").toString();
        refused(sim("--duration", "87601h", "--report", rep), "--duration '87601h'", "87600h",
            "try 'resetguard simulate --help'");
        assertFalse(err.contains("315363600000000000"), "never echoed in nanoseconds: " + err);
        refused(sim("--functions", "many"), "--functions 'many'", "whole number", "--help");
        refused(sim("--functionz", "5"), "--functionz", "--help");
        refused(sim("--iommus", "0", "--report", rep), "--iommus '0'");
        refused(new String[] {"demo", "--models", "linux-6.9"}, "--models 'linux-6.9'", ProtocolModel.names());
        refused(new String[] {"demo"}, "--models", "--help");
        refused(new String[] {}, "missing subcommand", "try 'resetguard --help'");
        refused(new String[] {"simulate", "--no-such", "--report", rep}, "--no-such");
        assertFalse(Files.exists(tmp.resolve("r")));
    }

    @Test
    void numbersAreStrict(@TempDir final Path tmp) {
        final String rep = tmp.resolve("r").toString();
        for (final String v : new String[] {"0.5d", "0x1p-1", "NaN", "Infinity", "-Infinity", "0.5f", " 0.5", "1,5"}) {
            refused(sim("--fault-rate", v, "--report", rep), "--fault-rate '" + v + "'", "not a decimal number");
        }
        refused(sim("--fault-rate", "1e-400", "--report", rep), "--fault-rate '1e-400'", "rounded to 0");
        refused(sim("--late-rate", "4.9e-324", "--report", rep), "--late-rate", "rounded to 0");
        refused(sim("--fault-rate", "1e400", "--report", rep), "--fault-rate '1e400'", "too large");
        refused(sim("--functions", "0x10", "--report", rep), "--functions '0x10'", "whole number");
        refused(sim("--functions", "99999999999", "--report", rep), "--functions '99999999999'", "out of range");
        refused(sim("--seed", "99999999999999999999", "--report", rep), "--seed", "out of range");
        refused(sim("--models", "seed,", "--report", rep), "--models 'seed,'", "empty model name");
        refused(sim("--models", "", "--report", rep), "--models ''", "empty model name");
        refused(sim("--models", ",seed", "--report", rep), "--models ',seed'", "empty model name");
        refused(sim("--duration", "99999999999999999999d", "--report", rep), "--duration '9999", "too long");
        refused(sim("--duration", "106752d", "--report", rep), "--duration '106752d'", "too long");
        assertEquals(0.5, Numbers.parseDouble("0.5"));
        assertEquals(1e-3, Numbers.parseDouble("1e-3"));
        assertEquals(0.0, Numbers.parseDouble("0"));
        assertEquals(-7, Numbers.parseInt("-7"));
    }

    @Test
    void durationsAcceptDaysAndCompoundForms() {
        final long s = 1_000_000_000L;
        assertEquals(7 * 86_400 * s, Durations.parse("--duration", "7d"));
        assertEquals(5_400 * s, Durations.parse("--duration", "1h30m"));
        assertEquals(90 * s, Durations.parse("--duration", "90s"));
        assertEquals(1_800 * s, Durations.parse("--duration", "30m"));
        assertEquals(3_600 * s, Durations.parse("--duration", "1h"));
        assertEquals(250_000_000L, Durations.parse("--duration", "250ms"));
        assertEquals(40_000L, Durations.parse("--duration", "40us"));
        assertEquals(86_400 * s + 2 * s + 5_000_000L, Durations.parse("--duration", "1d2s5ms"));
        for (final String bad : new String[] {"30m1h", "1h1h", "0s", "0h0m", "-1h", "1.5h", "1 h", "h", "", "1", "1w"}) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse("--duration", bad), bad);
            assertTrue(e.getMessage().startsWith("--duration '" + bad + "': "), e.getMessage());
        }
        assertEquals("90m", Durations.format(5_400 * s));
        assertEquals("40us", Durations.format(40_000L));
    }

    @Test
    void simulateAndScenarioHaveTheSameSettings(@TempDir final Path tmp) throws Exception {
        final CommandLine cl = Main.commandLine();
        for (final SimSettings.Setting st : SimSettings.Setting.values()) {
            for (final String cmd : new String[] {"simulate", "scenario"}) {
                assertTrue(cl.getSubcommands().get(cmd).getCommandSpec().findOption(st.option) != null,
                    cmd + " lacks " + st.option);
            }
            assertEquals(st, SimSettings.Setting.ofField(st.field));
        }
        final Path rep = tmp.resolve("r");
        assertEquals(0, run("simulate", "--functions", "40", "--iommus", "1", "--duration", "1h30m", "--models", "seed",
            "--cycle-period", "1m", "--writes-per-cycle", "2", "--no-progress", "--report", rep.toString()), err);
        final JsonNode j = new ObjectMapper().readTree(rep.resolve("report.json").toFile());
        assertEquals("1m", j.get("settings").get("cyclePeriod").asText());
        assertEquals(2, j.get("settings").get("writesPerCycle").asInt());
        assertEquals("90m", j.get("settings").get("duration").asText());
        assertTrue(out.startsWith("Estimate: about "), out);

        // an option overrides the scenario file's field
        final Path f = Files.writeString(tmp.resolve("s.json"), "{\"functions\": 40, \"iommus\": 1, \"duration\": "
            + "\"1m\", \"models\": [\"seed\"], \"writesPerCycle\": 5, \"report\": \""
            + rep.toString().replace("\\", "\\\\") + "\"}");
        assertEquals(0, run("scenario", f.toString(), "--writes-per-cycle", "1"), err);
        assertEquals(1, new ObjectMapper().readTree(rep.resolve("report.json").toFile()).get("settings")
            .get("writesPerCycle").asInt());
        refused(new String[] {"scenario", f.toString(), "--fault-rate", "0x1p-1"}, "--fault-rate '0x1p-1'");
    }

    private void scenarioRefused(final Path f, final String... needles) {
        final String[] all = new String[needles.length + 1];
        all[0] = f.getFileName().toString();
        System.arraycopy(needles, 0, all, 1, needles.length);
        refused(new String[] {"scenario", f.toString()}, all);
    }

    @Test
    void scenarioFilesBeyondJacksonsLimitsAreOneLineNamingTheFile(@TempDir final Path tmp) throws Exception {
        scenarioRefused(Files.writeString(tmp.resolve("deep.json"), "[".repeat(1_001) + "]".repeat(1_001)),
            "JSON reader limit", "nesting depth");
        scenarioRefused(Files.writeString(tmp.resolve("digits.json"), "{\"seed\": " + "1".repeat(2_001) + "}"),
            "JSON reader limit", "Number value length");
        scenarioRefused(Files.writeString(tmp.resolve("string.json"), "{\"report\": \"" + "a".repeat(25 << 20) + "\"}"),
            "JSON reader limit", "String value length");
        scenarioRefused(Files.writeString(tmp.resolve("long-key.json"), "{\"" + "k".repeat(10_000) + "\": 1}"),
            "field 'kkk", "is unknown");
        scenarioRefused(Files.writeString(tmp.resolve("longer-key.json"), "{\"" + "k".repeat(60_000) + "\": 1}"),
            "JSON reader limit", "Name length (");
        assertFalse(err.contains("StreamReadConstraints"), err);
        scenarioRefused(Files.writeString(tmp.resolve("tiny.json"), "{\"faultRate\": 1e-400}"),
            "field 'faultRate'", "rounded to 0");
        scenarioRefused(Files.writeString(tmp.resolve("hex.json"), "{\"functions\": 1.5}"),
            "field 'functions'", "whole number");
        scenarioRefused(Files.writeString(tmp.resolve("empty-model.json"), "{\"models\": [\"seed\", \"\"]}"),
            "field 'models'", "empty model name");
        scenarioRefused(Files.writeString(tmp.resolve("decade.json"), "{\"duration\": \"3651d\"}"),
            "field 'duration'", "87600h");
        assertFalse(err.contains("315446400000000000"), err);
    }

    @Test
    void aScenarioFileMayStartWithAByteOrderMarkAndAMissingOrNonUtf8FileIsExplained(@TempDir final Path tmp)
        throws Exception {
        final Path rep = tmp.resolve("r");
        final Path bom = tmp.resolve("bom.json");
        Files.write(bom, ("\uFEFF{\"functions\": 20, \"iommus\": 1, \"duration\": \"1m\", \"models\": [\"seed\"], "
            + "\"report\": \"" + rep.toString().replace("\\", "\\\\") + "\"}").getBytes(StandardCharsets.UTF_8));
        assertEquals(0, run("scenario", bom.toString()), err);
        assertTrue(Files.exists(rep.resolve("report.json")));

        scenarioRefused(tmp.resolve("missing.json"), "no such file");
        final Path latin1 = tmp.resolve("latin1.json");
        Files.write(latin1, "{\"report\": \"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1));
        scenarioRefused(latin1, "is not UTF-8 text");
        scenarioRefused(Files.createDirectory(tmp.resolve("dir.json")), "is a directory");
    }

    @Test
    void aRunThatCannotFitTheHeapIsRefusedBeforeItStarts(@TempDir final Path tmp) {
        refused(sim("--functions", "2000000000", "--iommus", "120", "--threads", "120", "--report",
            tmp.resolve("r").toString()), "of heap", "RESETGUARD_JAVA_OPTS=-Xmx", "--iommus");
        assertFalse(Files.exists(tmp.resolve("r")));
        // the README's measured points: 10 M functions on 8 IOMMUs "about 0.6 GB"; 1 M on 62 fits 160 MB
        final SimConfig big = SimConfig.defaults().withFleet(10_000_000, 8).withThreads(2);
        assertTrue(Math.abs(RunEstimate.heapBytes(big) - 0.6e9) < 0.1e9, RunEstimate.heapBytes(big) + " B");
        final SimConfig million = SimConfig.defaults().withFleet(1_000_000, 62).withThreads(2);
        assertTrue(RunEstimate.heapBytes(million) < 160L << 20, RunEstimate.heapBytes(million) + " B");
        assertEquals(null, RunEstimate.refusal(million, 160L << 20));
        assertEquals(null, RunEstimate.refusal(SimConfig.defaults().withFleet(1_000, 8), 64L << 20),
            "a small fleet is never refused on the large runs' base figure");
        assertTrue(RunEstimate.refusal(big, 256L << 20).contains("-Xmx"), "10 M on 8 IOMMUs needs more than 256 MB");
        // and 40.6 s for 1 M functions, one model, one hour on two threads
        final double s = RunEstimate.seconds(million.withModels(List.of(ProtocolModel.SEED)), 2);
        assertTrue(s > 30 && s < 50, s + " s");
    }

    @Test
    void anOutOfMemoryErrorDuringTheRunIsOneLineOfAdvice(@TempDir final Path tmp) throws Exception {
        final CommandLine cl = Main.commandLine();
        final StringWriter o = new StringWriter();
        final StringWriter e = new StringWriter();
        cl.setOut(new PrintWriter(o));
        cl.setErr(new PrintWriter(e));
        cl.parseArgs("simulate", "--functions", "100", "--iommus", "1", "--report", tmp.resolve("r").toString());
        final CommandLine sub = cl.getSubcommands().get("simulate");
        final SimSettings.Resolved r = SimSettings.resolve(sub.getCommandSpec(), null);
        final int code = SimulateCommand.run(sub.getCommandSpec(), r, false, "", (c, rep, p, out, err) -> {
            throw new IllegalStateException("shard failed", new OutOfMemoryError("Java heap space"));
        });
        assertEquals(1, code);
        final String line = e.toString().strip();
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.startsWith("resetguard simulate: out of memory") && line.contains("RESETGUARD_JAVA_OPTS=-Xmx"),
            line);
        try (java.util.stream.Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(tmp.resolve(".r.rg-lock")), s.toList(), "no report, nothing but the lock file");
        }
        ReportDir.acquire("--report", tmp.resolve("r").toString()).close(); // the lock was released
    }

    @Test
    void demoAndModelsSayModelsAndKeepTheOldSpelling() {
        assertEquals(0, run("demo", "--models", "seed,linux-7.0"), err);
        assertTrue(out.startsWith("model seed:") && out.contains("\nmodel linux-7.0:"), out);
        assertEquals(0, run("demo", "--model", "linux-7.1"), err);
        assertTrue(out.startsWith("model linux-7.1:"), out);
        refused(new String[] {"demo", "--models", "seed,"}, "--models 'seed,'", "empty model name");
        assertEquals(0, run("models", "--models", "seed"), err);
        assertEquals(2, out.lines().count(), out);
        refused(new String[] {"models", "--models", "nope"}, "--models 'nope'");
    }
}
