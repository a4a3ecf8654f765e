package dev.tenpak.error;

/**
 * A program or package tenpak needs is not installed (for {@code tenpak runeval}: a Python 3.10+
 * with torch, transformers and the tenpak package). The message names what is missing and the one
 * command that installs it.
 */
public class MissingDependencyException extends TenpakException {

    public MissingDependencyException(String message) {
        super(message);
    }

    @Override
    public int exitCode() {
        return EXIT_MISSING_DEPENDENCY;
    }
}
