package io.resetguard.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * Main - the {@code resetguard} command.
 *
 * <pre>
 *   java -jar cli/target/resetguard.jar --help
 *   java -jar cli/target/resetguard.jar models
 *   java -jar cli/target/resetguard.jar demo --models seed
 *   java -jar cli/target/resetguard.jar simulate --functions 10000 --duration 10m
 *   java -jar cli/target/resetguard.jar scenario my-fleet.json
 * </pre>
 *
 * <p>Exit codes (picocli's): 0 success, 1 a failure during a run (an exception, out of memory, a report
 * that could not be written), 2 bad input: a usage error (unknown option, bad value, missing
 * subcommand), a bad scenario file, a report directory that may not be written, a run that would not
 * fit the heap. Every bad-input error is one line on standard error.
 */
@Command(name = "resetguard", scope = CommandLine.ScopeType.INHERIT,
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
        System.exit(commandLine().execute(args));
    }

    /**
     * Build the command line: the annotated commands, {@link SimSettings}' options on {@code simulate}
     * and {@code scenario}, and the one-line usage-error handler ({@link #usageError}).
     *
     * @return a new command line, ready to execute
     */
    static CommandLine commandLine() {
        final CommandLine cl = new CommandLine(new Main());
        SimSettings.addTo(cl.getSubcommands().get("simulate").getCommandSpec());
        SimSettings.addTo(cl.getSubcommands().get("scenario").getCommandSpec());
        cl.setParameterExceptionHandler(Main::usageError);
        return cl;
    }

    /**
     * Print a usage error as one line: the command, the message (which names the option and quotes the
     * value as the user wrote it), picocli's suggestions for a mistyped option, and where help is; never
     * the usage text.
     *
     * @return the exit code for invalid input (2)
     */
    static int usageError(final ParameterException ex, final String[] args) {
        final CommandLine c = ex.getCommandLine();
        final String cmd = c.getCommandSpec().qualifiedName();
        String msg = String.valueOf(ex.getMessage());
        if (ex instanceof UnmatchedArgumentException) {
            final List<String> s = ((UnmatchedArgumentException) ex).getSuggestions();
            if (!s.isEmpty()) {
                msg += "; did you mean " + String.join(" or ", s.subList(0, Math.min(3, s.size()))) + "?";
            }
        }
        final String prefix = cmd + ": ";
        final String help = " (try '" + cmd + " --help')";
        c.getErr().println(prefix + Messages.cut(msg, Math.max(80, Messages.MAX_LINE - prefix.length() - help.length()))
            + help);
        c.getErr().flush();
        return c.getCommandSpec().exitCodeOnInvalidInput();
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
        final CommandLine cl = commandLine();
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
        throw new ParameterException(spec.commandLine(), "missing subcommand: simulate, scenario, models, demo or help");
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
