package io.resetguard.stress.campaign;

import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.infra.collectors.DiskReadCollector;
import org.openjdk.jcstress.infra.collectors.InProcessCollector;
import org.openjdk.jcstress.infra.collectors.TestResult;
import org.openjdk.jcstress.infra.grading.GradingResult;
import org.openjdk.jcstress.infra.grading.ReportUtils;
import org.openjdk.jcstress.infra.grading.TestGrading;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JcstressResults - what a jcstress 0.16 run observed, read from its own binary result file
 * ({@code jcstress-results-*.bin.gz}, written by {@code DiskWriteCollector} in the run's working
 * directory) through jcstress' own reader and grader: {@link DiskReadCollector} into an
 * {@link InProcessCollector}, {@link ReportUtils#mergedByName} for the results across all JVM
 * configurations, {@link TestGrading#grade} for each outcome's expectation and description, and
 * {@link ReportUtils#statusToLabel} for the {@code OK}/{@code FAILED}/{@code ERROR}/... labels.
 *
 * <p>This is exactly what jcstress' own console summary is printed from, without the console's
 * formatting: sample counts are the counters themselves (no locale digit grouping, no
 * {@code <0.01%} frequency), and descriptions are whole (the console truncates them).
 *
 * <p>Grading needs the test's {@code META-INF/TestList} entry on the class path (jcstress looks the
 * test's {@code @Outcome}s up there): the caller must read results with the same jar on the class
 * path that ran them.
 */
public final class JcstressResults {
    /** The file name jcstress 0.16 gives its binary results: {@code jcstress-results-<timestamp>.bin.gz}. */
    public static final String GLOB = "jcstress-results-*.bin.gz";

    /** One outcome of a test, across all its JVM configurations. */
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

    /** What the run says about one test. */
    public static final class TestReport {
        /** The test's name. */
        public final String name;
        /** The status label across all configurations ({@code OK}, {@code FAILED}, ...), null if it did not run. */
        public String finalStatus;
        /** Every outcome across all configurations, in jcstress' order (by id). */
        public final List<Row> aggregate = new ArrayList<>();
        /** The status label of every JVM configuration (fork), in the file's order. */
        public final List<String> forkStatuses = new ArrayList<>();
        /** JVM args of every fork (same order as {@link #forkStatuses}). */
        public final List<String> forkJvmArgs = new ArrayList<>();

        /**
         * @param name the test's name
         */
        public TestReport(final String name) {
            this.name = name;
        }

        /** @return all samples of all outcomes. */
        public long samples() {
            return aggregate.stream().mapToLong(Row::samples).sum();
        }

        /** @return the samples of FORBIDDEN outcomes. */
        public long forbiddenSamples() {
            return aggregate.stream().filter(Row::forbidden).mapToLong(Row::samples).sum();
        }

        /** @return the samples of ACCEPTABLE_INTERESTING outcomes. */
        public long interestingSamples() {
            return aggregate.stream().filter(Row::interesting).mapToLong(Row::samples).sum();
        }

        /** @return every status seen for this test: per fork, then across all configurations. */
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

    /** The tests, in the order first seen. */
    public final Map<String, TestReport> tests;

    private JcstressResults(final Map<String, TestReport> tests) {
        this.tests = Collections.unmodifiableMap(tests);
    }

    /**
     * Read the binary result file of a run.
     *
     * @param file a {@code jcstress-results-*.bin.gz}
     * @return what it holds
     * @throws IOException if it cannot be read, or holds something other than jcstress results
     */
    public static JcstressResults read(final Path file) throws IOException {
        final InProcessCollector c = new InProcessCollector();
        final DiskReadCollector reader = new DiskReadCollector(file.toString(), c);
        try {
            reader.dump();
        } catch (final ClassNotFoundException e) {
            throw new IOException(file + " is not a jcstress 0.16 result file: " + e.getMessage(), e);
        } finally {
            reader.close();
        }
        return of(c.getTestResults());
    }

    /**
     * Find the one result file a run left in its working directory.
     *
     * @param dir the run's working directory
     * @return the newest {@code jcstress-results-*.bin.gz}, or null if there is none
     * @throws IOException if the directory cannot be listed
     */
    public static Path find(final Path dir) throws IOException {
        Path newest = null;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, GLOB)) {
            for (final Path p : s) {
                if (newest == null || Files.getLastModifiedTime(p).compareTo(Files.getLastModifiedTime(newest)) > 0) {
                    newest = p;
                }
            }
        }
        return newest;
    }

    /**
     * Grade results as jcstress does.
     *
     * @param results one {@link TestResult} per test and JVM configuration
     * @return the per-test view
     */
    public static JcstressResults of(final Collection<TestResult> results) {
        final Map<String, TestReport> tests = new LinkedHashMap<>();
        for (final TestResult r : results) {
            final TestReport t = tests.computeIfAbsent(r.getName(), TestReport::new);
            t.forkStatuses.add(ReportUtils.statusToLabel(r));
            t.forkJvmArgs.add(r.getConfig() == null ? "?" : String.valueOf(r.getConfig().jvmArgs));
        }
        for (final TestResult merged : ReportUtils.mergedByName(results)) {
            final TestReport t = tests.computeIfAbsent(merged.getName(), TestReport::new);
            t.finalStatus = ReportUtils.statusToLabel(merged);
            for (final GradingResult g : merged.grading().gradingResults.values()) {
                t.aggregate.add(new Row(g.id, g.count, label(g.expect), g.description == null ? "" : g.description));
            }
        }
        return new JcstressResults(tests);
    }

    /** @return the label jcstress' console prints for an expectation. */
    static String label(final Expect e) {
        switch (e) {
            case ACCEPTABLE:
                return "Acceptable";
            case ACCEPTABLE_INTERESTING:
                return "Interesting";
            case FORBIDDEN:
                return "Forbidden";
            default:
                return "Unknown";
        }
    }
}
