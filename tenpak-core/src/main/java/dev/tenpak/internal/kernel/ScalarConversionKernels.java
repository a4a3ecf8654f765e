package dev.tenpak.internal.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Element-by-element conversions: the specification the vector conversions are tested against. */
public final class ScalarConversionKernels implements ConversionKernels {
    public static final ScalarConversionKernels INSTANCE = new ScalarConversionKernels();

    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ScalarConversionKernels() {}

    /** BF16 bits to float: BF16 is the top half of an IEEE float, so widening is exact. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Float to BF16 bits, rounding to nearest with ties to even; a NaN stays a (quiet) NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    @Override
    public void bf16ToFloats(MemorySegment src, long byteOffset, float[] dst, int off, int len) {
        for (int i = 0; i < len; i++) {
            dst[off + i] = bf16ToFloat(src.get(I16, byteOffset + 2L * i));
        }
    }

    @Override
    public void floatsToBf16(float[] src, int off, int len, MemorySegment dst, long byteOffset) {
        for (int i = 0; i < len; i++) {
            dst.set(I16, byteOffset + 2L * i, floatToBf16(src[off + i]));
        }
    }

    @Override
    public void f16ToFloats(MemorySegment src, long byteOffset, float[] dst, int off, int len) {
        for (int i = 0; i < len; i++) {
            dst[off + i] = Float.float16ToFloat(src.get(I16, byteOffset + 2L * i));
        }
    }

    @Override
    public void floatsToF16(float[] src, int off, int len, MemorySegment dst, long byteOffset) {
        for (int i = 0; i < len; i++) {
            dst.set(I16, byteOffset + 2L * i, Float.floatToFloat16(src[off + i]));
        }
    }

    @Override
    public void roundToBf16(float[] x, int off, int len) {
        for (int i = off; i < off + len; i++) {
            x[i] = bf16ToFloat(floatToBf16(x[i]));
        }
    }

    @Override
    public void roundToF16(float[] x, int off, int len) {
        for (int i = off; i < off + len; i++) {
            x[i] = Float.float16ToFloat(Float.floatToFloat16(x[i]));
        }
    }

    @Override
    public String description() {
        return "scalar";
    }
}
