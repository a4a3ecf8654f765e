package dev.tenpak.options;

import dev.tenpak.codec.Codecs;
import dev.tenpak.error.InvalidInputException;
import java.util.Objects;

/**
 * How to build a delta. Two kinds: a lossy delta ({@link #of(double)}) stores a tensor when it moved
 * more than {@code epsilon}, quantized; an exact delta ({@link #bitExact()}) stores every tensor whose
 * bits changed as the XOR of its bits with the base's, losslessly, so that materialize gives the
 * variant back bit for bit.
 *
 * @param epsilon     a tensor whose mean absolute difference from the decoded base exceeds this is
 *                    stored; finite and >= 0; must be 0 for an exact delta (it compares bits)
 * @param codec       codec for stored tensors (full or residual; raw_v1 for non-float tensors of a lossy
 *                    delta); an exact delta needs a lossless codec
 * @param inputFormat how to read the variant
 * @param sync        force the delta to disk before it is renamed into place (default off)
 * @param progress    receives progress in bytes of the variant's tensor data
 * @param exact       store changed tensors as the XOR of their bits with the base's, losslessly
 */
public record DeltaOptions(
        double epsilon, String codec, InputFormat inputFormat, boolean sync, ProgressListener progress, boolean exact) {
    public DeltaOptions {
        PlanOptions.requireBudget("epsilon", epsilon);
        Objects.requireNonNull(inputFormat, "inputFormat");
        Objects.requireNonNull(progress, "progress");
        if (exact && !Codecs.byName(codec).lossless()) {
            throw InvalidInputException.forOption(
                    "codec",
                    "an exact delta stores tensors losslessly; " + codec + " is lossy (use " + Codecs.DEFAULT_LOSSLESS
                            + " or raw_v1)");
        }
        Codecs.byName(codec);
        if (exact && epsilon != 0) {
            throw InvalidInputException.forOption(
                    "epsilon", "an exact delta compares bits, so it takes no epsilon (got " + epsilon + ")");
        }
    }

    /** A lossy delta with threshold {@code epsilon} and the default codec. */
    public static DeltaOptions of(double epsilon) {
        return new DeltaOptions(epsilon, Codecs.DEFAULT, InputFormat.AUTO, false, ProgressListener.NONE, false);
    }

    /** An exact delta with the default lossless codec. */
    public static DeltaOptions bitExact() {
        return new DeltaOptions(0, Codecs.DEFAULT_LOSSLESS, InputFormat.AUTO, false, ProgressListener.NONE, true);
    }

    public DeltaOptions withCodec(String c) {
        return new DeltaOptions(epsilon, c, inputFormat, sync, progress, exact);
    }

    public DeltaOptions withInputFormat(InputFormat f) {
        return new DeltaOptions(epsilon, codec, f, sync, progress, exact);
    }

    /** Sets whether the delta is forced to disk before it is renamed into place (default off). */
    public DeltaOptions withSync(boolean s) {
        return new DeltaOptions(epsilon, codec, inputFormat, s, progress, exact);
    }

    public DeltaOptions withProgress(ProgressListener p) {
        return new DeltaOptions(epsilon, codec, inputFormat, sync, p, exact);
    }
}
