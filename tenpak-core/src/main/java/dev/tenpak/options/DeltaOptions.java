package dev.tenpak.options;

import dev.tenpak.codec.Codecs;
import dev.tenpak.internal.format.Inputs;
import dev.tenpak.options.PlanOptions;

/**
 * How to build a delta.
 *
 * @param epsilon     a tensor whose mean absolute difference from the decoded base exceeds this is
 *                    stored; finite and >= 0
 * @param codec       codec for stored float tensors (full or residual); raw_v1 for the rest
 * @param inputFormat how to read the variant
 */
public record DeltaOptions(double epsilon, String codec, InputFormat inputFormat, boolean sync) {
    public DeltaOptions {
        PlanOptions.requireBudget("--epsilon", epsilon);
        Codecs.byName(codec);
    }

    public DeltaOptions(double epsilon, String codec, InputFormat inputFormat) {
        this(epsilon, codec, inputFormat, false);
    }

    public static DeltaOptions of(double epsilon) {
        return new DeltaOptions(epsilon, Codecs.DEFAULT, InputFormat.AUTO);
    }

    public DeltaOptions withCodec(String c) {
        return new DeltaOptions(epsilon, c, inputFormat, sync);
    }

    public DeltaOptions withInputFormat(InputFormat f) {
        return new DeltaOptions(epsilon, codec, f, sync);
    }

    /** Sets whether the delta is forced to disk before it is renamed into place (default off). */
    public DeltaOptions withSync(boolean s) {
        return new DeltaOptions(epsilon, codec, inputFormat, s);
    }
}
