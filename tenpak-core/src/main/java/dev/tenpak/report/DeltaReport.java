package dev.tenpak.report;

import java.util.List;

/**
 * What {@code tenpak delta} did.
 *
 * @param baseHash          the base content hash recorded in the delta
 * @param deltaBytes        size of the delta artifact written
 * @param fullVariantBytes  size of the variant compressed on its own with the same codec (measured, not written)
 * @param fullVariantMae    element-weighted MAE of that full artifact against the variant
 * @param variantTensorBytes the variant's tensor data as read (its raw size, no metadata)
 * @param exact             whether this is an exact delta (bits compared, changed tensors stored losslessly)
 * @param tensors           every tensor of the variant in its order, then the removed ones
 */
public record DeltaReport(
        String base,
        String baseHash,
        String variant,
        String output,
        String codec,
        double epsilon,
        long deltaBytes,
        long fullVariantBytes,
        double fullVariantMae,
        long variantTensorBytes,
        boolean exact,
        int changed,
        int added,
        int removed,
        int unchanged,
        List<Entry> tensors) {

    /** {@code deltaBytes / fullVariantBytes}. */
    public double fraction() {
        return fullVariantBytes == 0 ? 0 : (double) deltaBytes / fullVariantBytes;
    }

    /** {@code deltaBytes / variantTensorBytes}: the delta against the raw fine-tune. */
    public double rawFraction() {
        return variantTensorBytes == 0 ? 0 : (double) deltaBytes / variantTensorBytes;
    }

    /**
     * One tensor.
     *
     * @param status      {@code changed}, {@code new}, {@code shape changed}, {@code dtype changed},
     *                    {@code unchanged} or {@code removed}
     * @param mode        {@code full}, {@code residual}, {@code xor}, or null when nothing is stored
     * @param meanAbsDiff mean absolute difference from the decoded base; null when not comparable
     *                    (new, reshaped, removed, non-float or non-finite)
     * @param mae         MAE against the variant of what materialize will give back for this tensor
     *                    (for unchanged tensors: the decoded base, i.e. {@code meanAbsDiff}); null when removed
     * @param fullMae     MAE of storing the variant tensor itself (to compare with residual mode); null when removed
     * @param storedBytes payload bytes in the delta
     */
    public record Entry(
            String name,
            String status,
            String dtype,
            long[] shape,
            String mode,
            String codec,
            Double meanAbsDiff,
            Double mae,
            Double fullMae,
            long storedBytes) {}
}
