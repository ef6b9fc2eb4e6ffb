package io.resetguard.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * ProjectVersion - the Maven project version every ResetGuard command and report names: the
 * {@code --version} line of each subcommand and the {@code generator} of each report.
 *
 * <p>It is read once from {@code version.properties}, which Maven filters at build time, so a jar
 * always names the version it was built from. A class run from an unfiltered source tree (an IDE
 * without Maven's resource step) gets {@code unknown}, never an exception.
 */
public final class ProjectVersion {
    private static final String VERSION = read();

    private ProjectVersion() {
    }

    /** @return the project version, e.g. {@code 0.1.0-SNAPSHOT}; {@code unknown} if not filtered. */
    public static String get() {
        return VERSION;
    }

    /** @return {@code "resetguard <version>"}: the generator of a report and the version line of a command. */
    public static String generator() {
        return "resetguard " + VERSION;
    }

    private static String read() {
        final Properties p = new Properties();
        try (InputStream in = ProjectVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            p.load(in);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        final String v = p.getProperty("version", "unknown");
        return v.startsWith("${") ? "unknown" : v;
    }
}
