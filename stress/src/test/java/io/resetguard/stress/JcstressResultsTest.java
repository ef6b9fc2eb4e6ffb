package io.resetguard.stress;

import io.resetguard.stress.campaign.JcstressResults;
import io.resetguard.stress.campaign.TestListing;
import io.resetguard.stress.campaign.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jcstress.infra.Status;
import org.openjdk.jcstress.infra.collectors.DiskReadCollector;
import org.openjdk.jcstress.infra.collectors.InProcessCollector;
import org.openjdk.jcstress.infra.collectors.TestResult;
import org.openjdk.jcstress.infra.runners.TestConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The campaign's and the gate's reader of jcstress' binary results, and their verdicts, on a real
 * result file: {@code jcstress-results-fixture.bin.gz} was written by a jcstress 0.16 run of this
 * module ({@code -m sanity -sc false -fsm 0 -time 30 -iters 1}) over one race and one negative
 * control. The synthetic runs reuse that file's JVM configurations with chosen outcome counts, and go
 * through jcstress' own grader like the real ones. Runs in {@code test}, before the long jcstress run.
 */
class JcstressResultsTest {
    static final String RACE = "io.resetguard.stress.state.BlockedFlagHandshakeRace";
    static final String CONTROL = "io.resetguard.stress.negative.FencelessBlockedFlag";

    @TempDir
    Path tmp;

    /** @return the fixture's results, one per test and JVM configuration. */
    private List<TestResult> fixture() throws Exception {
        final Path file = tmp.resolve("jcstress-results-fixture.bin.gz");
        if (!Files.exists(file)) {
            try (InputStream in = getClass().getResourceAsStream("jcstress-results-fixture.bin.gz")) {
                Files.copy(in, file);
            }
        }
        final InProcessCollector c = new InProcessCollector();
        final DiskReadCollector r = new DiskReadCollector(file.toString(), c);
        r.dump();
        r.close();
        return new ArrayList<>(c.getTestResults());
    }

    /** @return the fixture's JVM configurations of {@code test}. */
    private List<TestConfig> configs(final String test) throws Exception {
        final List<TestConfig> out = new ArrayList<>();
        for (final TestResult r : fixture()) {
            if (r.getName().equals(test)) {
                out.add(r.getConfig());
            }
        }
        assertFalse(out.isEmpty(), test + " is not in the fixture");
        return out;
    }

    /** @return one result per configuration of {@code test}, each with {@code states} (outcome to count). */
    private List<TestResult> run(final String test, final Status status, final Map<String, Long> states)
        throws Exception {
        final List<TestResult> out = new ArrayList<>();
        for (final TestConfig c : configs(test)) {
            final TestResult r = new TestResult(status);
            r.setConfig(c);
            states.forEach(r::addState);
            out.add(r);
        }
        return out;
    }

    private static Map<String, Long> states(final Object... kv) {
        final Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], ((Number) kv[i + 1]).longValue());
        }
        return m;
    }

    /** A race that saw only allowed outcomes, 1.5 million of them per configuration. */
    private List<TestResult> passingRace() throws Exception {
        return run(RACE, Status.NORMAL, states("0, 1, BLK, true", 500_000, "0, 1, DEF, true", 500_000,
            "0, 0, BLK, true", 500_000));
    }

    /** The gate's rules without its minimum counts, which a two-test run cannot meet. */
    private static List<String> check(final JcstressResults run, final int exit) {
        final List<String> p = JcstressSuiteIT.check(run, Set.of(RACE, CONTROL), exit);
        p.removeIf(x -> x.startsWith("only "));
        return p;
    }

    @Test
    void readsTheRealResultFileThroughJcstressOwnReaderAndGrader() throws Exception {
        final Path file = Files.createDirectories(tmp.resolve("run")).resolve("jcstress-results-2026.bin.gz");
        try (InputStream in = getClass().getResourceAsStream("jcstress-results-fixture.bin.gz")) {
            Files.copy(in, file);
        }
        assertEquals(file, JcstressResults.find(file.getParent()));
        final JcstressResults run = JcstressResults.read(file);
        assertEquals(Set.of(RACE, CONTROL), run.tests.keySet());
        final JcstressResults.TestReport race = run.tests.get(RACE);
        assertEquals("OK", race.finalStatus);
        assertTrue(race.forkStatuses.size() >= 2, "one status per JVM configuration: " + race.forkStatuses);
        assertTrue(race.forkJvmArgs.stream().allMatch(a -> a.contains("--add-exports")), race.forkJvmArgs.toString());
        assertTrue(race.samples() > 0);
        assertEquals(0, race.forbiddenSamples());
        // whole descriptions, from the @Outcome annotations (the console cuts them)
        assertTrue(race.aggregate.stream().anyMatch(r -> r.description()
            .equals("neither saw the other: an invalidation goes to a function whose reset does not drain it")),
            race.aggregate.toString());
        assertEquals(Verdict.Kind.PASS, Verdict.of(race));
        final JcstressResults.TestReport control = run.tests.get(CONTROL);
        assertEquals(control.forkStatuses.size(), race.forkStatuses.size());
        assertTrue(Set.of(Verdict.Kind.CAUGHT, Verdict.Kind.MISSED).contains(Verdict.of(control)));
        assertNull(JcstressResults.find(tmp));
    }

    @Test
    void aControlCaughtOnceInMillionsOfSamplesIsCaught() throws Exception {
        // the console printed such a row's frequency as "<0.01%", which the old console parser skipped
        final List<TestResult> all = new ArrayList<>(passingRace());
        all.addAll(run(CONTROL, Status.NORMAL, states("0, 1, BLK, true", 3_000_000, "0, 0, DEF, false", 1)));
        final JcstressResults run = JcstressResults.of(all);
        final JcstressResults.TestReport c = run.tests.get(CONTROL);
        assertEquals("FAILED", c.finalStatus);
        assertEquals(c.forkStatuses.size(), c.forbiddenSamples(), "one per configuration");
        assertEquals(Verdict.Kind.CAUGHT, Verdict.of(c));
        assertEquals(List.of(), check(run, 1));
    }

    @Test
    void aControlThatFailsOnlyByAnOutcomeItDidNotPlantIsMissed() throws Exception {
        final List<TestResult> all = new ArrayList<>(passingRace());
        all.addAll(run(CONTROL, Status.NORMAL, states("0, 1, BLK, true", 1000, "9, 9, BLK, false", 54)));
        final JcstressResults run = JcstressResults.of(all);
        assertEquals(Verdict.Kind.MISSED, Verdict.of(run.tests.get(CONTROL)));
        final List<String> problems = check(run, 1);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(CONTROL + ": negative control FAILED, but not by its planted bug"),
            problems.get(0));
    }

    @Test
    void aPassingControlAndAFailedRaceAreNamed() throws Exception {
        final List<TestResult> all = new ArrayList<>(run(RACE, Status.NORMAL,
            states("0, 1, BLK, true", 1000, "0, 0, DEF, true", 17)));
        all.addAll(run(CONTROL, Status.NORMAL, states("0, 1, BLK, true", 1000)));
        final List<String> problems = check(JcstressResults.of(all), 1);
        final int nRace = configs(RACE).size();
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(RACE + ": FAILED; FORBIDDEN '0, 0, DEF, true' observed "
            + 17L * nRace + " times (neither saw the other")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(CONTROL + ": negative control PASSED")),
            problems.toString());
    }

    @Test
    void noResultFileAMissingTestAnErrorAndAnIncompleteRunAreProblems() throws Exception {
        final List<String> none = JcstressSuiteIT.check(null, Set.of(RACE), 0);
        assertTrue(none.get(0).startsWith("jcstress wrote no result file"), none.toString());

        final List<TestResult> erroring = new ArrayList<>(passingRace());
        erroring.addAll(run(CONTROL, Status.TEST_ERROR, states()));
        final List<String> p = check(JcstressResults.of(erroring), 1);
        assertTrue(p.stream().anyMatch(x -> x.startsWith(CONTROL + ": negative control had an error")), p.toString());

        final List<String> missing = check(JcstressResults.of(passingRace()), 0);
        assertTrue(missing.stream().anyMatch(x -> x.startsWith(CONTROL + ": in the jar's TestList but it did not run")),
            missing.toString());

        final List<TestResult> cut = new ArrayList<>(passingRace());
        final List<TestResult> control = run(CONTROL, Status.NORMAL, states("0, 0, DEF, true", 5));
        cut.addAll(control.subList(0, control.size() - 1));
        final List<String> incomplete = check(JcstressResults.of(cut), 1);
        assertTrue(incomplete.stream().anyMatch(x -> x.startsWith(CONTROL + ": ran in " + (control.size() - 1) + " of "
            + control.size() + " JVM configurations")), incomplete.toString());
    }

    @Test
    void readsTestListNames() throws IOException {
        assertEquals(RACE, TestListing.testListName("JCTEST51S" + RACE + "51S" + RACE + "60Sx"));
        assertNull(TestListing.testListName("garbage"));
    }
}
