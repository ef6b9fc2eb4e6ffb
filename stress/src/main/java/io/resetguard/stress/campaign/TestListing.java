package io.resetguard.stress.campaign;

import io.resetguard.stress.Gate;
import io.resetguard.stress.Race;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;

/**
 * TestListing - the jcstress tests of this module as the annotation processor listed them in
 * {@code META-INF/TestList}, with what this module's own annotations say about each: whether it is in
 * the gate ({@link Gate}), its race ({@link Race}), and whether it is a negative control (package
 * {@code io.resetguard.stress.negative}).
 */
public final class TestListing {
    /** Every test of this module starts with this. */
    public static final String PREFIX = "io.resetguard.stress.";
    /** Tests in this package are negative controls: they must fail. */
    public static final String NEGATIVE_PREFIX = "io.resetguard.stress.negative.";

    private static final Pattern FIELD = Pattern.compile("(\\d+)S");

    /**
     * One test.
     *
     * @param name      jcstress' name (nested classes joined with '.')
     * @param className the binary class name (nested classes joined with '$')
     */
    public record Entry(String name, String className) {
        /** @return whether it is a negative control. */
        public boolean negative() {
            return name.startsWith(NEGATIVE_PREFIX);
        }

        /** @return the class, loaded without initializing it. */
        public Class<?> load() {
            try {
                return Class.forName(className, false, TestListing.class.getClassLoader());
            } catch (final ClassNotFoundException e) {
                throw new IllegalStateException("test class " + className + " of the TestList is not on the class path", e);
            }
        }

        /** @return whether it carries {@link Gate}. */
        public boolean gate() {
            return load().isAnnotationPresent(Gate.class);
        }

        /** @return its {@link Race}, or null (negative controls have none). */
        public Race race() {
            return load().getAnnotation(Race.class);
        }

        /** @return the name without {@link #PREFIX}. */
        public String shortName() {
            return name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name;
        }
    }

    private TestListing() {
    }

    /** @return the tests of the TestList on this class path (the shaded jar, or target/classes). */
    public static List<Entry> fromClassPath() throws IOException {
        try (InputStream in = TestListing.class.getResourceAsStream("/META-INF/TestList")) {
            if (in == null) {
                throw new IOException("META-INF/TestList is not on the class path: the jcstress annotation processor did not run");
            }
            return read(in);
        }
    }

    /** @return the tests of the TestList in {@code jar}. */
    public static List<Entry> fromJar(final Path jar) throws IOException {
        try (JarFile jf = new JarFile(jar.toFile())) {
            final ZipEntry e = jf.getEntry("META-INF/TestList");
            if (e == null) {
                throw new IOException(jar + " has no META-INF/TestList: the jcstress annotation processor did not run");
            }
            try (InputStream in = jf.getInputStream(e)) {
                return read(in);
            }
        }
    }

    private static List<Entry> read(final InputStream in) throws IOException {
        final List<Entry> out = new ArrayList<>();
        final BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        while ((line = r.readLine()) != null) {
            final Entry e = entry(line);
            if (e != null && e.name().startsWith(PREFIX)) {
                out.add(e);
            }
        }
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return Collections.unmodifiableList(out);
    }

    /**
     * One TestList line, which 0.16 writes as {@code JCTEST<len>S<name><len>S<binary name>...}.
     *
     * @return the entry, or null if the line does not look like that
     */
    public static Entry entry(final String line) {
        final String name = testListName(line);
        if (name == null) {
            return null;
        }
        final int after = line.indexOf(name) + name.length();
        final Matcher m = FIELD.matcher(line);
        if (!m.find(after) || m.start() != after) {
            return null;
        }
        final int len = Integer.parseInt(m.group(1));
        if (m.end() + len > line.length()) {
            return null;
        }
        return new Entry(name, line.substring(m.end(), m.end() + len));
    }

    /** @return the test name of a TestList line, or null. */
    public static String testListName(final String line) {
        final Matcher m = Pattern.compile("^JCTEST(\\d+)S").matcher(line);
        if (!m.find()) {
            return null;
        }
        final int len = Integer.parseInt(m.group(1));
        return m.end() + len <= line.length() ? line.substring(m.end(), m.end() + len) : null;
    }

    /**
     * @param tests some tests
     * @return a jcstress {@code -t} regular expression that selects exactly them
     */
    public static String regexp(final List<Entry> tests) {
        return tests.stream().map(e -> Pattern.quote(e.name())).collect(Collectors.joining("|", "^(?:", ")$"));
    }
}
