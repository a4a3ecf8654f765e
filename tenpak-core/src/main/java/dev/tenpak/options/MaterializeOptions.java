package dev.tenpak.options;

import dev.tenpak.codec.Codecs;
import java.util.Objects;

/**
 * How to materialize a fine-tune from its base and delta. Immutable; start from {@link #defaults()}.
 *
 * @param residualCodec codec for the rebuilt tensors of residual- and xor-mode entries; null (the default)
 *                      stores them {@code raw_v1}: exact, with no error added to the delta's own
 * @param sync          force the artifact to disk before it is renamed into place (default off)
 * @param progress      receives progress in bytes of tensor data (default {@link ProgressListener#NONE})
 */
public record MaterializeOptions(String residualCodec, boolean sync, ProgressListener progress) {
    public MaterializeOptions {
        if (residualCodec != null) {
            Codecs.byName(residualCodec);
        }
        Objects.requireNonNull(progress, "progress");
    }

    public static MaterializeOptions defaults() {
        return new MaterializeOptions(null, false, ProgressListener.NONE);
    }

    public MaterializeOptions withResidualCodec(String c) {
        return new MaterializeOptions(c, sync, progress);
    }

    public MaterializeOptions withSync(boolean s) {
        return new MaterializeOptions(residualCodec, s, progress);
    }

    public MaterializeOptions withProgress(ProgressListener p) {
        return new MaterializeOptions(residualCodec, sync, p);
    }
}
