package dev.tenpak.internal.pipeline;

import dev.tenpak.codec.Codec;
import dev.tenpak.error.NonFiniteValueException;
import dev.tenpak.error.ValueOutOfRangeException;
import dev.tenpak.internal.codec.raw.RawCodec;
import dev.tenpak.internal.format.artifact.ArtifactFormat;
import dev.tenpak.report.ErrorMetrics;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * One encode and one decode of one tensor with one codec, timed, and the reconstruction error of
 * the decoded values (in the tensor's own dtype, as a user would load them) against the original.
 *
 * <p>A codec that cannot hold the tensor (a non-float dtype, or NaN/infinity for a lossy codec) is
 * replaced by {@code raw_v1} for that tensor, exactly as compress does for non-float tensors; then
 * {@link #fallback()} says why. The payload lives in the caller's arena; the decode buffer is freed
 * before {@link #run} returns.
 *
 * @param requested    the codec that was asked for
 * @param encoded      the payload actually produced (by {@code requested} or by raw_v1)
 * @param error        decoded against original; zero for lossless payloads
 * @param encodeNanos  time spent in {@link Codec#encode}
 * @param decodeNanos  time spent in {@link Codec#decode}
 * @param fallback     null, or why raw_v1 stands in for {@code requested}
 */
public record TensorTrial(
        Codec requested,
        EncodedTensor encoded,
        ErrorMetrics error,
        long encodeNanos,
        long decodeNanos,
        String fallback) {

    /** Encodes {@code t} with {@code codec} into {@code arena}, decodes it once and measures the error. */
    public static TensorTrial run(Tensor t, Codec codec, Arena arena) {
        return run(t, codec, arena, 1);
    }

    /**
     * As {@link #run(Tensor, Codec, Arena)}, but times {@code repeats} encodes and decodes (into the
     * same buffers) and keeps the fastest of each, for benchmarks.
     */
    public static TensorTrial run(Tensor t, Codec codec, Arena arena, int repeats) {
        // The same choice compress makes with this codec and default options (non-float tensors, and
        // for group-wise codecs 1-D and small tensors, stay raw), so a plan's sizes are compress's sizes.
        CodecSelector.Choice choice =
                KeepRawSelector.of(codec, List.of(), KeepRawSelector.AUTO).choose(t.name(), t.dtype(), t.shape());
        Codec used = choice.codec();
        String fallback = used == codec ? null : choice.reason();
        long t0 = System.nanoTime();
        EncodedTensor enc;
        try {
            enc = EncodedTensor.encode(t, used, arena);
        } catch (NonFiniteValueException e) {
            used = RawCodec.INSTANCE;
            fallback = "non-finite values (element " + e.index() + "); kept exact";
            t0 = System.nanoTime();
            enc = EncodedTensor.encode(t, used, arena);
        } catch (ValueOutOfRangeException e) {
            used = RawCodec.INSTANCE;
            fallback = "values beyond the codec's f16 scale range (element " + e.index() + "); kept exact";
            t0 = System.nanoTime();
            enc = EncodedTensor.encode(t, used, arena);
        }
        long encodeNanos = System.nanoTime() - t0;
        if (repeats > 1) {
            // raw_v1's payload is the tensor's own memory (a read-only mapping of the input for
            // safetensors), and a variable-size codec kept only the slice it wrote: repeat into a
            // scratch buffer with room for the largest payload, never into the input
            MemorySegment target = used.storesInputBytes() || used.variableSize()
                    ? arena.allocate(Math.max(1, used.encodedSize(t.dtype(), t.shape())), ArtifactFormat.ALIGNMENT)
                            .asSlice(0, used.encodedSize(t.dtype(), t.shape()))
                    : enc.payload();
            for (int i = 1; i < repeats; i++) {
                long r0 = System.nanoTime();
                used.encodeSized(t, target);
                encodeNanos = Math.min(encodeNanos, System.nanoTime() - r0);
            }
        }
        ErrorMetrics err;
        long decodeNanos;
        try (Arena scratch = Arena.ofConfined()) {
            long bytes = t.byteSize();
            MemorySegment dst = scratch.allocate(Math.max(1, bytes), ArtifactFormat.ALIGNMENT)
                    .asSlice(0, bytes);
            decodeNanos = Long.MAX_VALUE;
            for (int i = 0; i < Math.max(1, repeats); i++) {
                long d0 = System.nanoTime();
                used.decode(t.dtype(), t.shape(), enc.params(), enc.payload(), dst);
                decodeNanos = Math.min(decodeNanos, System.nanoTime() - d0);
            }
            err = used.lossless() || !t.dtype().isCompressible()
                    ? new ErrorMetrics(t.elementCount(), 0, 0, 0)
                    : compare(t, dst);
        }
        return new TensorTrial(codec, enc, err, encodeNanos, decodeNanos, fallback);
    }

    /** Error of {@code decoded} (same dtype and shape as {@code original}) against {@code original}. */
    static ErrorMetrics compare(Tensor original, MemorySegment decoded) {
        long n = original.elementCount();
        int chunk = (int) Math.min(n, 1L << 16);
        float[] want = new float[chunk];
        float[] got = new float[chunk];
        ErrorMetrics.Accumulator acc = new ErrorMetrics.Accumulator();
        for (long from = 0; from < n; from += chunk) {
            int len = (int) Math.min(chunk, n - from);
            FloatConversions.toFloats(original.data(), original.dtype(), from, want, 0, len);
            FloatConversions.toFloats(decoded, original.dtype(), from, got, 0, len);
            acc.add(want, got, len);
        }
        return acc.result();
    }

    /** The codec whose payload this is: {@code requested}, or raw_v1 after a fallback. */
    public String storedCodec() {
        return encoded.codec().name();
    }

    public long storedBytes() {
        return encoded.payload().byteSize();
    }
}
