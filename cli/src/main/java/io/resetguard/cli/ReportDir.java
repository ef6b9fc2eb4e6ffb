package io.resetguard.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;

/**
 * ReportDir - where a simulation report may go, and how it gets there.
 *
 * <p>A report directory is replaced as a whole, so the one rule that keeps a typo from costing a user
 * their files is: an existing {@code --report} target is replaced only if it is empty or holds nothing
 * but a previous simulation report ({@link #REPORT_FILES}). Anything else (a file, a source tree, the
 * current directory or one of its ancestors) is refused before the simulation starts, with a message
 * naming the option or scenario field.
 *
 * <p>{@link #commit} moves a finished temporary directory into place: the old report is renamed aside,
 * the new one renamed in, and the old one deleted last, so at every instant the target is either the
 * whole old report or the whole new one.
 */
final class ReportDir {
    /** The files of a simulation report: the only entries a replaceable target may hold. */
    static final Set<String> REPORT_FILES = Set.of("report.json", "index.html");

    private ReportDir() {
    }

    /**
     * Check that {@code name} may receive a report.
     *
     * @param what how the user named it, for the message ({@code --report}, {@code field 'report'})
     * @param name the path as given
     * @return the absolute, normalized target
     * @throws IllegalArgumentException naming {@code what} if the target may not be written or replaced
     */
    static Path check(final String what, final String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(what + " must name a directory");
        }
        final Path target;
        try {
            target = Path.of(name).toAbsolutePath().normalize();
        } catch (final InvalidPathException e) {
            throw new IllegalArgumentException(what + ": '" + name + "' is not a valid path: " + e.getReason());
        }
        if (target.getParent() == null) {
            throw new IllegalArgumentException(what + ": '" + name + "' is a file system root");
        }
        final Path cwd = Path.of("").toAbsolutePath().normalize();
        if (cwd.startsWith(target)) {
            throw new IllegalArgumentException(what + ": '" + name + "' is the current directory or one of its "
                + "parents; a report directory is replaced as a whole");
        }
        if (Files.exists(target)) {
            if (!Files.isDirectory(target)) {
                throw new IllegalArgumentException(what + ": '" + name + "' exists and is not a directory");
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(target)) {
                for (final Path p : ds) {
                    final String f = p.getFileName().toString();
                    if (!REPORT_FILES.contains(f) || !Files.isRegularFile(p)) {
                        throw new IllegalArgumentException(what + ": '" + name + "' exists and is not a ResetGuard "
                            + "report (it holds '" + f + "'); remove it or choose another directory");
                    }
                }
            } catch (final IOException e) {
                throw new IllegalArgumentException(what + ": cannot read '" + name + "': " + e.getMessage());
            }
        }
        return target;
    }

    /**
     * Move the finished directory {@code tmp} to {@code target} (checked by {@link #check}): rename it
     * in if {@code target} does not exist; otherwise rename the old report aside first, rename the new
     * one in (putting the old one back if that fails), and delete the old one.
     */
    static void commit(final Path tmp, final Path target) throws IOException {
        if (!Files.exists(target)) {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        final Path aside = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old");
        Files.delete(aside); // only its unique name is wanted
        Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (final IOException e) {
            Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
            throw e;
        }
        deleteTree(aside);
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
