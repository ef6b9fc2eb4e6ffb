package io.resetguard.bench.report;

import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * BenchReport - runs a benchmark profile through the JMH Runner API (JSON results) and turns the
 * results into the benchmark report: {@code report.md} and {@code report.html} (with inline SVG
 * charts), next to {@code results.json} (JMH's JSON, every stage merged) and
 * {@code environment.json} (the CPU, which JMH does not record).
 *
 * <p>The command line is {@link BenchCommand} ({@code resetguard bench}); this class does the work
 * once the options are checked. The report is written into a temporary folder beside {@code --out} and moved into place only when
 * it is complete: a failed run, a failed benchmark or an interrupted write leaves no half-written
 * report.
 */
public final class BenchReport {
    /** How long each CPU-busy sample before a JMH run lasts. */
    static final long BUSY_SAMPLE_MS = 250;

    private BenchReport() {
    }

    /** Input that the options could not show to be bad: a {@code --from} file that is not JMH JSON. */
    static final class BadInput extends Exception {
        private static final long serialVersionUID = 1L;

        BadInput(final String message) {
            super(message);
        }
    }

    /**
     * Run a profile (or render {@code from}) into the report folder {@code outDir}.
     *
     * <p>The caller must have checked the options ({@link BenchCommand#check}): exactly one of
     * {@code profile} and {@code from}, and {@code outDir} usable.
     *
     * @return the exit status: 0 done, 1 failure (no report left behind)
     * @throws BadInput if {@code from} is not a JMH result file (nothing is written)
     */
    static int run(final Profile profile, final Path from, final Path outDir, final boolean dryRun,
                   final PrintWriter out, final PrintWriter err) throws BadInput {
        if (profile != null) {
            plan(profile, out);
            if (dryRun) {
                return 0;
            }
        }
        Path tmp = null;
        try {
            final Path target = outDir.toAbsolutePath().normalize();
            final Path parent = target.getParent();
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
            final long t0 = System.nanoTime();
            final JmhResults results;
            final Environment env;
            final ReportBuilder.RunInfo info;
            if (profile == null) {
                try {
                    results = JmhResults.read(from);
                } catch (final IllegalArgumentException e) {
                    throw new BadInput("--from: " + from + " is not usable: " + e.getMessage());
                }
                env = Environment.besides(from);
                Files.copy(from, tmp.resolve("results.json"));
                env.write(tmp.resolve(Environment.FILE));
                info = new ReportBuilder.RunInfo(from.toString(), env.profile(), env.wallTime());
            } else {
                final List<Double> busy = new ArrayList<>();
                final Environment before = Environment.current("measured");
                final Path merged = runProfile(profile, tmp, out, busy);
                results = JmhResults.read(merged);
                final String wall = duration(System.nanoTime() - t0);
                env = before.withRun(busy, profile.cliName(), wall);
                env.write(tmp.resolve(Environment.FILE));
                info = new ReportBuilder.RunInfo("a run of this command", profile.cliName(), wall);
            }
            final ReportBuilder builder = new ReportBuilder(results, env, info);
            write(builder.build(), tmp);
            commit(tmp, target);
            tmp = null;
            out.println();
            out.println("Report written to " + target + " (report.md, report.html, results.json)");
            for (final Targets.Result t : builder.targets()) {
                out.println(String.format(Locale.ROOT, "  %s %-12s %-8s %s", t.id(), t.verdict().label(),
                    Stats.ratio(t.ratio()), t.measured()));
            }
            return 0;
        } catch (final RunnerException e) {
            err.println("resetguard bench: a benchmark failed, no report written: " + e.getMessage());
            return 1;
        } catch (final IOException | RuntimeException e) {
            err.println("resetguard bench: failed, no report written: " + e);
            return 1;
        } finally {
            if (tmp != null) {
                deleteQuietly(tmp);
            }
        }
    }

    private static String duration(final long ns) {
        final Duration d = Duration.ofNanos(ns);
        return String.format(Locale.ROOT, "%d min %02d s", d.toMinutes(), d.toSecondsPart());
    }

    /** Print what a profile will run and how long it should take. */
    static void plan(final Profile p, final PrintWriter out) {
        out.println("Profile " + p.cliName() + ": " + p.stages().size() + " JMH runs");
        int forked = 0;
        for (final Profile.Stage s : p.stages()) {
            final int n = s.forkedRuns();
            forked += n;
            out.println(String.format(Locale.ROOT, "  %-28s %3d forked runs, ~%4.0f s  %s", s.name(), n,
                s.estimateSeconds(), s.what()));
            out.println("      " + s.paramsLine() + "; " + s.settingsLine());
        }
        out.println(String.format(Locale.ROOT, "  total: %d forked runs, estimated %.1f min", forked,
            p.estimateSeconds() / 60));
    }

    /** Run every stage of the profile; return the merged JSON results in {@code dir}. */
    private static Path runProfile(final Profile p, final Path dir, final PrintWriter out, final List<Double> busy)
        throws RunnerException, IOException {
        final Path jmh = Files.createDirectories(dir.resolve("jmh"));
        final List<Path> files = new ArrayList<>();
        int i = 1;
        for (final Profile.Stage s : p.stages()) {
            // what other work uses the CPUs while none of ours runs (250 ms before each JMH run)
            final double b = Environment.sampleCpuBusy(BUSY_SAMPLE_MS);
            if (!Double.isNaN(b)) {
                busy.add(Math.round(b * 10) / 10.0);
                if (b >= Environment.BUSY_PERCENT) {
                    out.println(String.format(Locale.ROOT, "resetguard bench: WARNING: the CPUs are %.0f%% busy with other "
                        + "work before stage %s; its numbers will be suspect", b, s.name()));
                }
            }
            out.println();
            out.println("=== BenchReport stage " + i + "/" + p.stages().size() + ": " + s.name() + " (" + s.what() + ")");
            final Path f = jmh.resolve(String.format(Locale.ROOT, "%02d-%s.json", i, s.name()));
            new Runner(s.options(f)).run();
            if (!Files.isRegularFile(f)) {
                throw new IOException("JMH wrote no results for stage " + s.name());
            }
            files.add(f);
            i++;
        }
        final Path merged = dir.resolve("results.json");
        Files.writeString(merged, JmhResults.merge(files));
        return merged;
    }

    /** Write the report files into {@code dir}. */
    static void write(final Doc doc, final Path dir) throws IOException {
        Files.writeString(dir.resolve("report.md"), MarkdownRenderer.render(doc));
        Files.writeString(dir.resolve("report.html"), HtmlRenderer.render(doc));
        for (final Doc.Section s : doc.sections) {
            for (final Doc.Block b : s.blocks) {
                if (b instanceof Doc.Chart c) {
                    Files.writeString(dir.resolve(c.file()), c.svg());
                }
            }
        }
    }

    /**
     * Move the finished report folder into place: rename it to {@code target}, or, if
     * {@code target} exists (empty, or replaced with --force), rename that aside first and delete it
     * afterwards.
     */
    private static void commit(final Path tmp, final Path target) throws IOException {
        if (!Files.exists(target)) {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        final Path aside = target.resolveSibling("." + target.getFileName() + ".old-" + System.nanoTime());
        Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (final IOException e) {
            Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE); // put the old one back
            throw e;
        }
        deleteQuietly(aside);
    }

    static void deleteQuietly(final Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(final Path d, final IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (final IOException e) {
            // best effort: a leftover temporary folder is named .NAME.tmp-*
        }
    }
}
