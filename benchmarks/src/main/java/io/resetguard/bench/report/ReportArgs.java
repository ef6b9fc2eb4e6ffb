package io.resetguard.bench.report;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * ReportArgs - the command line of {@link BenchReport}, parsed and checked before anything runs, so
 * that a mistake costs no benchmark time: every error names the option it is about.
 */
final class ReportArgs {
    /** A command-line mistake; its message names the option. BenchReport exits with 2. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(final String message) {
            super(message);
        }
    }

    static final String USAGE = String.join("\n",
        "Usage: java -cp benchmarks/target/benchmarks.jar io.resetguard.bench.report.BenchReport",
        "           (--profile quick|full | --from RESULTS.json) --out DIR [--force] [--dry-run]",
        "",
        "  --profile NAME   run the benchmarks of a profile through JMH (JSON results), then write the report:",
        "                     quick  the targets of issue 6 and one function-count sweep, under 5 minutes on 2 cores",
        "                     full   every benchmark and parameter at the annotated settings (about 2 hours)",
        "  --from FILE      do not run anything: render the report from an existing JMH JSON result file",
        "                   (an environment.json next to it, as a run writes, supplies the CPU)",
        "  --out DIR        where to write report.md, report.html, the charts (*.svg), results.json and",
        "                   environment.json; written to a temporary folder beside DIR and moved into place",
        "                   only when complete. DIR must not exist or be empty, unless --force",
        "  --force          replace DIR's contents when it is not empty",
        "  --dry-run        with --profile: print the plan (stages, parameters, forked runs, estimated time)",
        "                   and exit without running",
        "  --help           print this help",
        "",
        "Exit status: 0 done, 1 a benchmark or the writing failed, 2 bad command line.");

    String profile;
    Path from;
    Path out;
    boolean force;
    boolean dryRun;
    boolean help;

    private ReportArgs() {
    }

    /**
     * Parse the command line (syntax only: {@link #check()} looks at the file system).
     *
     * @throws UsageException naming the offending option
     */
    static ReportArgs parse(final String[] args) throws UsageException {
        final ReportArgs a = new ReportArgs();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            final int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "--profile":
                    value = value != null ? value : next(args, i++, arg);
                    once(a.profile, arg);
                    try {
                        Profile.parse(value);
                    } catch (final IllegalArgumentException e) {
                        throw new UsageException("--profile: " + e.getMessage());
                    }
                    a.profile = value;
                    break;
                case "--from":
                    value = value != null ? value : next(args, i++, arg);
                    once(a.from, arg);
                    a.from = path(value, arg);
                    break;
                case "--out":
                    value = value != null ? value : next(args, i++, arg);
                    once(a.out, arg);
                    a.out = path(value, arg);
                    break;
                case "--force":
                    noValue(value, arg);
                    a.force = true;
                    break;
                case "--dry-run":
                    noValue(value, arg);
                    a.dryRun = true;
                    break;
                case "--help":
                case "-h":
                    a.help = true;
                    break;
                default:
                    throw new UsageException("unknown option '" + args[i] + "'"
                        + (arg.startsWith("-") ? "" : " (every argument is an option; see --help)"));
            }
        }
        if (a.help) {
            return a;
        }
        if (a.profile == null && a.from == null) {
            throw new UsageException("one of --profile or --from is required");
        }
        if (a.profile != null && a.from != null) {
            throw new UsageException("--profile and --from exclude each other: run a profile, or render existing results");
        }
        if (a.dryRun && a.from != null) {
            throw new UsageException("--dry-run goes with --profile (with --from nothing runs anyway)");
        }
        if (a.out == null && !a.dryRun) {
            throw new UsageException("--out is required: the folder to write the report to");
        }
        return a;
    }

    private static String next(final String[] args, final int i, final String opt) throws UsageException {
        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
            throw new UsageException(opt + " needs a value");
        }
        return args[i + 1];
    }

    private static void once(final Object previous, final String opt) throws UsageException {
        if (previous != null) {
            throw new UsageException(opt + " is given twice");
        }
    }

    private static void noValue(final String value, final String opt) throws UsageException {
        if (value != null) {
            throw new UsageException(opt + " takes no value");
        }
    }

    private static Path path(final String value, final String opt) throws UsageException {
        if (value.isBlank()) {
            throw new UsageException(opt + " needs a non-empty path");
        }
        try {
            return Paths.get(value);
        } catch (final InvalidPathException e) {
            throw new UsageException(opt + ": '" + value + "' is not a valid path: " + e.getReason());
        }
    }

    /** @return the profile, or null with {@code --from}. */
    Profile profile() {
        return profile == null ? null : Profile.parse(profile);
    }

    /**
     * Check the file system before any work: {@code --from} is a readable file, {@code --out} is not
     * a file, and is empty or absent unless {@code --force}.
     *
     * @throws UsageException naming the option
     */
    void check() throws UsageException {
        if (from != null) {
            if (!Files.exists(from)) {
                throw new UsageException("--from: " + from + " does not exist");
            }
            if (!Files.isRegularFile(from)) {
                throw new UsageException("--from: " + from + " is not a file");
            }
            if (!Files.isReadable(from)) {
                throw new UsageException("--from: " + from + " is not readable");
            }
        }
        if (out != null && Files.exists(out)) {
            if (!Files.isDirectory(out)) {
                throw new UsageException("--out: " + out + " exists and is not a directory");
            }
            if (!force && !isEmpty(out)) {
                throw new UsageException("--out: " + out + " is not empty; choose a new folder or add --force to "
                    + "replace its contents");
            }
        }
        if (out != null) {
            final Path parent = out.toAbsolutePath().getParent();
            if (parent != null && Files.exists(parent) && !Files.isDirectory(parent)) {
                throw new UsageException("--out: " + parent + " is not a directory");
            }
            if (parent != null && Files.isDirectory(parent) && !Files.isWritable(parent)) {
                throw new UsageException("--out: cannot write in " + parent);
            }
            if (from != null && from.toAbsolutePath().normalize().startsWith(out.toAbsolutePath().normalize())
                && force) {
                throw new UsageException("--out: " + out + " contains the --from file; --force would delete it");
            }
        }
    }

    private static boolean isEmpty(final Path dir) throws UsageException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        } catch (final IOException e) {
            throw new UsageException("--out: cannot list " + dir + ": " + e.getMessage());
        }
    }
}
