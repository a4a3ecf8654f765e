package dev.tenpak.options;

import dev.tenpak.error.InvalidInputException;

import dev.tenpak.internal.pipeline.CodecSelector;
import dev.tenpak.codec.Codecs;
import dev.tenpak.internal.pipeline.KeepRawSelector;
import dev.tenpak.internal.format.Inputs;
import java.util.ArrayList;
import java.util.List;

/**
 * How to compress: the codec to apply to float tensors, the input format, the number of encoding
 * threads, and which tensors stay {@code raw_v1}. Immutable; use the {@code with*} methods to change
 * one setting. The artifact's bytes do not depend on {@code threads}.
 *
 * @param codec       registry name of the codec for float tensors (default {@code int8_sym_v1})
 * @param inputFormat how to read the input; {@code AUTO} detects it
 * @param threads     tensors encoded at once, >= 1 (default: the available processors)
 * @param keepRaw     regexes; tensors whose name matches one stay {@code raw_v1}
 * @param minElements small-tensor rule: 0 off, N keeps 1-D tensors and tensors under N elements raw,
 *                    {@link KeepRawSelector#AUTO} (default) is 4096 for group-wise codecs and off
 *                    for the per-tensor ones
 * @param sync        force the artifact to disk before it is renamed into place (default off, like
 *                    {@code cp}; see {@link dev.tenpak.internal.io.AtomicFiles})
 */
public record CompressOptions(String codec, InputFormat inputFormat, int threads, List<String> keepRaw,
                              long minElements, boolean sync) {
    public CompressOptions {
        Codecs.byName(codec);
        if (threads < 1) {
            throw new InvalidInputException("threads must be at least 1, got " + threads);
        }
        keepRaw = List.copyOf(keepRaw);
        KeepRawSelector.of(Codecs.byName(codec), keepRaw, minElements);
    }

    public CompressOptions(String codec, InputFormat inputFormat, int threads, List<String> keepRaw,
                           long minElements) {
        this(codec, inputFormat, threads, keepRaw, minElements, false);
    }

    public CompressOptions(String codec, InputFormat inputFormat, int threads) {
        this(codec, inputFormat, threads, List.of(), KeepRawSelector.AUTO);
    }

    public CompressOptions(String codec, InputFormat inputFormat) {
        this(codec, inputFormat, defaultThreads());
    }

    public static CompressOptions defaults() {
        return new CompressOptions(Codecs.DEFAULT, InputFormat.AUTO);
    }

    public CompressOptions withCodec(String c) {
        return new CompressOptions(c, inputFormat, threads, keepRaw, minElements, sync);
    }

    public CompressOptions withInputFormat(InputFormat f) {
        return new CompressOptions(codec, f, threads, keepRaw, minElements, sync);
    }

    public CompressOptions withThreads(int n) {
        return new CompressOptions(codec, inputFormat, n, keepRaw, minElements, sync);
    }

    /** Adds {@code --keep-raw} regexes to those already set. */
    public CompressOptions withKeepRaw(List<String> regexes) {
        List<String> all = new ArrayList<>(keepRaw);
        all.addAll(regexes);
        return new CompressOptions(codec, inputFormat, threads, all, minElements, sync);
    }

    /** Sets the small-tensor threshold (0 off, {@link KeepRawSelector#AUTO} for the codec's default). */
    public CompressOptions withMinElements(long n) {
        return new CompressOptions(codec, inputFormat, threads, keepRaw, n, sync);
    }

    /** Sets whether the artifact is forced to disk before it is renamed into place. */
    public CompressOptions withSync(boolean s) {
        return new CompressOptions(codec, inputFormat, threads, keepRaw, minElements, s);
    }

    /** The per-tensor codec choice these options describe. */
    public CodecSelector selector() {
        return KeepRawSelector.of(Codecs.byName(codec), keepRaw, minElements);
    }

    /** The available processors. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }
}
