package io.resetguard.arch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's layer table of {@code core} matches the imports: every package is in exactly one layer,
 * and a package imports only packages of its own layer or lower ones. Runs from the core module's
 * folder (surefire's working directory), so the README is {@code ../README.md}.
 */
class LayersTest {
    private static final Path SRC = Paths.get("src/main/java/io/resetguard");
    private static final Pattern ROW = Pattern.compile("^\\| (\\d+) \\| ([^|]+) \\|");
    private static final Pattern NAME = Pattern.compile("`([a-z]+)`");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.resetguard\\.([a-z]+)\\.",
        Pattern.MULTILINE);

    /** @return package to layer, from the README's table. */
    static Map<String, Integer> layers(final List<String> readme) {
        final Map<String, Integer> layer = new TreeMap<>();
        for (final String line : readme) {
            final Matcher row = ROW.matcher(line);
            if (!row.find()) {
                continue;
            }
            final Matcher n = NAME.matcher(row.group(2));
            while (n.find()) {
                final Integer before = layer.put(n.group(1), Integer.parseInt(row.group(1)));
                assertEquals(null, before, n.group(1) + " is in two layers of the README's table");
            }
        }
        return layer;
    }

    /** @return the project packages that {@code pkg}'s sources import, other than itself. */
    static TreeSet<String> imports(final String pkg) throws IOException {
        final TreeSet<String> out = new TreeSet<>();
        try (Stream<Path> files = Files.walk(SRC.resolve(pkg))) {
            for (final Path f : files.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList())) {
                final Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        out.add(m.group(1));
                    }
                }
            }
        }
        return out;
    }

    @Test
    void everyPackageImportsOnlyItsOwnLayerOrLowerOnes() throws IOException {
        final Map<String, Integer> layer = layers(Files.readAllLines(Paths.get("../README.md")));
        final TreeSet<String> packages;
        try (Stream<Path> s = Files.list(SRC)) {
            packages = s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(packages, new TreeSet<>(layer.keySet()), "the README's layer table lists exactly core's packages");
        final List<String> wrong = new ArrayList<>();
        for (final String p : packages) {
            for (final String i : imports(p)) {
                if (layer.get(i) > layer.get(p)) {
                    wrong.add(p + " (layer " + layer.get(p) + ") imports " + i + " (layer " + layer.get(i) + ")");
                }
            }
        }
        assertEquals(List.of(), wrong, "fix the import or the README's layer table");
    }

    @Test
    void theReadmeNamesEveryModelAndPointsToTheDocs() throws IOException {
        final String readme = Files.readString(Paths.get("../README.md"));
        for (final io.resetguard.model.ProtocolModel m : io.resetguard.model.ProtocolModel.values()) {
            assertTrue(readme.contains("\n| `" + m.cliName() + "` |"), m.cliName() + " has no row in the README's model glossary");
        }
        for (final String doc : new String[] {"docs/protocol.md", "docs/architecture.md", "docs/results.md"}) {
            assertTrue(readme.contains("](" + doc + ")"), "the README links " + doc);
        }
        assertTrue(Files.isRegularFile(Paths.get("../docs/results.md")));
        assertTrue(!readme.matches("(?s).*20\\d\\d-\\d\\d-\\d\\d.*"), "no dated figure in the README: docs/results.md has them");
    }

    @Test
    void aTableWithAnUpwardImportIsRejected() throws IOException {
        // the check has teeth: put recovery below ats (it imports ats) and it must complain
        final Map<String, Integer> layer = layers(List.of("| 0 | `recovery` | x |", "| 3 | `ats` | x |"));
        assertTrue(imports("recovery").contains("ats"));
        assertTrue(layer.get("ats") > layer.get("recovery"));
    }
}
