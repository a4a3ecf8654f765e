package dev.tenpak.error;

/** A payload whose CRC32C differs from the one recorded in the artifact's index. */
public class ChecksumMismatchException extends CorruptArtifactException {
    public ChecksumMismatchException(String source, String tensor, long offset, int expected, int actual) {
        super(
                source,
                tensor,
                offset,
                String.format(
                        "payload checksum mismatch (index says crc32c %08x, payload has %08x)", expected, actual));
    }
}
