package io.resetguard.bench.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * JmhResults - the benchmark results of one or more JMH runs, read from JMH's JSON result format
 * ({@code -rf json}: an array with one object per benchmark and parameter combination).
 *
 * <p>Only what the report uses is kept: the identity of each run (benchmark, mode, threads, params),
 * its settings (forks, warmup, measurement, JVM), and its metrics with their per-fork raw data
 * ({@code rawData}: one list of iteration scores per fork; {@code rawDataHistogram} for sample mode:
 * per fork, per iteration, {@code [value, count]} pairs).
 */
public final class JmhResults {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Run> runs;

    private JmhResults(final List<Run> runs) {
        this.runs = Collections.unmodifiableList(runs);
    }

    /** @return every run, in file order. */
    public List<Run> runs() {
        return runs;
    }

    /** @return the runs that match. */
    public List<Run> select(final Predicate<Run> p) {
        final List<Run> out = new ArrayList<>();
        for (final Run r : runs) {
            if (p.test(r)) {
                out.add(r);
            }
        }
        return out;
    }

    /** @return the first run that matches, or null. */
    public Run first(final Predicate<Run> p) {
        for (final Run r : runs) {
            if (p.test(r)) {
                return r;
            }
        }
        return null;
    }

    /**
     * Read a JMH JSON result file.
     *
     * @throws IOException              if it cannot be read
     * @throws IllegalArgumentException if it is not JSON, or not a JMH result array (the message
     *                                  says what is wrong, and where)
     */
    public static JmhResults read(final Path file) throws IOException {
        final String text = Files.readString(file);
        return parse(text);
    }

    /**
     * Parse a JMH JSON result document.
     *
     * @throws IllegalArgumentException if it is not JSON, or not a JMH result array
     */
    public static JmhResults parse(final String text) {
        final JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (final JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage()
                + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                + e.getLocation().getColumnNr() + ")"), e);
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException("not a JMH result file: the top level must be a JSON array of "
                + "benchmark results, as written by -rf json");
        }
        final List<Run> runs = new ArrayList<>();
        int i = 0;
        for (final JsonNode n : root) {
            try {
                runs.add(Run.of(n));
            } catch (final IllegalArgumentException e) {
                throw new IllegalArgumentException("entry " + i + ": " + e.getMessage(), e);
            }
            i++;
        }
        return new JmhResults(runs);
    }

    /**
     * Concatenate several JMH JSON result arrays into one (the report's {@code results.json}).
     *
     * @param files the per-stage result files, in order
     * @return the merged array, pretty-printed
     */
    static String merge(final List<Path> files) throws IOException {
        final ArrayNode all = JSON.createArrayNode();
        for (final Path f : files) {
            final JsonNode n = JSON.readTree(f.toFile());
            if (n != null && n.isArray()) {
                all.addAll((ArrayNode) n);
            }
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(all);
    }

    private static String text(final JsonNode n, final String field, final boolean required) {
        final JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IllegalArgumentException("field '" + field + "' is missing");
            }
            return null;
        }
        return v.asText();
    }

    private static int integer(final JsonNode n, final String field, final int dflt) {
        final JsonNode v = n.get(field);
        return v == null || !v.canConvertToInt() ? dflt : v.asInt();
    }

    /** One benchmark at one parameter combination: one entry of the JSON array. */
    public static final class Run {
        private final String benchmark;
        private final String mode;
        private final int threads;
        private final int forks;
        private final String jvm;
        private final List<String> jvmArgs;
        private final String jdkVersion;
        private final String vmName;
        private final String vmVersion;
        private final int warmupIterations;
        private final String warmupTime;
        private final int measurementIterations;
        private final String measurementTime;
        private final Map<String, String> params;
        private final Metric primary;
        private final Map<String, Metric> secondary;

        private Run(final JsonNode n) {
            benchmark = text(n, "benchmark", true);
            mode = text(n, "mode", true);
            threads = integer(n, "threads", 1);
            forks = integer(n, "forks", 0);
            jvm = text(n, "jvm", false);
            final List<String> args = new ArrayList<>();
            final JsonNode a = n.get("jvmArgs");
            if (a != null && a.isArray()) {
                a.forEach(x -> args.add(x.asText()));
            }
            jvmArgs = Collections.unmodifiableList(args);
            jdkVersion = text(n, "jdkVersion", false);
            vmName = text(n, "vmName", false);
            vmVersion = text(n, "vmVersion", false);
            warmupIterations = integer(n, "warmupIterations", 0);
            warmupTime = text(n, "warmupTime", false);
            measurementIterations = integer(n, "measurementIterations", 0);
            measurementTime = text(n, "measurementTime", false);
            final Map<String, String> p = new TreeMap<>();
            final JsonNode pn = n.get("params");
            if (pn != null && pn.isObject()) {
                for (final Map.Entry<String, JsonNode> e : pn.properties()) {
                    p.put(e.getKey(), e.getValue().asText());
                }
            }
            params = Collections.unmodifiableMap(p);
            final JsonNode pm = n.get("primaryMetric");
            if (pm == null || !pm.isObject()) {
                throw new IllegalArgumentException("field 'primaryMetric' is missing (" + benchmark + ")");
            }
            primary = new Metric(pm);
            final Map<String, Metric> s = new LinkedHashMap<>();
            final JsonNode sn = n.get("secondaryMetrics");
            if (sn != null && sn.isObject()) {
                for (final Map.Entry<String, JsonNode> e : sn.properties()) {
                    s.put(e.getKey(), new Metric(e.getValue()));
                }
            }
            secondary = Collections.unmodifiableMap(s);
        }

        static Run of(final JsonNode n) {
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            return new Run(n);
        }

        /** @return the fully qualified benchmark name, e.g. {@code io.resetguard.bench.ResetBench.reset}. */
        public String benchmark() {
            return benchmark;
        }

        /** @return the simple class name, e.g. {@code ResetBench}. */
        public String className() {
            final String[] parts = benchmark.split("\\.");
            return parts.length >= 2 ? parts[parts.length - 2] : benchmark;
        }

        /** @return the method (or group) name, e.g. {@code reset}. */
        public String method() {
            final int dot = benchmark.lastIndexOf('.');
            return dot < 0 ? benchmark : benchmark.substring(dot + 1);
        }

        /** @return {@code ClassName.method}. */
        public String shortName() {
            return className() + "." + method();
        }

        /** @return JMH's mode abbreviation: {@code thrpt}, {@code avgt}, {@code sample}, {@code ss}. */
        public String mode() {
            return mode;
        }

        /** @return the number of threads (all threads of a group). */
        public int threads() {
            return threads;
        }

        /** @return the number of measured forks. */
        public int forks() {
            return forks;
        }

        /** @return the JVM executable. */
        public String jvm() {
            return jvm;
        }

        /** @return the forked JVMs' arguments. */
        public List<String> jvmArgs() {
            return jvmArgs;
        }

        /** @return e.g. {@code 17.0.15}. */
        public String jdkVersion() {
            return jdkVersion;
        }

        /** @return e.g. {@code OpenJDK 64-Bit Server VM}. */
        public String vmName() {
            return vmName;
        }

        /** @return e.g. {@code 17.0.15+6-Debian-1deb12u1}. */
        public String vmVersion() {
            return vmVersion;
        }

        /** @return warmup iterations per fork. */
        public int warmupIterations() {
            return warmupIterations;
        }

        /** @return the warmup iteration time as JMH prints it, e.g. {@code 500 ms}. */
        public String warmupTime() {
            return warmupTime;
        }

        /** @return measurement iterations per fork. */
        public int measurementIterations() {
            return measurementIterations;
        }

        /** @return the measurement iteration time as JMH prints it, e.g. {@code 1 s}. */
        public String measurementTime() {
            return measurementTime;
        }

        /** @return the measurement iteration time in nanoseconds, or -1 if it cannot be read. */
        public long measurementTimeNs() {
            return parseTime(measurementTime);
        }

        /** @return the parameters. */
        public Map<String, String> params() {
            return params;
        }

        /** @return a parameter's value, or null. */
        public String param(final String name) {
            return params.get(name);
        }

        /** @return whether the parameter has this value. */
        public boolean is(final String name, final String value) {
            return Objects.equals(params.get(name), value);
        }

        /** @return the primary metric. */
        public Metric primary() {
            return primary;
        }

        /** @return the secondary metrics, by label (AuxCounters, group members, percentiles). */
        public Map<String, Metric> secondary() {
            return secondary;
        }

        /** @return a secondary metric, or null. */
        public Metric secondary(final String label) {
            return secondary.get(label);
        }

        /**
         * @return the auxiliary counters: secondary metrics whose unit is {@code #} (AuxCounters of
         *         type EVENTS), by label
         */
        public Map<String, Metric> counters() {
            final Map<String, Metric> m = new TreeMap<>();
            secondary.forEach((k, v) -> {
                if ("#".equals(v.unit())) {
                    m.put(k, v);
                }
            });
            return m;
        }

        /** @return the run's settings as one line: forks, warmup, measurement, threads. */
        public String settings() {
            return "forks " + forks + ", warmup " + warmupIterations + " x " + warmupTime + ", measurement "
                + measurementIterations + " x " + measurementTime + ", threads " + threads;
        }

        @Override
        public String toString() {
            return shortName() + params + " t=" + threads;
        }
    }

    /** Parse JMH's time strings ({@code 500 ms}, {@code 1 s}, {@code 10 us}, {@code 2 min}). */
    static long parseTime(final String t) {
        if (t == null) {
            return -1;
        }
        final String[] p = t.trim().split("\\s+");
        if (p.length != 2) {
            return -1;
        }
        final double v;
        try {
            v = Double.parseDouble(p[0]);
        } catch (final NumberFormatException e) {
            return -1;
        }
        switch (p[1]) {
            case "ns":
                return (long) v;
            case "us":
            case "\u00b5s":
                return (long) (v * 1e3);
            case "ms":
                return (long) (v * 1e6);
            case "s":
                return (long) (v * 1e9);
            case "min":
                return (long) (v * 60e9);
            default:
                return -1;
        }
    }

    /** One metric: score, error, unit, percentiles and the raw data per fork. */
    public static final class Metric {
        private final double score;
        private final double error;
        private final String unit;
        private final Map<Double, Double> percentiles;
        private final List<List<Double>> rawData;
        private final List<List<List<double[]>>> histogram;

        Metric(final JsonNode n) {
            score = number(n.get("score"));
            error = number(n.get("scoreError"));
            unit = n.hasNonNull("scoreUnit") ? n.get("scoreUnit").asText() : "";
            final Map<Double, Double> p = new TreeMap<>();
            final JsonNode pn = n.get("scorePercentiles");
            if (pn != null && pn.isObject()) {
                for (final Map.Entry<String, JsonNode> e : pn.properties()) {
                    try {
                        p.put(Double.parseDouble(e.getKey()), number(e.getValue()));
                    } catch (final NumberFormatException ignored) {
                        // not a percentile key: skip
                    }
                }
            }
            percentiles = Collections.unmodifiableMap(p);
            final List<List<Double>> raw = new ArrayList<>();
            final JsonNode rn = n.get("rawData");
            if (rn != null && rn.isArray()) {
                for (final JsonNode fork : rn) {
                    final List<Double> its = new ArrayList<>();
                    if (fork.isArray()) {
                        fork.forEach(x -> its.add(number(x)));
                    }
                    raw.add(its);
                }
            }
            rawData = Collections.unmodifiableList(raw);
            final List<List<List<double[]>>> h = new ArrayList<>();
            final JsonNode hn = n.get("rawDataHistogram");
            if (hn != null && hn.isArray()) {
                for (final JsonNode fork : hn) {
                    final List<List<double[]>> its = new ArrayList<>();
                    for (final JsonNode it : fork) {
                        final List<double[]> pairs = new ArrayList<>();
                        for (final JsonNode pair : it) {
                            if (pair.isArray() && pair.size() == 2) {
                                pairs.add(new double[] {number(pair.get(0)), number(pair.get(1))});
                            }
                        }
                        its.add(pairs);
                    }
                    h.add(its);
                }
            }
            histogram = Collections.unmodifiableList(h);
        }

        private static double number(final JsonNode v) {
            if (v == null || v.isNull()) {
                return Double.NaN;
            }
            if (v.isNumber()) {
                return v.asDouble();
            }
            try {
                return Double.parseDouble(v.asText()); // JMH writes "NaN" as a string
            } catch (final NumberFormatException e) {
                return Double.NaN;
            }
        }

        /** @return the score. */
        public double score() {
            return score;
        }

        /** @return the 99.9% confidence half-width (NaN if unknown). */
        public double error() {
            return error;
        }

        /** @return the unit, e.g. {@code ns/op}, {@code ops/us}, {@code #}. */
        public String unit() {
            return unit;
        }

        /** @return percentile (0..100) to value. */
        public Map<Double, Double> percentiles() {
            return percentiles;
        }

        /** @return the value at percentile {@code p} (0..100), or NaN. */
        public double percentile(final double p) {
            final Double v = percentiles.get(p);
            return v == null ? Double.NaN : v;
        }

        /** @return per fork, the iteration scores. */
        public List<List<Double>> rawData() {
            return rawData;
        }

        /** @return per fork, per iteration, the {@code [value, count]} pairs (sample mode only). */
        public List<List<List<double[]>>> histogram() {
            return histogram;
        }

        /**
         * @return the mean over every measured iteration of every fork. For an AuxCounters EVENTS
         *         counter, whose score JMH sums over all iterations, this is the count per iteration
         */
        public double iterationMean() {
            final List<Double> all = new ArrayList<>();
            rawData.forEach(all::addAll);
            return Stats.mean(all);
        }

        /** @return per fork, the mean of its iteration scores. */
        public List<Double> perForkMeans() {
            final List<Double> out = new ArrayList<>();
            for (final List<Double> fork : rawData) {
                double sum = 0;
                int n = 0;
                for (final double v : fork) {
                    if (!Double.isNaN(v)) {
                        sum += v;
                        n++;
                    }
                }
                out.add(n == 0 ? Double.NaN : sum / n);
            }
            return out;
        }

        /**
         * @param p percentile, 0..100
         * @return per fork, the exact percentile of all that fork's samples (sample mode), or an
         *         empty list without a histogram
         */
        public List<Double> perForkPercentile(final double p) {
            final List<Double> out = new ArrayList<>();
            for (final List<List<double[]>> fork : histogram) {
                final List<double[]> all = new ArrayList<>();
                fork.forEach(all::addAll);
                out.add(Stats.percentile(all, p));
            }
            return out;
        }
    }
}
