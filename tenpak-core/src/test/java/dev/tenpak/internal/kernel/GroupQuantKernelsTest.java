package dev.tenpak.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The vector group kernels against the scalar specification: identical return values, scales,
 * codes and floats over awkward group sizes, group counts, offsets and value distributions.
 */
class GroupQuantKernelsTest {
    static final long SEED = 0x6A09E667F3BCC909L;
    static GroupQuantKernels vector;
    final GroupQuantKernels scalar = ScalarGroupQuantKernels.INSTANCE;

    @BeforeAll
    static void loadVector() {
        System.out.println("GroupQuantKernelsTest seed " + Long.toHexString(SEED) + ", kernels in use: "
                + GroupQuantKernels.get().description());
        vector = VectorGroupQuantKernels.create();
    }

    @Test
    void holderPicksTheVectorKernelsWhenTheModuleIsPresent() {
        // Surefire runs with --add-modules jdk.incubator.vector (parent pom); CPUs without 8/16 lanes fall back.
        assertThat(GroupQuantKernels.get().description()).startsWith("vector(");
    }

    enum Data {
        GAUSSIAN,
        TIES,
        ZEROS,
        TINY,
        SUBNORMAL_SCALE,
        HUGE,
        MIXED_SIGN_ZERO,
        NAN,
        INF,
        OVERFLOW
    }

    static float[] data(Data d, int n, SplittableRandom r) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (d) {
                case GAUSSIAN -> (float) (r.nextGaussian() * 0.02);
                // scale 1 exactly (max 7 or 127 present), values on half-integers: every rounding is a tie
                case TIES -> (float) (r.nextInt(-14, 15) * 0.5);
                case ZEROS -> 0f;
                case TINY -> (float) (r.nextGaussian() * 1e-8);
                case SUBNORMAL_SCALE -> (float) (r.nextGaussian() * 2e-6);
                case HUGE -> (float) (r.nextGaussian() * 3e4);
                case MIXED_SIGN_ZERO -> r.nextBoolean() ? -0f : (float) (r.nextInt(-3, 4) * 1e-3);
                case NAN, INF, OVERFLOW -> (float) r.nextGaussian();
            };
        }
        if (d == Data.TIES) {
            for (int i = 0; i < n; i += 32) {
                x[i] = 7f; // int4 scale becomes exactly 1
            }
        }
        if (n > 0 && (d == Data.NAN || d == Data.INF || d == Data.OVERFLOW)) {
            int at = r.nextInt(n);
            x[at] = d == Data.NAN ? Float.NaN : d == Data.INF ? Float.NEGATIVE_INFINITY : -1e7f * 127;
        }
        return x;
    }

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        int[] sizes = {1, 7, 8, 15, 16, 17, 31, 32, 33, 64, 100, 128, 4097};
        for (Data d : Data.values()) {
            for (int g : sizes) {
                b.add(Arguments.of(d, g, g > 1000 ? 2 : 9));
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} g={1} groups={2}")
    @MethodSource("cases")
    void quantizeGroupsMatchesScalar(Data d, int g, int groups) {
        SplittableRandom r = new SplittableRandom(SEED ^ (d.ordinal() * 31L + g));
        int off = 3;
        float[] x = new float[off + g * groups + 5];
        System.arraycopy(data(d, g * groups, r), 0, x, off, g * groups);
        for (int qmax : new int[] {127, 7}) {
            short[] s1 = new short[groups + 2];
            short[] s2 = new short[groups + 2];
            byte[] q1 = new byte[g * groups + 4];
            byte[] q2 = new byte[g * groups + 4];
            int r1 = scalar.quantizeGroups(x, off, groups, g, qmax, s1, 1, q1, 2);
            int r2 = vector.quantizeGroups(x, off, groups, g, qmax, s2, 1, q2, 2);
            assertThat(r2).as("status qmax=%d", qmax).isEqualTo(r1);
            assertThat(s2).isEqualTo(s1);
            assertThat(q2).isEqualTo(q1);
            if (r1 < 0) {
                float[] y1 = new float[off + g * groups];
                float[] y2 = new float[off + g * groups];
                scalar.dequantizeGroups(q1, 2, groups, g, s1, 1, y1, off);
                vector.dequantizeGroups(q1, 2, groups, g, s1, 1, y2, off);
                assertBitsEqual(y2, y1);
            }
        }
    }

    static Stream<Arguments> int4Cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (Data d : Data.values()) {
            for (int g : new int[] {32, 64, 128}) {
                b.add(Arguments.of(d, g, 65));
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} g={1} groups={2}")
    @MethodSource("int4Cases")
    void int4BlocksMatchScalar(Data d, int g, int groups) {
        SplittableRandom r = new SplittableRandom(SEED ^ (d.ordinal() * 131L + g));
        for (int count : new int[] {1, 7, 33, groups}) {
            int off = 5;
            float[] x = new float[off + g * count];
            System.arraycopy(data(d, g * count, r), 0, x, off, g * count);
            short[] s1 = new short[count];
            short[] s2 = new short[count];
            byte[] p1 = new byte[3 + g * count / 2];
            byte[] p2 = new byte[3 + g * count / 2];
            int r1 = scalar.quantizeGroupsInt4(x, off, count, g, s1, 0, p1, 3);
            int r2 = vector.quantizeGroupsInt4(x, off, count, g, s2, 0, p2, 3);
            assertThat(r2).isEqualTo(r1);
            assertThat(s2).isEqualTo(s1);
            assertThat(p2).isEqualTo(p1);
        }
    }

    @Test
    void decodingArbitraryCodesAndScalesMatchesScalar() {
        SplittableRandom r = new SplittableRandom(SEED);
        for (int g : new int[] {32, 64, 128}) {
            int groups = 41;
            byte[] packed = new byte[g * groups / 2 + 1];
            byte[] codes = new byte[g * groups + 1];
            short[] scales = new short[groups];
            r.nextBytes(packed);
            r.nextBytes(codes);
            for (int k = 0; k < groups; k++) {
                // any finite f16, subnormals and negative scales included
                int bits;
                do {
                    bits = r.nextInt(0x10000);
                } while ((bits & 0x7C00) == 0x7C00);
                scales[k] = (short) bits;
            }
            float[] y1 = new float[g * groups + 2];
            float[] y2 = new float[g * groups + 2];
            scalar.dequantizeGroupsInt4(packed, 1, groups, g, scales, 0, y1, 2);
            vector.dequantizeGroupsInt4(packed, 1, groups, g, scales, 0, y2, 2);
            assertBitsEqual(y2, y1);
            scalar.dequantizeGroups(codes, 1, groups, g, scales, 0, y1, 1);
            vector.dequantizeGroups(codes, 1, groups, g, scales, 0, y2, 1);
            assertBitsEqual(y2, y1);
        }
    }

    /**
     * The vector kernels compute 16 (or 8) scales at once on the float grid; every f16 value times Q,
     * its neighbours one float ulp away, the f16 midpoints times Q and a log-uniform sweep must give
     * the scalar rule's scale.
     */
    @Test
    void vectorScalesMatchTheScalarRuleEverywhere() {
        SplittableRandom r = new SplittableRandom(SEED + 2);
        int n = 0;
        float[] m = new float[4 * 0x7C00 * 3 + 400_000];
        for (int qmax : new int[] {7, 127}) {
            for (int b = 0; b < 0x7C00; b++) {
                float f = Float.float16ToFloat((short) b) * qmax;
                float mid = (Float.float16ToFloat((short) b) + Float.float16ToFloat((short) (b + 1))) / 2 * qmax;
                m[n++] = f;
                m[n++] = Math.nextUp(f);
                m[n++] = Math.nextDown(Math.abs(f));
                m[n++] = Math.abs(r.nextBoolean() ? mid : Math.nextUp(mid));
            }
        }
        while (n < m.length) {
            m[n++] = (float) Math.exp(r.nextDouble(-45, 16));
        }
        for (int qmax : new int[] {7, 127}) {
            for (int from = 0; from < m.length; from += 65536) {
                int len = Math.min(65536, m.length - from);
                float[] x = java.util.Arrays.copyOfRange(m, from, from + len);
                short[] s1 = new short[len];
                short[] s2 = new short[len];
                byte[] q1 = new byte[len];
                byte[] q2 = new byte[len];
                int r1 = scalar.quantizeGroups(x, 0, len, 1, qmax, s1, 0, q1, 0);
                int r2 = vector.quantizeGroups(x, 0, len, 1, qmax, s2, 0, q2, 0);
                assertThat(r2).isEqualTo(r1);
                int upTo = r1 < 0 ? len : r1;
                for (int i = 0; i < upTo; i++) {
                    if (s1[i] != s2[i] || q1[i] != q2[i]) {
                        throw new AssertionError("m=" + x[i] + " qmax=" + qmax + ": scalar scale "
                                + Integer.toHexString(s1[i]) + " vector " + Integer.toHexString(s2[i]));
                    }
                }
            }
        }
    }

    @Test
    void scaleRuleKeepsQTimesScaleAboveTheMaximum() {
        SplittableRandom r = new SplittableRandom(SEED + 1);
        for (int i = 0; i < 200_000; i++) {
            float m = (float) Math.exp(r.nextDouble(-40, 15));
            for (int q : new int[] {7, 127}) {
                short b = GroupScales.symmetric(m, q);
                if (m > 65504.0 * q) {
                    assertThat(b).isEqualTo(GroupScales.INVALID);
                    continue;
                }
                float s = Float.float16ToFloat(b);
                if (m <= GroupScales.ZERO_THRESHOLD) {
                    assertThat(s).isZero();
                } else if (b != GroupScales.INVALID) {
                    assertThat(s * q).as("m=%s q=%d", m, q).isGreaterThanOrEqualTo(m);
                    // never more than one f16 step above the smallest admissible scale
                    assertThat(Float.float16ToFloat((short) (b - 1)) * q).isLessThan(m);
                }
            }
        }
        assertThat(GroupScales.symmetric(Float.NaN, 7)).isEqualTo(GroupScales.INVALID);
        assertThat(GroupScales.symmetric(Float.POSITIVE_INFINITY, 127)).isEqualTo(GroupScales.INVALID);
        assertThat(GroupScales.symmetric(0f, 7)).isEqualTo((short) 0);
    }

    private static void assertBitsEqual(float[] actual, float[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(actual[i]) != Float.floatToIntBits(expected[i])) {
                throw new AssertionError("element " + i + ": " + actual[i] + " != " + expected[i]);
            }
        }
    }
}
