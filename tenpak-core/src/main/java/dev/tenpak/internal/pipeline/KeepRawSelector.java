package dev.tenpak.internal.pipeline;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.internal.codec.raw.RawCodec;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What to quantize, like llama.cpp: one codec for the weights, {@code raw_v1} for the tensors where
 * quantizing saves almost nothing and can cost a lot.
 *
 * <p>In order, a tensor stays {@code raw_v1} when: its dtype is not a float type; its name matches one
 * of the keep-raw patterns ({@link java.util.regex.Matcher#find()}: anywhere in the name, anchor
 * with {@code ^...$}); or the small-tensor rule is on ({@code minElements > 0}) and it is 1-D or a
 * scalar (biases, LayerNorm weights: few bytes, and their error shifts every activation) or has fewer
 * than {@code minElements} elements. Otherwise it gets the codec.
 *
 * <p>The small-tensor rule defaults ({@link CompressOptions#AUTO_MIN_ELEMENTS}) to the codec's own threshold, {@link Codec#defaultMinElements()}: on with 4096
 * elements for the group-wise codecs and off for the per-tensor codecs {@code int8_sym_v1} and
 * {@code int4_sym_v1}, whose seed behaviour (every float tensor quantized, biases included) is kept.
 * Each choice carries the reason printed in the compress report.
 */
public final class KeepRawSelector implements CodecSelector {
    /**
     * {@code minElements} value meaning: the codec's own default ({@code Codec.defaultMinElements()}:
     * 4096 for the group-wise and grid codecs, 0 (off) for the others).
     */
    /** Same as {@link CompressOptions#AUTO_MIN_ELEMENTS}. */
    public static final long AUTO = CompressOptions.AUTO_MIN_ELEMENTS;

    private final Codec codec;
    private final List<Pattern> keepRaw;
    private final long minElements;

    private KeepRawSelector(Codec codec, List<Pattern> keepRaw, long minElements) {
        this.codec = codec;
        this.keepRaw = keepRaw;
        this.minElements = minElements;
    }

    /**
     * @param regexes     names matching any of these stay raw
     * @param minElements 0 = small-tensor rule off; {@code N > 0} = 1-D tensors and tensors with fewer
     *                    than N elements stay raw; {@link #AUTO} = {@link #defaultMinElements(Codec)}
     * @throws InvalidInputException for a bad regex or a negative threshold other than AUTO
     */
    /** The selector the compress options describe: their codec, keep-raw patterns and threshold. */
    public static KeepRawSelector of(CompressOptions options) {
        return of(Codecs.byName(options.codec()), options.keepRaw(), options.minElements());
    }

    public static KeepRawSelector of(Codec codec, List<String> regexes, long minElements) {
        return new KeepRawSelector(codec, compile(regexes), resolve(codec, minElements));
    }

    /** Compiles keep-raw patterns, failing with the pattern named. */
    public static List<Pattern> compile(List<String> regexes) {
        List<Pattern> out = new ArrayList<>();
        for (String r : regexes) {
            try {
                out.add(Pattern.compile(r));
            } catch (PatternSyntaxException e) {
                throw InvalidInputException.forOption(
                        "keep-raw",
                        "keep-raw pattern '" + r + "' is not a valid regular expression: " + e.getDescription());
            }
        }
        return List.copyOf(out);
    }

    /** The small-tensor threshold used when none is given: the codec's {@code defaultMinElements()}. */
    public static long defaultMinElements(Codec codec) {
        return codec.defaultMinElements();
    }

    private static long resolve(Codec codec, long minElements) {
        if (minElements == AUTO) {
            return defaultMinElements(codec);
        }
        if (minElements < 0) {
            throw InvalidInputException.forOption("min-elements", "min-elements must be >= 0, got " + minElements);
        }
        return minElements;
    }

    /** The threshold in force (0 when the small-tensor rule is off). */
    public long minElements() {
        return minElements;
    }

    @Override
    public Choice choose(String name, DType dtype, Shape shape) {
        if (!codec.accepts(dtype)) {
            return new Choice(RawCodec.INSTANCE, dtype + " is not a float type; kept exact");
        }
        if (codec.lossless()) {
            return new Choice(codec, "requested");
        }
        for (Pattern p : keepRaw) {
            if (p.matcher(name).find()) {
                return new Choice(RawCodec.INSTANCE, "matches keep-raw pattern '" + p.pattern() + "'; kept exact");
            }
        }
        if (minElements > 0) {
            if (shape.rank() <= 1) {
                return new Choice(
                        RawCodec.INSTANCE,
                        (shape.rank() == 0 ? "scalar" : "1-D tensor (bias or norm)") + "; kept exact");
            }
            if (shape.elementCount() < minElements) {
                return new Choice(
                        RawCodec.INSTANCE,
                        shape.elementCount() + " elements < min-elements " + minElements + "; kept exact");
            }
        }
        return new Choice(codec, "requested");
    }
}
