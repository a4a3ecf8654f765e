package dev.tenpak.internal.codec.raw;

import dev.tenpak.codec.Codec;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * {@code raw_v1}: the tensor's bytes as they are, little-endian, in its own dtype. Lossless for
 * every dtype; no parameters. Used for tensors that must stay exact, for non-float tensors, and as
 * the baseline in plans and benchmarks.
 */
public final class RawCodec implements Codec {
    public static final RawCodec INSTANCE = new RawCodec();
    public static final String NAME = "raw_v1";

    private static final byte[] NO_PARAMS = new byte[0];

    private RawCodec() {}

    @Override
    public boolean storesInputBytes() {
        return true;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean lossless() {
        return true;
    }

    @Override
    public boolean accepts(DType dtype) {
        return true;
    }

    @Override
    public long encodedSize(DType dtype, Shape shape) {
        return dtype.byteSizeFor(shape.elementCount());
    }

    @Override
    public byte[] encode(Tensor tensor, MemorySegment dst) {
        MemorySegment.copy(tensor.data(), 0, dst, 0, tensor.byteSize());
        return NO_PARAMS;
    }

    @Override
    public String validate(DType dtype, Shape shape, byte[] params, long payloadLength) {
        if (params.length != 0) {
            return "raw_v1 takes no parameters, index has " + params.length + " bytes";
        }
        long expected = encodedSize(dtype, shape);
        return payloadLength == expected
                ? null
                : "raw_v1 payload of " + shape + " " + dtype + " must be " + expected + " bytes, index says "
                        + payloadLength;
    }

    @Override
    public void decodeFloats(
            DType dtype, Shape shape, byte[] params, MemorySegment payload, long from, float[] dst, int off, int len) {
        FloatConversions.toFloats(payload, dtype, from, dst, off, len);
    }

    @Override
    public void decode(DType dtype, Shape shape, byte[] params, MemorySegment payload, MemorySegment dst) {
        MemorySegment.copy(payload, 0, dst, 0, payload.byteSize());
    }
}
