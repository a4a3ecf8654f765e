package dev.tenpak.report;

import java.util.List;
import java.util.Map;

/**
 * What {@code inspect} shows about an artifact, with every payload's checksum checked.
 *
 * @param checksumsOk true when every payload matched its recorded CRC32C
 */
public record ArtifactSummary(
        String path,
        long bytes,
        int version,
        String codec,
        Map<String, String> metadata,
        List<Entry> tensors,
        boolean checksumsOk) {
    /** One tensor of the artifact. */
    public record Entry(
            String name,
            long[] shape,
            String dtype,
            String codec,
            long storedBytes,
            long originalBytes,
            String crc32c,
            boolean checksumOk) {}
}
