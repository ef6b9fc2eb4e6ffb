package io.resetguard.report;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a user of the library needs from the build: the Apache-2.0 license text, the parent pom's
 * licenses, scm, url and developers, one Automatic-Module-Name per jar, the sources and javadoc
 * plugins pinned, and a version that commands and reports can name. Runs from the report module's
 * folder (surefire's working directory), so the project root is {@code ..}.
 */
class LibraryMetadataTest {
    private static final Path ROOT = Paths.get("..").toAbsolutePath().normalize();

    private static Element pom(final String module) throws Exception {
        final Path p = module.isEmpty() ? ROOT.resolve("pom.xml") : ROOT.resolve(module).resolve("pom.xml");
        final Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(p.toFile());
        return d.getDocumentElement();
    }

    private static String child(final Element e, final String name) {
        for (var n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && c.getTagName().equals(name)) {
                return c.getTextContent().trim();
            }
        }
        return "";
    }

    @Test
    void theLicenseIsApache2() throws Exception {
        final String license = Files.readString(ROOT.resolve("LICENSE"));
        assertTrue(license.contains("Apache License") && license.contains("Version 2.0, January 2004")
            && license.contains("END OF TERMS AND CONDITIONS"), "the full Apache-2.0 text");
        final Element parent = pom("");
        assertTrue(child(parent, "licenses").contains("Apache-2.0"));
        for (final String tag : new String[] {"url", "scm", "developers"}) {
            assertFalse(child(parent, tag).isEmpty(), "the parent pom has <" + tag + ">");
        }
        final String plugins = child((Element) parent.getElementsByTagName("build").item(0), "pluginManagement");
        assertTrue(plugins.contains("maven-source-plugin") && plugins.contains("maven-javadoc-plugin"), plugins);
    }

    @Test
    void everyJarHasItsOwnAutomaticModuleName() throws Exception {
        final Map<String, String> names = Map.of("core", "io.resetguard.core", "report", "io.resetguard.report",
            "stress", "io.resetguard.stress", "benchmarks", "io.resetguard.bench", "cli", "io.resetguard.cli");
        for (final Map.Entry<String, String> e : names.entrySet()) {
            final Element props = (Element) pom(e.getKey()).getElementsByTagName("properties").item(0);
            assertEquals(e.getValue(), child(props, "resetguard.module.name"), e.getKey());
        }
        assertTrue(Files.readString(ROOT.resolve("pom.xml"))
            .contains("<Automatic-Module-Name>${resetguard.module.name}</Automatic-Module-Name>"));
    }

    @Test
    void theVersionIsTheMavenVersion() throws Exception {
        final String version = child(pom(""), "version");
        assertEquals(version, ProjectVersion.get());
        assertEquals("resetguard " + version, ProjectVersion.generator());
    }
}
