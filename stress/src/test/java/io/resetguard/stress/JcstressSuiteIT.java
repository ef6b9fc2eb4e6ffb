package io.resetguard.stress;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * JcstressSuiteIT - the jcstress gate of {@code mvn verify}.
 *
 * <p>Runs the shaded {@code target/jcstress.jar} once over every test of {@code io.resetguard.stress}
 * (one run shares jcstress' fixed start-up of about 10-15 s):
 * <pre>
 *   cd target/jcstress-run
 *   java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar ../jcstress.jar \
 *        -m ${jcstress.mode} -fsm 0 -sc false -v -t io.resetguard.stress
 * </pre>
 * The export is on the host command because the forks inherit the host's JVM flags (Agrona 2.x in
 * core needs it). {@code -v} makes jcstress list the passing tests in its summary, so the gate can
 * prove that every test ran. {@code results/} and the {@code .bin.gz} blob land in
 * {@code target/jcstress-run}; the console goes to {@code target/jcstress-run/jcstress.log}.
 *
 * <p>The build fails, naming the test, when:
 * <ul>
 * <li>any console line contains {@code FATAL} (jcstress exits 0 on "FATAL: No matching tests");</li>
 * <li>a test outside {@code io.resetguard.stress.negative} is not {@code [OK]} in every
 *     configuration (FAILED: a FORBIDDEN outcome was observed; ERROR/TIMEOUT/VM ERROR/SKIPPED);</li>
 * <li>a negative control is not {@code [FAILED]}, failed for another reason than an observed FORBIDDEN
 *     outcome, or had an error in any configuration;</li>
 * <li>a test of the jar's {@code META-INF/TestList} is missing from the summary, fewer than
 *     {@link #MIN_TESTS} tests or {@link #MIN_CONTROLS} controls ran, or the run did not complete.</li>
 * </ul>
 *
 * <p>System properties (set by the failsafe configuration of {@code stress/pom.xml}):
 * {@code jcstress.jar} (path of the shaded jar), {@code jcstress.mode} (jcstress {@code -m} preset,
 * default {@code quick}), {@code jcstress.workdir} (default {@code target/jcstress-run}),
 * {@code jcstress.timeoutMinutes} (default 30 for quick/sanity, 600 otherwise).
 */
class JcstressSuiteIT {
    /** The {@code -t} selector: every test of this module. */
    static final String TEST_FILTER = "io.resetguard.stress";
    /** Tests in this package are negative controls: they must fail. */
    static final String NEGATIVE_PREFIX = "io.resetguard.stress.negative.";
    /** At least this many tests (controls included) must have run. Raise it when adding tests. */
    static final int MIN_TESTS = 9;
    /** At least this many negative controls must have run. */
    static final int MIN_CONTROLS = 1;

    private static final Pattern ECHO = Pattern.compile(
        "\\[(OK|FAILED|ERROR|TIMEOUT|VM ERROR|SKIPPED)\\]|\\(Results:|FATAL|RUN RESULTS|Exception|Error:");

    @Test
    void jcstressSuitePassesAndNegativeControlsFail() throws Exception {
        final Path jar = Paths.get(System.getProperty("jcstress.jar", "target/jcstress.jar")).toAbsolutePath();
        final String mode = orDefault(System.getProperty("jcstress.mode"), "quick");
        final Path workDir = Paths.get(orDefault(System.getProperty("jcstress.workdir"), "target/jcstress-run"))
            .toAbsolutePath();
        final long timeoutMinutes = Long.parseLong(orDefault(System.getProperty("jcstress.timeoutMinutes"),
            mode.equals("quick") || mode.equals("sanity") ? "30" : "600"));
        if (!Files.isRegularFile(jar)) {
            fail("jcstress jar not found at " + jar + " (it is built by the shade plugin in `package`)");
        }
        final Set<String> listed = listedTests(jar);

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
            "-m", mode, "-fsm", "0", "-sc", "false", "-v",
            "-t", TEST_FILTER);
        System.out.println("[jcstress] " + String.join(" ", command));
        System.out.println("[jcstress] working directory " + workDir + ", console log " + log);

        final long t0 = System.nanoTime();
        final Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        final List<String> lines = new ArrayList<>();
        final Thread pump = new Thread(() -> pump(process, log, lines), "jcstress-console");
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

        final List<String> snapshot;
        synchronized (lines) {
            snapshot = new ArrayList<>(lines);
        }
        final JcstressConsoleLog run = JcstressConsoleLog.parse(snapshot);
        for (final JcstressConsoleLog.TestReport t : run.tests.values()) {
            System.out.printf("[jcstress] %-8s %-60s %,12d samples, %,d interesting, %,d forbidden, %d configs%n",
                t.finalStatus, t.name, t.samples(), t.interestingSamples(), t.forbiddenSamples(), t.forkStatuses.size());
        }
        final List<String> problems = check(run, listed, exit);
        if (!problems.isEmpty()) {
            fail("jcstress gate failed (" + problems.size() + " problem(s); console: " + log + "):\n  - "
                + String.join("\n  - ", problems));
        }
    }

    /**
     * Judge a parsed run.
     *
     * @param run    the parsed console
     * @param listed the tests jcstress knows (TestList of the jar, filtered); empty if unknown
     * @param exit   jcstress' exit code
     * @return the problems, each naming the test; empty if the gate passes
     */
    static List<String> check(final JcstressConsoleLog run, final Set<String> listed, final int exit) {
        final List<String> problems = new ArrayList<>();
        for (final String f : run.fatalLines) {
            problems.add("jcstress printed FATAL: " + f.trim());
        }
        if (!run.sawRunResults) {
            problems.add("no 'RUN RESULTS:' section: jcstress did not finish its run (exit code " + exit + ")");
        }
        if (run.lastProgress == null) {
            problems.add("no '(Results: ...)' progress line: no test configuration ran");
        } else {
            final JcstressConsoleLog.Progress p = run.lastProgress;
            if (!p.complete()) {
                problems.add("incomplete run: " + p);
            }
            if (p.softErrors() != 0 || p.hardErrors() != 0) {
                problems.add("jcstress counted errors: " + p.softErrors() + " soft, " + p.hardErrors() + " hard");
            }
        }

        int normal = 0;
        int controls = 0;
        boolean anyNotOk = false;
        for (final JcstressConsoleLog.TestReport t : run.tests.values()) {
            if (!t.name.startsWith(TEST_FILTER + ".")) {
                continue;
            }
            final boolean control = t.name.startsWith(NEGATIVE_PREFIX);
            if (t.finalStatus == null) {
                problems.add(t.name + ": not in the RUN RESULTS summary (fork statuses " + t.forkStatuses + ")");
                continue;
            }
            anyNotOk |= t.allStatuses().stream().anyMatch(s -> !s.equals("OK"));
            if (control) {
                controls++;
                checkControl(t, problems);
            } else {
                normal++;
                checkNormal(t, problems);
            }
        }
        for (final String name : listed) {
            final JcstressConsoleLog.TestReport t = run.tests.get(name);
            if (t == null || t.finalStatus == null) {
                problems.add(name + ": in the jar's TestList but it did not run (is it a 3-actor test?)");
            }
        }
        if (normal + controls < MIN_TESTS) {
            problems.add("only " + (normal + controls) + " tests ran, expected at least " + MIN_TESTS);
        }
        if (controls < MIN_CONTROLS) {
            problems.add("only " + controls + " negative controls ran, expected at least " + MIN_CONTROLS);
        }
        final int expectedExit = anyNotOk ? 1 : 0;
        if (exit != expectedExit) {
            problems.add("jcstress exit code " + exit + ", expected " + expectedExit + " for the statuses seen");
        }
        return problems;
    }

    private static void checkNormal(final JcstressConsoleLog.TestReport t, final List<String> problems) {
        final List<String> bad = new ArrayList<>();
        for (int i = 0; i < t.forkStatuses.size(); i++) {
            if (!t.forkStatuses.get(i).equals("OK")) {
                bad.add(t.forkStatuses.get(i) + " " + t.forkJvmArgs.get(i));
            }
        }
        if (!t.finalStatus.equals("OK") || !bad.isEmpty()) {
            final StringBuilder sb = new StringBuilder(t.name).append(": ").append(t.finalStatus);
            for (final JcstressConsoleLog.Row r : t.aggregate) {
                if (r.forbidden() && r.samples() > 0) {
                    sb.append("; FORBIDDEN '").append(r.result()).append("' observed ").append(r.samples())
                        .append(" times (").append(r.description()).append(')');
                }
            }
            if (!bad.isEmpty()) {
                sb.append("; configurations: ").append(bad);
            }
            problems.add(sb.toString());
        } else if (t.samples() == 0) {
            problems.add(t.name + ": OK but no samples in its summary table");
        }
    }

    private static void checkControl(final JcstressConsoleLog.TestReport t, final List<String> problems) {
        final boolean errored = t.allStatuses().stream().anyMatch(s -> !s.equals("OK") && !s.equals("FAILED"));
        if (errored) {
            problems.add(t.name + ": negative control had an error (statuses " + t.allStatuses()
                + "); it must fail by an observed FORBIDDEN outcome only");
        } else if (!t.finalStatus.equals("FAILED")) {
            problems.add(t.name + ": negative control PASSED (" + t.samples() + " samples, no FORBIDDEN outcome"
                + " observed): the suite no longer detects a lost update");
        } else if (t.forbiddenSamples() == 0) {
            problems.add(t.name + ": negative control FAILED but its table shows no observed FORBIDDEN outcome");
        }
    }

    /** The test names of the jar's META-INF/TestList that match the filter. */
    static Set<String> listedTests(final Path jar) throws IOException {
        final Set<String> names = new TreeSet<>();
        try (JarFile jf = new JarFile(jar.toFile())) {
            final ZipEntry e = jf.getEntry("META-INF/TestList");
            if (e == null) {
                fail(jar + " has no META-INF/TestList: the jcstress annotation processor did not run");
            }
            try (BufferedReader r = new BufferedReader(new InputStreamReader(jf.getInputStream(e), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    final String name = testListName(line);
                    if (name != null && name.startsWith(TEST_FILTER + ".")) {
                        names.add(name);
                    }
                }
            }
        }
        return names;
    }

    /**
     * The test name of one TestList line, which 0.16 writes as {@code JCTEST<len>S<name><len>S<binary name>...};
     * null if the line does not look like that.
     */
    static String testListName(final String line) {
        final Matcher m = Pattern.compile("^JCTEST(\\d+)S").matcher(line);
        if (!m.find()) {
            return null;
        }
        final int len = Integer.parseInt(m.group(1));
        return m.end() + len <= line.length() ? line.substring(m.end(), m.end() + len) : null;
    }

    private static void pump(final Process process, final Path log, final List<String> lines) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             BufferedWriter out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.newLine();
                out.flush();
                synchronized (lines) {
                    lines.add(line);
                }
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
