package dev.tenpak.report;

/**
 * What {@code tenpak materialize} wrote.
 *
 * @param fromBase      tensors whose payload was copied from the base unchanged
 * @param fromDelta     tensors whose payload was copied from the delta (full mode)
 * @param rebuilt       residual tensors: decoded base plus decoded residual, encoded with {@code residualCodec}
 * @param removed       base tensors left out because the variant does not have them
 */
public record MaterializeReport(
        String base,
        String delta,
        String output,
        String baseHash,
        long outputBytes,
        int tensors,
        int fromBase,
        int fromDelta,
        int rebuilt,
        int removed,
        String residualCodec) {}
