package dev.tenpak.error;

/**
 * An artifact that fails validation: bad magic, truncation, an offset outside the file, an index
 * that does not parse, or a payload whose checksum does not match. Carries the byte offset where
 * the problem was found and, when known, the tensor it belongs to.
 */
public class CorruptArtifactException extends TenpakException {
    private final long offset;
    private final String tensor;

    public CorruptArtifactException(String source, String tensor, long offset, String reason) {
        super(source + ": corrupt artifact" + (tensor == null ? "" : ", tensor '" + tensor + "'") + " at offset "
                + offset + ": " + reason);
        this.offset = offset;
        this.tensor = tensor;
    }

    /** Byte offset in the artifact where the problem was detected. */
    public long offset() {
        return offset;
    }

    /** The tensor concerned, or null when the problem is in the file structure itself. */
    public String tensor() {
        return tensor;
    }

    @Override
    public int exitCode() {
        return EXIT_CORRUPT;
    }
}
