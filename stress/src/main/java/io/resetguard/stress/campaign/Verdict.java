package io.resetguard.stress.campaign;

import io.resetguard.stress.Planted;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Verdict - how the gate and the campaign judge a jcstress run, as read from its binary result
 * file ({@link JcstressResults}).
 *
 * <ul>
 * <li>A normal test passes when it is {@code [OK]} in every JVM configuration and has samples.</li>
 * <li>A negative control (package {@code io.resetguard.stress.negative}) passes - it is "caught" -
 *     when jcstress marked it {@code [FAILED]} because one of the FORBIDDEN outcomes its
 *     {@link Planted} annotation names was observed, with no error, timeout or VM error in any
 *     configuration. Failing by any other outcome does not show that the suite detects the bug the
 *     control plants.</li>
 * <li>The run as a whole needs: a result file (jcstress writes none when it stops with
 *     {@code FATAL}, e.g. "No matching tests", and still exits 0), every expected test in it, the
 *     same number of JVM configurations for every test (a run killed half way leaves some tests with
 *     fewer), and the exit code that the statuses imply (1 if anything failed, else 0).</li>
 * </ul>
 */
public final class Verdict {
    /** The verdict of one test. */
    public enum Kind {
        /** A normal test with only allowed outcomes. */
        PASS,
        /** A normal test that observed a FORBIDDEN outcome or had an error. */
        FAIL,
        /** A negative control whose FORBIDDEN outcome was observed: the suite caught the bug. */
        CAUGHT,
        /** A negative control that passed, or failed for another reason: the suite missed the bug. */
        MISSED,
        /** The test is missing from the run's summary. */
        NOT_RUN
    }

    private Verdict() {
    }

    /** @return whether {@code name} is a negative control. */
    public static boolean negative(final String name) {
        return name.startsWith(TestListing.NEGATIVE_PREFIX);
    }

    /** @return the verdict of one test of a run. */
    public static Kind of(final JcstressResults.TestReport t) {
        if (t == null || t.finalStatus == null) {
            return Kind.NOT_RUN;
        }
        if (negative(t.name)) {
            final boolean errored = t.allStatuses().stream().anyMatch(s -> !s.equals("OK") && !s.equals("FAILED"));
            return !errored && t.finalStatus.equals("FAILED") && plantedSamples(t) > 0 ? Kind.CAUGHT : Kind.MISSED;
        }
        final boolean allOk = t.allStatuses().stream().allMatch(s -> s.equals("OK"));
        return allOk && t.samples() > 0 ? Kind.PASS : Kind.FAIL;
    }

    /**
     * Judge a run.
     *
     * @param run         what its result file holds; null if jcstress wrote none
     * @param expected    the tests that must have run (empty: no such check)
     * @param exit        jcstress' exit code
     * @param minTests    at least this many of this module's tests (controls included) must have run
     * @param minControls at least this many negative controls must have run
     * @return the problems, each naming the test; empty if the run passes
     */
    public static List<String> problems(final JcstressResults run, final Set<String> expected, final int exit,
                                        final int minTests, final int minControls) {
        final List<String> problems = new ArrayList<>();
        if (run == null) {
            problems.add("jcstress wrote no result file (" + JcstressResults.GLOB + "): it stopped before running "
                + "anything (exit code " + exit + "; see its console log)");
            return problems;
        }
        int normal = 0;
        int controls = 0;
        int configurations = 0;
        boolean anyNotOk = false;
        for (final JcstressResults.TestReport t : run.tests.values()) {
            configurations = Math.max(configurations, t.forkStatuses.size());
        }
        for (final JcstressResults.TestReport t : run.tests.values()) {
            if (!t.name.startsWith(TestListing.PREFIX)) {
                continue;
            }
            if (t.finalStatus == null) {
                problems.add(t.name + ": no results across its configurations (fork statuses " + t.forkStatuses + ")");
                continue;
            }
            if (t.forkStatuses.size() < configurations) {
                problems.add(t.name + ": ran in " + t.forkStatuses.size() + " of " + configurations
                    + " JVM configurations: the run did not complete");
            }
            anyNotOk |= t.allStatuses().stream().anyMatch(s -> !s.equals("OK"));
            if (negative(t.name)) {
                controls++;
                describeControl(t, problems);
            } else {
                normal++;
                describeNormal(t, problems);
            }
        }
        for (final String name : expected) {
            final JcstressResults.TestReport t = run.tests.get(name);
            if (t == null || t.finalStatus == null) {
                problems.add(name + ": in the jar's TestList but it did not run (is it a 3-actor test?)");
            }
        }
        if (normal + controls < minTests) {
            problems.add("only " + (normal + controls) + " tests ran, expected at least " + minTests);
        }
        if (controls < minControls) {
            problems.add("only " + controls + " negative controls ran, expected at least " + minControls);
        }
        final int expectedExit = anyNotOk ? 1 : 0;
        if (exit != expectedExit) {
            problems.add("jcstress exit code " + exit + ", expected " + expectedExit + " for the statuses seen");
        }
        return problems;
    }

    private static void describeNormal(final JcstressResults.TestReport t, final List<String> problems) {
        final List<String> bad = new ArrayList<>();
        for (int i = 0; i < t.forkStatuses.size(); i++) {
            if (!t.forkStatuses.get(i).equals("OK")) {
                bad.add(t.forkStatuses.get(i) + " " + t.forkJvmArgs.get(i));
            }
        }
        if (!t.finalStatus.equals("OK") || !bad.isEmpty()) {
            final StringBuilder sb = new StringBuilder(t.name).append(": ").append(t.finalStatus);
            for (final JcstressResults.Row r : t.aggregate) {
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

    private static void describeControl(final JcstressResults.TestReport t, final List<String> problems) {
        final boolean errored = t.allStatuses().stream().anyMatch(s -> !s.equals("OK") && !s.equals("FAILED"));
        if (errored) {
            problems.add(t.name + ": negative control had an error (statuses " + t.allStatuses()
                + "); it must fail by an observed FORBIDDEN outcome only");
        } else if (!t.finalStatus.equals("FAILED")) {
            problems.add(t.name + ": negative control PASSED (" + t.samples() + " samples, no FORBIDDEN outcome"
                + " observed): the suite no longer detects the bug it plants");
        } else if (t.forbiddenSamples() == 0) {
            problems.add(t.name + ": negative control FAILED but its table shows no observed FORBIDDEN outcome");
        } else if (planted(t.name).isEmpty()) {
            problems.add(t.name + ": negative control declares no @Planted outcomes");
        } else if (plantedSamples(t) == 0) {
            final List<String> seen = new ArrayList<>();
            for (final JcstressResults.Row r : t.aggregate) {
                if (r.forbidden() && r.samples() > 0) {
                    seen.add("'" + r.result() + "' x" + r.samples());
                }
            }
            problems.add(t.name + ": negative control FAILED, but not by its planted bug: none of its @Planted "
                + "outcomes " + planted(t.name) + " was observed (forbidden outcomes seen: " + seen + ")");
        }
    }

    /**
     * @return the {@link Planted} outcomes of the control named {@code name}, compiled; empty if the
     *         class has none or is not on the class path
     */
    static List<Pattern> planted(final String name) {
        final Class<?> c;
        try {
            c = Class.forName(name, false, Verdict.class.getClassLoader());
        } catch (final ClassNotFoundException e) {
            return List.of();
        }
        final Planted p = c.getAnnotation(Planted.class);
        if (p == null) {
            return List.of();
        }
        final List<Pattern> out = new ArrayList<>();
        for (final String id : p.value()) {
            out.add(Pattern.compile(id));
        }
        return out;
    }

    /** @return the samples of {@code t}'s observed FORBIDDEN outcomes that its planted bug explains. */
    static long plantedSamples(final JcstressResults.TestReport t) {
        final List<Pattern> planted = planted(t.name);
        long n = 0;
        for (final JcstressResults.Row r : t.aggregate) {
            if (r.forbidden() && r.samples() > 0 && planted.stream().anyMatch(p -> p.matcher(r.result()).matches())) {
                n += r.samples();
            }
        }
        return n;
    }
}
