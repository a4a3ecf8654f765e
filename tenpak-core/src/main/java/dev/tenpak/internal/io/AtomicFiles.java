package dev.tenpak.internal.io;

import dev.tenpak.error.TenpakIOException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * Writes a file through a temporary file beside it and a rename, so readers never see half a file.
 *
 * <p>Durability is a choice, as with {@code cp} or {@code safetensors.save_file}: by default the
 * data reaches the page cache and the kernel writes it back when it likes, so a power loss soon
 * after may lose the new file (artifacts then fail their trailer or checksum checks, they are never
 * silently wrong). With {@code sync} the file is forced to disk before the rename and the folder
 * after it, so once the call returns the new file survives a crash.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Runs {@code body} on a stream to a temporary file and renames it to {@code target} if it returns normally. */
    public static void write(Path target, Consumer<OutputStream> body) {
        write(target, false, body);
    }

    /** As {@link #write(Path, Consumer)}; with {@code sync} the file and its folder are forced to disk. */
    public static void write(Path target, boolean sync, Consumer<OutputStream> body) {
        Path temp = null;
        try {
            temp = createTemp(target);
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp, StandardOpenOption.WRITE), 1 << 16)) {
                body.accept(out);   // may close the stream itself (JSON generators do)
            }
            if (sync) {
                try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    ch.force(false);   // fsync applies to the file, whichever descriptor wrote it
                }
            }
            moveIntoPlace(temp, target, sync);
            temp = null;
        } catch (IOException e) {
            throw TenpakIOException.of(target, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    /**
     * A new, empty temporary file beside {@code target} (its folder created if needed), hidden and
     * named after it. Open it with {@code WRITE} alone, never {@code TRUNCATE_EXISTING}: ext4 starts
     * write-back of a truncated-then-written file when it is closed ({@code auto_da_alloc}), which
     * cost 0.5 s per GB before the rename.
     */
    public static Path createTemp(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        return Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
    }

    /**
     * Renames a finished temporary file over {@code target}: atomically where the file system can,
     * so readers see the old file or the new one, never a mix. With {@code sync} the folder is forced
     * to disk after the rename, so the new name survives a crash (the caller forces the file's data
     * before). File systems that cannot force a folder (not POSIX) skip that step.
     */
    public static void moveIntoPlace(Path temp, Path target, boolean sync) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        if (sync) {
            Path dir = target.toAbsolutePath().getParent();
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException | UnsupportedOperationException e) {
                // Windows and some file systems cannot open or force a folder; the file itself is on disk
            }
        }
    }
}
