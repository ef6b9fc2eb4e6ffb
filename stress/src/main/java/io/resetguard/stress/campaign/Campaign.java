package io.resetguard.stress.campaign;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.resetguard.stress.Race;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.Outcome;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Campaign - runs the whole jcstress suite of this module (or a selection) with a chosen mode and
 * time budget, and writes a readable report and a machine-readable summary.
 *
 * <p>Its command line is {@link StressCommand} ({@code resetguard stress}).
 *
 * <p>It forks one jcstress run ({@code org.openjdk.jcstress.Main} from the same jar, with the same
 * Java and the {@code --add-exports} flag that core's Agrona needs) in the output directory, so
 * jcstress' {@code results/} (HTML) and {@code jcstress-results-*.bin.gz} land there too. The
 * verdicts come from that binary file, read and graded by jcstress' own classes
 * ({@link JcstressResults}), never from the console text. Then:
 * <ul>
 * <li>{@code jcstress.log} - the console, as it ran;</li>
 * <li>{@code report.txt} - per test: race, verdict, JVM configurations, and every outcome with its
 *     samples, frequency, expectation and description; the negative controls' verdict is CAUGHT when
 *     their planted bug was observed;</li>
 * <li>{@code summary.json} - the same, for machines.</li>
 * </ul>
 * {@code report.txt} and {@code summary.json} are written to a temporary file and moved into place,
 * so a reader never sees half a file. Exit 0: every test PASS or CAUGHT and the run was complete;
 * 1: otherwise.
 */
public final class Campaign {
    /** The checked settings of a campaign (see {@link StressCommand} for each one). */
    record Options(Path out, String mode, Integer timeMs, Integer iters, String filter, boolean gateOnly,
                   boolean splitCompilation, int stressForks, long timeoutMinutes, boolean list) {
    }

    private Campaign() {
    }

    /**
     * Run the campaign with checked settings ({@link StressCommand#options}).
     *
     * @return the exit code: 0 every test PASS or CAUGHT and the run complete, 1 otherwise
     */
    static int run(final Options o, final PrintWriter out, final PrintWriter err) {
        try {
            final List<TestListing.Entry> selected = select(TestListing.fromClassPath(), o);
            if (o.list()) {
                for (final TestListing.Entry e : selected) {
                    final Race r = e.race();
                    out.printf("%-5s %-62s %s%n", e.gate() ? "gate" : "", e.shortName(),
                        e.negative() ? "NEGATIVE CONTROL" : r.value());
                }
                out.printf("%d tests%n", selected.size());
                return 0;
            }
            if (selected.isEmpty()) {
                err.println("resetguard stress: --filter '" + o.filter() + "' matches no test");
                return 2;
            }
            return campaign(o, selected, out);
        } catch (final IOException e) {
            err.println("resetguard stress: " + e.getMessage());
            return 1;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("resetguard stress: interrupted");
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    // ------------------------------------------------------------------------------------------------
    // the run

    static List<TestListing.Entry> select(final List<TestListing.Entry> all, final Options o) {
        final Pattern p = o.filter() == null ? null : Pattern.compile(o.filter());
        return all.stream()
            .filter(e -> !o.gateOnly() || e.gate())
            .filter(e -> p == null || p.matcher(e.name()).find())
            .collect(Collectors.toList());
    }

    static List<String> jcstressArgs(final Options o, final List<TestListing.Entry> selected) {
        final List<String> a = new ArrayList<>(List.of("-m", o.mode(), "-fsm", Integer.toString(o.stressForks()),
            "-sc", Boolean.toString(o.splitCompilation()), "-v"));
        if (o.timeMs() != null) {
            a.addAll(List.of("-time", o.timeMs().toString()));
        }
        if (o.iters() != null) {
            a.addAll(List.of("-iters", o.iters().toString()));
        }
        a.addAll(List.of("-t", TestListing.regexp(selected)));
        return a;
    }

    private static int campaign(final Options o, final List<TestListing.Entry> selected, final PrintWriter out)
        throws IOException, InterruptedException {
        Files.createDirectories(o.out());
        try (DirectoryStream<Path> old = Files.newDirectoryStream(o.out(), "jcstress-results-*.bin.gz")) {
            for (final Path p : old) {
                Files.delete(p);
            }
        }
        final Path jar = ownJar();
        final List<String> command = new ArrayList<>(List.of(
            Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-cp", jar.toString(), "org.openjdk.jcstress.Main"));
        final List<String> jargs = jcstressArgs(o, selected);
        command.addAll(jargs);
        out.println("[campaign] " + selected.size() + " tests, jcstress " + String.join(" ", jargs.subList(0, jargs.size() - 2))
            + " -t <" + selected.size() + " names>");
        out.println("[campaign] output in " + o.out());

        final Instant started = Instant.now();
        final long t0 = System.nanoTime();
        final Path log = o.out().resolve("jcstress.log");
        final Process process = new ProcessBuilder(command).directory(o.out().toFile()).redirectErrorStream(true).start();
        final Thread pump = new Thread(() -> pump(process, log, out), "jcstress-console");
        pump.setDaemon(true);
        pump.start();
        boolean timedOut = false;
        if (!process.waitFor(o.timeoutMinutes(), TimeUnit.MINUTES)) {
            timedOut = true;
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
        }
        pump.join(TimeUnit.SECONDS.toMillis(30));
        final int exit = process.exitValue();
        final Duration took = Duration.ofNanos(System.nanoTime() - t0);

        final Set<String> expected = selected.stream().map(TestListing.Entry::name)
            .collect(Collectors.toCollection(TreeSet::new));
        final List<String> problems = new ArrayList<>();
        JcstressResults run = null;
        final Path results = JcstressResults.find(o.out());
        if (results != null) {
            try {
                run = JcstressResults.read(results);
            } catch (final IOException | RuntimeException e) {
                problems.add("cannot read jcstress' results " + results + ": " + e);
            }
        }
        if (run != null || problems.isEmpty()) {
            problems.addAll(Verdict.problems(run, expected, exit, 0, 0));
        }
        if (run == null) {
            run = JcstressResults.of(List.of());
        }
        if (timedOut) {
            problems.add(0, "jcstress was killed after --timeout-minutes " + o.timeoutMinutes());
        }
        final Map<TestListing.Entry, Verdict.Kind> verdicts = new LinkedHashMap<>();
        for (final TestListing.Entry e : selected) {
            verdicts.put(e, Verdict.of(run.tests.get(e.name())));
        }
        final boolean ok = problems.isEmpty()
            && verdicts.values().stream().allMatch(v -> v == Verdict.Kind.PASS || v == Verdict.Kind.CAUGHT);

        final Summary s = new Summary(o, jargs, started, took, exit, ok, problems, selected, verdicts, run);
        writeAtomically(o.out().resolve("report.txt"), s.text());
        writeAtomically(o.out().resolve("summary.json"), s.json());
        out.printf("[campaign] %s: %d tests in %d min %02d s; report %s%n", ok ? "PASS" : "FAIL", selected.size(),
            took.toMinutes(), took.toSecondsPart(), o.out().resolve("report.txt"));
        return ok ? 0 : 1;
    }

    private static Path ownJar() throws IOException {
        try {
            return Paths.get(Campaign.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (final URISyntaxException | SecurityException e) {
            throw new IOException("cannot locate the jar of the campaign runner: " + e.getMessage(), e);
        }
    }

    /** Copy jcstress' console to {@code log}, echoing the status lines of our tests (for a person only). */
    private static void pump(final Process process, final Path log, final PrintWriter out) {
        final Pattern echo = Pattern.compile("\\[(OK|FAILED|ERROR|TIMEOUT|VM ERROR|SKIPPED)\\] |\\(Results:|FATAL");
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             BufferedWriter w = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            String line;
            String lastProgress = null;
            while ((line = in.readLine()) != null) {
                w.write(line);
                w.newLine();
                if (line.contains("(Results:")) {
                    lastProgress = line.trim();
                } else if (echo.matcher(line).find() && line.contains("[") && line.contains("io.resetguard")) {
                    out.println("[jcstress] " + line.trim() + (lastProgress == null ? "" : "  " + lastProgress));
                    out.flush();
                }
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The full description of the {@code @Outcome} that graded {@code result}: the first outcome whose id equals it, else the first whose id matches it as a regular
     * expression, as jcstress 0.16 grades; the row's own if none does.
     */
    static String description(final TestListing.Entry e, final JcstressResults.Row row) {
        final List<Outcome> outcomes = new ArrayList<>();
        final Class<?> c = e.load();
        final JCStressMeta meta = c.getAnnotation(JCStressMeta.class);
        if (meta != null) {
            outcomes.addAll(List.of(meta.value().getAnnotationsByType(Outcome.class)));
        }
        outcomes.addAll(List.of(c.getDeclaredAnnotationsByType(Outcome.class)));
        for (final Outcome oc : outcomes) {
            for (final String id : oc.id()) {
                if (id.equals(row.result())) {
                    return oc.desc();
                }
            }
        }
        for (final Outcome oc : outcomes) {
            for (final String id : oc.id()) {
                if (!id.isEmpty() && row.result().matches(id)) {
                    return oc.desc();
                }
            }
        }
        for (final Outcome oc : outcomes) {
            if (oc.id().length == 0 || oc.id().length == 1 && oc.id()[0].isEmpty()) {
                return oc.desc();
            }
        }
        return row.description();
    }

    static void writeAtomically(final Path target, final String content) throws IOException {
        final Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (final AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // the report

    /** Everything the report and the summary say. */
    static final class Summary {
        private final Options o;
        private final List<String> jargs;
        private final Instant started;
        private final Duration took;
        private final int exit;
        private final boolean ok;
        private final List<String> problems;
        private final List<TestListing.Entry> selected;
        private final Map<TestListing.Entry, Verdict.Kind> verdicts;
        private final JcstressResults run;

        Summary(final Options o, final List<String> jargs, final Instant started, final Duration took, final int exit,
                final boolean ok, final List<String> problems, final List<TestListing.Entry> selected,
                final Map<TestListing.Entry, Verdict.Kind> verdicts, final JcstressResults run) {
            this.o = o;
            this.jargs = jargs;
            this.started = started;
            this.took = took;
            this.exit = exit;
            this.ok = ok;
            this.problems = problems;
            this.selected = selected;
            this.verdicts = verdicts;
            this.run = run;
        }

        private static double freq(final long n, final long total) {
            return total == 0 ? 0 : 100.0 * n / total;
        }

        private long count(final Verdict.Kind k) {
            return verdicts.values().stream().filter(v -> v == k).count();
        }

        String text() {
            final StringBuilder sb = new StringBuilder();
            sb.append("ResetGuard jcstress campaign\n");
            sb.append("============================\n\n");
            sb.append(String.format(Locale.ROOT, "started      %s%n", started));
            sb.append(String.format(Locale.ROOT, "took         %d min %02d s%n", took.toMinutes(), took.toSecondsPart()));
            sb.append(String.format(Locale.ROOT, "java         %s (%s)%n", System.getProperty("java.version"),
                System.getProperty("java.vm.name")));
            sb.append(String.format(Locale.ROOT, "jcstress     %s -t <%d tests>%n",
                String.join(" ", jargs.subList(0, jargs.size() - 2)), selected.size()));
            sb.append(String.format(Locale.ROOT, "exit code    %d (jcstress exits 1 whenever a test fails; the negative controls fail by design)%n", exit));
            sb.append(String.format(Locale.ROOT, "verdict      %s: %d PASS, %d CAUGHT (negative controls), %d FAIL, %d MISSED, %d NOT RUN%n%n",
                ok ? "PASS" : "FAIL", count(Verdict.Kind.PASS), count(Verdict.Kind.CAUGHT), count(Verdict.Kind.FAIL),
                count(Verdict.Kind.MISSED), count(Verdict.Kind.NOT_RUN)));
            if (!problems.isEmpty()) {
                sb.append("Problems\n--------\n");
                for (final String p : problems) {
                    sb.append("  - ").append(p).append('\n');
                }
                sb.append('\n');
            }
            sb.append("Tests\n-----\n");
            sb.append(String.format(Locale.ROOT, "  %-7s %-4s %-58s %14s %12s %10s%n", "VERDICT", "GATE", "TEST", "SAMPLES",
                "INTERESTING", "FORBIDDEN"));
            for (final TestListing.Entry e : selected) {
                final JcstressResults.TestReport t = run.tests.get(e.name());
                sb.append(String.format(Locale.ROOT, "  %-7s %-4s %-58s %,14d %,12d %,10d%n", verdicts.get(e),
                    e.gate() ? "yes" : "", e.shortName(), t == null ? 0 : t.samples(),
                    t == null ? 0 : t.interestingSamples(), t == null ? 0 : t.forbiddenSamples()));
            }
            sb.append('\n');
            for (final TestListing.Entry e : selected) {
                final JcstressResults.TestReport t = run.tests.get(e.name());
                sb.append(e.name()).append("  [").append(verdicts.get(e)).append("]\n");
                final Race r = e.race();
                if (r != null) {
                    sb.append("  race:        ").append(r.value()).append('\n');
                    sb.append("  covers:      §7 scenarios ").append(Arrays.toString(r.scenarios()))
                        .append(", §6 invariants ").append(Arrays.toString(r.invariants())).append('\n');
                } else {
                    sb.append("  negative control: must be CAUGHT (a FORBIDDEN outcome observed)\n");
                }
                if (t == null || t.finalStatus == null) {
                    sb.append("  did not run\n\n");
                    continue;
                }
                final long bad = t.forkStatuses.stream().filter(s -> !s.equals("OK")).count();
                sb.append(String.format(Locale.ROOT, "  jcstress:    %s; %d JVM configurations, %d not OK%n", t.finalStatus,
                    t.forkStatuses.size(), bad));
                final long total = t.samples();
                final int w = Math.max(6, t.aggregate.stream().mapToInt(x -> x.result().length()).max().orElse(6));
                sb.append(String.format(Locale.ROOT, "  %-" + w + "s %14s %8s  %-11s %s%n", "RESULT", "SAMPLES", "FREQ",
                    "EXPECT", "DESCRIPTION"));
                for (final JcstressResults.Row row : t.aggregate) {
                    sb.append(String.format(Locale.ROOT, "  %-" + w + "s %,14d %7.3f%%  %-11s %s%n", row.result(),
                        row.samples(), freq(row.samples(), total), row.expect(), description(e, row)));
                }
                sb.append('\n');
            }
            return sb.toString();
        }

        String json() throws IOException {
            final ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            final ObjectNode root = m.createObjectNode();
            root.put("tool", "resetguard-jcstress-campaign");
            root.put("started", started.toString());
            root.put("durationSeconds", took.toMillis() / 1000.0);
            root.put("java", System.getProperty("java.version"));
            root.put("mode", o.mode());
            final ArrayNode args = root.putArray("jcstressArgs");
            jargs.subList(0, jargs.size() - 2).forEach(args::add);
            root.put("jcstressExitCode", exit);
            root.put("verdict", ok ? "PASS" : "FAIL");
            final ObjectNode counts = root.putObject("counts");
            for (final Verdict.Kind k : Verdict.Kind.values()) {
                counts.put(k.name(), count(k));
            }
            final ArrayNode probs = root.putArray("problems");
            problems.forEach(probs::add);
            final ArrayNode tests = root.putArray("tests");
            for (final TestListing.Entry e : selected) {
                final JcstressResults.TestReport t = run.tests.get(e.name());
                final ObjectNode n = tests.addObject();
                n.put("name", e.name());
                n.put("negativeControl", e.negative());
                n.put("gate", e.gate());
                final Race r = e.race();
                if (r != null) {
                    n.put("race", r.value());
                    final ArrayNode sc = n.putArray("scenarios");
                    Arrays.stream(r.scenarios()).forEach(sc::add);
                    final ArrayNode inv = n.putArray("invariants");
                    Arrays.stream(r.invariants()).forEach(inv::add);
                }
                n.put("verdict", verdicts.get(e).name());
                n.put("status", t == null ? null : t.finalStatus);
                n.put("configurations", t == null ? 0 : t.forkStatuses.size());
                n.put("configurationsNotOk", t == null ? 0 : t.forkStatuses.stream().filter(s -> !s.equals("OK")).count());
                final long total = t == null ? 0 : t.samples();
                n.put("samples", total);
                n.put("interestingSamples", t == null ? 0 : t.interestingSamples());
                n.put("forbiddenSamples", t == null ? 0 : t.forbiddenSamples());
                final ArrayNode outcomes = n.putArray("outcomes");
                if (t != null) {
                    for (final JcstressResults.Row row : t.aggregate) {
                        final ObjectNode on = outcomes.addObject();
                        on.put("result", row.result());
                        on.put("samples", row.samples());
                        on.put("frequency", total == 0 ? 0 : (double) row.samples() / total);
                        on.put("expect", row.expect());
                        on.put("description", description(e, row));
                    }
                }
            }
            return m.writeValueAsString(root) + "\n";
        }
    }
}
