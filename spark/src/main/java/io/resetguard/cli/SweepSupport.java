package io.resetguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.resetguard.sim.ModelResult;
import io.resetguard.sim.SimConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * SweepSupport - the parts of the command line that {@code sweep} (module {@code spark}) shares with
 * {@code simulate}, reached from outside the package: the settings ({@link SimSettings}), the report
 * directory's safety ({@link ReportDir}), report.json's fields ({@link SimReport#json}), the progress
 * bar ({@link SimRun#bar}) and the one-line messages ({@link Messages}).
 *
 * <p>It lives in the {@code spark} module but in this package, so that the CLI jar needs no change and
 * never sees Spark: the dependency goes one way only (spark depends on cli). Nothing here has logic
 * of its own; each method delegates.
 */
public final class SweepSupport {
    /** The longest error line the command line prints. */
    public static final int MAX_LINE = Messages.MAX_LINE;

    private SweepSupport() {
    }

    /**
     * Add {@code simulate}'s settings to {@code cmd}, less {@code --report} (a sweep writes to
     * {@code --out}), {@code --threads} (a Spark task runs one shard on one thread) and
     * {@code --replications} (the sweep's own option, which also runs fresh streams per run).
     */
    public static void addSettings(final CommandSpec cmd) {
        SimSettings.addTo(cmd, java.util.EnumSet.of(SimSettings.Setting.REPORT, SimSettings.Setting.THREADS,
            SimSettings.Setting.REPLICATIONS));
    }

    /** @return whether {@code field} is a scenario field of {@link SimSettings} (as in a scenario file). */
    public static boolean isField(final String field) {
        return SimSettings.Setting.ofField(field) != null;
    }

    /** @return the option of the scenario field {@code field} ({@code faultRate} → {@code --fault-rate}). */
    public static String optionOf(final String field) {
        return SimSettings.Setting.ofField(field).option;
    }

    /** @return whether the option of scenario field {@code field} was given on {@code cmd}'s command line. */
    public static boolean optionGiven(final CommandSpec cmd, final String field) {
        return cmd.commandLine().getParseResult().hasMatchedOption(optionOf(field));
    }

    /**
     * Resolve the settings as {@code scenario} does: the options given on {@code cmd}, then the fields of
     * {@code fields} (a scenario-file-like object; here one point of a grid), then the defaults.
     *
     * @return the configuration
     * @throws IllegalArgumentException one line naming the option (with its value) or the field
     */
    public static SimConfig resolve(final CommandSpec cmd, final JsonNode fields) {
        try {
            return SimSettings.resolve(cmd, fields).config();
        } catch (final SimSettings.Bad e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** @return report.json's tree for one run: {@code seed}, {@code settings}, {@code wallSeconds}, {@code models}. */
    public static ObjectNode reportJson(final SimConfig c, final List<ModelResult> rs, final double wallSeconds) {
        return SimReport.json(c, rs, wallSeconds);
    }

    /** @return {@code ns} as the CLI prints durations ({@code 20m}, {@code 1h30m}). */
    public static String duration(final long ns) {
        return Durations.format(ns);
    }

    /** @return {@code s} on one line, cut to the longest error line. */
    public static String line(final String s) {
        return Messages.line(s);
    }

    /** @return a user's value on one short line, for quoting in a message. */
    public static String clip(final String s) {
        return Messages.clip(s);
    }

    /**
     * The heap check of {@code simulate} ({@link RunEstimate#refusal}) for {@code slots} shards in
     * flight in this JVM (a local master's task slots).
     *
     * @return null if the shards in flight may fit {@code maxHeap}, else one line with the estimate and the fix
     */
    public static String heapRefusal(final SimConfig c, final int slots, final long maxHeap) {
        final String r = RunEstimate.refusal(c.withThreads(slots), maxHeap);
        return r == null ? null : r.replace("fewer --threads", "fewer local[N] task slots");
    }

    /** Show progress as {@code simulate} does ({@link SimRun#bar}); thread-safe. */
    public static void progress(final double fraction, final AtomicInteger shown, final boolean terminal,
                                final long startNs, final PrintWriter err) {
        SimRun.bar(fraction, shown, terminal, startNs, err);
    }

    /** @return the one-line usage error picocli prints for {@code msg} on {@code cmd} (exit code 2). */
    public static ParameterException usage(final CommandSpec cmd, final String msg) {
        return new ParameterException(cmd.commandLine(), msg);
    }

    /**
     * Print a usage error as {@code resetguard simulate} does: one line, exit code 2.
     *
     * @return the exit code for invalid input
     */
    public static int usageError(final ParameterException ex, final String[] args) {
        return Main.usageError(ex, args);
    }

    /**
     * A held output directory with {@code --report}'s safety ({@link ReportDir}): nothing of the user's is
     * replaced, a concurrent run is refused, and the new content replaces a previous one whole.
     */
    public static final class OutDir implements AutoCloseable {
        private final ReportDir.Lease lease;

        private OutDir(final ReportDir.Lease lease) {
            this.lease = lease;
        }

        /**
         * Take the directory: lock it, recover an interrupted commit, check that it is absent, empty or a
         * previous ResetGuard output, and that its parent is writable. Call it before any work.
         *
         * @param what how the user named it ({@code --out})
         * @param name the path as given
         * @throws IllegalArgumentException one line naming {@code what}
         */
        public static OutDir acquire(final String what, final String name) {
            return new OutDir(ReportDir.acquire(what, name));
        }

        /** @return the absolute real path the output goes to. */
        public Path target() {
            return lease.target();
        }

        /**
         * Replace the target with the finished directory {@code tmp} (a sibling of the target, whose name
         * starts with {@code .NAME.tmp}), marking it as ResetGuard's.
         */
        public void commit(final Path tmp) throws IOException {
            ReportDir.commit(tmp, lease.target(), lease.dirPerms(), s -> { });
        }

        /** Delete a directory tree (a temporary output that was not committed). */
        public static void deleteTree(final Path dir) throws IOException {
            ReportDir.deleteTree(dir);
        }

        @Override
        public void close() throws IOException {
            lease.close();
        }
    }
}
