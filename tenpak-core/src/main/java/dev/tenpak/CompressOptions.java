package dev.tenpak;

import dev.tenpak.codec.Codecs;
import dev.tenpak.io.Inputs;

/**
 * How to compress: the codec to apply to float tensors, the input format and the number of
 * encoding threads. Immutable; use the {@code with*} methods to change one setting. The artifact's
 * bytes do not depend on {@code threads}.
 *
 * @param codec       registry name of the codec for float tensors (default {@code int8_sym_v1})
 * @param inputFormat how to read the input; {@code AUTO} detects it
 * @param threads     tensors encoded at once, >= 1 (default: the available processors)
 */
public record CompressOptions(String codec, Inputs.Format inputFormat, int threads) {
    public CompressOptions {
        Codecs.byName(codec);
        if (threads < 1) {
            throw new InvalidInputException("threads must be at least 1, got " + threads);
        }
    }

    public CompressOptions(String codec, Inputs.Format inputFormat) {
        this(codec, inputFormat, defaultThreads());
    }

    public static CompressOptions defaults() {
        return new CompressOptions(Codecs.DEFAULT, Inputs.Format.AUTO);
    }

    public CompressOptions withCodec(String c) {
        return new CompressOptions(c, inputFormat, threads);
    }

    public CompressOptions withInputFormat(Inputs.Format f) {
        return new CompressOptions(codec, f, threads);
    }

    public CompressOptions withThreads(int n) {
        return new CompressOptions(codec, inputFormat, n);
    }

    /** The available processors. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }
}
