package io.resetguard.stress.campaign;

import io.resetguard.report.ProjectVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * StressCommand - {@code resetguard stress}: the jcstress correctness campaign ({@link Campaign}),
 * as a subcommand of the one {@code resetguard} command line.
 *
 * <pre>
 *   ./resetguard stress --out stress-campaign                 # quick mode: a first run, about 20 s a test
 *   ./resetguard stress --mode default --out stress-campaign  # the longer preset, about 35 s a test
 *   ./resetguard stress --gate --out gate-run                 # only the tests of the mvn verify gate
 *   ./resetguard stress --list
 * </pre>
 *
 * <p>The mode defaults to {@code quick}: a user's first run should finish in minutes, not the hours
 * that {@code default} takes over the whole suite. Every option is checked before anything is
 * created: a mistake is a {@link ParameterException} naming the option (exit code 2). Exit 0: every
 * test PASS or CAUGHT and the run complete; 1 otherwise.
 */
@Command(name = "stress", mixinStandardHelpOptions = true, versionProvider = StressCommand.Version.class,
    sortOptions = false,
    description = {"Run the jcstress suite (or a selection) and write report.txt, summary.json, the console "
        + "log and jcstress' own results into --out.",
        "Negative controls pass (CAUGHT) when the bug they plant is observed."},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"0:every test PASS or CAUGHT, the run complete", "1:otherwise",
        "2:bad command line (the message names the option)"})
public final class StressCommand implements Callable<Integer> {
    /** The jcstress presets ({@code -m}). */
    static final List<String> MODES = List.of("sanity", "quick", "default", "tough", "stress");

    /** The version line of {@code --version}: {@code resetguard <version>}. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {ProjectVersion.generator()};
        }
    }

    /** The presets, for the help text and shell completion. */
    static final class ModeCandidates implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return MODES.iterator();
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR",
        description = {"where the report, summary, console log and jcstress results go (required unless --list);",
            "created if missing"})
    Path out;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "quick", completionCandidates = ModeCandidates.class,
        description = {"jcstress preset: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE});",
            "quick takes about 20 s a test, default about 35 s"})
    String mode;

    @Option(names = "--time", paramLabel = "MS", description = "jcstress -time: milliseconds per iteration (overrides the preset)")
    Integer timeMs;

    @Option(names = "--iters", paramLabel = "N", description = "jcstress -iters: iterations per JVM configuration (overrides the preset)")
    Integer iters;

    @Option(names = "--filter", paramLabel = "REGEXP", description = "only tests whose name matches (a find); default: all")
    Pattern filter;

    @Option(names = "--gate", description = "only the tests of the mvn verify gate (@Gate)")
    boolean gateOnly;

    @Option(names = "--split-compilation", paramLabel = "true|false", arity = "1", defaultValue = "false",
        description = "jcstress -sc (default ${DEFAULT-VALUE}: 6 JVM configurations per test on JDK 17)")
    boolean splitCompilation;

    @Option(names = "--stress-forks", paramLabel = "N", defaultValue = "0", description = "jcstress -fsm (default ${DEFAULT-VALUE})")
    int stressForks;

    @Option(names = "--timeout-minutes", paramLabel = "N", defaultValue = "600",
        description = "kill jcstress after N minutes (default ${DEFAULT-VALUE})")
    long timeoutMinutes;

    @Option(names = "--list", description = "print the tests with their race and gate membership; run nothing")
    boolean list;

    /**
     * Run {@code resetguard stress} on its own (e.g. {@code java -cp stress/target/jcstress.jar
     * io.resetguard.stress.campaign.StressCommand ...}) and exit with its status.
     *
     * @param args the command line
     */
    public static void main(final String[] args) {
        System.exit(new CommandLine(new StressCommand()).execute(args));
    }

    @Override
    public Integer call() {
        final Campaign.Options o = options();
        return Campaign.run(o, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /**
     * Check the options and turn them into the campaign's settings; nothing is created here.
     *
     * @return the settings
     * @throws ParameterException naming the option at fault
     */
    Campaign.Options options() {
        final CommandLine cl = spec.commandLine();
        if (!MODES.contains(mode)) {
            throw new ParameterException(cl, "--mode '" + mode + "' is unknown; use one of " + String.join(", ", MODES));
        }
        atLeast("--time", timeMs, 0);
        atLeast("--iters", iters, 1);
        atLeast("--stress-forks", stressForks, 0);
        atLeast("--timeout-minutes", timeoutMinutes, 1);
        if (out == null && !list) {
            throw new ParameterException(cl, "--out DIR is required (or --list)");
        }
        if (out != null && Files.exists(out) && !Files.isDirectory(out)) {
            throw new ParameterException(cl, "--out '" + out + "' exists and is not a directory");
        }
        return new Campaign.Options(out == null ? null : out.toAbsolutePath(), mode, timeMs, iters,
            filter == null ? null : filter.pattern(), gateOnly, splitCompilation, stressForks, timeoutMinutes, list);
    }

    private void atLeast(final String option, final Number value, final long min) {
        if (value != null && value.longValue() < min) {
            throw new ParameterException(spec.commandLine(), option + " '" + value + "' must be at least " + min);
        }
    }
}
