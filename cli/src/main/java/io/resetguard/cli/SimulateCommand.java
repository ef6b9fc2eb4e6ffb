package io.resetguard.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code resetguard simulate}: a fleet under every protocol model, side by side, with a comparison
 * table and a report directory ({@code report.json}, {@code index.html}).
 *
 * <p>Its simulation options are {@link SimSettings}' (shared with {@code scenario}), added by
 * {@link Main#commandLine()}. Before the run it takes the report lock and checks the report directory
 * ({@link ReportDir#acquire}), and refuses a fleet whose estimated heap does not fit
 * ({@link RunEstimate}); every such refusal is one line and exit code 2.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Simulate a fleet of ATS functions under the protocol models, side by side.")
final class SimulateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--no-progress", description = "Do not draw the progress bar.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        final SimSettings.Resolved r;
        try {
            r = SimSettings.resolve(spec, null);
        } catch (final SimSettings.Bad e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return run(spec, r, !noProgress, "");
    }

    /**
     * Run a resolved simulation: check the heap estimate, take the report lease, run, commit the
     * report; an OutOfMemoryError becomes one line of advice.
     *
     * @param where prefixes a report-directory error (a scenario file's name, when the file named it)
     * @return the exit code
     */
    static int run(final CommandSpec spec, final SimSettings.Resolved r, final boolean progress, final String where)
        throws InterruptedException, java.io.IOException {
        return run(spec, r, progress, where,
            (c, report, p, out, err) -> SimRun.execute(c, r.replications(), report, p, out, err));
    }

    /** What runs the simulation once the report is leased ({@link SimRun#execute}; a test may fail it). */
    @FunctionalInterface
    interface Runner {
        int execute(io.resetguard.sim.SimConfig c, java.nio.file.Path report, boolean progress,
                    java.io.PrintWriter out, java.io.PrintWriter err) throws InterruptedException;
    }

    /** {@link #run(CommandSpec, SimSettings.Resolved, boolean, String)} with the given runner. */
    static int run(final CommandSpec spec, final SimSettings.Resolved r, final boolean progress, final String where,
                   final Runner runner) throws InterruptedException, java.io.IOException {
        final long maxHeap = Runtime.getRuntime().maxMemory();
        final String tooBig = RunEstimate.refusal(r.config(), maxHeap);
        if (tooBig != null) {
            throw new ParameterException(spec.commandLine(), tooBig);
        }
        final ReportDir.Lease lease;
        try {
            lease = ReportDir.acquire(r.reportWhat(), r.report());
        } catch (final IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), where + e.getMessage());
        }
        try (lease) {
            spec.commandLine().getOut().println(RunEstimate.describe(r.config(), maxHeap,
                Runtime.getRuntime().availableProcessors()));
            return runner.execute(r.config(), lease.target(), progress, spec.commandLine().getOut(),
                spec.commandLine().getErr());
        } catch (final RuntimeException | OutOfMemoryError e) {
            if (!causedByOom(e)) {
                throw e;
            }
            spec.commandLine().getErr().println("resetguard " + spec.name() + ": "
                + RunEstimate.outOfMemory(r.config(), maxHeap));
            spec.commandLine().getErr().flush();
            return 1;
        }
    }

    private static boolean causedByOom(final Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                return true;
            }
        }
        return false;
    }
}
