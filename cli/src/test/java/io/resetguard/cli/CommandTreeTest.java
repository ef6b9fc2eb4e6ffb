package io.resetguard.cli;

import io.resetguard.report.ProjectVersion;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One command tree: {@code bench} and {@code stress} are subcommands of {@code resetguard}, like the rest. */
class CommandTreeTest {
    private record Run(int code, String out, String err) {
    }

    private static Run run(final String... args) {
        final StringWriter o = new StringWriter();
        final StringWriter e = new StringWriter();
        final int code = Main.run(args, new PrintWriter(o), new PrintWriter(e));
        return new Run(code, o.toString(), e.toString());
    }

    @Test
    void rootHelpListsBenchAndStress() {
        final Run r = run("--help");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("  bench ")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("  stress ")), r.out());
    }

    @Test
    void theReadmeListsEveryCommand() throws Exception {
        final String readme = java.nio.file.Files.readString(java.nio.file.Paths.get("../README.md"));
        for (final String name : new picocli.CommandLine(new Main()).getSubcommands().keySet()) {
            if (!name.equals("help")) {
                assertTrue(readme.contains("| `./resetguard " + name), name + " is not in the README's command table");
            }
        }
    }

    @Test
    void helpOfEachSubcommandExits0() {
        for (final String cmd : new String[] {"bench", "stress", "simulate", "scenario", "models", "demo"}) {
            final Run viaHelp = run("help", cmd);
            assertEquals(0, viaHelp.code(), viaHelp.err());
            assertTrue(viaHelp.out().startsWith("Usage: resetguard " + cmd), viaHelp.out());
            final Run own = run(cmd, "--help");
            assertEquals(0, own.code(), own.err());
            assertEquals(viaHelp.out(), own.out());
        }
    }

    @Test
    void versionOfEverySubcommandIsTheProjectVersion() {
        for (final String cmd : new String[] {"bench", "stress", "simulate", "scenario", "models", "demo"}) {
            final Run r = run(cmd, "--version");
            assertEquals(0, r.code(), r.err());
            assertEquals("resetguard " + ProjectVersion.get(), r.out().trim(), cmd);
            assertEquals(Main.projectVersion(), ProjectVersion.get(), "one version everywhere");
        }
    }

    @Test
    void aBadOptionOfASubcommandIsAUsageErrorNamingIt() {
        final Run s = run("stress", "--mode", "fast");
        assertEquals(2, s.code());
        assertTrue(s.err().contains("--mode 'fast' is unknown"), s.err());
        final Run b = run("bench", "--profile", "slow", "--out", "x");
        assertEquals(2, b.code());
        assertTrue(b.err().contains("--profile"), b.err());
    }
}
