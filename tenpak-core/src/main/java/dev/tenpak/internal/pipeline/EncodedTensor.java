package dev.tenpak.internal.pipeline;

import dev.tenpak.codec.Codec;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.internal.entropy.EntropyStage;
import dev.tenpak.internal.format.artifact.ArtifactFormat;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.internal.format.artifact.Checksums;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.report.ErrorMetrics;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A tensor after encoding and before it is written: the payload lives in the caller's arena. Kept
 * separate from writing so that encoding (and measuring) can run on several threads while the
 * writer appends payloads in order.
 */
public record EncodedTensor(String name, DType dtype, Shape shape, Codec codec, byte[] params, MemorySegment payload) {

    /**
     * Encodes {@code t} with {@code codec} into memory from {@code arena}. For {@code raw_v1} the
     * payload is a view of the tensor's own memory, which must stay valid until it is written.
     */
    public static EncodedTensor encode(Tensor t, Codec codec, Arena arena) {
        if (!codec.accepts(t.dtype())) {
            throw new InvalidInputException("tensor '" + t.name() + "': codec " + codec.name() + " cannot encode "
                    + t.dtype() + " tensors (use raw_v1)");
        }
        if (codec.storesInputBytes() && byteViewable(t.data())) {
            // raw_v1's payload is the tensor's own bytes: write them from where they are, no copy
            return new EncodedTensor(t.name(), t.dtype(), t.shape(), codec, new byte[0], t.data());
        }
        long size = codec.encodedSize(t.dtype(), t.shape());
        MemorySegment buf =
                arena.allocate(Math.max(size, 1), ArtifactFormat.ALIGNMENT).asSlice(0, size);
        Codec.Encoded enc = codec.encodeSized(t, buf);
        return new EncodedTensor(t.name(), t.dtype(), t.shape(), codec, enc.params(), buf.asSlice(0, enc.length()));
    }

    /**
     * Whether the writer (and the checksum) can read {@code data} as bytes in place: native and
     * mapped memory, or a {@code byte[]}. A tensor over a {@code float[]} (JSON bundles, the Python
     * bridge) has no byte-buffer view, so raw_v1 copies it into the arena instead.
     */
    static boolean byteViewable(MemorySegment data) {
        return data.isNative() || data.heapBase().orElse(null) instanceof byte[];
    }

    /**
     * Decodes the payload and compares it with {@code original}, as the user will see it: values are
     * rounded back to the original dtype (BF16, F16) before the comparison.
     */
    public ErrorMetrics measure(Tensor original) {
        long n = shape.elementCount();
        if (codec.lossless() || !dtype.isCompressible()) {
            return new ErrorMetrics(n, 0, 0, 0);
        }
        int chunk = (int) Math.min(n, 16L * Codec.RANGE_ALIGN);
        float[] want = new float[chunk];
        float[] got = new float[chunk];
        MemorySegment narrow = dtype == DType.F32 ? null : MemorySegment.ofArray(new short[chunk]);
        ErrorMetrics.Accumulator acc = new ErrorMetrics.Accumulator();
        for (long from = 0; from < n; from += chunk) {
            int len = (int) Math.min(chunk, n - from);
            FloatConversions.toFloats(original.data(), dtype, from, want, 0, len);
            codec.decodeFloats(dtype, shape, params, payload, from, got, 0, len);
            if (narrow != null) {
                FloatConversions.fromFloats(got, 0, len, narrow, dtype, 0);
                FloatConversions.toFloats(narrow, dtype, 0, got, 0, len);
            }
            acc.add(want, got, len);
        }
        return acc.result();
    }

    /** Appends this tensor to {@code writer}. */
    public TensorEntry writeTo(ArtifactWriter writer) {
        return writer.writeEncoded(name, dtype, shape, codec.name(), params, payload);
    }

    /**
     * Appends this tensor to {@code writer} through the entropy stage when its codec is lossy and
     * fixed-size (a variable-size codec's payload is entropy-coded already) and the stage makes the payload smaller (as compress with the stage on), else as it is. The
     * stage's bytes live in {@code arena}. A writer that cannot rewrite its preamble needs
     * {@link ArtifactWriter#allowStage()} first.
     */
    public TensorEntry writeToStaged(ArtifactWriter writer, Arena arena) {
        return writeStaged(writer, stage(arena));
    }

    /**
     * The payload through the entropy stage, in {@code arena}, when compress with the stage on would
     * store it so: the codec is lossy and fixed-size and the stage's bytes are fewer than the
     * payload's. Null when the payload is stored as it is.
     */
    public MemorySegment stage(Arena arena) {
        if (codec.lossless() || codec.variableSize() || payload.byteSize() == 0) {
            return null;
        }
        long max = EntropyStage.maxEncodedSize(payload.byteSize());
        MemorySegment buf = arena.allocate(max, ArtifactFormat.ALIGNMENT);
        long written = EntropyStage.encode(payload, buf);
        return written < 0 ? null : buf.asSlice(0, written);
    }

    /**
     * Appends this tensor to {@code writer} with {@code staged}, from {@link #stage}, as its stored
     * bytes; with null (the stage did not pay), its payload as it is.
     */
    public TensorEntry writeStaged(ArtifactWriter writer, MemorySegment staged) {
        if (staged == null) {
            return writeTo(writer);
        }
        return writer.writeEncoded(
                name,
                dtype,
                shape,
                codec.name(),
                params,
                staged,
                Checksums.crc32c(staged),
                ArtifactFormat.STAGE_ENTROPY);
    }

    /** Appends this tensor to {@code writer} with its payload's CRC32C already computed. */
    TensorEntry writeTo(ArtifactWriter writer, int crc32c) {
        return writer.writeEncoded(name, dtype, shape, codec.name(), params, payload, crc32c);
    }
}
