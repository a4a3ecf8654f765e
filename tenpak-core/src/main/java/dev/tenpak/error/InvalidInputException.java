package dev.tenpak.error;

/**
 * Input that tenpak cannot accept: malformed JSON, a duplicate tensor name, a bad option value.
 * When an option's value is at fault, {@link #option()} names the option in the engine's neutral
 * spelling ({@code keep-raw}, {@code max-mae}); each shell adds its own spelling of it (the CLI's
 * {@code --keep-raw}, the Maven plugin's {@code keepRaw}, Python's {@code keep_raw}).
 */
public class InvalidInputException extends TenpakException {
    private final String option;

    public InvalidInputException(String message) {
        this(message, (Throwable) null);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
        this.option = null;
    }

    private InvalidInputException(String option, String message) {
        super(message);
        this.option = option;
    }

    /** An error about the value of {@code option} (hyphenated, e.g. {@code min-elements}). */
    public static InvalidInputException forOption(String option, String message) {
        return new InvalidInputException(option, message);
    }

    /** The option whose value is at fault, hyphenated; null when no single option is. */
    public String option() {
        return option;
    }
}
