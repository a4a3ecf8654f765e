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
    /**
     * One tensor of the artifact.
     *
     * @param storedBytes   the payload's bytes in the file (after the entropy stage, if any)
     * @param stage         {@code none}, or {@code entropy} when the payload is stored through the
     *                      entropy stage (format v2)
     * @param bitsPerWeight {@code 8 * storedBytes / elements}, as stored (0 for an empty tensor)
     */
    public record Entry(
            String name,
            long[] shape,
            String dtype,
            String codec,
            long storedBytes,
            long originalBytes,
            String crc32c,
            boolean checksumOk,
            String stage,
            double bitsPerWeight) {
        /** An entry stored without a stage. */
        public Entry(
                String name,
                long[] shape,
                String dtype,
                String codec,
                long storedBytes,
                long originalBytes,
                String crc32c,
                boolean checksumOk) {
            this(
                    name,
                    shape,
                    dtype,
                    codec,
                    storedBytes,
                    originalBytes,
                    crc32c,
                    checksumOk,
                    "none",
                    bitsPerWeight(storedBytes, shape));
        }

        private static double bitsPerWeight(long storedBytes, long[] shape) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n == 0 ? 0 : 8.0 * storedBytes / n;
        }
    }
}
