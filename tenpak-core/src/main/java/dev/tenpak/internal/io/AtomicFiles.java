package dev.tenpak.internal.io;

import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.TenpakIOException;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Writes a file through a temporary file beside it and a rename, so readers never see half a file;
 * writes a folder by building it beside the target and swapping it in.
 *
 * <p>What the target is decides how it is written, as with {@code cp}:
 * <ul>
 *   <li>a regular file or nothing: a temporary file beside it, renamed over it when complete. A new
 *       file gets the mode the umask gives (0644 under 022); an existing file keeps its mode;
 *   <li>a symbolic link: followed (through a chain of links, dangling or not) to the file it names,
 *       which is written as above; the link stays a link;
 *   <li>a character device, FIFO or socket ({@code /dev/null}, {@code /dev/stdout} on a pipe), or a
 *       file reached through {@code /proc} ({@code /dev/stdout} redirected to a file): written
 *       through, never replaced. A writer that needs to seek ({@link #open(Path, boolean)} with
 *       {@code seekable}) writes a temporary file in the system's temporary folder and streams it
 *       into the device once complete;
 *   <li>a folder: refused (a file was asked for).
 * </ul>
 *
 * <p>Temporary names are {@code .<target name>.tenpak-<pid>-<random>.tmp} (a folder's old copy,
 * while it is swapped out, ends in {@code .old}). A process killed mid-write leaves its temporary
 * behind; the next write of the same target deletes those whose process is gone (no such process,
 * or a process younger than the file, the id having been reused), never a live writer's. On a
 * folder shared between machines the process check only sees this machine's processes.
 *
 * <p>Durability is a choice, as with {@code cp} or {@code safetensors.save_file}: by default the
 * data reaches the page cache and the kernel writes it back when it likes, so a power loss soon
 * after may lose the new file (artifacts then fail their trailer or checksum checks, they are never
 * silently wrong). With {@code sync} the file is forced to disk before the rename and the folder
 * after it, so once the call returns the new file survives a crash.
 */
public final class AtomicFiles {
    /** Marks tenpak's temporaries: {@code .<name>} + this + {@code <pid>-<random>} + a suffix. */
    static final String TAG = ".tenpak-";

    static final String TEMP_SUFFIX = ".tmp";
    static final String OLD_SUFFIX = ".old";
    private static final int MAX_LINKS = 40;

    private AtomicFiles() {}

    /** Runs {@code body} on a stream to a temporary file and renames it to {@code target} if it returns normally. */
    public static void write(Path target, Consumer<OutputStream> body) {
        write(target, false, body);
    }

    /** As {@link #write(Path, Consumer)}; with {@code sync} the file and its folder are forced to disk. */
    public static void write(Path target, boolean sync, Consumer<OutputStream> body) {
        try (Output o = open(target, false)) {
            OutputStream out = new BufferedOutputStream(
                    new FilterOutputStream(Channels.newOutputStream(o.channel())) {
                        @Override
                        public void write(byte[] b, int off, int len) throws IOException {
                            this.out.write(b, off, len);
                        }

                        @Override
                        public void close() throws IOException {
                            flush(); // the channel stays open for commit, whoever closes the stream
                        }
                    },
                    1 << 16);
            body.accept(out); // may close the stream itself (JSON generators do)
            out.flush();
            o.commit(sync);
        } catch (IOException e) {
            throw TenpakIOException.of(target, e);
        }
    }

    /**
     * Opens {@code target} for writing as the class comment describes. Nothing is visible under the
     * target's name until {@link Output#commit}; closing an uncommitted output deletes its temporary.
     * With {@code seekable} the channel is always a regular file (positional writes, size), even
     * when the target is a device or FIFO.
     */
    public static Output open(Path target, boolean seekable) throws IOException {
        BasicFileAttributes a = attributes(target, true);
        if (a != null && a.isDirectory()) {
            throw new InvalidInputException(target + ": is a directory, expected a file");
        }
        if (a != null && a.isOther()) {
            if (!seekable) {
                return new Output(target, target, null, FileChannel.open(target, StandardOpenOption.WRITE), true);
            }
            Path temp = Files.createTempFile("tenpak-", TEMP_SUFFIX);
            return new Output(target, target, temp, FileChannel.open(temp, StandardOpenOption.WRITE), true);
        }
        if (a != null && throughProc(target)) {
            // /dev/stdout redirected to a file: write through the descriptor's file, as cp does, so
            // the shell's open descriptor and the name keep meaning the same file
            return new Output(
                    target,
                    target,
                    null,
                    FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING),
                    true);
        }
        Path file = followLinks(target);
        Path dir = file.getParent();
        Files.createDirectories(dir);
        cleanStale(dir, file.getFileName().toString());
        Path temp = newTempName(dir, file.getFileName().toString(), TEMP_SUFFIX);
        // CREATE_NEW without attributes: the umask decides the mode, as for any new file
        FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            if (a != null) {
                copyMode(file, temp);
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(temp);
            throw e;
        }
        return new Output(target, file, temp, ch, false);
    }

    /** A file being written; see {@link #open(Path, boolean)}. */
    public static final class Output implements AutoCloseable {
        private final Path requested;
        private final Path file;
        private final Path temp;
        private final FileChannel channel;
        private final boolean special;
        private boolean done;

        private Output(Path requested, Path file, Path temp, FileChannel channel, boolean special) {
            this.requested = requested;
            this.file = file;
            this.temp = temp;
            this.channel = channel;
            this.special = special;
        }

        /** Where the bytes go until {@link #commit}. */
        public FileChannel channel() {
            return channel;
        }

        /** True when the target is a device, FIFO or socket, written through rather than replaced. */
        public boolean special() {
            return special;
        }

        /**
         * Makes the written bytes the target's: renames the temporary over it (a regular target), or
         * streams the temporary into a device, or just closes a written-through device. With
         * {@code sync} a regular file and its folder are forced to disk.
         */
        public void commit(boolean sync) throws IOException {
            if (done) {
                throw new IllegalStateException(requested + " is already committed");
            }
            if (!special) {
                if (sync) {
                    channel.force(false);
                }
                channel.close();
                moveIntoPlace(temp, file, sync);
            } else if (temp != null) {
                channel.close();
                try (FileChannel in = FileChannel.open(temp, StandardOpenOption.READ);
                        OutputStream out = Files.newOutputStream(requested, StandardOpenOption.WRITE)) {
                    in.transferTo(0, in.size(), Channels.newChannel(out));
                }
                Files.deleteIfExists(temp);
            } else {
                channel.close();
            }
            done = true;
        }

        /** Abandons an uncommitted output: its temporary is deleted. */
        @Override
        public void close() {
            if (done) {
                return;
            }
            done = true;
            try {
                channel.close();
            } catch (IOException ignored) {
                // the temporary is deleted below either way
            }
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // best effort: the next write of this target removes it
                }
            }
        }
    }

    /**
     * Renames a finished temporary file over {@code target}: atomically where the file system can,
     * so readers see the old file or the new one, never a mix. With {@code sync} the folder is forced
     * to disk after the rename, so the new name survives a crash (the caller forces the file's data
     * before). File systems that cannot force a folder (not POSIX) skip that step.
     */
    static void moveIntoPlace(Path temp, Path target, boolean sync) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        if (sync) {
            forceFolder(target.toAbsolutePath().getParent());
        }
    }

    private static void forceFolder(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows and some file systems cannot open or force a folder; the files themselves are on disk
        }
    }

    // ---- folders ----

    /**
     * Starts writing the folder {@code target}: the returned {@link Folder}'s {@link Folder#path()}
     * is a new, empty folder beside it, to fill; {@link Folder#commit} swaps it in. A symbolic link
     * to a folder is followed and stays a link. Refused when the target is a file, or is (or holds)
     * the current folder.
     */
    public static Folder openFolder(Path target) throws IOException {
        Path dir = followLinks(target);
        BasicFileAttributes a = attributes(dir, false);
        if (a != null && !a.isDirectory()) {
            throw new InvalidInputException(target + ": already exists and is not a directory");
        }
        if (a != null && Path.of("").toRealPath().startsWith(dir.toRealPath())) {
            throw new InvalidInputException(target + ": is the current folder or holds it; it would be replaced "
                    + "as a whole, so write into a new folder instead");
        }
        Path parent = dir.getParent();
        Files.createDirectories(parent);
        String name = dir.getFileName().toString();
        cleanStale(parent, name);
        Path temp = newTempName(parent, name, TEMP_SUFFIX);
        Files.createDirectory(temp);
        return new Folder(target, dir, temp);
    }

    /** A folder being built beside its target; see {@link #openFolder(Path)}. */
    public static final class Folder implements AutoCloseable {
        private final Path requested;
        private final Path target;
        private final Path temp;
        private boolean done;

        private Folder(Path requested, Path target, Path temp) {
            this.requested = requested;
            this.target = target;
            this.temp = temp;
        }

        /** The new folder to fill; nothing in it is a link, so writes inside never leave it. */
        public Path path() {
            return temp;
        }

        /** The folder that will be replaced (links followed). */
        public Path target() {
            return target;
        }

        /**
         * Swaps the new folder in. Entries of an existing target that the new folder does not hold
         * are carried over first (files as hard links, links as links, sub-folders merged the same
         * way), so nothing but what was rewritten is lost; the target then changes in two renames
         * (old aside, new in), and the old copy is deleted. Should the second rename fail, the old
         * folder is put back.
         */
        public void commit(boolean sync) throws IOException {
            if (done) {
                throw new IllegalStateException(requested + " is already committed");
            }
            if (attributes(target, false) == null) {
                rename(temp, target);
            } else {
                carryOver(target, temp);
                copyMode(target, temp);
                Path old = newTempName(target.getParent(), target.getFileName().toString(), OLD_SUFFIX);
                rename(target, old);
                try {
                    rename(temp, target);
                } catch (IOException e) {
                    rename(old, target);
                    throw e;
                }
                deleteTree(old);
            }
            done = true;
            if (sync) {
                forceFolder(target.getParent());
            }
        }

        /** Abandons an uncommitted folder: the new one is deleted, the target untouched. */
        @Override
        public void close() {
            if (!done) {
                done = true;
                deleteTree(temp);
            }
        }
    }

    private static void rename(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Links every entry of {@code from} that {@code to} lacks into {@code to}; never follows a link. */
    private static void carryOver(Path from, Path to) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(from)) {
            for (Path e : entries) {
                String name = e.getFileName().toString();
                if (name.startsWith(".") && name.contains(TAG)) {
                    continue; // someone's temporary: not part of the folder
                }
                Path dest = to.resolve(name);
                BasicFileAttributes ea = attributes(e, false);
                BasicFileAttributes da = attributes(dest, false);
                if (ea == null) {
                    continue;
                }
                if (da == null) {
                    if (ea.isSymbolicLink()) {
                        Files.createSymbolicLink(dest, Files.readSymbolicLink(e));
                    } else if (ea.isDirectory()) {
                        Files.createDirectory(dest);
                        copyMode(e, dest);
                        carryOver(e, dest);
                    } else if (ea.isRegularFile()) {
                        try {
                            Files.createLink(dest, e);
                        } catch (UnsupportedOperationException | FileSystemException x) {
                            Files.copy(e, dest, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                        }
                    }
                } else if (ea.isDirectory() && da.isDirectory()) {
                    carryOver(e, dest);
                }
            }
        }
    }

    // ---- names, modes, stale temporaries ----

    private static Path newTempName(Path dir, String name, String suffix) {
        long pid = ProcessHandle.current().pid();
        for (int i = 0; ; i++) {
            Path p = dir.resolve("." + name + TAG + pid + "-"
                    + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + suffix);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) || i > 100) {
                return p;
            }
        }
    }

    /**
     * Deletes {@code dir}'s temporaries of {@code name} whose writing process is gone. A stale old
     * copy of a folder whose swap was cut short is put back when the target is missing.
     */
    static void cleanStale(Path dir, String name) {
        String prefix = "." + name + TAG;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, p -> {
            String n = p.getFileName().toString();
            return n.startsWith(prefix) && (n.endsWith(TEMP_SUFFIX) || n.endsWith(OLD_SUFFIX));
        })) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                boolean old = n.endsWith(OLD_SUFFIX);
                String middle = n.substring(prefix.length(), n.length() - (old ? OLD_SUFFIX : TEMP_SUFFIX).length());
                int dash = middle.indexOf('-');
                long pid;
                try {
                    pid = Long.parseLong(dash < 0 ? middle : middle.substring(0, dash));
                } catch (NumberFormatException e) {
                    continue;
                }
                BasicFileAttributes a = attributes(p, false);
                if (a == null || !creatorGone(pid, a.lastModifiedTime().toInstant())) {
                    continue;
                }
                Path target = dir.resolve(name);
                if (old && a.isDirectory() && attributes(target, false) == null) {
                    try {
                        rename(p, target); // the swap died between its two renames: the old folder is the folder
                        continue;
                    } catch (IOException ignored) {
                        continue;
                    }
                }
                deleteTree(p);
            }
        } catch (IOException | RuntimeException ignored) {
            // cleaning is a courtesy; the write itself does not depend on it
        }
    }

    /** True when no live process can have written a file last modified at {@code modified}. */
    static boolean creatorGone(long pid, Instant modified) {
        if (pid == ProcessHandle.current().pid()) {
            return false;
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) {
            return true;
        }
        // the id was reused when the process holding it now started after the file was last written
        return h.get()
                .info()
                .startInstant()
                .map(start -> start.isAfter(modified.plusSeconds(1)))
                .orElse(false);
    }

    private static void copyMode(Path from, Path to) throws IOException {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(from);
            Files.setPosixFilePermissions(to, perms);
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the new file keeps the default mode
        }
    }

    /** True when following {@code p}'s links passes through {@code /proc} (a process's open descriptor). */
    static boolean throughProc(Path p) throws IOException {
        Path at = p.toAbsolutePath();
        for (int i = 0; i < MAX_LINKS; i++) {
            if (at.startsWith("/proc")) {
                return true;
            }
            if (!Files.isSymbolicLink(at)) {
                return false;
            }
            at = at.getParent().resolve(Files.readSymbolicLink(at));
        }
        return false;
    }

    /** The path {@code p} names once symbolic links (dangling ones too) are followed, as {@code cp} writes. */
    static Path followLinks(Path p) throws IOException {
        Path at = p.toAbsolutePath();
        for (int i = 0; Files.isSymbolicLink(at); i++) {
            if (i >= MAX_LINKS) {
                throw new FileSystemException(p.toString(), null, "too many levels of symbolic links");
            }
            at = at.getParent().resolve(Files.readSymbolicLink(at));
        }
        return at;
    }

    private static BasicFileAttributes attributes(Path p, boolean follow) {
        try {
            return follow
                    ? Files.readAttributes(p, BasicFileAttributes.class)
                    : Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null;
        }
    }

    /** Deletes a file or a folder tree without following links; best effort. */
    static void deleteTree(Path p) {
        BasicFileAttributes a = attributes(p, false);
        if (a == null) {
            return;
        }
        if (a.isDirectory()) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
                for (Path e : entries) {
                    deleteTree(e);
                }
            } catch (IOException ignored) {
                // whatever is left makes the delete below fail, quietly
            }
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
