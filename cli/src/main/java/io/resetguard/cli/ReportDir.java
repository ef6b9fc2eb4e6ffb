package io.resetguard.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * ReportDir - where a simulation report may go, and how it replaces the previous one.
 *
 * <h2>Which directory may be replaced</h2>
 * A report directory is replaced as a whole, so an existing {@code --report} target is replaced only
 * if ResetGuard wrote it: it holds the marker file {@link #MARKER} (written by {@link #commit} into
 * every report, see {@link #markerText()}), or it is empty. Anything else (a user's {@code index.html},
 * a lone {@code report.json}, a file, a source tree, the current directory or one of its ancestors) is
 * refused before the simulation starts, with one line naming the option or scenario field, and is
 * left untouched.
 *
 * <p>A target that is a symbolic link is resolved: the real directory it names is checked and replaced
 * (in that directory's parent) and the link itself stays as it is. A dangling link is refused.
 *
 * <h2>Replacing a report (the rename-aside scheme)</h2>
 * For a target {@code P/NAME} every name this class uses lives in {@code P} and starts with
 * {@code .NAME.rg-}: the lock {@code .NAME.rg-lock}, the staged new report {@code .NAME.rg-new-<pid>}
 * and the old report set aside {@code .NAME.rg-old-<pid>}. {@link #commit} runs these steps, each a
 * single {@code rename(2)} or a write into a hidden directory:
 * <ol>
 *   <li>MARK: write {@link #MARKER} into the finished temporary directory (last file of the report)
 *       and give it the permissions a directory made under the user's umask gets;</li>
 *   <li>STAGE: rename it to {@code .NAME.rg-new-<pid>} (now a whole new report under our name);</li>
 *   <li>ASIDE: if {@code NAME} exists, rename it to {@code .NAME.rg-old-<pid>};</li>
 *   <li>SWAP: rename {@code .NAME.rg-new-<pid>} to {@code NAME};</li>
 *   <li>DROP: delete {@code .NAME.rg-old-<pid>} (not atomic: a kill may leave part of it).</li>
 * </ol>
 * POSIX offers no atomic exchange of two directories that Java can reach, so <b>between ASIDE and SWAP
 * there is an instant when {@code NAME} does not exist</b>; a reader outside ResetGuard (a browser)
 * looking exactly then sees no report. The recovery rule makes that instant invisible to every later
 * ResetGuard run: {@link #acquire} takes the lock and then, before it looks at the target,
 * <ul>
 *   <li>if {@code NAME} is missing and a {@code .NAME.rg-old-*} exists (a kill between ASIDE and
 *       SWAP), the old report is renamed back to {@code NAME} (the most recent one if, against the
 *       lock, there are several);</li>
 *   <li>then every remaining {@code .NAME.rg-new-*}, {@code .NAME.rg-old-*} and {@code .NAME.rg-probe-*}
 *       (the writability probe) is deleted (a kill
 *       before ASIDE, after SWAP or during DROP), and so is every {@code .NAME.tmp<digits>} directory
 *       holding only regular files (the temporary directory {@code SimReport.write} fills).</li>
 * </ul>
 * Hence, seen by any run that holds the lock, {@code NAME} is at every step either the whole old
 * report (or nothing, if there was none) or the whole new one, and nothing hidden but the lock file
 * survives the next start. {@code ReportDirTest} kills the sequence before every step and checks this.
 *
 * <h2>Concurrency</h2>
 * Two runs writing the same target exclude each other with {@link FileChannel#tryLock()} on
 * {@code .NAME.rg-lock}, taken before the simulation starts and held until its report is committed
 * ({@link Lease#close()}). The loser is refused at once with one line; it never touches the target.
 * The lock is released by the kernel when its holder dies, so a killed run never blocks the next one.
 * NOTE: the lock file (empty) stays beside the report. Deleting it on release would let a run that
 * opened it just before the deletion lock the deleted inode while a third run locks a new file of the
 * same name: two holders. (Checking the inode after locking would need a second descriptor of the file,
 * and closing any descriptor of a file drops the process's fcntl locks on it.) For the same reason this
 * class never opens the lock file a second time while it holds the lock.
 *
 * <p>The target's parent is created if missing and probed by creating and deleting a directory in it
 * before the simulation, so an unwritable path (read-only, under a regular file, under {@code /proc})
 * is refused before any work is done.
 */
final class ReportDir {
    /** The files of a simulation report. */
    static final Set<String> REPORT_FILES = Set.of("report.json", "index.html");

    /**
     * The marker file that makes a directory a ResetGuard report. Its content is {@link #markerText()}:
     * {@code generator=resetguard <version>} and {@code markerVersion=<n>} lines. Only its presence as a
     * regular file is checked, so a report written by any version of ResetGuard that writes it counts.
     */
    static final String MARKER = ".resetguard-report";

    /** The version of the marker's format ({@code markerVersion=} line). */
    static final int MARKER_VERSION = 1;

    /** The steps of {@link #commit}, in order; a test hook sees each one just before it runs. */
    enum Step { MARK, STAGE, ASIDE, SWAP, DROP }

    /** Called before each step of {@link #commit}; a test throws from it to emulate a kill. */
    @FunctionalInterface
    interface StepHook {
        void before(Step step) throws IOException;
    }

    private static final StepHook NO_HOOK = s -> { };

    private ReportDir() {
    }

    /** @return the marker file's content. */
    static String markerText() {
        return "generator=resetguard " + Main.projectVersion() + "\nmarkerVersion=" + MARKER_VERSION + "\n";
    }

    /**
     * A held report lock and the real target path. Close it after the report is committed (or the run
     * failed): it unlocks (the lock file stays, see the class Javadoc).
     */
    static final class Lease implements AutoCloseable {
        private final Path target;
        private final FileChannel channel;
        private final FileLock lock;
        private final Set<PosixFilePermission> dirPerms;

        private Lease(final Path target, final FileChannel channel, final FileLock lock,
                      final Set<PosixFilePermission> dirPerms) {
            this.target = target;
            this.channel = channel;
            this.lock = lock;
            this.dirPerms = dirPerms;
        }

        /** @return the absolute real path the report goes to (a symlink's target if the user named a link). */
        Path target() {
            return target;
        }

        /** @return the permissions a new directory gets here under the user's umask, or null off POSIX. */
        Set<PosixFilePermission> dirPerms() {
            return dirPerms;
        }

        @Override
        public void close() throws IOException {
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }

    /**
     * Take the report lock for {@code name}, recover what an interrupted run left beside it, check that
     * it may receive a report and probe that its parent is writable. Call it before the simulation and
     * keep the lease until the report is committed.
     *
     * @param what how the user named it, for the message ({@code --report}, {@code field 'report'})
     * @param name the path as given
     * @return the lease; the caller must close it
     * @throws IllegalArgumentException one line naming {@code what}, if the target may not be written, is
     *                                  in use by another run, or is not a previous report
     */
    static Lease acquire(final String what, final String name) {
        final Path target = check(what, name);
        try {
            Files.createDirectories(target.getParent());
        } catch (final IOException e) {
            throw new IllegalArgumentException(what + ": cannot create the directory '" + target.getParent()
                + "': " + reason(e));
        }
        final Path lockFile = sibling(target, "rg-lock");
        final FileChannel ch;
        try {
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        } catch (final IOException | UnsupportedOperationException e) {
            throw new IllegalArgumentException(what + ": '" + Messages.clip(name) + "' is not writable: cannot create '"
                + lockFile.getFileName() + "' in " + target.getParent() + ": " + reason(e));
        }
        FileLock lock = null;
        try {
            try {
                lock = ch.tryLock();
            } catch (final OverlappingFileLockException e) {
                lock = null; // held by another run in this JVM
            }
            if (lock == null) {
                throw new IllegalArgumentException(what + ": '" + Messages.clip(name) + "' is being written by another "
                    + "ResetGuard run (lock " + lockFile.getFileName() + "); wait for it or choose another directory");
            }
            recover(target);
            // the target as it is after recovery: a previous report, empty, or absent
            check(what, name);
            final Set<PosixFilePermission> perms = probe(what, name, target);
            return new Lease(target, ch, lock, perms);
        } catch (final IOException e) {
            closeQuietly(lock, ch);
            throw new IllegalArgumentException(what + ": cannot prepare '" + Messages.clip(name) + "': " + reason(e));
        } catch (final RuntimeException e) {
            closeQuietly(lock, ch);
            throw e;
        }
    }

    private static void closeQuietly(final FileLock lock, final FileChannel ch) {
        try {
            if (lock != null) {
                lock.release();
            }
            ch.close();
        } catch (final IOException ignored) {
            // closing a channel we opened: nothing to recover
        }
    }

    /**
     * Create and delete the directory {@code .NAME.rg-probe-<pid>} beside the target (a kill leaves it to
     * {@link #recover}); @return the permissions it got (the umask's), or null off POSIX.
     */
    private static Set<PosixFilePermission> probe(final String what, final String name, final Path target) {
        final Path p = sibling(target, "rg-probe-" + ProcessHandle.current().pid());
        try {
            Files.createDirectory(p);
            try {
                final PosixFileAttributeView v = Files.getFileAttributeView(p, PosixFileAttributeView.class);
                return v == null ? null : v.readAttributes().permissions();
            } finally {
                Files.delete(p);
            }
        } catch (final IOException e) {
            throw new IllegalArgumentException(what + ": '" + Messages.clip(name) + "' is not writable: " + reason(e));
        }
    }

    /**
     * Check that {@code name} may receive a report (no lock, no side effect).
     *
     * @param what how the user named it, for the message ({@code --report}, {@code field 'report'})
     * @param name the path as given
     * @return the absolute, normalized target; for a symbolic link, the real directory it names
     * @throws IllegalArgumentException naming {@code what} if the target may not be written or replaced
     */
    static Path check(final String what, final String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(what + " must name a directory");
        }
        Path target;
        try {
            target = Path.of(name).toAbsolutePath().normalize();
        } catch (final InvalidPathException e) {
            throw new IllegalArgumentException(what + ": '" + Messages.clip(name) + "' is not a valid path: "
                + e.getReason());
        }
        if (Files.isSymbolicLink(target)) {
            try {
                target = target.toRealPath();
            } catch (final IOException e) {
                throw new IllegalArgumentException(what + ": '" + Messages.clip(name)
                    + "' is a symbolic link to nothing (" + reason(e) + ")");
            }
        }
        if (target.getParent() == null) {
            throw new IllegalArgumentException(what + ": '" + Messages.clip(name) + "' is a file system root");
        }
        final Path cwd = Path.of("").toAbsolutePath().normalize();
        if (cwd.startsWith(target)) {
            throw new IllegalArgumentException(what + ": '" + Messages.clip(name) + "' is the current directory or "
                + "one of its parents; a report directory is replaced as a whole");
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new IllegalArgumentException(what + ": '" + Messages.clip(name) + "' exists and is not a directory");
            }
            if (!isReport(target)) {
                throw new IllegalArgumentException(what + ": '" + Messages.clip(name) + "' exists and is not a "
                    + "ResetGuard report (no " + MARKER + " file); remove it or choose another directory");
            }
        }
        return target;
    }

    /** @return whether {@code dir} is empty or holds the {@link #MARKER} as a regular file. */
    private static boolean isReport(final Path dir) {
        if (Files.isRegularFile(dir.resolve(MARKER), LinkOption.NOFOLLOW_LINKS)) {
            return true;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            return !ds.iterator().hasNext();
        } catch (final IOException e) {
            return false;
        }
    }

    /** Commit without a test hook and without a known umask (see {@link #commit(Path, Path, Set, StepHook)}). */
    static void commit(final Path tmp, final Path target) throws IOException {
        commit(tmp, target, umaskDirPerms(target), NO_HOOK);
    }

    /**
     * Replace {@code target} (checked by {@link #acquire}, whose lease the caller holds) with the finished
     * directory {@code tmp}, a sibling of it, by the steps of the class Javadoc.
     *
     * @param perms the permissions to give the new directory (the umask's; null: leave them)
     * @param hook  called before each step
     */
    static void commit(final Path tmp, final Path target, final Set<PosixFilePermission> perms,
                       final StepHook hook) throws IOException {
        hook.before(Step.MARK);
        Files.writeString(tmp.resolve(MARKER), markerText(), StandardCharsets.UTF_8);
        if (perms != null) {
            Files.setPosixFilePermissions(tmp, perms);
        }
        final long pid = ProcessHandle.current().pid();
        final Path staged = sibling(target, "rg-new-" + pid);
        final Path aside = sibling(target, "rg-old-" + pid);
        hook.before(Step.STAGE);
        Files.move(tmp, staged, StandardCopyOption.ATOMIC_MOVE);
        final boolean hadOld = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        if (hadOld) {
            hook.before(Step.ASIDE);
            Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
        }
        hook.before(Step.SWAP);
        try {
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (final IOException e) {
            if (hadOld) {
                Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
            }
            deleteTree(staged);
            throw e;
        }
        if (hadOld) {
            hook.before(Step.DROP);
            deleteTree(aside);
        }
    }

    /**
     * Undo or clear what an interrupted {@link #commit} left beside {@code target} (rules in the class
     * Javadoc). The caller must hold the target's lock.
     */
    static void recover(final Path target) throws IOException {
        final String base = Pattern.quote("." + target.getFileName());
        final Pattern ours = Pattern.compile(base + "\\.rg-(new|old|probe)-\\d+");
        final Pattern old = Pattern.compile(base + "\\.rg-old-\\d+");
        final Pattern tmp = Pattern.compile(base + "\\.tmp\\d+");
        final List<Path> olds = new ArrayList<>();
        final List<Path> drop = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(target.getParent())) {
            for (final Path p : ds) {
                final String f = p.getFileName().toString();
                if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (old.matcher(f).matches()) {
                    olds.add(p);
                } else if (ours.matcher(f).matches() || tmp.matcher(f).matches() && onlyFiles(p)) {
                    drop.add(p);
                }
            }
        }
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !olds.isEmpty()) {
            olds.sort(Comparator.comparing(ReportDir::mtime).reversed());
            Files.move(olds.remove(0), target, StandardCopyOption.ATOMIC_MOVE);
        }
        drop.addAll(olds);
        for (final Path p : drop) {
            deleteTree(p);
        }
    }

    private static boolean onlyFiles(final Path dir) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (final Path p : ds) {
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    return false;
                }
            }
            return true;
        } catch (final IOException e) {
            return false;
        }
    }

    private static long mtime(final Path p) {
        try {
            return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis();
        } catch (final IOException e) {
            return 0;
        }
    }

    /** @return {@code P/.NAME.suffix} for a target {@code P/NAME}. */
    static Path sibling(final Path target, final String suffix) {
        return target.resolveSibling("." + target.getFileName() + "." + suffix);
    }

    /** @return the permissions a directory created now beside {@code target} gets (the umask's), or null. */
    private static Set<PosixFilePermission> umaskDirPerms(final Path target) {
        try {
            return probe("report directory", target.toString(), target);
        } catch (final IllegalArgumentException e) {
            return null;
        }
    }

    private static String reason(final Exception e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return Messages.clip(fse.getReason());
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        return Messages.clip(String.valueOf(e.getMessage()));
    }

    /** Delete a directory this class created (a temporary or an old report), depth first. */
    static void deleteTree(final Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(final Path d, final IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
