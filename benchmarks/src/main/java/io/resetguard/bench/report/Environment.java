package io.resetguard.bench.report;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.List;

/**
 * Environment - the machine a run was measured on: CPU (from {@code /proc/cpuinfo}), memory, OS, the
 * JVM that ran the report command, how busy the CPUs were with other work, and which profile ran for
 * how long. JMH's JSON records the forks' JVM but not the CPU, so a run
 * writes this next to its {@code results.json} as {@code environment.json}, and {@code --from}
 * reads it back from the JSON file's folder when it is there.
 *
 * @param cpuModel    the {@code model name} of the first processor in {@code /proc/cpuinfo}
 * @param cpus        the number of {@code processor} entries in {@code /proc/cpuinfo} (logical CPUs)
 * @param javaCpus    {@code Runtime.availableProcessors()} of the report's JVM
 * @param memTotal    {@code MemTotal} of {@code /proc/meminfo}, as written there
 * @param os          {@code os.name os.version os.arch}
 * @param javaRuntime {@code java.vm.name java.runtime.version} of the report's JVM
 * @param recordedAt  when it was recorded (ISO-8601)
 * @param loadAverage the 1, 5 and 15 minute load averages of {@code /proc/loadavg} when it was
 *                    recorded (before the benchmarks started; a trailing indicator)
 * @param cpuBusy     how busy the CPUs were, in percent of all CPUs, in short samples taken while
 *                    none of the report's own benchmarks ran (before the first JMH run and between
 *                    runs): what other work was using; empty if not sampled
 * @param profile     the profile that was run, or null (not recorded)
 * @param wallTime    the run's wall time, e.g. {@code 2 min 19 s}, or null
 * @param source      {@code measured} (recorded by the run) or {@code rendering machine} (the JSON
 *                    came without one: this describes the machine that drew the report, not
 *                    necessarily the one that measured)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Environment(String cpuModel, int cpus, int javaCpus, String memTotal, String os,
                          String javaRuntime, String recordedAt, String loadAverage, List<Double> cpuBusy,
                          String profile, String wallTime, String source) {
    /** The file name next to {@code results.json}. */
    public static final String FILE = "environment.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param source {@code measured} or {@code rendering machine}
     * @return this machine's environment
     */
    public static Environment current(final String source) {
        String model = "unknown";
        int cpus = 0;
        try {
            final List<String> lines = Files.readAllLines(Paths.get("/proc/cpuinfo"));
            for (final String l : lines) {
                if (l.startsWith("processor")) {
                    cpus++;
                } else if (l.startsWith("model name") && "unknown".equals(model)) {
                    final int c = l.indexOf(':');
                    model = c < 0 ? l : l.substring(c + 1).trim();
                }
            }
        } catch (final IOException | SecurityException e) {
            model = "unknown (/proc/cpuinfo unreadable: " + e.getMessage() + ")";
        }
        String mem = "unknown";
        try {
            for (final String l : Files.readAllLines(Paths.get("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    mem = l.substring("MemTotal:".length()).trim();
                    break;
                }
            }
        } catch (final IOException | SecurityException e) {
            // keep "unknown"
        }
        String load = "unknown";
        try {
            final String[] f = Files.readString(Paths.get("/proc/loadavg")).trim().split("\\s+");
            if (f.length >= 3) {
                load = f[0] + " " + f[1] + " " + f[2];
            }
        } catch (final IOException | SecurityException e) {
            // keep "unknown"
        }
        return new Environment(model, cpus, Runtime.getRuntime().availableProcessors(), mem,
            System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
            System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
            Instant.now().toString(), load, List.of(), null, null, source);
    }

    /** @return the total memory in GiB when {@code memTotal} is in kB, else as recorded. */
    public String memoryLine() {
        final String[] p = memTotal == null ? new String[0] : memTotal.trim().split("\\s+");
        if (p.length == 2 && p[1].equalsIgnoreCase("kB")) {
            try {
                return String.format(java.util.Locale.ROOT, "%.1f GiB", Long.parseLong(p[0]) / 1024.0 / 1024.0);
            } catch (final NumberFormatException e) {
                return memTotal;
            }
        }
        return memTotal;
    }

    /** @return a copy with these CPU-busy samples, and the profile and wall time of the run. */
    public Environment withRun(final List<Double> samples, final String runProfile, final String runWallTime) {
        return new Environment(cpuModel, cpus, javaCpus, memTotal, os, javaRuntime, recordedAt, loadAverage,
            List.copyOf(samples), runProfile, runWallTime, source);
    }

    /**
     * @return whether other work was seen on the CPUs: a CPU-busy sample of at least
     *         {@value #BUSY_PERCENT}% (while none of the report's benchmarks ran), or, without samples,
     *         a 1-minute load average of at least 0.5 per CPU when recorded; the numbers are then suspect
     */
    public boolean busy() {
        if (cpuBusy != null && !cpuBusy.isEmpty()) {
            return cpuBusy.stream().anyMatch(b -> b >= BUSY_PERCENT);
        }
        if (loadAverage == null || cpus <= 0) {
            return false;
        }
        try {
            return Double.parseDouble(loadAverage.split("\\s+")[0]) >= 0.5 * cpus;
        } catch (final NumberFormatException e) {
            return false;
        }
    }

    /** The CPU-busy share, in percent of all CPUs, from which {@link #busy()} flags a sample. */
    public static final double BUSY_PERCENT = 20;

    /**
     * Sample how busy all CPUs are over {@code ms} milliseconds, from {@code /proc/stat} (time not
     * idle and not waiting for I/O, over all time).
     *
     * @return percent 0..100, or NaN if {@code /proc/stat} cannot be read
     */
    public static double sampleCpuBusy(final long ms) {
        final long[] a = cpuTimes();
        try {
            Thread.sleep(ms);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
        final long[] b = cpuTimes();
        if (a == null || b == null || b[1] <= a[1]) {
            return Double.NaN;
        }
        return 100.0 * (b[0] - a[0]) / (b[1] - a[1]);
    }

    /** @return {busy, total} jiffies of the aggregate cpu line, or null. */
    private static long[] cpuTimes() {
        try {
            for (final String l : Files.readAllLines(Paths.get("/proc/stat"))) {
                if (l.startsWith("cpu ")) {
                    final String[] f = l.trim().split("\\s+");
                    long total = 0;
                    long idle = 0;
                    for (int i = 1; i < f.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
                        final long v = Long.parseLong(f[i]);
                        total += v;
                        if (i == 4 || i == 5) {
                            idle += v;
                        }
                    }
                    return new long[] {total - idle, total};
                }
            }
        } catch (final IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /** @return {@code model, N CPUs}. */
    public String cpuLine() {
        return cpuModel + ", " + cpus + " CPUs" + (javaCpus != cpus ? " (" + javaCpus + " available to Java)" : "");
    }

    /** Write it as JSON. */
    public void write(final Path file) throws IOException {
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this));
    }

    /**
     * @return the environment recorded next to {@code resultsJson}, or this machine's, marked
     *         {@code rendering machine}, if there is none (or it cannot be read)
     */
    public static Environment besides(final Path resultsJson) {
        final Path dir = resultsJson.toAbsolutePath().getParent();
        final Path f = dir == null ? null : dir.resolve(FILE);
        if (f != null && Files.isRegularFile(f)) {
            try {
                return JSON.readValue(f.toFile(), Environment.class);
            } catch (final IOException e) {
                // fall through
            }
        }
        return current("rendering machine");
    }
}
