package dev.tenpak.maven.build;

/**
 * A build step that could not finish. {@link #userError()} separates problems the project's author
 * can fix (a malformed model file, an unknown codec, a blown error budget: Maven reports these as
 * build failures) from problems of the machine (a disk that is full, a folder that cannot be
 * written: Maven reports these as execution errors). The message always names the file concerned.
 */
public final class ModelBuildException extends Exception {
    private final boolean userError;

    private ModelBuildException(String message, Throwable cause, boolean userError) {
        super(message, cause);
        this.userError = userError;
    }

    /** A mistake in the project: its configuration or its model files. */
    public static ModelBuildException user(String message) {
        return new ModelBuildException(message, null, true);
    }

    /** A mistake in the project, caused by {@code cause} (usually a {@link dev.tenpak.error.TenpakException}). */
    public static ModelBuildException user(String message, Throwable cause) {
        return new ModelBuildException(message, cause, true);
    }

    /** A failure of the environment: I/O errors of the operating system. */
    public static ModelBuildException environment(String message, Throwable cause) {
        return new ModelBuildException(message, cause, false);
    }

    /** True for a problem in the project, false for a problem of the machine running the build. */
    public boolean userError() {
        return userError;
    }
}
