package io.resetguard.bench.report;

import io.resetguard.report.ProjectVersion;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * BenchCommand - {@code resetguard bench}: the benchmark report, as a subcommand of the one
 * {@code resetguard} command line (the cli's root command lists it; it also runs on its own, see
 * {@link #main}).
 *
 * <pre>
 *   ./resetguard bench --profile quick --out /tmp/rg-report
 *   ./resetguard bench --profile full --out /tmp/rg-full
 *   ./resetguard bench --from /tmp/rg-report/results.json --out /tmp/rg-again
 *   ./resetguard bench --profile quick --dry-run
 * </pre>
 *
 * <p>Everything the command line says is checked before any benchmark runs, so a mistake costs no
 * benchmark time: picocli rejects a syntax error, and {@link #check} the file system (the
 * {@code --from} file exists and is readable, {@code --out} is empty or absent unless {@code --force},
 * and {@code --force} would not delete the {@code --from} file). Each mistake is a
 * {@link ParameterException} naming the option, which the command line turns into exit code 2.
 * Exit 0: the report is written (or, with {@code --dry-run}, the plan printed); 1: a benchmark or
 * the writing failed, and no report is left behind ({@link BenchReport}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = BenchCommand.Version.class,
    sortOptions = false,
    description = {"Run a benchmark profile through JMH, or render existing JMH results, into the benchmark "
        + "report: report.md, report.html with its charts (*.svg), results.json and environment.json.",
        "The report is written to a temporary folder beside --out and moved into place only when complete."},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"0:done", "1:a benchmark or the writing failed (no report is left)",
        "2:bad command line (the message names the option)"})
public final class BenchCommand implements Callable<Integer> {
    /** The version line of {@code --version}: {@code resetguard <version>}. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {ProjectVersion.generator()};
        }
    }

    /** Exactly one source of results: a profile to run, or a JMH file to render. */
    static final class Source {
        @Option(names = "--profile", paramLabel = "quick|full", converter = ProfileConverter.class,
            description = {"run the benchmarks of a profile through JMH (JSON results), then write the report:",
                "quick: the targets of issue 6 and one function-count sweep, under 5 minutes on 2 cores;",
                "full: every benchmark and parameter at the annotated settings (about 2 hours)"})
        Profile profile;

        @Option(names = "--from", paramLabel = "RESULTS.json",
            description = {"run nothing: render the report from an existing JMH JSON result file",
                "(an environment.json next to it, as a run writes, supplies the CPU)"})
        Path from;
    }

    /** Converts a profile name, naming the valid ones when it is unknown. */
    static final class ProfileConverter implements CommandLine.ITypeConverter<Profile> {
        @Override
        public Profile convert(final String value) {
            try {
                return Profile.parse(value);
            } catch (final IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--out", paramLabel = "DIR",
        description = {"where to write the report; DIR must not exist or be empty, unless --force",
            "(required, except with --dry-run)"})
    Path out;

    @Option(names = "--force", description = "replace the contents of --out when it is not empty")
    boolean force;

    @Option(names = "--dry-run",
        description = "with --profile: print the plan (stages, parameters, forked runs, estimated time) and exit")
    boolean dryRun;

    /**
     * Run {@code resetguard bench} on its own (e.g. {@code java -cp benchmarks/target/benchmarks.jar
     * io.resetguard.bench.report.BenchCommand ...}) and exit with its status.
     *
     * @param args the command line
     */
    public static void main(final String[] args) {
        System.exit(new CommandLine(new BenchCommand()).execute(args));
    }

    @Override
    public Integer call() {
        check();
        final PrintWriter o = spec.commandLine().getOut();
        final PrintWriter e = spec.commandLine().getErr();
        try {
            return BenchReport.run(source.profile, source.from, out, dryRun, o, e);
        } catch (final BenchReport.BadInput ex) {
            throw new ParameterException(spec.commandLine(), ex.getMessage());
        } finally {
            o.flush();
            e.flush();
        }
    }

    /**
     * Check the combination of options and the file system before anything runs.
     *
     * @throws ParameterException naming the option at fault
     */
    void check() {
        final CommandLine cl = spec.commandLine();
        if (dryRun && source.from != null) {
            throw new ParameterException(cl, "--dry-run goes with --profile (with --from nothing runs anyway)");
        }
        if (out == null && !dryRun) {
            throw new ParameterException(cl, "--out is required: the folder to write the report to");
        }
        final Path from = source.from;
        if (from != null) {
            if (!Files.exists(from)) {
                throw new ParameterException(cl, "--from: " + from + " does not exist");
            }
            if (!Files.isRegularFile(from)) {
                throw new ParameterException(cl, "--from: " + from + " is not a file");
            }
            if (!Files.isReadable(from)) {
                throw new ParameterException(cl, "--from: " + from + " is not readable");
            }
        }
        if (out == null) {
            return;
        }
        if (Files.exists(out)) {
            if (!Files.isDirectory(out)) {
                throw new ParameterException(cl, "--out: " + out + " exists and is not a directory");
            }
            if (!force && !isEmpty(out)) {
                throw new ParameterException(cl, "--out: " + out + " is not empty; choose a new folder or add --force"
                    + " to replace its contents");
            }
        }
        final Path parent = out.toAbsolutePath().getParent();
        if (parent != null && Files.exists(parent) && !Files.isDirectory(parent)) {
            throw new ParameterException(cl, "--out: " + parent + " is not a directory");
        }
        if (parent != null && Files.isDirectory(parent) && !Files.isWritable(parent)) {
            throw new ParameterException(cl, "--out: cannot write in " + parent);
        }
        if (from != null && force
            && from.toAbsolutePath().normalize().startsWith(out.toAbsolutePath().normalize())) {
            throw new ParameterException(cl, "--out: " + out + " contains the --from file; --force would delete it");
        }
    }

    private boolean isEmpty(final Path dir) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        } catch (final IOException e) {
            throw new ParameterException(spec.commandLine(), "--out: cannot list " + dir + ": " + e.getMessage());
        }
    }
}
