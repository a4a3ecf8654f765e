package dev.tenpak.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.error.NonFiniteValueException;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every codec meets, run over named datasets for each float dtype (aircompressor's
 * {@code AbstractTestCompression}, Lucene's {@code TestScalarQuantizer}). A codec test extends this
 * class and says three things about its codec: which codec it is, the reference payload the
 * documented formula gives (an oracle written independently of the kernels), and the per-element
 * error bound. Group-wise codecs add themselves as one more subclass.
 *
 * <p>Random datasets come from {@link SplittableRandom}s seeded from {@link #SEED}, printed once;
 * rerun a failure with {@code -Dtenpak.test.seed=<seed>}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AbstractCodecTest {
    /** The seed of every random dataset in this run. */
    protected static final long SEED = Long.getLong("tenpak.test.seed", new SplittableRandom().nextLong());

    /** Element count of the large dataset: over a million, and not a multiple of any chunk size. */
    static final int LARGE = (1 << 20) + 4097;

    /** The codec under test. */
    protected abstract Codec codec();

    /**
     * What the codec's documented formula says the payload of {@code t} is, computed without the
     * codec's own code (plain {@link Math#rint}, explicit nibble packing).
     */
    protected abstract byte[] referencePayload(Tensor t);

    /**
     * The documented bound on {@code |x[i] - decoded[i]|} for every element of the float values
     * {@code x} of a tensor (per-tensor codecs: one scale / 2 for all; group-wise: per group).
     */
    protected abstract double[] errorBounds(float[] x);

    @BeforeAll
    void printSeed() {
        System.out.println(getClass().getSimpleName() + ": random datasets use seed " + SEED
                + " (rerun with -Dtenpak.test.seed=" + SEED + ")");
    }

    /** A named list of float values and a shape, before conversion to a dtype. */
    public record Dataset(String name, long[] shape, float[] values) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** The float datasets every codec is run on; values are later rounded to each dtype. */
    protected List<Dataset> datasets(DType dtype) {
        List<Dataset> list = new ArrayList<>();
        list.add(new Dataset("zeros", new long[] {7, 9}, new float[63]));
        list.add(new Dataset("one element", new long[] {1}, new float[] {0.37f}));
        list.add(new Dataset("scalar", new long[0], new float[] {-2.5f}));
        float[] constant = new float[513];
        java.util.Arrays.fill(constant, 0.125f);
        list.add(new Dataset("constant", new long[] {513}, constant));
        float[] negConstant = new float[64];
        java.util.Arrays.fill(negConstant, -3f);
        list.add(new Dataset("negative constant", new long[] {8, 8}, negConstant));
        float max = maxFinite(dtype);
        list.add(new Dataset(
                "+-max", new long[] {2, 4}, new float[] {max, -max, 0f, max / 3, -max / 7, max / 127, -max, max}));
        list.add(new Dataset("subnormals", new long[] {1000}, subnormals(dtype, 1000, rng("subnormals"))));
        float tiny = minSubnormal(dtype);
        float[] coarse = new float[190]; // max|x| / Q is a subnormal with few significant bits
        for (int i = 0; i < coarse.length; i++) {
            coarse[i] = (i % 2 == 0 ? 1 : -1) * tinyTimes(dtype, i + 1);
        }
        list.add(new Dataset("subnormal scale", new long[] {190}, coarse));
        list.add(new Dataset("smallest subnormals", new long[] {4}, new float[] {tiny, -tiny, 0f, 2 * tiny}));
        list.add(new Dataset("gaussian std 0.02", new long[] {256, 384}, gaussian(256 * 384, 0.02, rng("gaussian"))));
        list.add(new Dataset("gaussian over 1M elements", new long[] {LARGE}, gaussian(LARGE, 0.02, rng("large"))));
        for (int n : new int[] {3, 7, 31, 33, 4097, 65537}) {
            list.add(new Dataset("odd length " + n, new long[] {n}, uniform(n, rng("odd" + n))));
        }
        list.add(new Dataset("empty", new long[] {3, 0}, new float[0]));
        return list;
    }

    Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            for (Dataset d : datasets(dtype)) {
                out.add(Arguments.of(dtype, d));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void encodesToTheReferencePayload(DType dtype, Dataset d) {
        Tensor t = tensor(d, dtype);
        Encoded e = encode(t);
        if (codec().variableSize()) {
            assertThat(e.payload.byteSize()).isLessThanOrEqualTo(codec().encodedSize(dtype, t.shape()));
        } else {
            assertThat(e.payload.byteSize()).isEqualTo(codec().encodedSize(dtype, t.shape()));
        }
        assertThat(codec().validate(dtype, t.shape(), e.params, e.payload.byteSize()))
                .isNull();
        assertSameBytes(bytes(e.payload), referencePayload(t), "payload of " + dtype + " " + d);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void everyElementIsWithinTheErrorBound(DType dtype, Dataset d) {
        Tensor t = tensor(d, dtype);
        float[] x = t.toFloatArray();
        Encoded e = encode(t);
        float[] y = new float[x.length];
        codec().decodeFloats(dtype, t.shape(), e.params, e.payload, 0, y, 0, y.length);
        double slack = 2 * Math.ulp(maxAbs(x));
        double[] bounds = errorBounds(x);
        for (int i = 0; i < x.length; i++) {
            assertThat(Float.isFinite(y[i]))
                    .as("%s %s element %d decodes to %s", dtype, d, i, y[i])
                    .isTrue();
            double err = Math.abs((double) x[i] - y[i]);
            double bound = bounds[i];
            if (err > bound + slack) {
                throw new AssertionError(dtype + " " + d + " element " + i + ": |" + x[i] + " - " + y[i] + "| = " + err
                        + " exceeds the bound " + bound + " (seed " + SEED + ")");
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void reencodingTheDecodedTensorGivesTheSameBytes(DType dtype, Dataset d) {
        Tensor t = tensor(d, dtype);
        Encoded e = encode(t);
        MemorySegment decoded = MemorySegment.ofArray(new byte[(int) t.byteSize()]);
        codec().decode(dtype, t.shape(), e.params, e.payload, decoded);
        Encoded again = encode(new Tensor(t.name(), dtype, t.shape(), decoded));
        assertSameBytes(bytes(again.payload), bytes(e.payload), "re-encoded payload of " + dtype + " " + d);
        assertThat(again.params).as("params").isEqualTo(e.params);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void decodingIntoTheDtypeRoundsTheDecodedFloats(DType dtype, Dataset d) {
        Tensor t = tensor(d, dtype);
        Encoded e = encode(t);
        float[] y = new float[(int) t.elementCount()];
        codec().decodeFloats(dtype, t.shape(), e.params, e.payload, 0, y, 0, y.length);
        MemorySegment expected = MemorySegment.ofArray(new byte[(int) t.byteSize()]);
        FloatConversions.fromFloats(y, 0, y.length, expected, dtype, 0);
        MemorySegment decoded = MemorySegment.ofArray(new byte[(int) t.byteSize()]);
        codec().decode(dtype, t.shape(), e.params, e.payload, decoded);
        assertSameBytes(bytes(decoded), bytes(expected), "decoded " + dtype + " " + d);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void decodingARangeMatchesDecodingTheWhole(DType dtype, Dataset d) {
        Tensor t = tensor(d, dtype);
        int n = (int) t.elementCount();
        if (n <= Codec.RANGE_ALIGN) {
            return; // only datasets with more than one range have a range to pick
        }
        Encoded e = encode(t);
        float[] all = new float[n];
        codec().decodeFloats(dtype, t.shape(), e.params, e.payload, 0, all, 0, n);
        int from = Codec.RANGE_ALIGN * (int) ((n / Codec.RANGE_ALIGN) / 2 + 1) - Codec.RANGE_ALIGN;
        int len = Math.min(n - from, Codec.RANGE_ALIGN + 3);
        float[] part = new float[len + 2];
        codec().decodeFloats(dtype, t.shape(), e.params, e.payload, from, part, 2, len);
        int at = java.util.Arrays.mismatch(
                java.util.Arrays.copyOfRange(part, 2, len + 2), java.util.Arrays.copyOfRange(all, from, from + len));
        assertThat(at).as("first element where the range decode differs").isEqualTo(-1);
    }

    Stream<Arguments> nonFinite() {
        List<Arguments> out = new ArrayList<>();
        for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            for (float v : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                for (int at : new int[] {0, 4095, 65536, 70000}) {
                    out.add(Arguments.of(dtype, v, at));
                }
            }
        }
        return out.stream();
    }

    /**
     * Lossy codecs refuse NaN and infinities, naming the tensor and the first such element; a
     * lossless codec carries them bit for bit.
     */
    @ParameterizedTest(name = "{0} {1} at {2}")
    @MethodSource("nonFinite")
    void nonFiniteValuesAreRefusedOrCarriedExactly(DType dtype, float value, int at) {
        float[] x = gaussian(70001, 0.02, rng("nonfinite"));
        x[at] = value;
        x[70000] = at == 70000 ? value : Float.NaN; // a later non-finite value must not be the one named
        Tensor t = tensor(new Dataset("nonfinite", new long[] {x.length}, x), dtype);
        t = new Tensor("layers.3.attn.q", dtype, t.shape(), t.data());
        if (codec().lossless()) {
            Encoded e = encode(t);
            MemorySegment decoded = MemorySegment.ofArray(new byte[(int) t.byteSize()]);
            codec().decode(dtype, t.shape(), e.params, e.payload, decoded);
            assertSameBytes(bytes(decoded), bytes(t.data()), "raw " + dtype);
            return;
        }
        Tensor bad = t;
        assertThatThrownBy(() -> encode(bad))
                .isInstanceOfSatisfying(NonFiniteValueException.class, ex -> {
                    assertThat(ex.tensor()).isEqualTo("layers.3.attn.q");
                    assertThat(ex.index()).isEqualTo(at);
                })
                .hasMessageContaining("'layers.3.attn.q'")
                .hasMessageContaining("element " + at);
    }

    // ---- helpers shared with subclasses ----

    /** A codec's output: parameters for the index and the payload. */
    protected record Encoded(byte[] params, MemorySegment payload) {}

    protected Encoded encode(Tensor t) {
        long size = codec().encodedSize(t.dtype(), t.shape());
        MemorySegment dst = MemorySegment.ofArray(new byte[(int) size]);
        if (codec().variableSize()) {
            // an entropy-coded codec keeps the first bytes of the most it may take
            Codec.Encoded e = codec().encodeSized(t, dst);
            return new Encoded(e.params(), dst.asSlice(0, e.length()));
        }
        byte[] params = codec().encode(t, dst);
        return new Encoded(params, dst);
    }

    /** {@code d}'s values rounded into a tensor of {@code dtype}. */
    protected static Tensor tensor(Dataset d, DType dtype) {
        Shape shape = Shape.of(d.shape());
        MemorySegment data = MemorySegment.ofArray(new byte[(int) dtype.byteSizeFor(d.values().length)]);
        FloatConversions.fromFloats(d.values(), 0, d.values().length, data, dtype, 0);
        return new Tensor(d.name().replace(' ', '_'), dtype, shape, data);
    }

    /** Byte-array equality that reports the first difference instead of printing megabytes. */
    protected static void assertSameBytes(byte[] actual, byte[] expected, String what) {
        int at = java.util.Arrays.mismatch(actual, expected);
        if (at >= 0) {
            throw new AssertionError(what + ": " + actual.length + " bytes vs expected " + expected.length
                    + ", first difference at byte " + at
                    + (at < Math.min(actual.length, expected.length)
                            ? String.format(" (0x%02x, expected 0x%02x)", actual[at], expected[at])
                            : "")
                    + " (seed " + SEED + ")");
        }
    }

    protected static byte[] bytes(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }

    protected static float maxAbs(float[] x) {
        float m = 0f;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    protected static SplittableRandom rng(String dataset) {
        return new SplittableRandom(SEED ^ dataset.hashCode());
    }

    protected static float[] gaussian(int n, double std, SplittableRandom r) {
        float[] x = new float[n];
        for (int i = 0; i < n; i += 2) {
            // Box-Muller: two normal samples from two uniform ones
            double u = 1.0 - r.nextDouble();
            double v = r.nextDouble();
            double m = std * Math.sqrt(-2 * Math.log(u));
            x[i] = (float) (m * Math.cos(2 * Math.PI * v));
            if (i + 1 < n) {
                x[i + 1] = (float) (m * Math.sin(2 * Math.PI * v));
            }
        }
        return x;
    }

    protected static float[] uniform(int n, SplittableRandom r) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        return x;
    }

    /** The largest finite value of {@code dtype}, as a float. */
    protected static float maxFinite(DType dtype) {
        return switch (dtype) {
            case F16 -> Float.float16ToFloat((short) 0x7BFF);
            case BF16 -> FloatConversions.bf16ToFloat((short) 0x7F7F);
            default -> Float.MAX_VALUE;
        };
    }

    /** The smallest positive subnormal of {@code dtype}, as a float. */
    protected static float minSubnormal(DType dtype) {
        return switch (dtype) {
            case F16 -> Float.float16ToFloat((short) 0x0001);
            case BF16 -> FloatConversions.bf16ToFloat((short) 0x0001);
            default -> Float.MIN_VALUE;
        };
    }

    /** {@code k} times the smallest subnormal of {@code dtype} (exact for k below 128). */
    protected static float tinyTimes(DType dtype, int k) {
        return minSubnormal(dtype) * k;
    }

    /** Random subnormals of {@code dtype} (signed multiples of its smallest subnormal). */
    protected static float[] subnormals(DType dtype, int n, SplittableRandom r) {
        int mantissas = dtype == DType.F32 ? 1 << 23 : dtype == DType.F16 ? 1 << 10 : 1 << 7;
        float unit = minSubnormal(dtype);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (r.nextBoolean() ? 1 : -1) * unit * r.nextInt(mantissas);
        }
        return x;
    }
}
