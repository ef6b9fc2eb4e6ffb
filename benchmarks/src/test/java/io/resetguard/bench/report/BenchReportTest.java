package io.resetguard.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Renders the report from a small synthetic JMH JSON file (nothing is run) and checks its content,
 * the targets' verdicts and ratios, the per-fork values, the environment line on every table, the
 * charts, and the command line's handling of mistakes.
 */
class BenchReportTest {
    @TempDir
    Path tmp;

    /** The exit status and what was printed. */
    private record Outcome(int status, String out, String err) {
    }

    private static Outcome run(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cl = new CommandLine(new BenchCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final int status = cl.execute(args);
        return new Outcome(status, out.toString(), err.toString());
    }

    private Path synthetic() throws IOException {
        final Path dir = Files.createDirectories(tmp.resolve("in"));
        final Path json = dir.resolve("results.json");
        Files.writeString(json, SyntheticResults.json());
        return json;
    }

    private List<String> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).collect(Collectors.toList());
        }
    }

    @Test
    void rendersMarkdownAndHtmlFromJson() throws IOException {
        final Path json = synthetic();
        final Path out = tmp.resolve("report");
        final Outcome o = run("--from", json.toString(), "--out", out.toString());
        assertEquals(0, o.status(), o.err());
        assertTrue(o.out().contains("T1 PASS"), o.out());
        assertTrue(o.out().contains("T2 MISS"), o.out());

        final String md = Files.readString(out.resolve("report.md"));
        final String html = Files.readString(out.resolve("report.html"));
        assertTrue(Files.isRegularFile(out.resolve("results.json")));
        assertTrue(Files.isRegularFile(out.resolve(Environment.FILE)));
        assertTrue(md.contains("Produced by " + io.resetguard.report.ProjectVersion.generator()), "the generator");
        // the charts come from the shared writer: accessible images with a text alternative
        assertTrue(html.contains("role=\"img\" aria-labelledby=\"chart-") && html.contains("<desc id=\"chart-"),
            "accessible charts");

        // the targets: measured ratio and verdict
        assertTrue(md.contains("| T1 |") && md.contains("| 2.50x | <= 3.00x | PASS |"), md);
        assertTrue(md.contains("| T2 |") && md.contains("| 0.50x | >= 2.00x | MISS |"), md);
        assertTrue(md.contains("| T3 |") && md.contains("| 1.20x | >= 1.00x (10 M/s) | PASS |"), md);
        assertTrue(md.contains("| T4 |") && md.contains("| 2.50x | <= 2.00x | MISS |"), md);
        assertTrue(md.contains("p99.9 50,000 ns"), "T4 reports p99.9");
        // per-fork values of the two-thread runs
        assertTrue(md.contains("lock-free: 390, 400, 410 ns/pair/thread"), md);
        assertTrue(md.contains("two threads, lock-free: 11.0, 12.0, 13.0 M/s"), md);
        assertTrue(md.contains("invalidation p50: 990, 1,000, 1,010 ns"), md);
        // misses are explained in the closing note, passes are not
        assertTrue(md.contains("## Closing note"), md);
        assertTrue(md.contains("T2 MISS (0.50x, needed >= 2.00x)") && md.contains("retries per pair"), md);
        assertTrue(md.contains("T4 MISS (2.50x, needed <= 2.00x)") && md.contains("doorbell"), md);
        // JVM, CPU and settings under every table
        final long tables = md.lines().filter(l -> l.startsWith("| --- |")).count();
        final long captions = md.lines().filter(l -> l.startsWith("_JVM: OpenJDK 64-Bit Server VM 17.0.15+6")
            && l.contains("CPU") && l.contains("Settings: forks") && l.contains("warmup") && l.contains("measurement")
            && l.contains("threads")).count();
        assertTrue(tables >= 6, "tables: " + tables);
        assertEquals(tables, captions, "every table carries the JVM, CPU and settings line");
        // doorbells are information, not a failure counter
        assertTrue(md.contains("doorbell (1.50 times per round trip in this run"), md);
        assertTrue(md.contains("| 1.50 | 0 (doorbells 2,700,000) |"), "doorbells column, failure counters 0: " + md);
        assertTrue(md.contains(" (retries 9,000,000) |"), "retries are shown as work, not as a failure: " + md);
        // counters: a non-zero one is shown
        assertTrue(md.contains("resetErrors=18.0"), "2 per iteration, 9 iterations: " + md);
        // the histogram's exact per-fork p50 (nearest rank over 151 samples: 200)
        assertTrue(md.contains("invalidation, submitter drains, jctools-mpsc, 1 fn, 1 submitter | 200 |"), md);

        // charts: files for Markdown, inline SVG in HTML, nothing fetched from anywhere
        for (final String chart : List.of("chart-reset.svg", "chart-latency.svg", "chart-lockfree-vs-locking.svg",
            "chart-prepare-done.svg", "chart-invalidation-throughput.svg")) {
            assertTrue(Files.isRegularFile(out.resolve(chart)), chart);
            assertTrue(md.contains("](" + chart + ")"), chart);
        }
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.split("<svg ", -1).length - 1 >= 5, "inline SVG charts");
        assertFalse(html.contains("<script"), "no script");
        assertFalse(html.replace("http://www.w3.org/2000/svg", "").contains("http"), "no external resource");
        assertTrue(html.contains("class=\"MISS\"") && html.contains("class=\"PASS\""));
        assertTrue(html.contains("CPU"));
        assertEquals(List.of(), leftovers(), "no temporary folder left behind");
    }

    @Test
    void environmentNextToTheJsonIsUsed() throws IOException {
        final Path json = synthetic();
        new Environment("Test CPU 9000", 2, 2, "1048576 kB", "Linux", "OpenJDK", "2026-01-01T00:00:00Z", "0.10 0.10 0.10",
            List.of(0.5, 35.0, 1.0), "quick", "2 min 19 s", "measured")
            .write(json.resolveSibling(Environment.FILE));
        final Path out = tmp.resolve("report");
        assertEquals(0, run("--from", json.toString(), "--out", out.toString()).status());
        final String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("CPU: Test CPU 9000, 2 CPUs; memory 1.0 GiB"), md);
        assertTrue(md.contains("WARNING: the machine was not quiet"), "a 35% busy sample is flagged");
        assertTrue(md.contains("0.500, 35.0, 1.00"), "the samples are listed");
        assertTrue(md.contains("profile quick, wall time 2 min 19 s"), "the run's profile and time survive --from");
    }

    @Test
    void missingBenchmarksAreNotMeasuredNeverPass() {
        final JmhResults r = JmhResults.parse("[]");
        for (final Targets.Result t : Targets.evaluate(r)) {
            assertEquals(Targets.Verdict.NOT_MEASURED, t.verdict(), t.id());
            assertTrue(t.why().startsWith("Not in these results"), t.why());
        }
    }

    @Test
    void parsesWhatJmhWrites() throws IOException {
        final JmhResults r = JmhResults.read(synthetic());
        final JmhResults.Run pd = r.first(x -> x.shortName().equals("PrepareDoneBench.prepareDoneContended")
            && x.is("stateImpl", "lock-free"));
        assertNotNull(pd);
        assertEquals(2, pd.threads());
        assertEquals(3, pd.forks());
        assertEquals(List.of(390.0, 400.0, 410.0), pd.primary().perForkMeans());
        assertEquals(500_000_000L, pd.measurementTimeNs());
        // retries per pair: 1e6 per iteration (JMH's score sums the 9 iterations) / (2 threads x 0.5 s / 400 ns)
        assertEquals(9_000_000.0, pd.secondary("retries").score());
        assertEquals(0.4, Targets.perOp(pd, "retries"), 1e-9);
        final JmhResults.Run lat = r.first(x -> x.shortName().equals("InvalidationBench.latency"));
        assertEquals(List.of(200.0), lat.primary().perForkPercentile(50));
        assertEquals(List.of(900.0), lat.primary().perForkPercentile(100));
    }

    @Test
    void badCommandLinesNameTheOptionAndWriteNothing() throws IOException {
        final Path json = synthetic();
        final Path out = tmp.resolve("never");
        final String[][] cases = {
            {"--bogus", "--out", out.toString()},
            {"--profile", "slow", "--out", out.toString()},
            {"--profile"},
            {"--out", out.toString()},
            {"--from", json.toString()},
            {"--from", json.toString(), "--profile", "quick", "--out", out.toString()},
            {"--from", tmp.resolve("missing.json").toString(), "--out", out.toString()},
            {"--from", json.toString(), "--out", out.toString(), "--dry-run"},
            {"--force=yes", "--from", json.toString(), "--out", out.toString()},
        };
        final String[] named = {"--bogus", "--profile", "--profile", "--profile", "--out", "--from",
            "--from", "--dry-run", "--force"};
        for (int i = 0; i < cases.length; i++) {
            final Outcome o = run(cases[i]);
            assertEquals(2, o.status(), String.join(" ", cases[i]) + ": " + o.err());
            assertTrue(o.err().contains(named[i]), "message names " + named[i] + ": " + o.err());
            assertFalse(Files.exists(out), String.join(" ", cases[i]) + " created the output folder");
        }
        assertEquals(List.of(), leftovers());
    }

    @Test
    void aFileThatIsNotJmhJsonIsRefusedWithoutAHalfWrittenReport() throws IOException {
        final Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"not\": \"an array\"}");
        final Path out = tmp.resolve("report");
        final Outcome o = run("--from", bad.toString(), "--out", out.toString());
        assertEquals(2, o.status());
        assertTrue(o.err().contains("--from") && o.err().contains("JSON array"), o.err());
        Files.writeString(bad, "[{\"benchmark\": \"x\", ");
        final Outcome o2 = run("--from", bad.toString(), "--out", out.toString());
        assertEquals(2, o2.status());
        assertTrue(o2.err().contains("not valid JSON"), o2.err());
        assertFalse(Files.exists(out));
        assertEquals(List.of(), leftovers(), "the temporary folder is removed");
    }

    @Test
    void aNonEmptyOutputFolderNeedsForce() throws IOException {
        final Path json = synthetic();
        final Path out = Files.createDirectories(tmp.resolve("report"));
        Files.writeString(out.resolve("old.txt"), "old");
        final Outcome o = run("--from", json.toString(), "--out", out.toString());
        assertEquals(2, o.status());
        assertTrue(o.err().contains("--out") && o.err().contains("--force"), o.err());
        assertTrue(Files.exists(out.resolve("old.txt")), "left alone");

        assertEquals(0, run("--from", json.toString(), "--out", out.toString(), "--force").status());
        assertFalse(Files.exists(out.resolve("old.txt")), "replaced as a whole");
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
        assertEquals(List.of(), leftovers());

        final Path file = Files.writeString(tmp.resolve("afile"), "x");
        final Outcome f = run("--from", json.toString(), "--out", file.toString());
        assertEquals(2, f.status());
        assertTrue(f.err().contains("--out") && f.err().contains("not a directory"), f.err());
    }

    @Test
    void emptyOutputFolderIsFilled() throws IOException {
        final Path out = Files.createDirectories(tmp.resolve("empty"));
        assertEquals(0, run("--from", synthetic().toString(), "--out", out.toString()).status());
        assertTrue(Files.isRegularFile(out.resolve("report.md")));
    }

    @Test
    void helpAndDryRunRunNothing() {
        final Outcome h = run("--help");
        assertEquals(0, h.status());
        assertTrue(h.out().contains("--profile") && h.out().contains("--from") && h.out().contains("--out"));
        assertTrue(h.out().startsWith("Usage: bench"), h.out());
        final Outcome v = run("--version");
        assertEquals(0, v.status());
        assertEquals("resetguard " + io.resetguard.report.ProjectVersion.get(), v.out().trim());
        assertTrue(v.out().matches("resetguard \\d+\\.\\d+\\.\\d+.*\\R"), "the Maven version, filtered: " + v.out());
        final Outcome d = run("--profile", "quick", "--dry-run");
        assertEquals(0, d.status(), d.err());
        assertTrue(d.out().contains("Profile quick") && d.out().contains("estimated"), d.out());
    }
}
