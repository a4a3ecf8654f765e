package dev.tenpak.internal.plan;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.internal.format.Inputs;
import dev.tenpak.options.BenchOptions;
import dev.tenpak.report.BenchReport;
import dev.tenpak.tensor.TensorSource;
import java.nio.file.Path;
import java.util.List;

/**
 * Measures every codec on one input: exact artifact size, error, and encode/decode throughput.
 * Throughput is the tensors' original bytes divided by the time spent inside the codec's
 * {@code encode} and {@code decode} (parsing the input and writing are not timed), taking for each
 * tensor the fastest of {@code repeats} runs so the first, cold run does not dominate. It is still
 * one process on whatever JIT state it reaches; treat the numbers as ratios between codecs measured
 * in the same run, not as a steady-state benchmark.
 *
 * <p>Each codec's artifact is also sized with the entropy stage ({@code compress --entropy auto}):
 * the stage's encode is not in the throughput, nor its decode (docs/PERFORMANCE.md has that cost).
 */
public final class Bench {
    private Bench() {}

    /** Benchmarks the options' codecs (all when none) on {@code input}, best of the options' repeats. */
    public static BenchReport run(Path input, BenchOptions options) {
        List<Codec> codecs = options.codecs().isEmpty()
                ? Codecs.all()
                : options.codecs().stream().map(Codecs::byName).distinct().toList();
        try (TensorSource source = Inputs.open(input, options.inputFormat())) {
            return run(source, codecs, options.repeats());
        }
    }

    public static BenchReport run(TensorSource source, List<Codec> codecs, int repeats) {
        if (repeats < 1 || repeats > 1000) {
            throw InvalidInputException.forOption("repeat", "repeat must be 1 to 1000, got " + repeats);
        }
        List<CodecSurvey.Totals> totals = CodecSurvey.run(source, codecs, repeats, true, (t, trials, stored) -> {});
        long tensorBytes = totals.isEmpty() ? 0 : totals.get(0).tensorBytes();
        long elements = totals.isEmpty() ? 0 : totals.get(0).elements();
        List<BenchReport.Row> rows = totals.stream()
                .map(c -> new BenchReport.Row(
                        c.codec(),
                        c.artifactBytes(),
                        c.ratio(),
                        c.bitsPerWeight(),
                        c.error().mse(),
                        c.error().mae(),
                        c.error().maxAbsError(),
                        mbps(c.tensorBytes(), c.encodeNanos()),
                        mbps(c.tensorBytes(), c.decodeNanos()),
                        c.entropyBitsPerWeight()))
                .toList();
        return new BenchReport(source.description(), tensorBytes, elements, rows);
    }

    private static double mbps(long bytes, long nanos) {
        return nanos <= 0 ? 0 : bytes / 1e6 / (nanos / 1e9);
    }
}
