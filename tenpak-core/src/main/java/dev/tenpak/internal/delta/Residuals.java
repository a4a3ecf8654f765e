package dev.tenpak.internal.delta;

import dev.tenpak.codec.Codec;
import dev.tenpak.internal.format.artifact.ArtifactFormat;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The element-wise arithmetic of deltas, in chunks so no tensor-sized float array is needed. The
 * delta command and materialize share {@link #apply} so that the error the delta command reports
 * for a residual tensor is exactly the error of the tensor materialize writes.
 */
final class Residuals {
    private static final int CHUNK = 1 << 16;

    private Residuals() {}

    /**
     * Mean absolute difference {@code (1/n) * sum |v_i - b_i|}, summed in double over the values as
     * floats (F16/BF16 widened). 0 for an empty tensor; NaN when any difference is not finite.
     */
    static double meanAbsDiff(Tensor v, Tensor b) {
        long n = v.elementCount();
        if (n == 0) {
            return 0;
        }
        float[] x = new float[(int) Math.min(n, CHUNK)];
        float[] y = new float[x.length];
        double sum = 0;
        for (long from = 0; from < n; from += CHUNK) {
            int len = (int) Math.min(CHUNK, n - from);
            FloatConversions.toFloats(v.data(), v.dtype(), from, x, 0, len);
            FloatConversions.toFloats(b.data(), b.dtype(), from, y, 0, len);
            for (int i = 0; i < len; i++) {
                double d = Math.abs((double) x[i] - y[i]);
                if (!Double.isFinite(d)) {
                    return Double.NaN;
                }
                sum += d;
            }
        }
        return sum / n;
    }

    /** {@code v - b} as an F32 tensor named like {@code v}, computed in float. */
    static Tensor difference(Tensor v, Tensor b, Arena arena) {
        long n = v.elementCount();
        MemorySegment out = alloc(arena, DType.F32.byteSizeFor(n));
        float[] x = new float[(int) Math.min(n, CHUNK)];
        float[] y = new float[x.length];
        for (long from = 0; from < n; from += CHUNK) {
            int len = (int) Math.min(CHUNK, n - from);
            FloatConversions.toFloats(v.data(), v.dtype(), from, x, 0, len);
            FloatConversions.toFloats(b.data(), b.dtype(), from, y, 0, len);
            for (int i = 0; i < len; i++) {
                x[i] -= y[i];
            }
            FloatConversions.fromFloats(x, 0, len, out, DType.F32, from);
        }
        return new Tensor(v.name(), DType.F32, v.shape(), out);
    }

    /**
     * {@code b + decode(residual)} in float, stored in {@code b}'s dtype: the tensor a residual-mode
     * delta entry stands for.
     */
    static Tensor apply(Tensor b, Codec codec, byte[] params, MemorySegment payload, Arena arena) {
        long n = b.elementCount();
        MemorySegment out = alloc(arena, b.byteSize());
        float[] x = new float[(int) Math.min(n, CHUNK)];
        float[] r = new float[x.length];
        for (long from = 0; from < n; from += CHUNK) {
            int len = (int) Math.min(CHUNK, n - from);
            FloatConversions.toFloats(b.data(), b.dtype(), from, x, 0, len);
            codec.decodeFloats(DType.F32, b.shape(), params, payload, from, r, 0, len);
            for (int i = 0; i < len; i++) {
                x[i] += r[i];
            }
            FloatConversions.fromFloats(x, 0, len, out, b.dtype(), from);
        }
        return new Tensor(b.name(), b.dtype(), b.shape(), out);
    }

    /**
     * {@code v XOR b} byte for byte, named and typed like {@code v}: the exact delta of two tensors of
     * one dtype and shape. XOR is its own inverse, so {@code xor(xor(v, b), b)} is {@code v} bit for
     * bit (NaN payloads and signed zeros included), and the bits a fine-tune did not touch are zero.
     */
    static Tensor xor(Tensor v, Tensor b, Arena arena) {
        long bytes = v.byteSize();
        if (b.byteSize() != bytes) {
            throw new IllegalArgumentException("xor of " + bytes + " and " + b.byteSize() + " bytes");
        }
        MemorySegment out = alloc(arena, bytes);
        MemorySegment x = v.data();
        MemorySegment y = b.data();
        long i = 0;
        for (; i + Long.BYTES <= bytes; i += Long.BYTES) {
            out.set(LONG, i, x.get(LONG, i) ^ y.get(LONG, i));
        }
        for (; i < bytes; i++) {
            out.set(ValueLayout.JAVA_BYTE, i, (byte)
                    (x.get(ValueLayout.JAVA_BYTE, i) ^ y.get(ValueLayout.JAVA_BYTE, i)));
        }
        return new Tensor(v.name(), v.dtype(), v.shape(), out);
    }

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    /**
     * The distance from {@code b} to {@code v} in units in the last place, per element, zigzag-coded
     * into the element's width: a float tensor of {@code v}'s dtype and shape whose bits are
     * {@code zigzag(order(v) - order(b)) mod 2^W}, where {@code order} maps a float's W bits to an
     * unsigned integer that grows with the value (negative floats: all bits but the sign flipped;
     * positive: the sign bit set). A small training step moves a weight by a few ULPs, which XOR would
     * turn into a run of flipped bits whenever it crosses a power-of-two boundary of the mantissa;
     * here it is a small number. Every map is a bijection on W-bit words, so {@link #unUlp} gives
     * {@code v} back bit for bit (NaN payloads and signed zeros too).
     */
    static boolean hasUlps(DType t) {
        return t.isCompressible() || t == DType.F64;
    }

    static Tensor ulp(Tensor v, Tensor b, Arena arena) {
        return words(v, b, arena, true);
    }

    /** The inverse of {@link #ulp}: {@code b} moved by the decoded ULP distances {@code z}. */
    static Tensor unUlp(Tensor z, Tensor b, Arena arena) {
        return words(z, b, arena, false);
    }

    private static Tensor words(Tensor x, Tensor b, Arena arena, boolean forward) {
        int width = x.dtype().byteSize();
        if (b.dtype() != x.dtype() || b.byteSize() != x.byteSize() || !hasUlps(x.dtype())) {
            throw new IllegalArgumentException("ulp distances need two float tensors of one dtype and size");
        }
        int bits = 8 * width;
        long mask = bits == 64 ? -1L : (1L << bits) - 1;
        long sign = 1L << (bits - 1);
        MemorySegment out = alloc(arena, x.byteSize());
        long n = x.elementCount();
        for (long i = 0; i < n; i++) {
            long at = i * width;
            long xb = word(x.data(), at, width);
            long ob = order(word(b.data(), at, width), sign, mask);
            long r;
            if (forward) {
                long d = ((order(xb, sign, mask) - ob) << (64 - bits)) >> (64 - bits); // signed W-bit difference
                r = ((d << 1) ^ (d >> 63)) & mask;
            } else {
                long d = (xb >>> 1) ^ -(xb & 1);
                r = unorder((ob + d) & mask, sign, mask);
            }
            putWord(out, at, width, r);
        }
        return new Tensor(x.name(), x.dtype(), x.shape(), out);
    }

    private static long order(long w, long sign, long mask) {
        return ((w & sign) != 0 ? w ^ (mask >>> 1) : w) ^ sign;
    }

    private static long unorder(long m, long sign, long mask) {
        return (m & sign) != 0 ? m ^ sign : m ^ sign ^ (mask >>> 1);
    }

    private static long word(MemorySegment s, long at, int width) {
        return switch (width) {
            case 2 -> s.get(U16, at) & 0xFFFFL;
            case 4 -> s.get(U32, at) & 0xFFFFFFFFL;
            default -> s.get(U64, at);
        };
    }

    private static void putWord(MemorySegment s, long at, int width, long w) {
        switch (width) {
            case 2 -> s.set(U16, at, (short) w);
            case 4 -> s.set(U32, at, (int) w);
            default -> s.set(U64, at, w);
        }
    }

    private static final ValueLayout.OfShort U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private static MemorySegment alloc(Arena arena, long bytes) {
        return arena.allocate(Math.max(1, bytes), ArtifactFormat.ALIGNMENT).asSlice(0, bytes);
    }
}
