package dev.tenpak.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The vector kernels against the scalar specification: exact equality of bytes and float bits over
 * awkward lengths (below, at and across vector widths, with scalar tails), non-zero offsets,
 * boundary values and seeded Gaussian data; NaN/Inf detection in maxAbs; and, in child JVMs, the
 * same codec output with the vector module absent, with {@code -Dtenpak.vector=false} and with
 * 256-bit vectors.
 */
class VectorKernelsTest {
    static final int[] SIZES = {0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 4097, 100_003};
    static final int[] OFFSETS = {0, 1, 3, 17};
    static final float[] SCALES = {0.25f, 1f, 0.02f / 127, 0.02f / 7, 3.3e-5f, Float.MIN_NORMAL, 1e-44f, 1e30f};

    static final long SEED = Long.getLong("tenpak.test.seed", System.nanoTime());
    static QuantKernels vector;
    static final QuantKernels scalar = ScalarQuantKernels.INSTANCE;

    @BeforeAll
    static void load() {
        System.out.println("VectorKernelsTest seed=" + SEED + " (rerun with -Dtenpak.test.seed=" + SEED + ")");
        vector = VectorQuantKernels.create();
    }

    /**
     * Values where rounding or clamping could go wrong, for a data set of magnitude about {@code m}:
     * exact .5 ties for power-of-two scales, values just inside and just over the int8/int4 clamps,
     * subnormals, signed zeros, huge values, infinities and NaNs (quiet, negative, with payload).
     */
    static float[] specials(float m) {
        List<Float> v = new ArrayList<>();
        for (float scale : new float[] {0.25f, m / 127, m / 7}) {
            for (int k = -8; k <= 8; k++) {
                v.add((k + 0.5f) * scale);
                v.add(Math.nextUp((k + 0.5f) * scale));
                v.add(Math.nextDown((k + 0.5f) * scale));
            }
            for (float q : new float[] {127f, 7f}) {
                v.add(q * scale);
                v.add(-q * scale);
                v.add(Math.nextUp(q * scale));
                v.add(Math.nextDown(-q * scale));
                v.add((q + 0.5f) * scale);
                v.add(-(q + 0.5f) * scale);
                v.add((q + 0.49f) * scale);
                v.add(2 * q * scale);
            }
        }
        v.addAll(List.of(
                0f,
                -0f,
                Float.MIN_VALUE,
                -Float.MIN_VALUE,
                1e-40f,
                -1e-40f,
                Float.MIN_NORMAL,
                Float.MAX_VALUE,
                -Float.MAX_VALUE,
                1e30f,
                -1e30f,
                0.5f,
                1.5f,
                -2.5f,
                2.5f,
                -0.5f,
                Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY,
                Float.NaN,
                Float.intBitsToFloat(0xFFC0_0000),
                Float.intBitsToFloat(0x7F80_0001),
                Float.intBitsToFloat(0xFFBF_FFFF)));
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }

    static Stream<Arguments> sizesAndOffsets() {
        return Arrays.stream(SIZES).boxed().flatMap(n -> Arrays.stream(OFFSETS).mapToObj(o -> Arguments.of(n, o)));
    }

    /** Gaussian (std 0.02, like real weights) with the special values sprinkled at random places. */
    static float[] input(int n, int off, long seed, boolean withNonFinite) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[off + n + 5];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 0.02);
        }
        float[] s = specials(0.02f);
        for (int i = 0; i < s.length && n > 0; i++) {
            if (withNonFinite || Float.isFinite(s[i])) {
                x[off + r.nextInt(n)] = s[i];
            }
        }
        return x;
    }

    @Test
    void theHolderLoadsTheVectorKernelsByName() {
        // Surefire runs with --add-modules jdk.incubator.vector (tenpak.jvm.flags in the parent pom).
        assertThat(QuantKernels.get()).isInstanceOf(VectorQuantKernels.class);
        assertThat(QuantKernels.get().description()).startsWith("vector(");
    }

    @ParameterizedTest(name = "n={0} off={1}")
    @MethodSource("sizesAndOffsets")
    void int8MatchesScalarExactly(int n, int off) {
        float[] x = input(n, off, SEED + n * 31L + off, true);
        for (float scale : SCALES) {
            byte[] want = filled(off + n + 3);
            byte[] got = filled(off + n + 3);
            scalar.quantizeInt8(x, off, n, scale, want, off);
            vector.quantizeInt8(x, off, n, scale, got, off);
            assertThat(got)
                    .as("int8 bytes, n=%d off=%d scale=%s", n, off, scale)
                    .isEqualTo(want);

            float[] a = new float[off + n + 3];
            float[] b = new float[off + n + 3];
            Arrays.fill(a, -9f);
            Arrays.fill(b, -9f);
            scalar.dequantizeInt8(want, off, n, scale, a, off);
            vector.dequantizeInt8(want, off, n, scale, b, off);
            assertSameBits(b, a, "int8 decode n=" + n + " off=" + off + " scale=" + scale);
        }
    }

    /**
     * Steps of the {@code ecq*} codecs' direct codes: power-of-two steps put exact ties on the edges
     * of the direct range ({@code -64.5} and {@code 63.5} steps), a huge step puts those edges
     * around {@code 2^126} (the magnitude from which the codec's own rules take over), the smallest
     * step makes every non-zero value an escape.
     */
    static final float[] STEPS = {0.25f, 1f, 0.02f * 0.9f / 4, 0.02f / 64, 3.3e-5f, Float.MIN_VALUE, 0x1p120f, 0x1p121f
    };

    /** Finite values at and around every tie {@code (k + 0.5) step} and edge of the direct range. */
    static float[] directEdges(float step) {
        List<Float> v = new ArrayList<>();
        for (int k = -70; k <= 70; k++) {
            float t = (k + 0.5f) * step;
            v.add(t);
            v.add(Math.nextUp(t));
            v.add(Math.nextDown(t));
            v.add(k * step);
        }
        v.addAll(List.of(0x1p126f, -0x1p126f, Math.nextUp(0x1p126f), Math.nextDown(-0x1p126f), Float.MAX_VALUE));
        v.removeIf(f -> !Float.isFinite(f));
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }

    @ParameterizedTest(name = "n={0} off={1}")
    @MethodSource("sizesAndOffsets")
    void directCodesMatchScalarExactly(int n, int off) {
        for (float step : STEPS) {
            float[] x = input(n, off, SEED + n * 41L + off, false);
            SplittableRandom r = new SplittableRandom(SEED + n);
            float[] edges = directEdges(step);
            for (int i = 0; i < n; i += 1 + r.nextInt(3)) { // most elements of the run on an edge
                x[off + i] = edges[r.nextInt(edges.length)];
            }
            byte[] want = filled(off + n + 3);
            byte[] got = filled(off + n + 3);
            int escapesWant = scalar.directCodes(x, off, n, step, want, off);
            int escapesGot = vector.directCodes(x, off, n, step, got, off);
            assertThat(got)
                    .as("direct codes, n=%d off=%d step=%s", n, off, step)
                    .isEqualTo(want);
            assertThat(escapesGot)
                    .as("escapes, n=%d off=%d step=%s", n, off, step)
                    .isEqualTo(escapesWant);
        }
    }

    @Test
    void directCodesFollowTheirDefinition() {
        float step = 0.5f;
        float[] x = {0f, -0f, 0.25f, 0.75f, -0.25f, -0.75f, 31.75f, 31.76f, -32.25f, -32.26f, 0x1p127f, 1e-45f};
        byte[] sym = new byte[x.length];
        int escapes = vector.directCodes(x, 0, x.length, step, sym, 0);
        // q = rint(x / 0.5): 0, 0, 0 (tie to even), 2 (tie to even), 0, -2, 64 (tie: even), 64, -64
        // (tie: even), -65, huge, 0; zigzag 0, 0, 0, 4, 0, 3, 128 -> escape, escape, 127, 129 ->
        // escape, |x| > 2^126 -> escape, 0
        byte e = (byte) 0xFF;
        assertThat(sym).containsExactly(0, 0, 0, 4, 0, 3, e, e, 127, e, e, 0);
        assertThat(escapes).isEqualTo(4);
        assertThat(scalar.directCodes(x, 0, x.length, step, new byte[x.length], 0))
                .isEqualTo(4);
    }

    @ParameterizedTest(name = "n={0} off={1}")
    @MethodSource("sizesAndOffsets")
    void int4MatchesScalarExactly(int n, int off) {
        float[] x = input(n, off, SEED + n * 37L + off, true);
        int poff = off / 2 + 1;
        for (float scale : SCALES) {
            byte[] want = filled(poff + (n + 1) / 2 + 3);
            byte[] got = filled(poff + (n + 1) / 2 + 3);
            scalar.quantizeInt4(x, off, n, scale, want, poff);
            vector.quantizeInt4(x, off, n, scale, got, poff);
            assertThat(got)
                    .as("int4 bytes, n=%d off=%d scale=%s", n, off, scale)
                    .isEqualTo(want);

            float[] a = new float[off + n + 3];
            float[] b = new float[off + n + 3];
            Arrays.fill(a, -9f);
            Arrays.fill(b, -9f);
            scalar.dequantizeInt4(want, poff, n, scale, a, off);
            vector.dequantizeInt4(want, poff, n, scale, b, off);
            assertSameBits(b, a, "int4 decode n=" + n + " off=" + off + " scale=" + scale);
        }
    }

    @Test
    void everyByteDecodesLikeTheScalarKernels() {
        // Payload bytes the encoder never writes (-128, nibble -8) still decode identically.
        byte[] all = new byte[256 * 3];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        for (float scale : SCALES) {
            for (int n : new int[] {all.length, all.length - 1, 2 * all.length - 1, 2 * all.length}) {
                boolean int4 = n > all.length;
                float[] a = new float[n];
                float[] b = new float[n];
                if (int4) {
                    scalar.dequantizeInt4(all, 0, n, scale, a, 0);
                    vector.dequantizeInt4(all, 0, n, scale, b, 0);
                } else {
                    scalar.dequantizeInt8(all, 0, n, scale, a, 0);
                    vector.dequantizeInt8(all, 0, n, scale, b, 0);
                }
                assertSameBits(b, a, (int4 ? "int4" : "int8") + " all bytes n=" + n + " scale=" + scale);
            }
        }
    }

    @Test
    void tiesRoundToEvenAndTheClampHolds() {
        float scale = 0.25f;
        float[] x = {
            0.5f * scale,
            1.5f * scale,
            -2.5f * scale,
            2.5f * scale,
            -0.5f * scale,
            126.5f * scale,
            Math.nextUp(127 * scale),
            -1e30f,
            6.5f * scale,
            7.5f * scale,
            -0f,
            Float.MIN_VALUE,
            Float.NaN,
            Float.POSITIVE_INFINITY,
            0,
            0
        };
        byte[] q = new byte[x.length];
        vector.quantizeInt8(x, 0, x.length, scale, q, 0);
        assertThat(q).containsExactly(0, 2, -2, 2, 0, 126, 127, -127, 6, 8, 0, 0, 0, 127, 0, 0);
        byte[] p = new byte[x.length / 2];
        vector.quantizeInt4(x, 0, x.length, scale, p, 0);
        // pairs (lo, hi): (0,2) (-2,2) (0,7) (7,-7) (6,7) (0,0) (0,7) (0,0)
        assertThat(p).containsExactly(0x20, 0x2E, 0x70, 0x97, 0x76, 0x00, 0x70, 0x00);
    }

    @ParameterizedTest(name = "n={0} off={1}")
    @MethodSource("sizesAndOffsets")
    void maxAbsMatchesScalarAndFindsEveryNonFiniteValue(int n, int off) {
        float[] x = input(n, off, SEED + n * 41L + off, false);
        assertSameMax(vector.maxAbs(x, off, n), scalar.maxAbs(x, off, n), "finite n=" + n);
        if (n == 0) {
            assertThat(vector.maxAbs(x, off, 0)).isEqualTo(0f);
            return;
        }
        // NaN or Inf at the first, last and a middle position (vector body and scalar tail alike);
        // values outside [off, off + n) must not count.
        float[] bad = {Float.NaN, Float.intBitsToFloat(0xFFC0_0001), Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (int pos : new int[] {0, n / 2, n - 1}) {
            for (float b : bad) {
                float[] y = x.clone();
                y[off + pos] = b;
                float m = vector.maxAbs(y, off, n);
                assertSameMax(m, scalar.maxAbs(y, off, n), "n=" + n + " pos=" + pos + " value=" + b);
                assertThat(m <= Float.MAX_VALUE)
                        .as("non-finite detected, n=%d pos=%d", n, pos)
                        .isFalse();
            }
        }
        float[] y = x.clone();
        if (off > 0) {
            y[off - 1] = Float.NaN;
        }
        y[off + n] = Float.POSITIVE_INFINITY;
        assertThat(vector.maxAbs(y, off, n)).isFinite();
    }

    @Test
    void maxAbsOfZerosAndSubnormals() {
        float[] z = new float[100];
        Arrays.fill(z, -0f);
        assertSameMax(vector.maxAbs(z, 0, 100), scalar.maxAbs(z, 0, 100), "negative zeros");
        assertThat(Float.floatToRawIntBits(vector.maxAbs(z, 0, 100))).isZero();
        z[77] = -Float.MIN_VALUE;
        assertThat(vector.maxAbs(z, 0, 100)).isEqualTo(Float.MIN_VALUE);
        z[3] = -Float.MAX_VALUE;
        assertThat(vector.maxAbs(z, 0, 100)).isEqualTo(Float.MAX_VALUE);
    }

    @ParameterizedTest(name = "n={0} off={1}")
    @MethodSource("sizesAndOffsets")
    void errorSumsMatchScalarBitForBit(int n, int off) {
        float[] want = input(n, off, SEED ^ n, false);
        float[] got = new float[want.length];
        SplittableRandom r = new SplittableRandom(SEED + off);
        for (int i = 0; i < got.length; i++) {
            // a decoded value: near the original, sometimes exact, sometimes far (a clipped outlier)
            int kind = r.nextInt(10);
            got[i] = kind == 0 ? want[i] : kind == 1 ? 0f : want[i] + (float) (r.nextGaussian() * 1e-4);
        }
        double[] s = new double[3];
        double[] v = new double[3];
        scalar.errorSums(want, got, off, n, s);
        vector.errorSums(want, got, off, n, v);
        for (int j = 0; j < 3; j++) {
            assertThat(Double.doubleToRawLongBits(v[j]))
                    .as("sum %d, n=%d off=%d: vector %s scalar %s", j, n, off, v[j], s[j])
                    .isEqualTo(Double.doubleToRawLongBits(s[j]));
        }
        // and both are the sums: within rounding of a plain sequential sum
        double sq = 0;
        double abs = 0;
        double max = 0;
        for (int i = off; i < off + n; i++) {
            double d = (double) got[i] - want[i];
            sq += d * d;
            abs += Math.abs(d);
            max = Math.max(max, Math.abs(d));
        }
        assertThat(s[0]).isCloseTo(sq, org.assertj.core.data.Offset.offset(1e-12 * Math.max(1, sq)));
        assertThat(s[1]).isCloseTo(abs, org.assertj.core.data.Offset.offset(1e-12 * Math.max(1, abs)));
        assertThat(s[2]).isEqualTo(max);
    }

    @Test
    void errorSumsAddInEightLanesCombinedPairwise() {
        // 1 + 2^-53 + ... is order-sensitive: lane 0 gets 1.0, lanes 1..7 and the second round get
        // 2^-53 each. Lane sums: l0 = 1 + 2^-53 (rounds to 1), l1..l7 = 2^-52 exactly; pairwise:
        // (1 + 2^-52) + 2 * 2^-52 + 4 * 2^-52 = 1 + 7 * 2^-52, where a sequential sum stays 1.
        float[] want = new float[16];
        double[] d = new double[16];
        Arrays.fill(d, 0x1p-53);
        d[0] = 1.0;
        // |d| enters as got - want: want = 0, got = d exactly representable as floats
        float[] got = new float[16];
        for (int i = 0; i < 16; i++) {
            got[i] = (float) d[i];
        }
        double[] s = new double[3];
        for (QuantKernels k : List.of(scalar, vector)) {
            k.errorSums(want, got, 0, 16, s);
            assertThat(s[1]).as(k.description()).isEqualTo(1.0 + 7 * 0x1p-52);
        }
    }

    @Test
    void largeGaussianTensorsMatch() {
        int n = 1 << 19;
        for (int rep = 0; rep < 2; rep++) {
            long seed = SEED + rep;
            float[] x = input(n, 0, seed, false);
            float m = scalar.maxAbs(x, 0, n);
            assertSameMax(vector.maxAbs(x, 0, n), m, "seed " + seed);
            for (float scale : new float[] {m / 127, m / 7}) {
                byte[] want = new byte[n];
                byte[] got = new byte[n];
                scalar.quantizeInt8(x, 0, n, scale, want, 0);
                vector.quantizeInt8(x, 0, n, scale, got, 0);
                assertThat(got).as("int8 seed %d", seed).isEqualTo(want);
                scalar.quantizeInt4(x, 0, n, scale, want, 0);
                vector.quantizeInt4(x, 0, n, scale, got, 0);
                assertThat(got).as("int4 seed %d", seed).isEqualTo(want);
            }
        }
    }

    @Test
    void childJvmsGiveTheSameBytesWithScalarAnd256BitKernels() throws Exception {
        String here = "vector(" + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit) "
                + Long.toHexString(KernelFingerprint.hash(QuantKernels.get()));
        assertThat(Long.toHexString(KernelFingerprint.hash(scalar))).isEqualTo(here.substring(here.indexOf(' ') + 1));

        String hash = here.substring(here.indexOf(' ') + 1);
        // Started together: each child is a cold JVM, and they are independent.
        Process absent = ChildJvm.start(KernelFingerprint.class, List.of());
        Process disabled = ChildJvm.start(
                KernelFingerprint.class, List.of("--add-modules", "jdk.incubator.vector", "-Dtenpak.vector=false"));
        Process narrow = ChildJvm.start(
                KernelFingerprint.class, List.of("--add-modules", "jdk.incubator.vector", "-Dtenpak.vector.bits=256"));
        Process tooNarrow = ChildJvm.start(
                KernelFingerprint.class, List.of("--add-modules", "jdk.incubator.vector", "-Dtenpak.vector.bits=128"));
        assertThat(ChildJvm.answer(absent))
                .as("no --add-modules: module absent")
                .isEqualTo("scalar " + hash);
        assertThat(ChildJvm.answer(disabled)).as("-Dtenpak.vector=false").isEqualTo("scalar " + hash);
        assertThat(ChildJvm.answer(narrow)).as("256-bit vectors").isEqualTo("vector(256-bit) " + hash);
        assertThat(ChildJvm.answer(tooNarrow))
                .as("128-bit vectors are refused: scalar fallback")
                .isEqualTo("scalar " + hash);
    }

    private static byte[] filled(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 0x5A);
        return b;
    }

    private static void assertSameBits(float[] got, float[] want, String what) {
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                throw new AssertionError(what + ": element " + i + " is " + got[i] + ", scalar gives " + want[i]);
            }
        }
    }

    private static void assertSameMax(float got, float want, String what) {
        if (Float.isNaN(want)) {
            assertThat(got).as(what).isNaN();
        } else {
            assertThat(Float.floatToRawIntBits(got))
                    .as("%s: %s vs scalar %s", what, got, want)
                    .isEqualTo(Float.floatToRawIntBits(want));
        }
    }
}
