package dev.tenpak.report;

import java.util.List;

/**
 * What {@code tenpak bench} measured: one row per codec, all from one pass over the input.
 *
 * @param tensorBytes the tensors' size in their own dtypes (the base of ratios and throughputs)
 * @param elements    elements over all tensors
 */
public record BenchReport(String input, long tensorBytes, long elements, List<Row> rows) {
    /**
     * One codec.
     *
     * @param artifactBytes exact artifact size (raw_v1 for tensors the codec cannot hold)
     * @param ratio         {@code tensorBytes / artifactBytes}
     * @param bitsPerWeight artifact bits per element, index and padding included
     * @param encodeMBps    original tensor bytes encoded per second, in 10^6 bytes
     * @param decodeMBps    original tensor bytes decoded per second, in 10^6 bytes
     * @param entropyBitsPerWeight artifact bits per element with {@code compress --entropy auto}
     *                      (lossy payloads through the entropy stage where that is smaller); NaN
     *                      when not measured
     */
    public record Row(
            String codec,
            long artifactBytes,
            double ratio,
            double bitsPerWeight,
            double mse,
            double mae,
            double maxAbsError,
            double encodeMBps,
            double decodeMBps,
            double entropyBitsPerWeight) {
        /** A row without the entropy stage's figure. */
        public Row(
                String codec,
                long artifactBytes,
                double ratio,
                double bitsPerWeight,
                double mse,
                double mae,
                double maxAbsError,
                double encodeMBps,
                double decodeMBps) {
            this(codec, artifactBytes, ratio, bitsPerWeight, mse, mae, maxAbsError, encodeMBps, decodeMBps, Double.NaN);
        }
    }
}
