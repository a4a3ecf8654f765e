package dev.tenpak.tensor;

import dev.tenpak.error.InvalidInputException;
import dev.tenpak.internal.kernel.ConversionKernels;
import dev.tenpak.internal.kernel.ScalarConversionKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Conversions between the compressible dtypes (F32, F16, BF16, little-endian in memory) and float.
 * Codecs work on float chunks; these move a chunk in or out of a tensor's own representation.
 *
 * <p>BF16 is the top half of an IEEE float: widening is exact; narrowing rounds to nearest, ties to
 * even, and keeps NaN a NaN. F16 uses {@link Float#float16ToFloat} / {@link Float#floatToFloat16}.
 */
public final class FloatConversions {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private FloatConversions() {}

    /** BF16 bits to float (exact). */
    public static float bf16ToFloat(short bits) {
        return ScalarConversionKernels.bf16ToFloat(bits);
    }

    /** Float to BF16 bits, nearest with ties to even; NaN stays NaN. */
    public static short floatToBf16(float f) {
        return ScalarConversionKernels.floatToBf16(f);
    }

    /** Element {@code i} of {@code src} (of type {@code dtype}) as a float. */
    public static float read(MemorySegment src, DType dtype, long i) {
        return switch (dtype) {
            case F32 -> src.getAtIndex(F32, i);
            case F16 -> Float.float16ToFloat(src.getAtIndex(I16, i));
            case BF16 -> bf16ToFloat(src.getAtIndex(I16, i));
            default -> throw notFloat(dtype);
        };
    }

    /**
     * Copies {@code len} elements starting at element {@code from} of {@code src} into {@code dst}.
     * BF16 and F16 go through {@link ConversionKernels} (vectorized where the JVM allows).
     */
    public static void toFloats(MemorySegment src, DType dtype, long from, float[] dst, int off, int len) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, F32, from * 4, dst, off, len);
            case F16 -> ConversionKernels.get().f16ToFloats(src, from * 2, dst, off, len);
            case BF16 -> ConversionKernels.get().bf16ToFloats(src, from * 2, dst, off, len);
            default -> throw notFloat(dtype);
        }
    }

    /** Writes {@code len} floats into {@code dst} (of type {@code dtype}) starting at element {@code at}. */
    public static void fromFloats(float[] src, int off, int len, MemorySegment dst, DType dtype, long at) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, off, dst, F32, at * 4, len);
            case F16 -> ConversionKernels.get().floatsToF16(src, off, len, dst, at * 2);
            case BF16 -> ConversionKernels.get().floatsToBf16(src, off, len, dst, at * 2);
            default -> throw notFloat(dtype);
        }
    }

    /**
     * Rounds {@code x[off .. off + len)} in place to what {@code dtype} can hold and back to float:
     * the same floats as {@link #fromFloats} into a {@code dtype} buffer then {@link #toFloats},
     * without the buffer. F32 leaves the values as they are.
     */
    public static void roundTo(DType dtype, float[] x, int off, int len) {
        switch (dtype) {
            case F32 -> {}
            case F16 -> ConversionKernels.get().roundToF16(x, off, len);
            case BF16 -> ConversionKernels.get().roundToBf16(x, off, len);
            default -> throw notFloat(dtype);
        }
    }

    private static InvalidInputException notFloat(DType dtype) {
        return new InvalidInputException(dtype + " is not a float type (F32, F16, BF16)");
    }
}
