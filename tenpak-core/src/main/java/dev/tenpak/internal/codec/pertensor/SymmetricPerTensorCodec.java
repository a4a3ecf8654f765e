package dev.tenpak.internal.codec.pertensor;

import dev.tenpak.codec.ChunkEncoder;
import dev.tenpak.codec.Codec;
import dev.tenpak.error.NonFiniteValueException;
import dev.tenpak.internal.kernel.QuantKernels;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Symmetric quantization with one scale for the whole tensor: {@code int8_sym_v1} and
 * {@code int4_sym_v1}, the original two codecs.
 *
 * <p>With {@code Q = 127} (int8) or {@code Q = 7} (int4) and {@code m = max|x|} over the tensor:
 * {@code scale = m / Q} as a float, or {@code 1.0} when {@code m == 0} (see {@link #scaleFor} for
 * the underflow and overflow edge cases); each value becomes
 * {@code q = clamp(rint(x / scale), -Q, Q)} where {@code rint} rounds half to even, and decodes to
 * {@code q * scale}. Because {@code |x / scale| <= Q} before rounding, the clamp only absorbs float
 * rounding and every element's error is at most {@code scale / 2} (plus one float ulp).
 *
 * <p>Parameters: the scale as a little-endian f32 (4 bytes). Payload: int8 stores one signed byte
 * per element; int4 packs two elements per byte, element {@code 2i} in the low nibble and
 * {@code 2i+1} in the high nibble, each as a 4-bit two's complement value; an odd count leaves the
 * last high nibble zero.
 */
public final class SymmetricPerTensorCodec implements ChunkEncoder {
    public static final SymmetricPerTensorCodec INT8 = new SymmetricPerTensorCodec("int8_sym_v1", 8);
    public static final SymmetricPerTensorCodec INT4 = new SymmetricPerTensorCodec("int4_sym_v1", 4);

    /** Payload bytes of one chunk, for decoding from off-heap or mapped payloads. */
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[CHUNK]);

    private final String name;
    private final int bits;
    private final int qmax;

    private SymmetricPerTensorCodec(String name, int bits) {
        this.name = name;
        this.bits = bits;
        this.qmax = bits == 8 ? 127 : 7;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean lossless() {
        return false;
    }

    @Override
    public boolean accepts(DType dtype) {
        return dtype.isCompressible();
    }

    /** The largest quantized magnitude: 127 or 7. */
    public int qmax() {
        return qmax;
    }

    @Override
    public long encodedSize(DType dtype, Shape shape) {
        long n = shape.elementCount();
        return bits == 8 ? n : (n + 1) / 2;
    }

    /**
     * The scale this codec uses for a tensor whose largest magnitude is {@code maxAbs}:
     * {@code maxAbs / Q} rounded to float, or 1.0 when {@code maxAbs == 0}. Two edge cases keep the
     * error bound, decoded values finite and artifacts readable (docs/FORMAT.md). A subnormal
     * quotient has few significant bits, so when it rounded down ({@code Q * scale < maxAbs}) it is
     * raised to the next float, which also turns an underflow to zero into {@link Float#MIN_VALUE}.
     * When {@code Q * scale} would round to infinity (values near {@link Float#MAX_VALUE}) the scale
     * is one ulp smaller. Neither case can occur for a scale of 2^-126 to 2^127 / Q.
     */
    public float scaleFor(float maxAbs) {
        if (maxAbs == 0f) {
            return 1f;
        }
        float scale = maxAbs / qmax;
        if (scale < Float.MIN_NORMAL && scale * qmax < maxAbs) {
            return Math.nextUp(scale);
        }
        return Float.isInfinite(scale * qmax) ? Math.nextDown(scale) : scale;
    }

    @Override
    public byte[] encode(Tensor tensor, MemorySegment dst) {
        QuantKernels k = QuantKernels.get();
        long n = tensor.elementCount();
        // An F32 tensor over a float[] (JSON bundles, the Python bridge) is read in place; anything
        // else (F16/BF16, mapped files) is converted chunk by chunk into a small buffer.
        float[] direct = tensor.dtype() == DType.F32 ? heapArray(tensor.data(), float[].class, 4) : null;
        int base = direct == null ? 0 : (int) (tensor.data().address() / 4);
        float[] buf = direct == null ? new float[(int) Math.min(n, CHUNK)] : null;

        float maxAbs = 0f;
        for (long from = 0; from < n; from += CHUNK) {
            int len = (int) Math.min(CHUNK, n - from);
            float[] src = direct != null ? direct : buf;
            int at = direct != null ? base + (int) from : 0;
            if (direct == null) {
                FloatConversions.toFloats(tensor.data(), tensor.dtype(), from, buf, 0, len);
            }
            float m = k.maxAbs(src, at, len);
            if (!(m <= Float.MAX_VALUE)) {
                throw nonFinite(tensor.name(), src, at, len, from);
            }
            maxAbs = Math.max(maxAbs, m);
        }
        float scale = scaleFor(maxAbs);

        byte[] directOut =
                dst.byteSize() >= encodedSize(tensor.dtype(), tensor.shape()) ? heapArray(dst, byte[].class, 1) : null;
        int outBase = directOut == null ? 0 : (int) dst.address();
        byte[] out = directOut != null
                ? null
                : new byte[(int) (bits == 8 ? Math.min(n, CHUNK) : (Math.min(n, CHUNK) + 1) / 2)];
        for (long from = 0; from < n; from += CHUNK) {
            int len = (int) Math.min(CHUNK, n - from);
            float[] src = direct != null ? direct : buf;
            int at = direct != null ? base + (int) from : 0;
            if (direct == null) {
                FloatConversions.toFloats(tensor.data(), tensor.dtype(), from, buf, 0, len);
            }
            long outAt = bits == 8 ? from : from / 2;
            int outLen = bits == 8 ? len : (len + 1) / 2;
            byte[] q = directOut != null ? directOut : out;
            int qoff = directOut != null ? outBase + (int) outAt : 0;
            if (bits == 8) {
                k.quantizeInt8(src, at, len, scale, q, qoff);
            } else {
                k.quantizeInt4(src, at, len, scale, q, qoff);
            }
            if (directOut == null) {
                MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, outAt, outLen);
            }
        }
        return ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(scale)
                .array();
    }

    @Override
    public boolean chunkable(DType dtype, Shape shape) {
        return accepts(dtype);
    }

    @Override
    public boolean needsMaxAbs() {
        return true;
    }

    /** The scale for {@code maxAbs} ({@link #scaleFor}) as the 4-byte little-endian parameter. */
    @Override
    public byte[] params(float maxAbs) {
        return ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(scaleFor(maxAbs))
                .array();
    }

    /** Quantizes the chunk with the scale in {@code params}; int4 chunks start at an even element, so bytes never overlap. */
    @Override
    public void encodeChunk(
            String tensor,
            DType dtype,
            Shape shape,
            byte[] params,
            float[] x,
            int len,
            long from,
            MemorySegment payload) {
        float scale = scaleOf(params);
        byte[] q = SCRATCH.get();
        QuantKernels k = QuantKernels.get();
        if (bits == 8) {
            k.quantizeInt8(x, 0, len, scale, q, 0);
            MemorySegment.copy(q, 0, payload, ValueLayout.JAVA_BYTE, from, len);
        } else {
            k.quantizeInt4(x, 0, len, scale, q, 0);
            MemorySegment.copy(q, 0, payload, ValueLayout.JAVA_BYTE, from / 2, (len + 1) / 2);
        }
    }

    /**
     * The array behind a writable heap segment when the kernels can use it in place: of the given
     * type, little-endian like the tensor layout (the platform order), and element-aligned.
     * Otherwise null, and the caller copies through a buffer.
     */
    private static <A> A heapArray(MemorySegment seg, Class<A> type, int elementSize) {
        if (seg.isReadOnly() || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            return null;
        }
        Object base = seg.heapBase().orElse(null);
        return type.isInstance(base) && seg.address() % elementSize == 0 ? type.cast(base) : null;
    }

    private static NonFiniteValueException nonFinite(String tensor, float[] buf, int at, int len, long from) {
        for (int i = 0; i < len; i++) {
            if (!Float.isFinite(buf[at + i])) {
                return new NonFiniteValueException(tensor, from + i, buf[at + i]);
            }
        }
        throw new IllegalStateException("maxAbs reported a non-finite value but none was found");
    }

    /** Reads the scale from the parameters stored in the index. */
    public static float scaleOf(byte[] params) {
        return ByteBuffer.wrap(params).order(ByteOrder.LITTLE_ENDIAN).getFloat(0);
    }

    @Override
    public String validate(DType dtype, Shape shape, byte[] params, long payloadLength) {
        if (!accepts(dtype)) {
            return name + " cannot hold " + dtype + " tensors";
        }
        if (params.length != 4) {
            return name + " parameters must be 4 bytes (f32 scale), index has " + params.length;
        }
        float scale = scaleOf(params);
        if (!(scale > 0f && scale <= Float.MAX_VALUE)) {
            return name + " scale must be positive and finite, index has " + scale;
        }
        long expected = encodedSize(dtype, shape);
        return payloadLength == expected
                ? null
                : name + " payload of " + shape + " must be " + expected + " bytes, index says " + payloadLength;
    }

    @Override
    public void decodeFloats(
            DType dtype, Shape shape, byte[] params, MemorySegment payload, long from, float[] dst, int off, int len) {
        QuantKernels k = QuantKernels.get();
        float scale = scaleOf(params);
        // A payload over a writable byte[] is decoded in place; a mapped, off-heap or read-only one
        // is copied chunk by chunk into this thread's scratch buffer (no allocation per call).
        long end = from + len;
        // Only in bounds: a short payload keeps failing in MemorySegment.copy as before.
        byte[] direct =
                payload.byteSize() >= (bits == 8 ? end : (end + 1) / 2) ? heapArray(payload, byte[].class, 1) : null;
        int base = direct == null ? 0 : (int) payload.address();
        byte[] in = direct != null ? null : SCRATCH.get();
        for (int done = 0; done < len; ) {
            int step = Math.min(CHUNK, len - done);
            long at = from + done;
            if (bits == 8) {
                if (direct != null) {
                    k.dequantizeInt8(direct, base + (int) at, step, scale, dst, off + done);
                } else {
                    MemorySegment.copy(payload, ValueLayout.JAVA_BYTE, at, in, 0, step);
                    k.dequantizeInt8(in, 0, step, scale, dst, off + done);
                }
            } else {
                if (direct != null) {
                    k.dequantizeInt4(direct, base + (int) (at / 2), step, scale, dst, off + done);
                } else {
                    MemorySegment.copy(payload, ValueLayout.JAVA_BYTE, at / 2, in, 0, (step + 1) / 2);
                    k.dequantizeInt4(in, 0, step, scale, dst, off + done);
                }
            }
            done += step;
        }
    }

    /** Decodes straight into the array of a heap F32 destination; otherwise as {@link Codec#decode}. */
    @Override
    public void decode(DType dtype, Shape shape, byte[] params, MemorySegment payload, MemorySegment dst) {
        float[] direct = dtype == DType.F32 ? heapArray(dst, float[].class, 4) : null;
        if (direct == null) {
            ChunkEncoder.super.decode(dtype, shape, params, payload, dst);
            return;
        }
        long n = shape.elementCount();
        int base = (int) (dst.address() / 4);
        for (long from = 0; from < n; from += CHUNK) {
            int len = (int) Math.min(CHUNK, n - from);
            decodeFloats(dtype, shape, params, payload, from, direct, base + (int) from, len);
        }
    }
}
