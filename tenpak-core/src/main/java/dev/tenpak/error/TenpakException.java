package dev.tenpak.error;

/**
 * The root of every error tenpak reports. Each subtype names what a user can act on: the file, the
 * tensor and what was expected. The CLI prints {@link #getMessage()} as one line and exits with
 * {@link #exitCode()}; the Python package maps subtypes to Python exceptions of the same name.
 */
public class TenpakException extends RuntimeException {
    /** Exit code for success. */
    public static final int EXIT_OK = 0;
    /** Exit code for a failure that is tenpak's own fault (a bug): any exception that is not a TenpakException. */
    public static final int EXIT_INTERNAL = 1;
    /** Exit code for a call the shell could not parse: an unknown flag, a missing argument, a NULL pointer. */
    public static final int EXIT_USAGE = 2;
    /** Exit code for invalid input: a bad bundle, a bad flag value, a missing file. */
    public static final int EXIT_INVALID_INPUT = 3;
    /** Exit code for an artifact that fails validation (corrupt, truncated, checksum). */
    public static final int EXIT_CORRUPT = 4;
    /** Exit code for an artifact or codec this version cannot read. */
    public static final int EXIT_UNSUPPORTED = 5;
    /** Exit code for an I/O failure of the operating system (disk full, permission). */
    public static final int EXIT_IO = 6;
    /** Exit code for a quality budget that was not met. */
    public static final int EXIT_BUDGET = 7;
    /** Exit code for a missing program or package (see {@link MissingDependencyException}). */
    public static final int EXIT_MISSING_DEPENDENCY = 8;

    public TenpakException(String message) {
        super(message);
    }

    public TenpakException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The process exit code the CLI uses for this error. */
    public int exitCode() {
        return EXIT_INVALID_INPUT;
    }
}
