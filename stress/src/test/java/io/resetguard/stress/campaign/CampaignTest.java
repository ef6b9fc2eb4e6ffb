package io.resetguard.stress.campaign;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The campaign runner's options, selection, descriptions and file writing (no jcstress run). */
class CampaignTest {
    @TempDir
    Path tmp;

    private static String usageError(final String... args) {
        return assertThrows(Campaign.UsageException.class, () -> Campaign.parse(args)).getMessage();
    }

    @Test
    void badOptionsAreNamed() {
        assertTrue(usageError("--mode", "fast", "--out", "x").startsWith("--mode 'fast' is unknown"));
        assertTrue(usageError("--time", "abc", "--out", "x").startsWith("--time 'abc' is not a whole number"));
        assertTrue(usageError("--iters", "0", "--out", "x").startsWith("--iters '0' must be at least 1"));
        assertTrue(usageError("--filter", "(", "--out", "x").startsWith("--filter '(' is not a regular expression"));
        assertTrue(usageError("--split-compilation", "yes", "--out", "x").startsWith("--split-compilation 'yes'"));
        assertTrue(usageError("--out").startsWith("--out needs a value"));
        assertTrue(usageError("--mode", "quick").startsWith("--out DIR is required"));
        assertTrue(usageError("--bogus").startsWith("unknown option '--bogus'"));
    }

    @Test
    void aBadOptionCreatesNothingAndExits2() throws Exception {
        final Path out = tmp.resolve("never");
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int rc = Campaign.run(new String[] {"--out", out.toString(), "--iters", "-1"},
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, rc);
        assertFalse(Files.exists(out));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--iters '-1'"));
        final Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertTrue(usageError("--out", file.toString()).contains("is not a directory"));
    }

    @Test
    void selectionAndArguments() throws Exception {
        final List<TestListing.Entry> all = TestListing.fromClassPath();
        final Campaign.Options gate = Campaign.parse(new String[] {"--gate", "--list"});
        final List<TestListing.Entry> g = Campaign.select(all, gate);
        assertTrue(g.stream().allMatch(TestListing.Entry::gate));
        assertTrue(g.size() < all.size());
        final Campaign.Options o = Campaign.parse(new String[] {"--out", "x", "--mode", "quick", "--time", "50",
            "--iters", "2", "--filter", "negative"});
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
        final JcstressConsoleLog.Row observed =
            new JcstressConsoleLog.Row("0, 0, OK, PENDING, 0, 4, 2/2, false", 3, "Forbidden", "a sync never ...");
        assertEquals("a sync never completed or overtook its invalidation", Campaign.description(e, observed));
        final JcstressConsoleLog.Row other =
            new JcstressConsoleLog.Row("9, 9, OK, OK, 0, 4, 2/2, true", 1, "Forbidden", "anything ...");
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
        final JcstressConsoleLog.TestReport control =
            new JcstressConsoleLog.TestReport(TestListing.NEGATIVE_PREFIX + "FencelessBlockedFlag");
        control.finalStatus = "FAILED";
        control.forkStatuses.add("FAILED");
        control.aggregate.add(new JcstressConsoleLog.Row("0, 1, BLK, false", 5, "Forbidden", "anything else"));
        assertEquals(Verdict.Kind.MISSED, Verdict.of(control), "failed, but not by the outcome its bug plants");
        control.aggregate.add(new JcstressConsoleLog.Row("0, 0, DEF, true", 5, "Forbidden", "neither saw ..."));
        assertEquals(Verdict.Kind.CAUGHT, Verdict.of(control));
        control.forkStatuses.add("ERROR");
        assertEquals(Verdict.Kind.MISSED, Verdict.of(control));
        final JcstressConsoleLog.TestReport normal = new JcstressConsoleLog.TestReport(TestListing.PREFIX + "Y");
        normal.finalStatus = "OK";
        normal.forkStatuses.add("OK");
        normal.aggregate.add(new JcstressConsoleLog.Row("good", 5, "Acceptable", ""));
        assertEquals(Verdict.Kind.PASS, Verdict.of(normal));
        assertEquals(Verdict.Kind.NOT_RUN, Verdict.of(null));
    }
}
