package dev.tenpak.io;

import dev.tenpak.TenpakIOException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;

/** Writes a file through a temporary file beside it and a rename, so readers never see half a file. */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Runs {@code body} on a stream to a temporary file and renames it to {@code target} if it returns normally. */
    public static void write(Path target, Consumer<OutputStream> body) {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = null;
        try {
            Files.createDirectories(dir);
            temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16)) {
                body.accept(out);
            }
            moveIntoPlace(temp, target);
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
     * Renames a finished temporary file over {@code target}: atomically where the file system can,
     * so readers see the old file or the new one, never a mix.
     */
    public static void moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
