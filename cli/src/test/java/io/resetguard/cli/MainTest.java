package io.resetguard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.resetguard.model.ProtocolModel;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

class MainTest {

    /** Exit code and both streams of one run. */
    private static final class Run {
        final int code;
        final String out;
        final String err;

        Run(final String... args) {
            final StringWriter o = new StringWriter();
            final StringWriter e = new StringWriter();
            code = Main.run(args, new PrintWriter(o), new PrintWriter(e));
            out = o.toString();
            err = e.toString();
        }

        /** @return the block of output that starts with {@code [n]}, up to the next blank line. */
        String step(final int n) {
            final int from = out.indexOf("[" + n + "]");
            assertTrue(from >= 0, "no step [" + n + "] in:\n" + out);
            final int to = out.indexOf(System.lineSeparator() + System.lineSeparator(), from);
            return to < 0 ? out.substring(from) : out.substring(from, to);
        }
    }

    @Test
    void modelsListsAllSixWithTheirDescriptions() {
        final Run r = new Run("models");
        assertEquals(0, r.code, r.err);
        assertEquals(6, ProtocolModel.values().length);
        for (final ProtocolModel m : ProtocolModel.values()) {
            assertTrue(r.out.lines().anyMatch(l -> l.startsWith(m.cliName() + " ")), m.cliName() + " missing:\n" + r.out);
        }
        assertEquals(1 + 6, r.out.lines().count(), "header + one line per model:\n" + r.out);
        assertTrue(r.out.lines().anyMatch(l -> l.startsWith("linux-7.0 ") && l.contains("WARN + -EBUSY")
            && l.contains(" yes ")), r.out);
        assertTrue(r.out.lines().anyMatch(l -> l.startsWith("linux-7.1 ") && l.contains(" no ")), r.out);
        for (final ProtocolModel m : ProtocolModel.values()) {
            assertTrue(r.out.lines().anyMatch(l -> l.startsWith(m.cliName() + " ") && l.endsWith(m.description())),
                m.cliName() + ": its one-line description ends its row:\n" + r.out);
        }
        assertTrue(r.out.lines().anyMatch(l -> l.startsWith("quar-v6 ") && l.contains("done(result)")
            && l.contains("unmerged, QUAR v6 direction")), r.out);
    }

    @Test
    void demoSeedKeepsTheFunctionBlockedAfterTheFailedResetAndUnblocksAfterTheGoodOne() {
        final Run r = new Run("demo", "--model", "seed");
        assertEquals(0, r.code, r.err);
        assertTrue(r.step(1).contains("errno 0"), r.step(1));
        assertTrue(r.step(1).contains("status      BLOCKED"), r.step(1));
        final String failed = r.step(2);
        assertTrue(failed.contains("errno -ENOTTY, done() NOT called"), failed);
        assertTrue(failed.contains("status      BLOCKED"), failed);
        assertTrue(failed.contains("RID->blocked#"), failed);
        assertTrue(failed.contains("Reset failed. Blocking ATS to protect memory"), failed);
        assertTrue(r.step(3).contains("errno 0"), r.step(3));
        final String good = r.step(4);
        assertTrue(good.contains("errno 0, done() called"), good);
        assertTrue(good.contains("status      unblocked"), good);
        assertTrue(good.contains("resetting_domain=NULL"), good);
        assertTrue(good.contains("RID->paging#"), good);
        assertEquals(5, r.out.lines().filter(l -> l.contains("invariants  ok")).count(), r.out);
        assertTrue(r.out.contains("is unblocked"), r.out);
    }

    @Test
    void demoLinux70UnblocksAfterTheFailedReset() {
        final Run r = new Run("demo", "--model", "linux-7.0");
        assertEquals(0, r.code, r.err);
        final String failed = r.step(2);
        assertTrue(failed.contains("errno -ENOTTY, done() called"), failed);
        assertTrue(failed.contains("status      unblocked"), failed);
        assertTrue(failed.contains("RID->paging#"), failed);
        assertTrue(failed.contains("events      none"), failed);
    }

    @Test
    void demoRunsForEveryModel() {
        for (final ProtocolModel m : ProtocolModel.values()) {
            final Run r = new Run("demo", "--model", m.cliName());
            assertEquals(0, r.code, m + ": " + r.err);
            assertTrue(r.out.startsWith("model " + m.cliName() + ":"), r.out);
            for (int n = 0; n <= 4; n++) {
                r.step(n);
            }
        }
    }

    @Test
    void unknownModelIsAUsageErrorNamingTheOptionAndTheValidModels() {
        final Run r = new Run("demo", "--model", "linux-6.9");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("--model"), r.err);
        assertTrue(r.err.contains("linux-6.9"), r.err);
        assertTrue(r.err.contains(ProtocolModel.names()), r.err);
        assertEquals("", r.out);
    }

    @Test
    void missingModelAndMissingSubcommandAreUsageErrors() {
        assertEquals(2, new Run("demo").code);
        assertEquals(2, new Run().code);
    }

    @Test
    void versionComesFromTheProject() {
        final Run r = new Run("--version");
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.matches("resetguard \\d+\\.\\d+\\.\\d+.*\\R?"), r.out);
    }
}
