package io.resetguard.stress;

import io.resetguard.stress.campaign.JcstressConsoleLog;
import io.resetguard.stress.campaign.TestListing;
import io.resetguard.stress.campaign.Verdict;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unit tests of the console parser and of the gate's verdicts, on console excerpts copied from real
 * jcstress 0.16 runs of this module (-v, -m quick -fsm 0 -sc false). Runs in {@code test}, so a
 * parser regression fails fast, before the minutes-long jcstress run.
 */
class JcstressConsoleLogTest {
    private static final String OK_TEST = "io.resetguard.stress.PrepareReentryRace.Linux70";
    private static final String CONTROL = "io.resetguard.stress.negative.LostUpdateSiblingPrepare";

    private static List<String> fork(final String status, final String name, final String... rows) {
        final List<String> l = new ArrayList<>(List.of(
            "",
            ".......... [" + status + "] " + name,
            "",
            "  Scheduling class:",
            "    actor1: package group 0, core group 0",
            "",
            "  JVM args: [--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED, -XX:-UseBiasedLocking, -Xint]",
            "  Fork: #1",
            "",
            "                         RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION"));
        l.addAll(List.of(rows));
        l.add("");
        l.add("(Results: 12 planned; 1 passed, 0 failed, 0 soft errs, 0 hard errs)");
        return l;
    }

    private static List<String> console(final String okStatus, final String controlStatus, final long forbidden,
                                        final int planned, final int passed, final int failed) {
        final List<String> l = new ArrayList<>();
        l.add("Java Concurrency Stress Tests");
        l.addAll(fork(okStatus, OK_TEST,
            "  -EBUSY, 0, BLK, 0, 1, 1, true      911   49.24%  Acceptable  actor2 committed first and parked the...",
            "  0, -EBUSY, BLK, 0, 1, 1, true      939   50.76%  Acceptable  actor1 committed first and parked the...",
            "                       0, 0, .*        0    0.00%   Forbidden  both prepares returned 0: both read r..."));
        l.addAll(fork(controlStatus, CONTROL,
            "  0, 0, BLK, BLK, 2, true   90,885   55.04%  Acceptable  both blocked, recovery_cnt 2: the prepares did not overlap",
            "  0, 0, BLK, DEF, 1, true   " + forbidden + "    7.77%   Forbidden  lost update: both prepares returned 0"));
        l.add("(Results: " + planned + " planned; " + passed + " passed, " + failed + " failed, 0 soft errs, 0 hard errs)");
        l.add("");
        l.add("RUN RESULTS:");
        l.add("  Interesting tests: No matches.");
        l.add("");
        l.add("  Failed tests: 1 matching test results.");
        l.add("");
        l.add("...... [" + controlStatus + "] " + CONTROL);
        l.add("");
        l.add("  Results across all configurations:");
        l.add("");
        l.add("                   RESULT    SAMPLES     FREQ      EXPECT  DESCRIPTION");
        l.add("  0, 0, BLK, BLK, 2, true  2,982,967   66.59%  Acceptable  both blocked, recovery_cnt 2");
        l.add("  0, 0, BLK, DEF, 1, true    " + String.format("%,d", forbidden) + "   14.56%   Forbidden  lost update: ...");
        l.add("");
        l.add("  Error tests: No matches.");
        l.add("");
        l.add("  All remaining tests: 1 matching test results.");
        l.add("");
        l.add(".......... [" + okStatus + "] " + OK_TEST);
        l.add("");
        l.add("  Results across all configurations:");
        l.add("");
        l.add("                         RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION");
        l.add("  -EBUSY, 0, BLK, 0, 1, 1, true  298,613   24.04%  Acceptable  actor2 committed first and parked the...");
        l.add("  0, -EBUSY, BLK, 0, 1, 1, true  943,552   75.96%  Acceptable  actor1 committed first and parked the...");
        l.add("                       0, 0, .*        0    0.00%   Forbidden  both prepares returned 0: both read r...");
        l.add("");
        l.add("  HTML report generated at /work/main/stress/target/jcstress-run/results/index.html");
        return l;
    }

    @Test
    void parsesForkBlocksSummaryAndProgress() {
        final JcstressConsoleLog run = JcstressConsoleLog.parse(console("OK", "FAILED", 652_173, 12, 6, 6));
        assertTrue(run.sawRunResults);
        assertEquals(new JcstressConsoleLog.Progress(12, 6, 6, 0, 0), run.lastProgress);
        final JcstressConsoleLog.TestReport ok = run.tests.get(OK_TEST);
        assertEquals("OK", ok.finalStatus);
        assertEquals("All remaining tests", ok.section);
        assertEquals(List.of("OK"), ok.forkStatuses);
        assertTrue(ok.forkJvmArgs.get(0).contains("-Xint"));
        assertEquals(3, ok.aggregate.size());
        assertEquals("0, -EBUSY, BLK, 0, 1, 1, true", ok.aggregate.get(1).result());
        assertEquals(943_552, ok.aggregate.get(1).samples());
        assertEquals(298_613 + 943_552, ok.samples());
        assertEquals(0, ok.forbiddenSamples());
        final JcstressConsoleLog.TestReport c = run.tests.get(CONTROL);
        assertEquals("FAILED", c.finalStatus);
        assertEquals(652_173, c.forbiddenSamples());
    }

    @Test
    void gatePassesWhenNormalTestsPassAndControlsFail() {
        final List<String> problems = checkWithMinimum(console("OK", "FAILED", 652_173, 12, 6, 6), 1);
        assertEquals(List.of(), problems);
    }

    @Test
    void gateNamesAFailedNormalTest() {
        final List<String> lines = console("FAILED", "FAILED", 652_173, 12, 0, 12);
        final int row = lines.lastIndexOf("                       0, 0, .*        0    0.00%   Forbidden  both prepares returned 0: both read r...");
        lines.set(row, "                 0, 0, BLK, 0, 1, 0, true       17    0.01%   Forbidden  both prepares returned 0: both read r...");
        final List<String> problems = checkWithMinimum(lines, 1);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(OK_TEST + ": FAILED; FORBIDDEN '0, 0, BLK, 0, 1, 0, true' observed 17 times"),
            problems.get(0));
    }

    /** A run whose control failed with {@code row} as its only FORBIDDEN row. */
    private static List<String> controlCaughtBy(final String row) {
        final List<String> lines = console("OK", "FAILED", 54, 12, 6, 6);
        lines.set(lines.indexOf("  0, 0, BLK, DEF, 1, true    54   14.56%   Forbidden  lost update: ..."), row);
        return lines;
    }

    @Test
    void aControlCaughtBelowOneInTenThousandSamplesIsCaught() {
        // jcstress prints such a row's frequency as "<0.01%" (FencelessBlockedFlag: 54 of 1.9 million)
        final List<String> lines = controlCaughtBy("  0, 0, BLK, DEF, 1, true         54   <0.01%   Forbidden  lost update: ...");
        final JcstressConsoleLog run = JcstressConsoleLog.parse(lines);
        assertEquals(54, run.tests.get(CONTROL).forbiddenSamples());
        assertEquals(List.of(), checkWithMinimum(lines, 1));
    }

    @Test
    void aControlThatFailsOnlyByAnOutcomeItDidNotPlantIsMissed() {
        final List<String> lines = controlCaughtBy("  0, 0, BLK, BLK, 2, false    54   14.56%   Forbidden  anything else");
        final List<String> problems = checkWithMinimum(lines, 1);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(CONTROL + ": negative control FAILED, but not by its planted bug"),
            problems.get(0));
        assertEquals(Verdict.Kind.MISSED, Verdict.of(JcstressConsoleLog.parse(lines).tests.get(CONTROL)));
    }

    @Test
    void gateNamesAPassingControl() {
        final List<String> problems = checkWithMinimum(console("OK", "OK", 0, 12, 12, 0), 0);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(CONTROL + ": negative control PASSED"), problems.get(0));
    }

    @Test
    void gateRejectsFatalMissingTestsAndErrors() {
        final List<String> lines = List.of("FATAL: No matching tests.");
        final List<String> problems = JcstressSuiteIT.check(JcstressConsoleLog.parse(lines), Set.of(OK_TEST), 0);
        assertTrue(problems.stream().anyMatch(p -> p.contains("FATAL")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(OK_TEST + ": in the jar's TestList")), problems.toString());

        final List<String> erroring = console("OK", "ERROR", 0, 12, 6, 0);
        final List<String> p2 = checkWithMinimum(erroring, 1);
        assertTrue(p2.stream().anyMatch(p -> p.startsWith(CONTROL + ": negative control had an error")), p2.toString());
    }

    @Test
    void readsTestListNames() {
        assertEquals(OK_TEST, TestListing.testListName(
            "JCTEST47S" + OK_TEST + "47Sio.resetguard.stress.PrepareReentryRace$Linux70..."));
        assertNull(TestListing.testListName("garbage"));
        assertFalse(JcstressConsoleLog.ROW.matcher("                   RESULT    SAMPLES     FREQ      EXPECT  DESCRIPTION").matches());
    }

    /** {@link JcstressSuiteIT#check} without its minimum-count rules, which a two-test excerpt cannot meet. */
    private static List<String> checkWithMinimum(final List<String> lines, final int exit) {
        final List<String> problems = JcstressSuiteIT.check(JcstressConsoleLog.parse(lines), Set.of(OK_TEST, CONTROL), exit);
        problems.removeIf(p -> p.startsWith("only "));
        return problems;
    }
}
