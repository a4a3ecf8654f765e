package dev.tenpak.error;

/** A tensor whose data does not hold {@code prod(shape)} elements, or whose shapes disagree. */
public class ShapeMismatchException extends InvalidInputException {
    public ShapeMismatchException(String message) {
        super(message);
    }
}
