package dev.tenpak.codec;

import dev.tenpak.error.InvalidInputException;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * A named, versioned way of turning one tensor into a payload and back. Codecs are stateless and
 * thread-safe. Callers own all memory: {@link #encode} writes into a segment of exactly
 * {@link #encodedSize} bytes, and decoding writes into caller-provided arrays or segments, so the
 * hot path allocates nothing per call (the shape of aircompressor's {@code Compressor}).
 *
 * <p>Per-tensor parameters that are not part of the payload (a per-tensor scale, for instance) are
 * returned by {@link #encode} as a small byte array that the artifact index stores next to the
 * payload; docs/FORMAT.md gives each codec's parameter and payload layout.
 */
public interface Codec {
    /** {@link #decodeFloats} ranges start at a multiple of this many elements. */
    int RANGE_ALIGN = 4096;

    /** The registry name, e.g. {@code int8_sym_v1}; the suffix is the codec's own version. */
    String name();

    /** True when decoding gives back the input bit for bit. */
    boolean lossless();

    /** Whether this codec can encode tensors of {@code dtype}. */
    boolean accepts(DType dtype);

    /**
     * The exact payload size for a tensor of this dtype and shape; for a {@link #variableSize} codec,
     * the most it can take (the size of the segment {@link #encodeSized} is given).
     */
    long encodedSize(DType dtype, Shape shape);

    /**
     * True when the payload size depends on the values (an entropy-coded codec): the writer then
     * encodes with {@link #encodeSized} into {@link #encodedSize} bytes and keeps the first
     * {@link Encoded#length} of them. {@link #encode} of such a codec refuses to run.
     */
    default boolean variableSize() {
        return false;
    }

    /**
     * What {@link #encodeSized} produced.
     *
     * @param params the per-tensor parameters to store in the index
     * @param length the payload's bytes, the first {@code length} of the segment given
     */
    record Encoded(byte[] params, long length) {}

    /**
     * Encodes {@code tensor} into {@code dst} ({@link #encodedSize} bytes) and says how many of them
     * the payload took: all of them for a fixed-size codec.
     */
    default Encoded encodeSized(Tensor tensor, MemorySegment dst) {
        return new Encoded(encode(tensor, dst), dst.byteSize());
    }

    /**
     * Encodes {@code tensor} into {@code dst} ({@link #encodedSize} bytes) and returns the
     * per-tensor parameters to store in the index.
     *
     * @throws dev.tenpak.error.NonFiniteValueException if a lossy codec meets NaN or an infinity
     */
    byte[] encode(Tensor tensor, MemorySegment dst);

    /**
     * Checks parameters and payload length read from an artifact before anything is decoded.
     *
     * @return null when they are consistent, otherwise the reason they are not
     */
    String validate(DType dtype, Shape shape, byte[] params, long payloadLength);

    /**
     * Decodes elements {@code [from, from + len)} as floats into {@code dst[off..]}. {@code from}
     * is a multiple of {@link #RANGE_ALIGN}. Only for float dtypes.
     */
    void decodeFloats(
            DType dtype, Shape shape, byte[] params, MemorySegment payload, long from, float[] dst, int off, int len);

    /**
     * Decodes the whole tensor into {@code dst} in its original dtype ({@code dtype.byteSizeFor(n)}
     * bytes). Lossy codecs round the decoded floats to F16/BF16 when that was the original type.
     */
    default void decode(DType dtype, Shape shape, byte[] params, MemorySegment payload, MemorySegment dst) {
        long n = shape.elementCount();
        float[] buf = new float[(int) Math.min(n, 16 * RANGE_ALIGN)];
        for (long from = 0; from < n; from += buf.length) {
            int len = (int) Math.min(buf.length, n - from);
            decodeFloats(dtype, shape, params, payload, from, buf, 0, len);
            FloatConversions.fromFloats(buf, 0, len, dst, dtype, from);
        }
    }

    /**
     * True when the payload is the tensor's own bytes, unchanged ({@code raw_v1}): the pipeline then
     * writes them from where they are, without a copy.
     */
    default boolean storesInputBytes() {
        return false;
    }

    /**
     * The small-tensor threshold this codec asks for when the user leaves it to the codec: tensors
     * under this many elements, and every 0-D and 1-D tensor, stay {@code raw_v1}. Group-wise and
     * grid ({@code kq*}, {@code int4_sym16_g32_v1}) and entropy-coded ({@code ecq*}) codecs answer 4096 (a group's scale costs as
     * much as the values it saves on small tensors, and biases and norms are where the error
     * shows); 0 turns the rule off.
     */
    default long defaultMinElements() {
        return 0;
    }

    /** Payload bits per element for a tensor of this shape (parameters in the index not counted). */
    default double bitsPerWeight(DType dtype, Shape shape) {
        long n = shape.elementCount();
        return n == 0 ? 0 : encodedSize(dtype, shape) * 8.0 / n;
    }

    /**
     * {@link #validate} for a codec whose payload is exactly {@link #encodedSize} bytes and whose
     * index entry carries no parameters (scales live in the payload): the dtype must be accepted,
     * the parameters empty and the length exact. Returns null or the reason, naming the codec.
     */
    static String validateFixedSize(Codec codec, DType dtype, Shape shape, byte[] params, long payloadLength) {
        if (!codec.accepts(dtype)) {
            return codec.name() + " cannot hold " + dtype + " tensors";
        }
        if (params.length != 0) {
            return codec.name() + " takes no index parameters (scales are in the payload), index has " + params.length
                    + " bytes";
        }
        long expected;
        try {
            expected = codec.encodedSize(dtype, shape);
        } catch (InvalidInputException e) {
            return e.getMessage();
        }
        return payloadLength == expected
                ? null
                : codec.name() + " payload of " + shape + " must be " + expected + " bytes, index says "
                        + payloadLength;
    }
}
