package dev.tenpak.error;

/** Input that tenpak cannot accept: malformed JSON, a duplicate tensor name, a bad option value. */
public class InvalidInputException extends TenpakException {
    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
