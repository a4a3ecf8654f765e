package dev.tenpak.error;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/** An operating-system I/O failure, with the file it concerns. */
public class TenpakIOException extends TenpakException {
    public TenpakIOException(String message, IOException cause) {
        super(message, cause);
    }

    /**
     * Wraps an I/O failure on {@code path} into a one-line message that names the path once and says
     * what was wrong with it. A path of the wrong kind (a directory where a file was expected, a file
     * where a directory was expected, an existing file in the way) is invalid input, exit code 3; the
     * rest (permissions, disk full) are I/O failures, exit code 6.
     */
    public static TenpakException of(Path path, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new InvalidInputException(path + ": no such file", e);
        }
        String reason = reason(e);
        if (Files.isDirectory(path) && (reason.equals("No such device") || reason.equals("Is a directory"))) {
            // mapping or reading a directory: Linux says ENODEV or EISDIR, neither names the mistake
            return new InvalidInputException(path + ": is a directory, expected a file", e);
        }
        if (e instanceof NotDirectoryException || reason.equals("Not a directory")) {
            return new InvalidInputException(
                    path + ": " + other(path, e) + "not a directory (a file is in the way)", e);
        }
        if (e instanceof FileAlreadyExistsException) {
            return new InvalidInputException(path + ": " + other(path, e) + "already exists and is not a directory", e);
        }
        return new TenpakIOException(path + ": " + other(path, e) + reason, e);
    }

    /** What went wrong, without the file names a {@link FileSystemException}'s message repeats. */
    private static String reason(IOException e) {
        if (e instanceof FileSystemException f) {
            if (f.getReason() != null) {
                return f.getReason();
            }
            return switch (f) {
                case AccessDeniedException a -> "permission denied";
                case DirectoryNotEmptyException d -> "directory not empty";
                case FileAlreadyExistsException x -> "already exists";
                case NotDirectoryException n -> "not a directory";
                default -> f.getClass().getSimpleName();
            };
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The other file a {@link FileSystemException} names, when it is not {@code path} itself: "x: ". */
    private static String other(Path path, IOException e) {
        if (e instanceof FileSystemException f) {
            String file = f.getFile() != null && !samePath(path, f.getFile())
                    ? f.getFile()
                    : f.getOtherFile() != null && !samePath(path, f.getOtherFile()) ? f.getOtherFile() : null;
            return file == null ? "" : file + ": ";
        }
        return "";
    }

    private static boolean samePath(Path path, String file) {
        try {
            return path.toAbsolutePath()
                    .normalize()
                    .equals(Path.of(file).toAbsolutePath().normalize());
        } catch (RuntimeException invalid) {
            return false;
        }
    }

    @Override
    public int exitCode() {
        return EXIT_IO;
    }
}
