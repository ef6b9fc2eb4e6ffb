package io.resetguard.stress.campaign;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The campaign's command line, selection, descriptions, verdicts and file writing (no jcstress run). */
class CampaignTest {
    @TempDir
    Path tmp;

    /** Exit code and both streams of one {@code resetguard stress} command line. */
    private record Outcome(int code, String out, String err) {
    }

    private static Outcome stress(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cl = new CommandLine(new StressCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Outcome(cl.execute(args), out.toString(), err.toString());
    }

    /** @return the settings a command line gives (picocli parses, {@link StressCommand#options} checks). */
    private static Campaign.Options parse(final String... args) {
        final StressCommand c = new StressCommand();
        new CommandLine(c).parseArgs(args);
        return c.options();
    }

    @Test
    void badOptionsAreNamedAndExit2() {
        final String[][] cases = {
            {"--mode", "fast", "--out", "x"}, {"--time", "abc", "--out", "x"}, {"--iters", "0", "--out", "x"},
            {"--filter", "(", "--out", "x"}, {"--split-compilation", "yes", "--out", "x"}, {"--out"},
            {"--mode", "quick"}, {"--bogus"}, {"--stress-forks", "-1", "--list"}, {"--timeout-minutes", "0", "--list"}};
        final String[] named = {"--mode", "--time", "--iters", "--filter", "--split-compilation", "--out", "--out",
            "--bogus", "--stress-forks", "--timeout-minutes"};
        for (int i = 0; i < cases.length; i++) {
            final Outcome o = stress(cases[i]);
            assertEquals(2, o.code(), String.join(" ", cases[i]) + ": " + o.err());
            assertTrue(o.err().contains(named[i]), named[i] + " not named: " + o.err());
        }
    }

    @Test
    void aBadOptionCreatesNothing() throws Exception {
        final Path out = tmp.resolve("never");
        final Outcome o = stress("--out", out.toString(), "--iters", "-1");
        assertEquals(2, o.code());
        assertFalse(Files.exists(out));
        assertTrue(o.err().contains("--iters '-1' must be at least 1"), o.err());
        final Path file = Files.writeString(tmp.resolve("a-file"), "x");
        final Outcome f = stress("--out", file.toString());
        assertEquals(2, f.code());
        assertTrue(f.err().contains("is not a directory"), f.err());
    }

    @Test
    void aFirstRunIsQuickAndHelpAndVersionExit0() {
        assertEquals("quick", parse("--list").mode(), "a user's first run must not take hours");
        assertEquals("default", parse("--list", "--mode", "default").mode());
        final Outcome help = stress("--help");
        assertEquals(0, help.code(), help.err());
        assertTrue(help.out().startsWith("Usage: stress") && help.out().contains("--mode")
            && help.out().contains("default: quick"), help.out());
        final Outcome version = stress("--version");
        assertEquals(0, version.code());
        assertEquals(io.resetguard.report.ProjectVersion.generator(), version.out().trim());
    }

    @Test
    void selectionAndArguments() throws Exception {
        final List<TestListing.Entry> all = TestListing.fromClassPath();
        final Campaign.Options gate = parse("--gate", "--list");
        final List<TestListing.Entry> g = Campaign.select(all, gate);
        assertTrue(g.stream().allMatch(TestListing.Entry::gate));
        assertTrue(g.size() < all.size());
        final Campaign.Options o = parse("--out", "x", "--mode", "quick", "--time", "50", "--iters", "2",
            "--filter", "negative");
        final List<TestListing.Entry> neg = Campaign.select(all, o);
        assertTrue(!neg.isEmpty() && neg.stream().allMatch(TestListing.Entry::negative));
        final List<String> args = Campaign.jcstressArgs(o, neg);
        assertEquals(List.of("-m", "quick", "-fsm", "0", "-sc", "false", "-v", "-time", "50", "-iters", "2", "-t"),
            args.subList(0, args.size() - 1));
    }

    @Test
    void descriptionsComeFromTheOutcomeAnnotations() throws Exception {
        final TestListing.Entry e = TestListing.fromClassPath().stream()
            .filter(x -> x.name().endsWith("negative.LossyQueueSubmitters")).findFirst().orElseThrow();
        final JcstressResults.Row observed =
            new JcstressResults.Row("0, 0, OK, PENDING, 0, 4, 2/2, false", 3, "Forbidden", "a sync never ...");
        assertEquals("a sync never completed or overtook its invalidation", Campaign.description(e, observed));
        final JcstressResults.Row other =
            new JcstressResults.Row("9, 9, OK, OK, 0, 4, 2/2, true", 1, "Forbidden", "anything ...");
        assertTrue(Campaign.description(e, other).startsWith("anything else"));
    }

    @Test
    void filesAreReplacedAtomically() throws Exception {
        final Path target = tmp.resolve("report.txt");
        Campaign.writeAtomically(target, "one");
        Campaign.writeAtomically(target, "two");
        assertEquals("two", Files.readString(target));
        assertFalse(Files.exists(tmp.resolve("report.txt.tmp")));
    }

    @Test
    void verdictsOfControlsAndTests() {
        final JcstressResults.TestReport control =
            new JcstressResults.TestReport(TestListing.NEGATIVE_PREFIX + "FencelessBlockedFlag");
        control.finalStatus = "FAILED";
        control.forkStatuses.add("FAILED");
        control.aggregate.add(new JcstressResults.Row("0, 1, BLK, false", 5, "Forbidden", "anything else"));
        assertEquals(Verdict.Kind.MISSED, Verdict.of(control), "failed, but not by the outcome its bug plants");
        control.aggregate.add(new JcstressResults.Row("0, 0, DEF, true", 5, "Forbidden", "neither saw ..."));
        assertEquals(Verdict.Kind.CAUGHT, Verdict.of(control));
        control.forkStatuses.add("ERROR");
        assertEquals(Verdict.Kind.MISSED, Verdict.of(control));
        final JcstressResults.TestReport normal = new JcstressResults.TestReport(TestListing.PREFIX + "Y");
        normal.finalStatus = "OK";
        normal.forkStatuses.add("OK");
        normal.aggregate.add(new JcstressResults.Row("good", 5, "Acceptable", ""));
        assertEquals(Verdict.Kind.PASS, Verdict.of(normal));
        assertEquals(Verdict.Kind.NOT_RUN, Verdict.of(null));
    }
}
