package io.resetguard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** {@link ReportDir}: only ResetGuard's own reports are replaced, atomically, by one run at a time. */
class ReportDirTest {
    /** Thrown by a step hook: the process "dies" there, nothing after it runs. */
    private static final class Killed extends RuntimeException {
        Killed(final ReportDir.Step s) {
            super("killed before " + s);
        }
    }

    /** A finished temporary report with {@code tag} in both files, as SimReport.write leaves it. */
    private static Path staged(final Path target, final String tag) throws IOException {
        final Path tmp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".tmp");
        Files.writeString(tmp.resolve("report.json"), "{\"run\":\"" + tag + "\"}");
        Files.writeString(tmp.resolve("index.html"), "<p>" + tag + "</p>");
        return tmp;
    }

    /** @return name -> content of every file of {@code dir}. */
    private static Map<String, String> contents(final Path dir) throws IOException {
        final Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (final Path p : s.toList()) {
                m.put(p.getFileName().toString(), Files.readString(p));
            }
        }
        return m;
    }

    private static Set<String> names(final Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    /** Write a whole report with {@code tag} to {@code target} the normal way. */
    private static void write(final Path target, final String tag) throws IOException {
        try (ReportDir.Lease l = ReportDir.acquire("--report", target.toString())) {
            ReportDir.commit(staged(l.target(), tag), l.target());
        }
    }

    @Test
    void aKillBeforeAnyStepLeavesTheWholeOldOrTheWholeNewReportAfterTheNextStart(@TempDir final Path tmp)
        throws IOException {
        for (final boolean hadOld : new boolean[] {true, false}) {
            for (final ReportDir.Step at : ReportDir.Step.values()) {
                if (!hadOld && (at == ReportDir.Step.ASIDE || at == ReportDir.Step.DROP)) {
                    continue; // a first report has no old one to set aside or drop
                }
                final Path parent = Files.createDirectories(tmp.resolve(at + "-" + hadOld));
                final Path target = parent.resolve("rep");
                Map<String, String> old = null;
                if (hadOld) {
                    write(target, "old");
                    old = contents(target);
                }
                try (ReportDir.Lease l = ReportDir.acquire("--report", target.toString())) {
                    final Path t = staged(target, "new");
                    assertThrows(Killed.class, () -> ReportDir.commit(t, target, l.dirPerms(), s -> {
                        if (s == at) {
                            throw new Killed(s);
                        }
                    }));
                }
                // the next start: recovery under the lock, then a report is written again
                try (ReportDir.Lease l = ReportDir.acquire("--report", target.toString())) {
                    final Set<String> expected = new java.util.HashSet<>(Set.of(".rep.rg-lock"));
                    if (Files.exists(target)) {
                        expected.add("rep");
                    }
                    assertEquals(expected, names(parent), at + ": no hidden leftovers beside the report");
                    // a kill before DROP finds the new report in place; before any earlier step, the old one
                    // (put back by the recovery if the kill fell between ASIDE and SWAP), or none if none was
                    if (at == ReportDir.Step.DROP) {
                        final Map<String, String> now = contents(target);
                        assertEquals(Map.of("report.json", "{\"run\":\"new\"}", "index.html", "<p>new</p>",
                            ReportDir.MARKER, ReportDir.markerText()), now, at + ": the whole new report");
                    } else if (hadOld) {
                        assertEquals(old, contents(target), at + ": the whole old report");
                    } else {
                        assertFalse(Files.exists(target), at + ": no report, as before");
                    }
                }
                write(target, "again");
                assertEquals(Set.of("rep", ".rep.rg-lock"), names(parent), at + ": only the report and its lock file");
                assertEquals("<p>again</p>", Files.readString(target.resolve("index.html")));
            }
        }
    }

    @Test
    void aKillBetweenAsideAndSwapIsUndoneByTheNextStart(@TempDir final Path tmp) throws IOException {
        final Path target = tmp.resolve("rep");
        write(target, "old");
        try (ReportDir.Lease l = ReportDir.acquire("--report", target.toString())) {
            final Path t = staged(target, "new");
            assertThrows(Killed.class, () -> ReportDir.commit(t, target, l.dirPerms(), s -> {
                if (s == ReportDir.Step.SWAP) {
                    throw new Killed(s);
                }
            }));
        }
        assertFalse(Files.exists(target), "the instant between the renames has no report");
        ReportDir.acquire("--report", target.toString()).close();
        assertEquals("<p>old</p>", Files.readString(target.resolve("index.html")));
        assertEquals(Set.of("rep", ".rep.rg-lock"), names(tmp));
    }

    @Test
    void aTemporaryReportLeftByAKillDuringTheWriteIsRemovedAndOtherNamesAreLeftAlone(@TempDir final Path tmp)
        throws IOException {
        final Path target = tmp.resolve("rep");
        write(target, "old");
        final Path half = Files.createDirectory(tmp.resolve(".rep.tmp123456789"));
        Files.writeString(half.resolve("report.json"), "{\"models\": {");
        final Path mine = Files.createDirectory(tmp.resolve(".rep.tmp-notes"));
        Files.writeString(mine.resolve("n.txt"), "mine");
        final Path tree = Files.createDirectories(tmp.resolve(".rep.tmp42").resolve("sub"));
        Files.createDirectory(tmp.resolve(".rep.rg-probe-77")); // a kill during the writability probe
        ReportDir.acquire("--report", target.toString()).close();
        assertEquals(Set.of("rep", ".rep.rg-lock", ".rep.tmp-notes", ".rep.tmp42"), names(tmp));
        assertTrue(Files.isDirectory(tree), "a directory tree is not one of our temporaries");
        assertEquals("<p>old</p>", Files.readString(target.resolve("index.html")));
    }

    @Test
    void onlyADirectoryWithTheMarkerOrAnEmptyOneIsReplaced(@TempDir final Path tmp) throws IOException {
        final Path site = Files.createDirectories(tmp.resolve("site"));
        Files.writeString(site.resolve("index.html"), "my page");
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ReportDir.acquire("--report", site.toString()));
        assertTrue(e.getMessage().startsWith("--report: '") && e.getMessage().contains("not a ResetGuard report"),
            e.getMessage());
        assertEquals("my page", Files.readString(site.resolve("index.html")));
        assertEquals(Set.of("site"), names(tmp), "nothing left beside it");

        final Path lone = Files.createDirectories(tmp.resolve("lone"));
        Files.writeString(lone.resolve("report.json"), "{}");
        assertThrows(IllegalArgumentException.class, () -> ReportDir.acquire("--report", lone.toString()));
        assertEquals("{}", Files.readString(lone.resolve("report.json")));

        final Path empty = Files.createDirectories(tmp.resolve("empty"));
        write(empty, "x");
        assertEquals(ReportDir.markerText(), Files.readString(empty.resolve(ReportDir.MARKER)));
        assertTrue(ReportDir.markerText().contains("generator=resetguard "));
        write(empty, "y"); // a report of ours is replaced
        assertEquals("<p>y</p>", Files.readString(empty.resolve("index.html")));
    }

    @Test
    void aSymlinkIsFollowedAndStaysALink(@TempDir final Path tmp) throws IOException {
        final Path real = tmp.resolve("real");
        write(real, "old");
        final Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        write(link, "new");
        assertTrue(Files.isSymbolicLink(link), "the link is not replaced");
        assertEquals("<p>new</p>", Files.readString(link.resolve("index.html")));
        assertEquals("<p>new</p>", Files.readString(real.resolve("index.html")));

        final Path site = Files.createDirectories(tmp.resolve("site"));
        Files.writeString(site.resolve("notes.txt"), "mine");
        final Path toSite = Files.createSymbolicLink(tmp.resolve("to-site"), site);
        assertThrows(IllegalArgumentException.class, () -> ReportDir.acquire("--report", toSite.toString()));
        final Path dangling = Files.createSymbolicLink(tmp.resolve("dangling"), tmp.resolve("nowhere"));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ReportDir.acquire("--report", dangling.toString()));
        assertTrue(e.getMessage().contains("symbolic link to nothing"), e.getMessage());
    }

    @Test
    void aNewReportDirectoryGetsTheUmaskNotOwnerOnly(@TempDir final Path tmp) throws IOException {
        final Path target = tmp.resolve("rep");
        write(target, "x");
        final Path probe = Files.createDirectory(tmp.resolve("probe"));
        assertEquals(Files.getPosixFilePermissions(probe), Files.getPosixFilePermissions(target));
        assertTrue(Files.getPosixFilePermissions(probe).size() > 3, "this test needs a umask other than 077");
    }

    @Test
    void aSecondWriterIsRefusedAndNothingOfTheFirstIsLost(@TempDir final Path tmp) throws IOException {
        final Path target = tmp.resolve("rep");
        write(target, "first");
        try (ReportDir.Lease l = ReportDir.acquire("--report", target.toString())) {
            final StringWriter out = new StringWriter();
            final StringWriter err = new StringWriter();
            final int code = Main.run(new String[] {"simulate", "--functions", "50", "--iommus", "1", "--duration",
                "1m", "--no-progress", "--report", target.toString()}, new PrintWriter(out), new PrintWriter(err));
            assertEquals(2, code);
            assertTrue(err.toString().contains("--report") && err.toString().contains("another ResetGuard run"),
                err.toString());
            assertEquals(1, err.toString().strip().lines().count(), err.toString());
            assertFalse(out.toString().contains("Simulating"), "refused before the simulation");
            ReportDir.commit(staged(l.target(), "second"), l.target(), l.dirPerms(), s -> { });
        }
        assertEquals("<p>second</p>", Files.readString(target.resolve("index.html")));
        assertEquals(Set.of("rep", ".rep.rg-lock"), names(tmp));
    }

    /** Run in a child JVM: hold the report lock of {@code args[0]} until standard input closes. */
    public static final class HoldLock {
        public static void main(final String[] args) throws IOException {
            try (ReportDir.Lease l = ReportDir.acquire("--report", args[0])) {
                System.out.println("held " + l.target());
                System.out.flush();
                while (System.in.read() >= 0) {
                    // wait for the parent to close our input
                }
            }
        }
    }

    @Test
    void anotherProcessHoldingTheLockIsRefusedAndItsLockIsReleasedWhenItEnds(@TempDir final Path tmp) throws Exception {
        final Path target = tmp.resolve("rep");
        final Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"), HoldLock.class.getName(), target.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            final String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                java.nio.charset.StandardCharsets.UTF_8)).readLine();
            assertTrue(line != null && line.startsWith("held "), String.valueOf(line));
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReportDir.acquire("--report", target.toString()));
            assertTrue(e.getMessage().contains("another ResetGuard run"), e.getMessage());
        } finally {
            p.getOutputStream().close();
            assertEquals(0, p.waitFor());
        }
        assertEquals(Set.of(".rep.rg-lock"), names(tmp), "nothing but the (unlocked) lock file");
        write(target, "after");
        assertEquals(Set.of("rep", ".rep.rg-lock"), names(tmp));
    }

    @Test
    void anUnwritablePathIsRefusedBeforeTheRun(@TempDir final Path tmp) throws IOException {
        final Path file = Files.writeString(tmp.resolve("file"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ReportDir.acquire("--report", file.resolve("rep").toString()));
        assertTrue(e.getMessage().startsWith("--report: "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ReportDir.acquire("--report", "/proc/rg-report"));
        assertTrue(e.getMessage().contains("not writable"), e.getMessage());
        final Path ro = Files.createDirectory(tmp.resolve("ro"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            if (!Files.isWritable(ro)) { // root may write anyway
                e = assertThrows(IllegalArgumentException.class,
                    () -> ReportDir.acquire("--report", ro.resolve("rep").toString()));
                assertTrue(e.getMessage().contains("not writable"), e.getMessage());
            }
        } finally {
            Files.setPosixFilePermissions(ro, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE));
        }
        assertEquals(Set.of("file", "ro"), names(tmp));
    }
}
