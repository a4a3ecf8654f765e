package dev.tenpak.codec;

import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import java.lang.foreign.MemorySegment;

/**
 * A codec whose payload can be written chunk by chunk, in any order and on any thread, from floats
 * the caller has already converted: the compressor uses it to encode one large tensor on several
 * cores and to measure each chunk's error while the chunk is still in cache.
 *
 * <p>Contract: for a tensor where {@link #chunkable} is true, encoding every chunk
 * {@code [c * CHUNK, min(n, (c + 1) * CHUNK))} with {@link #encodeChunk} into a payload of
 * {@link Codec#encodedSize} bytes, whatever it held before (the compressor reuses buffers without
 * clearing them), with the parameters {@link #params} returns, gives exactly the bytes and
 * parameters of {@link Codec#encode} into a zeroed one. Chunks write disjoint bytes of the payload
 * and together every byte of it. When
 * {@link #needsMaxAbs} is true, the parameters depend on the largest magnitude of the whole tensor
 * (a per-tensor scale), which the caller computes first (and checks finite) in its own pass.
 */
public interface ChunkEncoder extends Codec {
    /** Elements per chunk: also the chunk of {@code EncodedTensor.measure}, so error sums match it. */
    int CHUNK = 16 * RANGE_ALIGN;

    /** Whether a tensor of this dtype and shape can be encoded by chunks. */
    boolean chunkable(DType dtype, Shape shape);

    /** Whether {@link #params} needs the largest {@code |x|} over the whole tensor. */
    boolean needsMaxAbs();

    /** The index parameters for a tensor whose largest magnitude is {@code maxAbs} (0 when not needed). */
    byte[] params(float maxAbs);

    /**
     * Encodes elements {@code [from, from + len)} of tensor {@code tensor}, given as
     * {@code x[0 .. len)}, into their bytes of {@code payload} (the whole payload).
     * {@code from} is a multiple of {@link #CHUNK}; {@code len} is {@link #CHUNK} except for the
     * last chunk. Throws the same typed errors as {@link Codec#encode} for the first element of the
     * chunk it cannot encode.
     */
    void encodeChunk(
            String tensor,
            DType dtype,
            Shape shape,
            byte[] params,
            float[] x,
            int len,
            long from,
            MemorySegment payload);
}
