package dev.tenpak;

import dev.tenpak.codec.Codecs;
import dev.tenpak.io.Inputs;

/**
 * How to compress: the codec to apply to float tensors and the input format. Immutable; use the
 * {@code with*} methods to change one setting.
 *
 * @param codec       registry name of the codec for float tensors (default {@code int8_sym_v1})
 * @param inputFormat how to read the input; {@code AUTO} detects it
 */
public record CompressOptions(String codec, Inputs.Format inputFormat) {
    public CompressOptions {
        Codecs.byName(codec);
    }

    public static CompressOptions defaults() {
        return new CompressOptions(Codecs.DEFAULT, Inputs.Format.AUTO);
    }

    public CompressOptions withCodec(String c) {
        return new CompressOptions(c, inputFormat);
    }

    public CompressOptions withInputFormat(Inputs.Format f) {
        return new CompressOptions(codec, f);
    }
}
