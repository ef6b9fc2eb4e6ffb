package io.resetguard.cli;

import io.resetguard.sim.ModelResult;
import io.resetguard.sim.SimConfig;
import io.resetguard.sim.Replications;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs a simulation with a progress bar, prints the comparison table and writes the report. */
final class SimRun {
    private SimRun() {
    }

    /**
     * @return the exit code: 0, or 1 if the report could not be written
     */
    static int execute(final SimConfig c, final Path report, final boolean progress, final PrintWriter out,
                       final PrintWriter err) throws InterruptedException {
        return execute(c, 1, report, progress, out, err);
    }

    /**
     * @param replications independent runs (fresh streams each); more than one adds each run's table
     *                     and the mean with its 95% confidence interval ({@link SimReplications})
     * @return the exit code: 0, or 1 if the report could not be written
     */
    static int execute(final SimConfig c, final int replications, final Path report, final boolean progress,
                       final PrintWriter out, final PrintWriter err) throws InterruptedException {
        out.printf(Locale.ROOT, "Simulating %,d functions on %d IOMMUs for %s of virtual time under %d model(s), "
                + "seed %d, %d thread(s)%n", c.functions(), c.iommus(), Durations.format(c.durationNs()),
            c.models().size(), c.seed(), c.threads());
        out.flush();
        final AtomicInteger shown = new AtomicInteger(-1);
        final long start = System.nanoTime();
        // a bar redrawn with \r only on a terminal; a log (CI, a pipe) gets a line per 10%
        final boolean terminal = System.console() != null;
        final Replications reps = Replications.run(c, replications,
            progress ? f -> bar(f, shown, terminal, start, err) : null);
        final List<ModelResult> rs = reps.runs().get(0);
        final double wall = (System.nanoTime() - start) / 1e9;
        if (progress && terminal) {
            err.println();
            err.flush();
        }
        if (replications == 1) {
            SimReport.table(rs, out);
        } else {
            SimReplications.table(reps, out);
        }
        out.printf(Locale.ROOT, "Wall time %.1f s%n", wall);
        try {
            SimReport.write(report, c, rs, wall, replications == 1 ? null : reps);
        } catch (final IOException e) {
            err.println("resetguard: cannot write the report to " + report + ": " + e.getMessage());
            return 1;
        }
        out.println("Report: " + report.resolve("index.html") + " and " + report.resolve("report.json"));
        return 0;
    }

    /**
     * Show progress {@code fraction} (0..1), called from the shard threads: each percentage once, the
     * first caller to reach it wins the CAS. On a terminal the bar is redrawn in place; otherwise a
     * line is printed for every tenth percentage, with the wall time so far.
     */
    static void bar(final double fraction, final AtomicInteger shown, final boolean terminal, final long startNs,
                    final PrintWriter err) {
        final int pct = (int) (fraction * 100);
        final int prev = shown.get();
        if (pct > prev && shown.compareAndSet(prev, pct)) {
            if (!terminal && (pct < 10 || pct / 10 == Math.max(prev, 0) / 10)) {
                return;
            }
            synchronized (err) {
                if (terminal) {
                    final int filled = pct / 2;
                    err.print("\r[" + "#".repeat(filled) + ".".repeat(50 - filled) + "] " + pct + "%");
                } else {
                    err.printf(Locale.ROOT, "progress %3d%% (%.1f s)%n", pct / 10 * 10,
                        (System.nanoTime() - startNs) / 1e9);
                }
                err.flush();
            }
        }
    }
}
