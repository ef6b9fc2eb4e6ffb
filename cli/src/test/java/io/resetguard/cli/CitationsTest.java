package io.resetguard.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every citation in the repository points at a document the repository has: no file names the
 * research notes the project was first written from, and every {@code docs/protocol.md §N} or
 * {@code docs/toolchain.md §N} names a section heading that exists there.
 */
class CitationsTest {
    private static final Path ROOT = Paths.get("..").toAbsolutePath().normalize();
    /** The outside notes the code used to cite; the repository does not carry them. */
    private static final Pattern OUTSIDE = Pattern.compile("kernel-semantics\\.md|peers-and-anchors\\.md|java-toolchain\\.md");
    private static final Pattern CITE = Pattern.compile("docs/(protocol|toolchain)\\.md\\}? (§[0-9]+(?:\\.[0-9]+[a-z]?)?)");

    private static List<Path> sources() throws IOException {
        try (Stream<Path> s = Files.walk(ROOT)) {
            return s.filter(Files::isRegularFile)
                .filter(p -> !ROOT.relativize(p).toString().matches("(.*/)?(target|\\.git)/.*"))
                .filter(p -> p.toString().matches(".*\\.(java|md|xml|sh|properties)$") || p.endsWith("resetguard"))
                .toList();
        }
    }

    private static Set<String> sections(final String doc) throws IOException {
        final Set<String> s = new HashSet<>();
        final Matcher m = Pattern.compile("(?m)^#+ (§[0-9]+(?:\\.[0-9]+[a-z]?)?) ").matcher(
            Files.readString(ROOT.resolve("docs").resolve(doc + ".md")));
        while (m.find()) {
            s.add(m.group(1));
        }
        return s;
    }

    @Test
    void noFileCitesANoteTheRepositoryLacks() throws IOException {
        final List<String> bad = new ArrayList<>();
        for (final Path p : sources()) {
            final String text = new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
            if (OUTSIDE.matcher(text).find() && !p.endsWith("CitationsTest.java")) {
                bad.add(ROOT.relativize(p).toString());
            }
        }
        assertEquals(List.of(), bad, "these files cite notes outside the repository; cite docs/ instead");
    }

    @Test
    void everyCitedSectionExists() throws IOException {
        final Set<String> protocol = sections("protocol");
        final Set<String> toolchain = sections("toolchain");
        assertTrue(protocol.contains("§2.5a") && protocol.contains("§7"), "headings read: " + protocol);
        final List<String> bad = new ArrayList<>();
        for (final Path p : sources()) {
            final Matcher m = CITE.matcher(Files.readString(p, StandardCharsets.UTF_8));
            while (m.find()) {
                final Set<String> have = m.group(1).equals("protocol") ? protocol : toolchain;
                if (!have.contains(m.group(2))) {
                    bad.add(ROOT.relativize(p) + ": " + m.group());
                }
            }
        }
        assertEquals(List.of(), bad, "citations of sections that do not exist");
    }
}
