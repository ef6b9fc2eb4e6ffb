package io.resetguard.cli;

import io.resetguard.report.ProjectVersion;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packaged jars, after {@code package}: the one command jar runs {@code bench} and {@code stress}
 * (it carries jcstress' and JMH's test lists), the benchmarks jar is still plain JMH, and every jar
 * names its module. The sibling modules' jars are checked when the reactor built them.
 */
class PackagingIT {
    private static final Path ROOT = Paths.get("..").toAbsolutePath().normalize();
    private static final Path CLI = ROOT.resolve("cli/target/resetguard.jar");

    private record Ran(int code, String out) {
    }

    private static Ran java(final String... args) throws IOException, InterruptedException {
        final List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"));
        cmd.addAll(List.of(args));
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "finished: " + cmd);
        return new Ran(p.exitValue(), out);
    }

    private static String moduleName(final Path jar) throws IOException {
        try (JarFile j = new JarFile(jar.toFile())) {
            return j.getManifest().getMainAttributes().getValue("Automatic-Module-Name");
        }
    }

    @Test
    void theCommandJarRunsBenchAndStress() throws Exception {
        assertEquals("io.resetguard.cli", moduleName(CLI));
        try (JarFile j = new JarFile(CLI.toFile())) {
            final ZipEntry tests = j.getEntry("META-INF/TestList");
            assertNotNull(tests, "jcstress finds the stress tests in resetguard.jar");
            assertTrue(new String(j.getInputStream(tests).readAllBytes(), StandardCharsets.UTF_8)
                .contains("io.resetguard.stress.negative."));
            assertNotNull(j.getEntry("META-INF/BenchmarkList"), "JMH finds the benchmarks in resetguard.jar");
        }
        final Ran help = java("-jar", CLI.toString(), "--help");
        assertEquals(0, help.code(), help.out());
        assertTrue(help.out().contains("  bench ") && help.out().contains("  stress "), help.out());
        for (final String cmd : new String[] {"bench", "stress"}) {
            final Ran v = java("-jar", CLI.toString(), cmd, "--version");
            assertEquals(0, v.code(), v.out());
            assertEquals(ProjectVersion.generator(), v.out().trim());
        }
        final Ran list = java("-jar", CLI.toString(), "stress", "--list", "--gate");
        assertEquals(0, list.code(), list.out());
        assertTrue(list.out().contains(io.resetguard.stress.Gate.TESTS + " tests"), list.out());
    }

    @Test
    void theBenchmarksJarIsStillPlainJmhAndEveryJarNamesItsModule() throws Exception {
        final Path bench = ROOT.resolve("benchmarks/target/benchmarks.jar");
        assumeTrue(Files.isRegularFile(bench), "the reactor built the benchmarks module");
        final Ran l = java("-jar", bench.toString(), "-l");
        assertEquals(0, l.code(), l.out());
        assertTrue(l.out().contains("io.resetguard.bench.ResetBench.reset"), l.out());
        final String version = ProjectVersion.get();
        final Map<String, String> jars = Map.of(
            "core/target/resetguard-core-" + version + ".jar", "io.resetguard.core",
            "report/target/resetguard-report-" + version + ".jar", "io.resetguard.report",
            "stress/target/resetguard-stress-" + version + ".jar", "io.resetguard.stress",
            "stress/target/jcstress.jar", "io.resetguard.stress",
            "benchmarks/target/resetguard-benchmarks-" + version + ".jar", "io.resetguard.bench",
            "benchmarks/target/benchmarks.jar", "io.resetguard.bench");
        for (final Map.Entry<String, String> e : jars.entrySet()) {
            final Path jar = ROOT.resolve(e.getKey());
            assertTrue(Files.isRegularFile(jar), jar + " was built");
            assertEquals(e.getValue(), moduleName(jar), e.getKey());
        }
    }
}
