package dev.tenpak;

import dev.tenpak.codec.CodecSelector;
import dev.tenpak.codec.Codecs;
import dev.tenpak.codec.KeepRawSelector;
import dev.tenpak.io.Inputs;
import java.util.ArrayList;
import java.util.List;

/**
 * How to compress: the codec to apply to float tensors, the input format, and which tensors stay
 * {@code raw_v1}. Immutable; use the {@code with*} methods to change one setting.
 *
 * @param codec       registry name of the codec for float tensors (default {@code int8_sym_v1})
 * @param inputFormat how to read the input; {@code AUTO} detects it
 * @param keepRaw     regexes; tensors whose name matches one stay {@code raw_v1}
 * @param minElements small-tensor rule: 0 off, N keeps 1-D tensors and tensors under N elements raw,
 *                    {@link KeepRawSelector#AUTO} (default) is 4096 for group-wise codecs and off
 *                    for the per-tensor ones
 */
public record CompressOptions(String codec, Inputs.Format inputFormat, List<String> keepRaw, long minElements) {
    public CompressOptions {
        Codecs.byName(codec);
        keepRaw = List.copyOf(keepRaw);
        KeepRawSelector.of(Codecs.byName(codec), keepRaw, minElements);
    }

    public CompressOptions(String codec, Inputs.Format inputFormat) {
        this(codec, inputFormat, List.of(), KeepRawSelector.AUTO);
    }

    public static CompressOptions defaults() {
        return new CompressOptions(Codecs.DEFAULT, Inputs.Format.AUTO);
    }

    public CompressOptions withCodec(String c) {
        return new CompressOptions(c, inputFormat, keepRaw, minElements);
    }

    public CompressOptions withInputFormat(Inputs.Format f) {
        return new CompressOptions(codec, f, keepRaw, minElements);
    }

    /** Adds {@code --keep-raw} regexes to those already set. */
    public CompressOptions withKeepRaw(List<String> regexes) {
        List<String> all = new ArrayList<>(keepRaw);
        all.addAll(regexes);
        return new CompressOptions(codec, inputFormat, all, minElements);
    }

    /** Sets the small-tensor threshold (0 off, {@link KeepRawSelector#AUTO} for the codec's default). */
    public CompressOptions withMinElements(long n) {
        return new CompressOptions(codec, inputFormat, keepRaw, n);
    }

    /** The per-tensor codec choice these options describe. */
    public CodecSelector selector() {
        return KeepRawSelector.of(Codecs.byName(codec), keepRaw, minElements);
    }
}
