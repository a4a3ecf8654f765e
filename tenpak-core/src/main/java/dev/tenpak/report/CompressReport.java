package dev.tenpak.report;

import java.util.List;

/**
 * The result of a compress run: sizes, the overall and per-tensor reconstruction error.
 *
 * @param inputBytes    size of the input file(s) on disk
 * @param tensorBytes   size of the tensors' data in their own dtypes (what a raw dump would take)
 * @param artifactBytes size of the artifact written
 * @param ratio         {@code tensorBytes / artifactBytes}: compression against the raw data
 * @param error         element-weighted error over all tensors
 */
public record CompressReport(
        String input,
        String output,
        String codec,
        long inputBytes,
        long tensorBytes,
        long artifactBytes,
        double ratio,
        ErrorMetrics error,
        List<TensorReport> tensors,
        double seconds) {}
