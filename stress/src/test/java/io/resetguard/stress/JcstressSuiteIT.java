package io.resetguard.stress;

import io.resetguard.stress.campaign.JcstressResults;
import io.resetguard.stress.campaign.TestListing;
import io.resetguard.stress.campaign.Verdict;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * JcstressSuiteIT - the jcstress gate of {@code mvn verify}.
 *
 * <p>Runs the shaded {@code target/jcstress.jar} once over the "verify" subset: every test class of
 * {@code io.resetguard.stress} annotated {@link Gate} (one class per race plus every negative control;
 * one run shares jcstress' fixed start-up of about 10-15 s). The {@code -t} expression is built from
 * the jar's {@code META-INF/TestList} and the annotations:
 * <pre>
 *   cd target/jcstress-run
 *   java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar ../jcstress.jar \
 *        -m ${jcstress.mode} -fsm 0 -sc false -time ${jcstress.time} -iters ${jcstress.iters} -pth false \
 *        -strideCount 10 -v -t '^(?:\Qio.resetguard.stress.state.PrepareDoneRace.Linux71\E|...)$'
 * </pre>
 * A test costs seconds however short its iterations: each of its six JVM configurations is a
 * fresh fork that loads the core and builds fixtures, mostly in the interpreter or C1, and that
 * start-up, not the 3 x 100 ms of sampling, is most of it. {@code -pth false} skips pre-touching
 * each fork's 256 MB heap and {@code -strideCount 10} (jcstress' default 40) lets an iteration stop
 * sooner. The gate's cost is therefore its number of tests, and the gate is kept to one variant per
 * race for the races that matter most: {@value Gate#TESTS} tests ({@link Gate#TESTS}); the measured
 * times and sample counts are in docs/results.md.
 * The whole suite (the other models, the locking-cell variants) runs in the campaign
 * ({@code resetguard stress}, see the README).
 * The export is on the host command because the forks inherit the host's JVM flags (Agrona 2.x in
 * core needs it). {@code results/} and the {@code .bin.gz} blob land in
 * {@code target/jcstress-run}; the console goes to {@code target/jcstress-run/jcstress.log}.
 *
 * <p>The verdicts come from jcstress' binary result file ({@code jcstress-results-*.bin.gz}), read and
 * graded by jcstress' own classes ({@link JcstressResults}); the console is kept only for a person.
 * The build fails, naming the test, when:
 * <ul>
 * <li>jcstress wrote no result file (it exits 0 on "FATAL: No matching tests");</li>
 * <li>a test outside {@code io.resetguard.stress.negative} is not {@code [OK]} in every
 *     configuration (FAILED: a FORBIDDEN outcome was observed; ERROR/TIMEOUT/VM ERROR/SKIPPED);</li>
 * <li>a negative control is not {@code [FAILED]}, failed for another reason than an observed FORBIDDEN
 *     outcome, or had an error in any configuration;</li>
 * <li>a test of the jar's {@code META-INF/TestList} is missing from the results, fewer than
 *     {@link #MIN_TESTS} tests or {@link #MIN_CONTROLS} controls ran, or a test ran in fewer JVM
 *     configurations than the others (the run did not complete).</li>
 * </ul>
 *
 * <p>System properties (set by the failsafe configuration of {@code stress/pom.xml}):
 * {@code jcstress.jar} (path of the shaded jar), {@code jcstress.mode} (jcstress {@code -m} preset,
 * default {@code quick}), {@code jcstress.time} and {@code jcstress.iters} ({@code -time}, {@code -iters};
 * default 100 ms and 3: the preset's 200 ms x 5 makes the gate much longer, because jcstress
 * finishes every started epoch of fixtures, which the interpreter-only configurations build slowly),
 * {@code jcstress.workdir} (default {@code target/jcstress-run}),
 * {@code jcstress.timeoutMinutes} (default 30 for quick/sanity, 600 otherwise).
 */
class JcstressSuiteIT {
    /** This many tests (controls included) must have run: the gate's size. */
    static final int MIN_TESTS = Gate.TESTS;
    /** At least this many negative controls must have run (one per planted bug of issue 5). */
    static final int MIN_CONTROLS = 4;
    /** At least this many distinct races ({@link io.resetguard.stress.Race}) must be in the gate. */
    static final int MIN_RACES = 15;

    private static final Pattern ECHO = Pattern.compile(
        "\\[(OK|FAILED|ERROR|TIMEOUT|VM ERROR|SKIPPED)\\]|\\(Results:|FATAL|RUN RESULTS|Exception|Error:");

    @Test
    void jcstressSuitePassesAndNegativeControlsFail() throws Exception {
        final Path jar = Paths.get(System.getProperty("jcstress.jar", "target/jcstress.jar")).toAbsolutePath();
        final String mode = orDefault(System.getProperty("jcstress.mode"), "quick");
        final String time = orDefault(System.getProperty("jcstress.time"), "100");
        final String iters = orDefault(System.getProperty("jcstress.iters"), "3");
        final Path workDir = Paths.get(orDefault(System.getProperty("jcstress.workdir"), "target/jcstress-run"))
            .toAbsolutePath();
        final long timeoutMinutes = Long.parseLong(orDefault(System.getProperty("jcstress.timeoutMinutes"),
            mode.equals("quick") || mode.equals("sanity") ? "30" : "600"));
        if (!Files.isRegularFile(jar)) {
            fail("jcstress jar not found at " + jar + " (it is built by the shade plugin in `package`)");
        }
        final List<TestListing.Entry> gate = TestListing.fromJar(jar).stream().filter(TestListing.Entry::gate)
            .collect(Collectors.toList());
        final Set<String> listed = gate.stream().map(TestListing.Entry::name).collect(Collectors.toCollection(TreeSet::new));
        System.out.println("[jcstress] gate subset: " + listed.size() + " tests");

        Files.createDirectories(workDir);
        try (DirectoryStream<Path> old = Files.newDirectoryStream(workDir, "jcstress-results-*.bin.gz")) {
            for (final Path p : old) {
                Files.delete(p);
            }
        }
        final Path log = workDir.resolve("jcstress.log");
        final List<String> command = List.of(
            Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-jar", jar.toString(),
            "-m", mode, "-fsm", "0", "-sc", "false", "-time", time, "-iters", iters, "-pth", "false",
            "-strideCount", "10", "-v",
            "-t", TestListing.regexp(gate));
        System.out.println("[jcstress] " + String.join(" ", command));
        System.out.println("[jcstress] working directory " + workDir + ", console log " + log);

        final long t0 = System.nanoTime();
        final Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        final Thread pump = new Thread(() -> pump(process, log), "jcstress-console");
        pump.setDaemon(true);
        pump.start();
        if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail("jcstress did not finish within " + timeoutMinutes + " min; see " + log);
        }
        pump.join(TimeUnit.SECONDS.toMillis(30));
        final int exit = process.exitValue();
        final Duration took = Duration.ofNanos(System.nanoTime() - t0);
        System.out.printf("[jcstress] exit code %d after %d min %02d s%n", exit, took.toMinutes(), took.toSecondsPart());

        final Path results = JcstressResults.find(workDir);
        final JcstressResults run = results == null ? null : JcstressResults.read(results);
        if (run != null) {
            for (final JcstressResults.TestReport t : run.tests.values()) {
                System.out.printf("[jcstress] %-8s %-60s %,12d samples, %,d interesting, %,d forbidden, %d configs%n",
                    t.finalStatus, t.name, t.samples(), t.interestingSamples(), t.forbiddenSamples(),
                    t.forkStatuses.size());
            }
        }
        final List<String> problems = check(run, listed, exit);
        if (!problems.isEmpty()) {
            fail("jcstress gate failed (" + problems.size() + " problem(s); console: " + log + "):\n  - "
                + String.join("\n  - ", problems));
        }
    }

    /**
     * Judge a run (see {@link Verdict}).
     *
     * @param run    what jcstress' result file holds; null if it wrote none
     * @param listed the gate tests of the jar's TestList; empty if unknown
     * @param exit   jcstress' exit code
     * @return the problems, each naming the test; empty if the gate passes
     */
    static List<String> check(final JcstressResults run, final Set<String> listed, final int exit) {
        return Verdict.problems(run, listed, exit, MIN_TESTS, MIN_CONTROLS);
    }

    private static void pump(final Process process, final Path log) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             BufferedWriter out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.newLine();
                out.flush();
                if (ECHO.matcher(line).find()) {
                    System.out.println("[jcstress] " + line.trim());
                }
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String orDefault(final String value, final String dflt) {
        return value == null || value.isBlank() || value.startsWith("${") ? dflt : value;
    }
}
