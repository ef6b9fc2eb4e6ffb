package io.resetguard.stress.campaign;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * JcstressConsoleLog - a parser of the jcstress 0.16 console output (run with {@code -v}).
 *
 * <p>The console has two parts. While the run goes on, every finished fork (test x JVM
 * configuration) prints a block
 * <pre>
 * .......... [OK] io.resetguard.stress.PrepareReentryRace.Linux70
 *   ...
 *   JVM args: [--add-exports=..., -XX:-UseBiasedLocking, -Xint]
 *   Fork: #1
 *
 *                          RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *   -EBUSY, 0, BLK, 0, 1, 1, true      911   49.24%  Acceptable  actor2 committed first ...
 *                        0, 0, .*        0    0.00%   Forbidden  both prepares returned 0 ...
 * </pre>
 * and progress lines such as {@code (Results: 84 planned; 78 passed, 6 failed, 0 soft errs, 0 hard errs)}.
 * After the line {@code RUN RESULTS:} come the sections {@code Interesting tests}, {@code Failed tests},
 * {@code Error tests} and {@code All remaining tests} (the last lists passing tests only with
 * {@code -v}); each test appears once there, with a {@code Results across all configurations} table.
 * A status label is one of {@code OK, FAILED, ERROR, TIMEOUT, VM ERROR, SKIPPED} (0.16
 * {@code ReportUtils.statusToLabel}); the number of leading dots varies with the name length.
 *
 * <p>The parser is lenient about spacing, the dot run, and the digit grouping of sample counts
 * (the host's locale formats them), and strict about what it needs: status lines, table rows and the
 * {@code RUN RESULTS:} marker.
 */
public final class JcstressConsoleLog {
    /** {@code .......... [OK] io.resetguard.stress.X.Y} */
    public static final Pattern STATUS = Pattern.compile("^\\s*\\.*\\s*\\[([A-Z][A-Z ]*[A-Z])\\]\\s+(\\S+)\\s*$");
    /**
     * {@code   <result>  <samples>  <freq>%  <Expect>  <description>}; jcstress prints a frequency
     * below 0.01% as {@code <0.01%}, which is exactly how a rarely caught control's row looks.
     */
    public static final Pattern ROW = Pattern.compile(
        "^\\s*(.*\\S)\\s+(\\d[\\d,.'\\u00a0\\u202f]*)\\s+(<?\\d+(?:[.,]\\d+)?)%\\s+"
            + "(Acceptable|Interesting|Forbidden|Unknown)(?:\\s+(.*))?$");
    /** {@code (Results: 84 planned; 78 passed, 6 failed, 0 soft errs, 0 hard errs)} */
    public static final Pattern PROGRESS = Pattern.compile(
        "\\(Results: (\\d+) planned; (\\d+) passed, (\\d+) failed, (\\d+) soft errs, (\\d+) hard errs\\)");
    /** The section headers after {@code RUN RESULTS:}. */
    public static final Pattern SECTION = Pattern.compile(
        "^\\s*(Interesting tests|Failed tests|Error tests|All remaining tests):.*$");
    private static final Pattern JVM_ARGS = Pattern.compile("^\\s*JVM args: (.*)$");

    /** One table row. */
    public record Row(String result, long samples, String expect, String description) {
        /** @return whether the row's expectation is FORBIDDEN. */
        public boolean forbidden() {
            return "Forbidden".equals(expect);
        }

        /** @return whether the row's expectation is ACCEPTABLE_INTERESTING. */
        public boolean interesting() {
            return "Interesting".equals(expect);
        }
    }

    /** What the console says about one test. */
    public static final class TestReport {
        /** The test's name. */
        public final String name;
        /** Status in the final RUN RESULTS section, or null if the test is not listed there. */
        public String finalStatus;
        /** The section of RUN RESULTS the test is listed in. */
        public String section;
        /** The "Results across all configurations" table. */
        public final List<Row> aggregate = new ArrayList<>();
        /** Status of every fork block seen while running, in order. */
        public final List<String> forkStatuses = new ArrayList<>();
        /** JVM args of every fork block (same order as {@link #forkStatuses}). */
        public final List<String> forkJvmArgs = new ArrayList<>();

        TestReport(final String name) {
            this.name = name;
        }

        /** @return all samples of the aggregate table. */
        public long samples() {
            return aggregate.stream().mapToLong(Row::samples).sum();
        }

        /** @return the samples of FORBIDDEN rows. */
        public long forbiddenSamples() {
            return aggregate.stream().filter(Row::forbidden).mapToLong(Row::samples).sum();
        }

        /** @return the samples of ACCEPTABLE_INTERESTING rows. */
        public long interestingSamples() {
            return aggregate.stream().filter(Row::interesting).mapToLong(Row::samples).sum();
        }

        /** @return every status seen for this test, final and per fork. */
        public List<String> allStatuses() {
            final List<String> all = new ArrayList<>(forkStatuses);
            if (finalStatus != null) {
                all.add(finalStatus);
            }
            return all;
        }

        @Override
        public String toString() {
            return name + " [" + finalStatus + "]";
        }
    }

    /** Progress counters of the last {@code (Results: ...)} line. */
    public record Progress(int planned, int passed, int failed, int softErrors, int hardErrors) {
        /** @return whether every planned configuration finished. */
        public boolean complete() {
            return planned == passed + failed + softErrors + hardErrors;
        }
    }

    /** Whether the {@code RUN RESULTS:} marker was seen (the run finished). */
    public final boolean sawRunResults;
    /** The last progress line, or null. */
    public final Progress lastProgress;
    /** Every line that contains FATAL. */
    public final List<String> fatalLines;
    /** The tests, in the order first seen. */
    public final Map<String, TestReport> tests;

    private JcstressConsoleLog(final boolean sawRunResults, final Progress lastProgress, final List<String> fatalLines,
                               final Map<String, TestReport> tests) {
        this.sawRunResults = sawRunResults;
        this.lastProgress = lastProgress;
        this.fatalLines = fatalLines;
        this.tests = tests;
    }

    /**
     * @param lines the console, line by line
     * @return what it says
     */
    public static JcstressConsoleLog parse(final List<String> lines) {
        final Map<String, TestReport> tests = new LinkedHashMap<>();
        final List<String> fatal = new ArrayList<>();
        Progress progress = null;
        int runResults = -1;
        for (int i = 0; i < lines.size(); i++) {
            final String l = lines.get(i);
            if (l.contains("FATAL")) {
                fatal.add(l);
            }
            final Matcher p = PROGRESS.matcher(l);
            if (p.find()) {
                progress = new Progress(Integer.parseInt(p.group(1)), Integer.parseInt(p.group(2)),
                    Integer.parseInt(p.group(3)), Integer.parseInt(p.group(4)), Integer.parseInt(p.group(5)));
            }
            if (l.trim().equals("RUN RESULTS:")) {
                runResults = i;
            }
        }
        // part 1: fork blocks while running
        TestReport current = null;
        final int end = runResults < 0 ? lines.size() : runResults;
        for (int i = 0; i < end; i++) {
            final String l = lines.get(i);
            final Matcher s = STATUS.matcher(l);
            if (s.matches()) {
                current = tests.computeIfAbsent(s.group(2), TestReport::new);
                current.forkStatuses.add(s.group(1));
                current.forkJvmArgs.add("?");
                continue;
            }
            final Matcher j = JVM_ARGS.matcher(l);
            if (j.matches() && current != null) {
                current.forkJvmArgs.set(current.forkJvmArgs.size() - 1, j.group(1));
            }
        }
        // part 2: RUN RESULTS, one aggregated block per test
        if (runResults >= 0) {
            String section = null;
            current = null;
            for (int i = runResults + 1; i < lines.size(); i++) {
                final String l = lines.get(i);
                final Matcher sec = SECTION.matcher(l);
                if (sec.matches()) {
                    section = sec.group(1);
                    current = null;
                    continue;
                }
                final Matcher s = STATUS.matcher(l);
                if (s.matches()) {
                    current = tests.computeIfAbsent(s.group(2), TestReport::new);
                    current.finalStatus = s.group(1);
                    current.section = section;
                    current.aggregate.clear();
                    continue;
                }
                final Matcher r = ROW.matcher(l);
                if (r.matches() && current != null) {
                    current.aggregate.add(new Row(r.group(1).trim(), digits(r.group(2)), r.group(4),
                        r.group(5) == null ? "" : r.group(5).trim()));
                }
            }
        }
        return new JcstressConsoleLog(runResults >= 0, progress, Collections.unmodifiableList(fatal),
            Collections.unmodifiableMap(tests));
    }

    private static long digits(final String grouped) {
        return Long.parseLong(grouped.replaceAll("[^0-9]", ""));
    }
}
