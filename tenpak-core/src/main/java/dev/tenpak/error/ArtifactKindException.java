package dev.tenpak.error;

/**
 * An artifact of the wrong kind for the operation: a delta given where a full base artifact is
 * needed, or a full artifact given where a delta is needed.
 */
public class ArtifactKindException extends InvalidInputException {
    public ArtifactKindException(String message) {
        super(message);
    }
}
