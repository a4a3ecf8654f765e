package dev.tenpak.options;

import dev.tenpak.codec.Codecs;
import java.util.Objects;

/**
 * How to build a delta.
 *
 * @param epsilon     a tensor whose mean absolute difference from the decoded base exceeds this is
 *                    stored; finite and >= 0
 * @param codec       codec for stored float tensors (full or residual); raw_v1 for the rest
 * @param inputFormat how to read the variant
 * @param sync        force the delta to disk before it is renamed into place (default off)
 * @param progress    receives progress in bytes of the variant's tensor data
 */
public record DeltaOptions(
        double epsilon, String codec, InputFormat inputFormat, boolean sync, ProgressListener progress) {
    public DeltaOptions {
        PlanOptions.requireBudget("epsilon", epsilon);
        Codecs.byName(codec);
        Objects.requireNonNull(inputFormat, "inputFormat");
        Objects.requireNonNull(progress, "progress");
    }

    public static DeltaOptions of(double epsilon) {
        return new DeltaOptions(epsilon, Codecs.DEFAULT, InputFormat.AUTO, false, ProgressListener.NONE);
    }

    public DeltaOptions withCodec(String c) {
        return new DeltaOptions(epsilon, c, inputFormat, sync, progress);
    }

    public DeltaOptions withInputFormat(InputFormat f) {
        return new DeltaOptions(epsilon, codec, f, sync, progress);
    }

    /** Sets whether the delta is forced to disk before it is renamed into place (default off). */
    public DeltaOptions withSync(boolean s) {
        return new DeltaOptions(epsilon, codec, inputFormat, s, progress);
    }

    public DeltaOptions withProgress(ProgressListener p) {
        return new DeltaOptions(epsilon, codec, inputFormat, sync, p);
    }
}
