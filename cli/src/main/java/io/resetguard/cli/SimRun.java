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
import java.util.stream.Collectors;

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
        final List<String> models = c.models().stream().map(m -> m.cliName()).collect(Collectors.toList());
        final Replications reps = Replications.run(c, replications,
            progress ? f -> bar(f, shown, terminal, start, models, err) : null);
        final List<ModelResult> rs = reps.runs().get(0);
        final double wall = (System.nanoTime() - start) / 1e9;
        if (progress && terminal) {
            err.println();
            err.flush();
        }
        if (replications == 1) {
            SimReport.table(c.recovery(), rs, out);
        } else {
            SimReplications.table(c.recovery(), reps, out);
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

    /** {@link #bar(double, AtomicInteger, boolean, long, List, PrintWriter)} without model names. */
    static void bar(final double fraction, final AtomicInteger shown, final boolean terminal, final long startNs,
                    final PrintWriter err) {
        bar(fraction, shown, terminal, startNs, List.of(), err);
    }

    /**
     * Show progress {@code fraction} (0..1 over all models, run one after another), called from the
     * shard threads: each percentage once, the first caller to reach it wins the CAS. Each update
     * names the wall time so far, the estimated time left (elapsed x remaining / done) and the model
     * being simulated. On a terminal the bar is redrawn in place, within {@link SimReport#WIDTH}
     * columns; otherwise a line is printed for every tenth percentage.
     *
     * @param models the models in run order (empty: none named)
     */
    static void bar(final double fraction, final AtomicInteger shown, final boolean terminal, final long startNs,
                    final List<String> models, final PrintWriter err) {
        final int pct = (int) (fraction * 100);
        final int prev = shown.get();
        if (pct > prev && shown.compareAndSet(prev, pct)) {
            if (!terminal && (pct < 10 || pct / 10 == Math.max(prev, 0) / 10)) {
                return;
            }
            final String status = status(fraction, (System.nanoTime() - startNs) / 1e9, models);
            synchronized (err) {
                if (terminal) {
                    // a 25-character bar: the whole line stays within 100 columns
                    final int filled = pct / 4;
                    err.print("\r[" + "#".repeat(filled) + ".".repeat(25 - filled) + "] " + pct + "% " + status + "   ");
                } else {
                    err.printf(Locale.ROOT, "progress %3d%%: %s%n", pct / 10 * 10, status);
                }
                err.flush();
            }
        }
    }

    /**
     * @return e.g. {@code 12 s elapsed, about 18 s left, model seed}: the estimate assumes the rest
     *         runs at the speed so far
     */
    static String status(final double fraction, final double elapsedSeconds, final List<String> models) {
        final StringBuilder sb = new StringBuilder(seconds(elapsedSeconds)).append(" elapsed");
        if (fraction > 0 && fraction < 1) {
            sb.append(", about ").append(seconds(elapsedSeconds * (1 - fraction) / fraction)).append(" left");
        }
        if (!models.isEmpty()) {
            final int i = Math.min(models.size() - 1, (int) (Math.min(fraction, 1) * models.size()));
            sb.append(", model ").append(models.get(i));
        }
        return sb.toString();
    }

    /** @return {@code 4.2 s}, {@code 3 min 05 s}, {@code 1 h 02 min}. */
    static String seconds(final double s) {
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1f s", s);
        }
        final long t = Math.round(s);
        if (t < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", t / 60, t % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", t / 3600, t % 3600 / 60);
    }
}
