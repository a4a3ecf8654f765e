package dev.tenpak.options;

import dev.tenpak.codec.Codecs;
import dev.tenpak.error.InvalidInputException;
import java.util.List;
import java.util.Objects;

/**
 * How to benchmark codecs on an input. Immutable; start from {@link #defaults()}.
 *
 * @param inputFormat how to read the input; {@link InputFormat#AUTO} detects it
 * @param codecs      registry names to measure; empty (the default) measures every registered codec
 * @param repeats     encodes and decodes per tensor and codec, 1 to 1000; the best time counts
 *                    (default 5)
 */
public record BenchOptions(InputFormat inputFormat, List<String> codecs, int repeats) {
    public BenchOptions {
        Objects.requireNonNull(inputFormat, "inputFormat");
        codecs = List.copyOf(codecs);
        codecs.forEach(Codecs::byName);
        if (repeats < 1 || repeats > 1000) {
            throw InvalidInputException.forOption("repeat", "repeat must be 1 to 1000, got " + repeats);
        }
    }

    public static BenchOptions defaults() {
        return new BenchOptions(InputFormat.AUTO, List.of(), 5);
    }

    public BenchOptions withInputFormat(InputFormat f) {
        return new BenchOptions(f, codecs, repeats);
    }

    public BenchOptions withCodecs(List<String> c) {
        return new BenchOptions(inputFormat, c, repeats);
    }

    public BenchOptions withRepeats(int n) {
        return new BenchOptions(inputFormat, codecs, n);
    }
}
