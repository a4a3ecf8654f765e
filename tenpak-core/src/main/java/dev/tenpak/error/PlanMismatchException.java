package dev.tenpak.error;

/**
 * A compression plan applied to an input it was not made for: the input's SHA-256 differs from the
 * one recorded in the plan, or the plan does not cover a tensor of the input.
 */
public class PlanMismatchException extends InvalidInputException {
    public PlanMismatchException(String message) {
        super(message);
    }
}
