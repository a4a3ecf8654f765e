package dev.tenpak.artifact;

import dev.tenpak.codec.CodecSelector;
import dev.tenpak.codec.ErrorMetrics;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * The compress loop: for each tensor of a source, choose a codec, encode, measure the error against
 * the original, and append the payload to the writer. One tensor is in flight at a time, so memory
 * is bounded by the largest tensor plus its encoding.
 */
public final class Compressor {
    private Compressor() {}

    /** Streams {@code source} into {@code writer} (which the caller finishes). */
    public static List<TensorReport> compress(TensorSource source, ArtifactWriter writer, CodecSelector selector,
                                              ErrorMetrics.Accumulator total) {
        List<TensorReport> reports = new ArrayList<>();
        writer.metadata(source.metadata());
        for (Tensor t = source.next(); t != null; t = source.next()) {
            CodecSelector.Choice choice = selector.choose(t.name(), t.dtype(), t.shape());
            try (Arena arena = Arena.ofConfined()) {
                EncodedTensor enc = EncodedTensor.encode(t, choice.codec(), arena);
                ErrorMetrics err = enc.measure(t);
                TensorEntry e = enc.writeTo(writer);
                total.add(err);
                reports.add(new TensorReport(t.name(), t.dtype().name(), t.shape().dims(), e.codec(), choice.reason(),
                        t.byteSize(), e.length(), err));
            }
        }
        return reports;
    }
}
