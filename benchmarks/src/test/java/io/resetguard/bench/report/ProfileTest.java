package io.resetguard.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.options.Options;

import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks the profiles against the jar's benchmark list without running anything: every stage names
 * existing benchmarks and parameters, two-thread benchmarks get at least 3 forks, the quick profile
 * fits in 5 minutes by its own estimate, and the full profile covers every benchmark.
 */
class ProfileTest {

    @Test
    void everyStageMatchesExactlyTheBenchmarksItNames() {
        for (final Profile p : Profile.values()) {
            for (final Profile.Stage s : p.stages()) {
                final List<BenchmarkListEntry> found = s.entries();
                final Set<String> names = new HashSet<>();
                found.forEach(e -> names.add(e.getUsername()));
                assertEquals(new HashSet<>(s.benchmarks()), names, p + "/" + s.name());
                for (final String param : s.params().keySet()) {
                    assertTrue(found.stream().anyMatch(e -> e.getParams().orElse(Map.of()).containsKey(param)),
                        p + "/" + s.name() + ": no benchmark of the stage declares @Param " + param);
                }
            }
        }
    }

    @Test
    void twoThreadRunsHaveAtLeastThreeForks() {
        for (final Profile p : Profile.values()) {
            for (final Profile.Stage s : p.stages()) {
                for (final BenchmarkListEntry e : s.entries()) {
                    final int threads = Math.max(Arrays.stream(e.getThreadGroups()).sum(), e.getThreads().orElse(1));
                    final int forks = s.forks() != null ? s.forks() : e.getForks().orElse(5);
                    if (threads >= 2) {
                        assertTrue(forks >= 3, p + "/" + s.name() + " " + e.getUsername() + ": " + forks + " forks");
                    }
                }
            }
        }
    }

    @Test
    void quickFitsInFiveMinutesAndFullCoversEverything() {
        final double quick = Profile.QUICK.estimateSeconds();
        assertTrue(quick < 240, "quick profile estimate " + quick + " s: keep a margin under 5 minutes");
        final Set<String> all = new HashSet<>();
        Profile.FULL.stages().forEach(s -> s.entries().forEach(e -> all.add(e.getUsername())));
        final Set<String> jar = new HashSet<>();
        org.openjdk.jmh.runner.BenchmarkList.defaultList()
            .find(org.openjdk.jmh.runner.format.OutputFormatFactory.createFormatInstance(
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()),
                org.openjdk.jmh.runner.options.VerboseMode.SILENT), List.of(".*"), List.of())
            .forEach(e -> jar.add(e.getUsername()));
        assertEquals(jar, all, "the full profile runs every benchmark in the jar");
    }

    @Test
    void quickCoversEveryTarget() {
        final Set<String> quick = new HashSet<>();
        Profile.QUICK.stages().forEach(s -> quick.addAll(s.benchmarks()));
        for (final String b : List.of("PrepareDoneBench.prepareDone", "PrepareDoneBench.casTransition",
            "PrepareDoneBench.prepareDoneContended", "ResetBench.resetTwoThreads", "InvalidationHandoffBench.roundTrip",
            "QueuePingPongBench.pingPong")) {
            assertTrue(quick.contains("io.resetguard.bench." + b), b);
        }
    }

    @Test
    void optionsAskForJsonAndFailOnError() {
        final Profile.Stage s = Profile.QUICK.stages().get(0);
        final Options o = s.options(Paths.get("/tmp/x.json"));
        assertEquals("/tmp/x.json", o.getResult().get());
        assertTrue(o.shouldFailOnError().get());
        assertEquals(s.forks(), o.getForkCount().get());
        assertTrue(o.getIncludes().get(0).startsWith("^("));
        assertEquals(List.of("linux-7.1"), List.copyOf(o.getParameter("model").get()));
    }

    @Test
    void unknownProfileNamesTheValidOnes() {
        try {
            Profile.parse("medium");
        } catch (final IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("quick") && e.getMessage().contains("full"), e.getMessage());
            return;
        }
        throw new AssertionError("no exception");
    }
}
