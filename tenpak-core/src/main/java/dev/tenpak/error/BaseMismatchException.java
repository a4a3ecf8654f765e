package dev.tenpak.error;

/**
 * A delta applied to a base artifact other than the one it was made against. Names both content
 * hashes, so a user can tell which base the delta needs.
 */
public class BaseMismatchException extends InvalidInputException {
    private final String expected;
    private final String actual;

    public BaseMismatchException(String delta, String expected, String base, String actual) {
        super(delta + " was made against a base with content hash " + expected + ", but " + base + " has " + actual
                + "; pass the base artifact the delta was created from");
        this.expected = expected;
        this.actual = actual;
    }

    /** The base content hash recorded in the delta. */
    public String expected() {
        return expected;
    }

    /** The content hash of the base that was given. */
    public String actual() {
        return actual;
    }
}
