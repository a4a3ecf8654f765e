package dev.tenpak.report;

/**
 * What compress did with one tensor.
 *
 * @param reason why this codec was chosen ("requested", "1-D tensor kept exact", ...)
 */
public record TensorReport(
        String name,
        String dtype,
        long[] shape,
        String codec,
        String reason,
        long originalBytes,
        long storedBytes,
        ErrorMetrics error) {}
