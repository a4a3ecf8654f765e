package dev.tenpak.error;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** An operating-system I/O failure, with the file it concerns. */
public class TenpakIOException extends TenpakException {
    public TenpakIOException(String message, IOException cause) {
        super(message, cause);
    }

    /** Wraps an I/O failure on {@code path} into a one-line message. */
    public static TenpakException of(Path path, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new InvalidInputException(path + ": no such file", e);
        }
        String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new TenpakIOException(path + ": " + detail, e);
    }

    @Override
    public int exitCode() {
        return EXIT_IO;
    }
}
