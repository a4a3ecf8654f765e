package dev.tenpak.plan;

import dev.tenpak.codec.Codec;
import dev.tenpak.io.Inputs;
import dev.tenpak.tensor.TensorSource;
import java.nio.file.Path;
import java.util.List;

/**
 * Measures every codec on one input: exact artifact size, error, and encode/decode throughput.
 * Throughput is the tensors' original bytes divided by the time spent inside the codec's
 * {@code encode} and {@code decode} (parsing the input and writing are not timed). It is one run on
 * whatever JIT state the JVM is in, so small inputs understate steady-state speed; treat the
 * numbers as ratios between codecs measured in the same run.
 */
public final class Bench {
    private Bench() {}

    /** Benchmarks {@code codecs} (empty: every registered codec) on the input at {@code input}. */
    public static BenchReport run(Path input, Inputs.Format format, List<Codec> codecs) {
        try (TensorSource source = Inputs.open(input, format)) {
            return run(source, codecs);
        }
    }

    public static BenchReport run(TensorSource source, List<Codec> codecs) {
        List<CodecSurvey.Totals> totals = CodecSurvey.run(source, codecs, (t, trials) -> {});
        long tensorBytes = totals.isEmpty() ? 0 : totals.get(0).tensorBytes();
        long elements = totals.isEmpty() ? 0 : totals.get(0).elements();
        List<BenchReport.Row> rows = totals.stream().map(c -> new BenchReport.Row(c.codec(), c.artifactBytes(), c.ratio(),
                c.bitsPerWeight(), c.error().mse(), c.error().mae(), c.error().maxAbsError(),
                mbps(c.tensorBytes(), c.encodeNanos()), mbps(c.tensorBytes(), c.decodeNanos()))).toList();
        return new BenchReport(source.description(), tensorBytes, elements, rows);
    }

    private static double mbps(long bytes, long nanos) {
        return nanos <= 0 ? 0 : bytes / 1e6 / (nanos / 1e9);
    }
}
