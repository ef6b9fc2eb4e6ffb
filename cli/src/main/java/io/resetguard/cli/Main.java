package io.resetguard.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * Main - the {@code resetguard} command.
 *
 * <pre>
 *   java -jar cli/target/resetguard.jar --help
 *   java -jar cli/target/resetguard.jar models
 *   java -jar cli/target/resetguard.jar demo --model seed
 *   java -jar cli/target/resetguard.jar simulate --functions 10000 --duration 10m
 *   java -jar cli/target/resetguard.jar scenario my-fleet.json
 * </pre>
 *
 * <p>Exit codes (picocli's): 0 success, 1 an exception in a command, 2 a usage error (unknown
 * option, bad {@code --model} value, missing subcommand).
 */
@Command(name = "resetguard",
    mixinStandardHelpOptions = true,
    versionProvider = Main.VersionProvider.class,
    description = "Emulator of the Linux IOMMU PCI-reset protocol (pci_dev_reset_iommu_prepare/done).",
    subcommands = {SimulateCommand.class, ScenarioCommand.class, ModelsCommand.class, DemoCommand.class,
        io.resetguard.bench.report.BenchCommand.class, io.resetguard.stress.campaign.StressCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /**
     * Run the command and exit the JVM with its exit code.
     *
     * @param args the command line
     */
    public static void main(final String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    /**
     * Run the command with the given streams, without exiting (for tests and embedding).
     *
     * @param args the command line
     * @param out  standard output (results, usage help asked for)
     * @param err  standard error (usage errors)
     * @return the exit code
     */
    public static int run(final String[] args, final PrintWriter out, final PrintWriter err) {
        final CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** Without a subcommand: a usage error. */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand (try 'resetguard models')");
    }

    /** The project version, from {@code version.properties} (filtered by Maven). */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"resetguard " + projectVersion()};
        }
    }

    /** @return the Maven project version this CLI was built from. */
    static String projectVersion() {
        final Properties p = new Properties();
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            p.load(in);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version", "unknown");
    }
}
