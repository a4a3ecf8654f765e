package dev.tenpak.internal.io;

import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.TenpakIOException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Iterator;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Refuses an output that is one of the operation's inputs. Identity is the file's, not its name's:
 * {@code ./m.safetensors} and {@code m.safetensors}, a hard link, or a symbolic link to the input
 * are all the same file (device and inode where the file system has them,
 * {@link Files#isSameFile} otherwise).
 */
public final class SameFiles {
    private SameFiles() {}

    /**
     * Throws an {@link InvalidInputException} (exit 3) when {@code output} exists and is
     * {@code input}, or, for a folder input, any file inside it; {@code role} names the input in
     * the message ("input", "base", "delta").
     */
    public static void refuse(Path output, Path input, String role) {
        if (output == null || input == null || !Files.exists(output) || !Files.exists(input)) {
            return;
        }
        try {
            if (Files.isDirectory(input)) {
                if (Files.isDirectory(output)) {
                    return; // a folder output is built beside and swapped in; the caller checks the files it writes
                }
                try (Stream<Path> walk = Files.walk(input)) {
                    for (Iterator<Path> it = walk.iterator(); it.hasNext(); ) {
                        Path p = it.next();
                        if (Files.isRegularFile(p) && same(output, p)) {
                            throw refusal(output, p, "file of the " + role);
                        }
                    }
                }
            } else if (same(output, input)) {
                throw refusal(output, input, role);
            }
        } catch (IOException e) {
            throw TenpakIOException.of(output, e);
        }
    }

    private static InvalidInputException refusal(Path output, Path input, String what) {
        return new InvalidInputException(output + ": is the same file as the " + what + " " + input
                + "; writing it would destroy the " + what.substring(what.lastIndexOf(' ') + 1)
                + ", so give another output path");
    }

    /** True when both paths (links followed) are the same file. */
    static boolean same(Path a, Path b) throws IOException {
        Object ka = Files.readAttributes(a, BasicFileAttributes.class).fileKey();
        Object kb = Files.readAttributes(b, BasicFileAttributes.class).fileKey();
        if (ka != null && kb != null) {
            return Objects.equals(ka, kb);
        }
        return Files.isSameFile(a, b);
    }
}
