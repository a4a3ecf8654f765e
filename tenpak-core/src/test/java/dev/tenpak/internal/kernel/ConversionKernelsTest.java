package dev.tenpak.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vector conversions against the scalar specification: every one of the 65536 16-bit patterns
 * widened (BF16 and F16), floats narrowed (all 2^16 BF16-boundary neighbourhoods, ties, NaNs with
 * payloads, infinities, subnormals, random bits), at awkward lengths and unaligned offsets, with
 * exact bit equality. Also checks that FloatConversions uses the vector kernels in this JVM.
 */
class ConversionKernelsTest {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static ConversionKernels vector;
    private static final ConversionKernels scalar = ScalarConversionKernels.INSTANCE;

    @BeforeAll
    static void load() {
        vector = VectorConversionKernels.create();
    }

    @Test
    void theEngineUsesTheVectorKernelsWhenTheModuleIsPresent() {
        assertThat(ConversionKernels.get()).isInstanceOf(VectorConversionKernels.class);
        assertThat(ConversionKernels.get().description()).startsWith("vector(");
    }

    /** All 65536 patterns, shifted by {@code shift} bytes inside the segment. */
    private static MemorySegment allPatterns(Arena arena, int shift) {
        MemorySegment seg = arena.allocate(2L * 65536 + shift + 2);
        for (int i = 0; i < 65536; i++) {
            seg.set(I16, shift + 2L * i, (short) i);
        }
        return seg;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3})
    void widensEverySixteenBitPatternExactly(int shift) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = allPatterns(arena, shift);
            for (boolean bf16 : new boolean[] {true, false}) {
                float[] want = new float[65536 + 5];
                float[] got = new float[65536 + 5];
                if (bf16) {
                    scalar.bf16ToFloats(seg, shift, want, 5, 65536);
                    vector.bf16ToFloats(seg, shift, got, 5, 65536);
                } else {
                    scalar.f16ToFloats(seg, shift, want, 5, 65536);
                    vector.f16ToFloats(seg, shift, got, 5, 65536);
                }
                for (int i = 0; i < got.length; i++) {
                    assertThat(Float.floatToRawIntBits(got[i]))
                            .as("%s pattern %04x", bf16 ? "bf16" : "f16", i - 5)
                            .isEqualTo(Float.floatToRawIntBits(want[i]));
                }
                if (bf16) {
                    // the spec itself: the pattern is the top half of the float
                    assertThat(Float.floatToRawIntBits(got[5 + 0x3F80])).isEqualTo(0x3F80_0000);
                    assertThat(Float.floatToRawIntBits(got[5 + 0xFFFF])).isEqualTo(0xFFFF_0000);
                }
            }
        }
    }

    /** Floats that stress narrowing: each BF16 value's neighbourhood, ties, NaN payloads, extremes, random bits. */
    static float[] narrowingCases(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 65536 * 6 + 1000;
        float[] x = new float[n];
        int k = 0;
        for (int hi = 0; hi < 65536; hi++) {
            int base = hi << 16;
            x[k++] = Float.intBitsToFloat(base); // exact
            x[k++] = Float.intBitsToFloat(base | 0x7FFF); // just below the tie
            x[k++] = Float.intBitsToFloat(base | 0x8000); // tie: to even
            x[k++] = Float.intBitsToFloat(base | 0x8001); // just above the tie
            x[k++] = Float.intBitsToFloat(base | 0xFFFF); // rounds up (carries into the exponent at the top)
            x[k++] = Float.intBitsToFloat(base | (r.nextInt() & 0xFFFF));
        }
        float[] specials = {
            Float.NaN,
            Float.intBitsToFloat(0x7F80_0001),
            Float.intBitsToFloat(0xFF80_0001),
            Float.intBitsToFloat(0x7FC1_2345),
            Float.intBitsToFloat(0x7FFF_FFFF),
            Float.intBitsToFloat(0xFFFF_FFFF),
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            Float.MAX_VALUE,
            -Float.MAX_VALUE,
            Float.MIN_VALUE,
            -Float.MIN_VALUE,
            Float.MIN_NORMAL,
            0f,
            -0f,
            65504f,
            65520f,
            1e-8f,
            -6.1e-5f,
            5.9604645e-8f,
            2.9802322e-8f
        };
        for (float s : specials) {
            x[k++] = s;
        }
        while (k < n) {
            x[k++] = Float.intBitsToFloat(r.nextInt());
        }
        return x;
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 20261127L})
    void narrowsExactlyLikeTheSpecification(long seed) {
        System.out.println("ConversionKernelsTest seed " + seed);
        float[] x = narrowingCases(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (boolean bf16 : new boolean[] {true, false}) {
                MemorySegment want = arena.allocate(2L * x.length + 8);
                MemorySegment got = arena.allocate(2L * x.length + 8);
                if (bf16) {
                    scalar.floatsToBf16(x, 0, x.length, want, 3);
                    vector.floatsToBf16(x, 0, x.length, got, 3);
                } else {
                    scalar.floatsToF16(x, 0, x.length, want, 3);
                    vector.floatsToF16(x, 0, x.length, got, 3);
                }
                for (int i = 0; i < x.length; i++) {
                    short w = want.get(I16, 3 + 2L * i);
                    assertThat(got.get(I16, 3 + 2L * i))
                            .as("%s of %08x", bf16 ? "bf16" : "f16", Float.floatToRawIntBits(x[i]))
                            .isEqualTo(w);
                    if (bf16) {
                        assertThat(w).isEqualTo(FloatConversions.floatToBf16(x[i]));
                    } else {
                        assertThat(w).isEqualTo(Float.floatToFloat16(x[i]));
                    }
                }
                // nothing written outside the range
                assertThat(got.get(ValueLayout.JAVA_BYTE, 2)).isZero();
                assertThat(got.get(ValueLayout.JAVA_BYTE, 3 + 2L * x.length)).isZero();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 8, 15, 16, 17, 31, 33, 63, 65, 2047, 2048, 2049, 4097, 10_001})
    void awkwardLengthsAndOffsetsRoundTripLikeTheSpecification(int len) {
        SplittableRandom r = new SplittableRandom(len * 31L + 7);
        float[] x = new float[len + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 0.02);
        }
        try (Arena arena = Arena.ofConfined()) {
            for (DType dtype : new DType[] {DType.BF16, DType.F16}) {
                MemorySegment a = arena.allocate(2L * len + 16);
                MemorySegment b = arena.allocate(2L * len + 16);
                float[] wa = new float[len + 9];
                float[] wb = new float[len + 9];
                if (dtype == DType.BF16) {
                    scalar.floatsToBf16(x, 3, len, a, 5);
                    vector.floatsToBf16(x, 3, len, b, 5);
                    scalar.bf16ToFloats(a, 5, wa, 9, len);
                    vector.bf16ToFloats(b, 5, wb, 9, len);
                } else {
                    scalar.floatsToF16(x, 3, len, a, 5);
                    vector.floatsToF16(x, 3, len, b, 5);
                    scalar.f16ToFloats(a, 5, wa, 9, len);
                    vector.f16ToFloats(b, 5, wb, 9, len);
                }
                assertThat(b.asByteBuffer()).as(dtype + " bytes, len " + len).isEqualTo(a.asByteBuffer());
                assertThat(wb).as(dtype + " floats, len " + len).isEqualTo(wa);
                // FloatConversions goes through the same kernels at element offsets
                float[] viaFacade = new float[len];
                MemorySegment seg = arena.allocate(2L * (len + 2));
                FloatConversions.fromFloats(x, 3, len, seg, dtype, 2);
                FloatConversions.toFloats(seg, dtype, 2, viaFacade, 0, len);
                for (int i = 0; i < len; i++) {
                    assertThat(viaFacade[i]).isEqualTo(FloatConversions.read(seg, dtype, 2 + i));
                    assertThat(viaFacade[i]).isEqualTo(wa[9 + i]);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {3L, 99L})
    void roundingInPlaceEqualsNarrowingThenWidening(long seed) {
        System.out.println("ConversionKernelsTest seed " + seed);
        float[] x = narrowingCases(seed);
        for (DType dtype : new DType[] {DType.BF16, DType.F16}) {
            for (int[] window : new int[][] {{0, x.length}, {1, x.length - 1}, {5, 7}, {13, 33}, {0, 4097}}) {
                int off = window[0];
                int len = window[1];
                float[] viaVector = x.clone();
                float[] viaScalar = x.clone();
                float[] viaBuffer = new float[len];
                if (dtype == DType.BF16) {
                    vector.roundToBf16(viaVector, off, len);
                    scalar.roundToBf16(viaScalar, off, len);
                } else {
                    vector.roundToF16(viaVector, off, len);
                    scalar.roundToF16(viaScalar, off, len);
                }
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buf = arena.allocate(2L * len);
                    scalar.floatsToBf16(x, off, 0, buf, 0); // zero-length calls are no-ops
                    if (dtype == DType.BF16) {
                        scalar.floatsToBf16(x, off, len, buf, 0);
                        scalar.bf16ToFloats(buf, 0, viaBuffer, 0, len);
                    } else {
                        scalar.floatsToF16(x, off, len, buf, 0);
                        scalar.f16ToFloats(buf, 0, viaBuffer, 0, len);
                    }
                }
                for (int i = 0; i < x.length; i++) {
                    int want = Float.floatToRawIntBits(i >= off && i < off + len ? viaBuffer[i - off] : x[i]);
                    assertThat(Float.floatToRawIntBits(viaScalar[i]))
                            .as("%s scalar at %d", dtype, i)
                            .isEqualTo(want);
                    assertThat(Float.floatToRawIntBits(viaVector[i]))
                            .as("%s vector at %d", dtype, i)
                            .isEqualTo(want);
                }
                float[] viaFacade = x.clone();
                FloatConversions.roundTo(dtype, viaFacade, off, len);
                assertThat(viaFacade).isEqualTo(viaVector);
            }
        }
        float[] f32 = x.clone();
        FloatConversions.roundTo(DType.F32, f32, 0, f32.length);
        for (int i = 0; i < x.length; i++) {
            assertThat(Float.floatToRawIntBits(f32[i])).isEqualTo(Float.floatToRawIntBits(x[i]));
        }
    }
}
