package dev.tenpak.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.error.NonFiniteValueException;
import dev.tenpak.error.ValueOutOfRangeException;
import dev.tenpak.internal.codec.groupwise.GroupwiseCodec;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every group-wise codec over named datasets: error bounds, ranges, re-encoding, errors, layout. */
class GroupwiseCodecTest {
    static final long SEED = 0xBB67AE8584CAA73BL;
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @BeforeAll
    static void seed() {
        System.out.println("GroupwiseCodecTest seed " + Long.toHexString(SEED));
    }

    /** A named dataset: a shape and a generator. */
    record Data(String name, long[] dims, java.util.function.BiFunction<Integer, SplittableRandom, float[]> gen) {
        float[] values(SplittableRandom r) {
            return gen.apply((int) Shape.of(dims).elementCount(), r);
        }

        @Override
        public String toString() {
            return name + java.util.Arrays.toString(dims);
        }
    }

    static float[] gaussian(int n, SplittableRandom r, double std) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * std);
        }
        return x;
    }

    static Stream<Data> datasets() {
        return Stream.of(
                new Data("zeros", new long[] {64, 96}, (n, r) -> new float[n]),
                new Data("one", new long[] {1}, (n, r) -> new float[] {0.123f}),
                new Data("scalar", new long[] {}, (n, r) -> new float[] {-4.5f}),
                new Data("constant", new long[] {3, 100}, (n, r) -> filled(n, 0.37f)),
                new Data("plusMinusMax", new long[] {8, 64}, (n, r) -> {
                    float[] x = new float[n];
                    for (int i = 0; i < n; i++) {
                        x[i] = (i & 1) == 0 ? 30000f : -30000f;
                    }
                    return x;
                }),
                new Data("gaussian", new long[] {256, 384}, (n, r) -> gaussian(n, r, 0.02)),
                new Data("gaussianRowsNotMultiple", new long[] {7, 33}, (n, r) -> gaussian(n, r, 0.02)),
                new Data("gaussianOddRows", new long[] {5, 101}, (n, r) -> gaussian(n, r, 0.02)),
                new Data("lastDimOne", new long[] {9, 1}, (n, r) -> gaussian(n, r, 1)),
                new Data("lastDim4097", new long[] {3, 4097}, (n, r) -> gaussian(n, r, 0.02)),
                new Data("oneD", new long[] {4097}, (n, r) -> gaussian(n, r, 0.02)),
                new Data("rowLongerThanChunk", new long[] {2, 70001}, (n, r) -> gaussian(n, r, 0.02)),
                new Data("uniformLongRow", new long[] {1, 131200}, (n, r) -> gaussian(n, r, 0.02)),
                new Data("overOneMillion", new long[] {1024, 1100}, (n, r) -> gaussian(n, r, 0.02)),
                new Data("overOneMillionUniform", new long[] {1030, 1024}, (n, r) -> gaussian(n, r, 0.02)),
                new Data("tinyValues", new long[] {16, 64}, (n, r) -> gaussian(n, r, 1e-7)),
                new Data("belowZeroScaleThreshold", new long[] {4, 96}, (n, r) -> gaussian(n, r, 3e-9)),
                new Data("mixedMagnitudes", new long[] {12, 96}, (n, r) -> {
                    float[] x = gaussian(n, r, 1);
                    for (int i = 0; i < n; i++) {
                        x[i] *= (float) Math.pow(10, (i / 32) % 12 - 9);
                    }
                    return x;
                }),
                new Data("empty", new long[] {0, 32}, (n, r) -> new float[0]),
                new Data("emptyLastDim", new long[] {4, 0}, (n, r) -> new float[0]));
    }

    static float[] filled(int n, float v) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, v);
        return x;
    }

    static Stream<Arguments> cases() {
        return GroupwiseCodec.ALL.stream().flatMap(c -> datasets().map(d -> Arguments.of(c, d)));
    }

    static MemorySegment encode(Codec c, Tensor t) {
        MemorySegment dst = Arena.ofAuto()
                .allocate(Math.max(1, c.encodedSize(t.dtype(), t.shape())))
                .asSlice(0, c.encodedSize(t.dtype(), t.shape()));
        byte[] params = c.encode(t, dst);
        assertThat(params).isEmpty();
        assertThat(c.validate(t.dtype(), t.shape(), params, dst.byteSize())).isNull();
        return dst;
    }

    static float[] decode(Codec c, Tensor t, MemorySegment payload) {
        float[] y = new float[(int) t.elementCount()];
        c.decodeFloats(t.dtype(), t.shape(), new byte[0], payload, 0, y, 0, y.length);
        return y;
    }

    /** Index of the group holding element {@code e} (the documented row-major numbering). */
    static long groupOf(GroupwiseCodec c, Shape shape, long e) {
        long last = shape.lastDim();
        long perRow = (last + c.groupSize() - 1) / c.groupSize();
        return e / last * perRow + e % last / c.groupSize();
    }

    static long groups(GroupwiseCodec c, Shape shape) {
        long n = shape.elementCount();
        return n == 0 ? 0 : n / shape.lastDim() * ((shape.lastDim() + c.groupSize() - 1) / c.groupSize());
    }

    static Tensor tensor(String name, DType dtype, long[] dims, float[] x) {
        Shape shape = Shape.of(dims);
        if (dtype == DType.F32) {
            return Tensor.ofFloats(name, shape, x);
        }
        MemorySegment seg = Arena.ofAuto()
                .allocate(Math.max(1, dtype.byteSizeFor(x.length)))
                .asSlice(0, dtype.byteSizeFor(x.length));
        FloatConversions.fromFloats(x, 0, x.length, seg, dtype, 0);
        return new Tensor(name, dtype, shape, seg);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void errorStaysWithinHalfAGroupScale(GroupwiseCodec c, Data d) {
        for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            SplittableRandom r = new SplittableRandom(SEED ^ d.name().hashCode());
            Tensor t = tensor("t", dtype, d.dims(), d.values(r));
            float[] x = t.toFloatArray();
            MemorySegment p = encode(c, t);
            float[] y = decode(c, t, p);
            long g = groups(c, t.shape());
            long valuesAt = g * 2 * (c.variant() == GroupwiseCodec.Variant.ASYMMETRIC ? 2 : 1);
            assertThat(p.byteSize()).isEqualTo(valuesAt + (c.bits() == 8 ? x.length : (x.length + 1) / 2));
            for (int i = 0; i < x.length; i++) {
                long gi = groupOf(c, t.shape(), i);
                float s = Float.float16ToFloat(p.get(F16, gi * 2));
                double bound = 0.5 * s * (1 + 1e-5);
                if (c.variant() == GroupwiseCodec.Variant.SYMMETRIC && s == 0) {
                    bound = 0x1p-25;
                } else if (c.variant() == GroupwiseCodec.Variant.SEARCH) {
                    bound += Math.max(0, Math.abs(x[i]) - 7.0 * s);
                } else if (c.variant() == GroupwiseCodec.Variant.ASYMMETRIC) {
                    float lo = Float.float16ToFloat(p.get(F16, g * 2 + gi * 2));
                    bound += (Math.abs(lo) + 16 * s) * 1.2e-7;
                }
                double err = Math.abs((double) y[i] - x[i]);
                if (!(err <= bound)) {
                    throw new AssertionError(c + " " + d + " " + dtype + " element " + i + ": " + x[i] + " -> " + y[i]
                            + ", error " + err + " > bound " + bound + " (scale " + s + ")");
                }
            }
        }
    }

    /**
     * Every decoded float, bit for bit, is docs/FORMAT.md's formula on the stored bytes: the code
     * (int8; or the nibble of the flattened tensor's block of 32, the first half of the block in the
     * low nibbles, signed for the symmetric variants) times the group's f16 scale, plus the group's
     * f16 offset for the asymmetric variant (a float product, then a float sum), whichever decoder
     * (kernels, the asymmetric chunk loop, the element-by-element path) the shape takes.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void decodedFloatsAreTheFormulaOnTheStoredBytes(GroupwiseCodec c, Data d) {
        Tensor t = tensor("t", DType.F32, d.dims(), d.values(new SplittableRandom(SEED ^ 3)));
        MemorySegment p = encode(c, t);
        float[] y = decode(c, t, p);
        long n = t.elementCount();
        long g = groups(c, t.shape());
        boolean asym = c.variant() == GroupwiseCodec.Variant.ASYMMETRIC;
        long valuesAt = g * 2 * (asym ? 2 : 1);
        for (int i = 0; i < n; i++) {
            long gi = groupOf(c, t.shape(), i);
            float s = Float.float16ToFloat(p.get(F16, gi * 2));
            int q;
            if (c.bits() == 8) {
                q = p.get(ValueLayout.JAVA_BYTE, valuesAt + i);
            } else {
                long block = i / 32;
                int j = i % 32;
                int h = (int) ((Math.min(32, n - 32 * block) + 1) / 2);
                int b = p.get(ValueLayout.JAVA_BYTE, valuesAt + 16 * block + (j < h ? j : j - h)) & 0xFF;
                int nibble = j < h ? b & 0x0F : b >>> 4;
                q = asym ? nibble : nibble >= 8 ? nibble - 16 : nibble;
            }
            float want = q * s;
            if (asym) {
                want += Float.float16ToFloat(p.get(F16, g * 2 + gi * 2));
            }
            if (Float.floatToIntBits(y[i]) != Float.floatToIntBits(want)) {
                throw new AssertionError(c + " " + d + " element " + i + ": decoded " + y[i] + ", formula " + want);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void rangesDecodeLikeTheWhole(GroupwiseCodec c, Data d) {
        Tensor t = tensor("t", DType.F32, d.dims(), d.values(new SplittableRandom(SEED)));
        MemorySegment p = encode(c, t);
        float[] all = decode(c, t, p);
        long n = t.elementCount();
        SplittableRandom r = new SplittableRandom(SEED + 7);
        for (long from = 0; from < n; from += Codec.RANGE_ALIGN) {
            int len = (int) Math.min(n - from, 1 + r.nextInt(3 * Codec.RANGE_ALIGN));
            float[] part = new float[len + 3];
            c.decodeFloats(t.dtype(), t.shape(), new byte[0], p, from, part, 3, len);
            for (int i = 0; i < len; i++) {
                if (Float.floatToIntBits(part[3 + i]) != Float.floatToIntBits(all[(int) from + i])) {
                    throw new AssertionError(c + " " + d + " range from " + from + " len " + len + " element " + i);
                }
            }
        }
        // the default whole-tensor decode to the original dtype agrees too
        MemorySegment out = Arena.ofAuto().allocate(Math.max(1, 4 * n)).asSlice(0, 4 * n);
        c.decode(DType.F32, t.shape(), new byte[0], p, out);
        for (int i = 0; i < n; i++) {
            assertThat(out.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i))
                    .isEqualTo(all[i]);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void reencodingDecodedValuesGivesTheSameBytes(GroupwiseCodec c, Data d) {
        // Search and asymmetric pick scales from the data's spread, which decoding changes; see FORMAT.md.
        if (c.variant() != GroupwiseCodec.Variant.SYMMETRIC) {
            return;
        }
        Tensor t = tensor("t", DType.F32, d.dims(), d.values(new SplittableRandom(SEED)));
        MemorySegment p = encode(c, t);
        Tensor again = Tensor.ofFloats("t", t.shape(), decode(c, t, p));
        assertThat(encode(c, again).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(p.toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void searchNeverLosesToPlainSymmetric() {
        for (Data d : datasets().toList()) {
            Tensor t = tensor("t", DType.F32, d.dims(), d.values(new SplittableRandom(SEED)));
            float[] x = t.toFloatArray();
            double plain = sse(x, decode(GroupwiseCodec.INT4_G32, t, encode(GroupwiseCodec.INT4_G32, t)));
            double searched =
                    sse(x, decode(GroupwiseCodec.INT4_G32_SEARCH, t, encode(GroupwiseCodec.INT4_G32_SEARCH, t)));
            assertThat(searched).as(d.toString()).isLessThanOrEqualTo(plain);
        }
    }

    static double sse(float[] x, float[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double e = (double) x[i] - y[i];
            s += e * e;
        }
        return s;
    }

    static Stream<GroupwiseCodec> codecs() {
        return GroupwiseCodec.ALL.stream();
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void nonFiniteValuesAreRefusedWithTensorAndIndex(GroupwiseCodec c) {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            for (long[] dims : new long[][] {{40, 100}, {10, 400}, {4000}}) {
                float[] x = gaussian(4000, new SplittableRandom(SEED), 0.02);
                x[1234] = bad;
                Tensor t = Tensor.ofFloats("layer.7.weight", Shape.of(dims), x);
                MemorySegment dst = Arena.ofAuto().allocate(c.encodedSize(DType.F32, t.shape()));
                assertThatThrownBy(() -> c.encode(t, dst)).isInstanceOfSatisfying(NonFiniteValueException.class, e -> {
                    assertThat(e.tensor()).isEqualTo("layer.7.weight");
                    assertThat(e.index()).isEqualTo(1234);
                    assertThat(e.getMessage()).contains("layer.7.weight").contains("1234");
                });
            }
        }
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void valuesBeyondTheF16ScaleRangeAreRefused(GroupwiseCodec c) {
        float[] x = gaussian(256, new SplittableRandom(SEED), 0.02);
        x[77] = -2e9f;
        Tensor t = Tensor.ofFloats("huge", Shape.of(4, 64), x);
        MemorySegment dst = Arena.ofAuto().allocate(c.encodedSize(DType.F32, t.shape()));
        assertThatThrownBy(() -> c.encode(t, dst)).isInstanceOfSatisfying(ValueOutOfRangeException.class, e -> {
            assertThat(e.index()).isEqualTo(77);
            assertThat(e.getMessage()).contains("huge").contains(c.name()).contains("keep-raw pattern");
        });
        // just inside the limit still encodes
        float limit = c.variant() == GroupwiseCodec.Variant.ASYMMETRIC ? 60000f : 65000f * (c.bits() == 8 ? 127 : 7);
        x[77] = limit;
        c.encode(Tensor.ofFloats("big", Shape.of(4, 64), x), dst);
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void validateRejectsHostileIndexEntries(GroupwiseCodec c) {
        Shape shape = Shape.of(7, 33);
        long size = c.encodedSize(DType.F32, shape);
        assertThat(c.validate(DType.F32, shape, new byte[0], size)).isNull();
        assertThat(c.validate(DType.F32, shape, new byte[0], size - 1)).contains("must be " + size);
        assertThat(c.validate(DType.F32, shape, new byte[0], size + 1)).contains("must be " + size);
        assertThat(c.validate(DType.F32, shape, new byte[0], -1)).isNotNull();
        assertThat(c.validate(DType.F32, shape, new byte[4], size)).contains("parameters");
        assertThat(c.validate(DType.I32, shape, new byte[0], size)).contains("I32");
        // a shape whose element count fits but whose payload size does not: a message, not an exception
        assertThat(c.validate(DType.BF16, Shape.of(1L << 62, 1), new byte[0], 64))
                .isNotNull();
        assertThat(c.validate(DType.F32, Shape.of(1L << 40, 1L << 20), new byte[0], 64))
                .isNotNull();
    }

    @Test
    void bitsPerWeightAreDocumented() {
        assertThat(GroupwiseCodec.INT4_G32.nominalBitsPerWeight()).isEqualTo(4.5);
        assertThat(GroupwiseCodec.INT4_G64.nominalBitsPerWeight()).isEqualTo(4.25);
        assertThat(GroupwiseCodec.INT4_G128.nominalBitsPerWeight()).isEqualTo(4.125);
        assertThat(GroupwiseCodec.INT8_G32.nominalBitsPerWeight()).isEqualTo(8.5);
        assertThat(GroupwiseCodec.INT8_G64.nominalBitsPerWeight()).isEqualTo(8.25);
        assertThat(GroupwiseCodec.INT8_G128.nominalBitsPerWeight()).isEqualTo(8.125);
        assertThat(GroupwiseCodec.INT4_ASYM_G32.nominalBitsPerWeight()).isEqualTo(5.0);
        assertThat(GroupwiseCodec.INT4_G32.bitsPerWeight(DType.F32, Shape.of(384, 1536)))
                .isEqualTo(4.5);
        assertThat(GroupwiseCodec.INT8_G32.bitsPerWeight(DType.BF16, Shape.of(384, 384)))
                .isEqualTo(8.5);
    }

    @Test
    void registryListsRawThenPerTensorThenGroupwise() {
        assertThat(Codecs.names())
                .startsWith(
                        "raw_v1",
                        "int8_sym_v1",
                        "int4_sym_v1",
                        "int8_sym_g32_v1",
                        "int8_sym_g64_v1",
                        "int8_sym_g128_v1",
                        "int4_sym_g32_v1",
                        "int4_sym_g64_v1",
                        "int4_sym_g128_v1",
                        "int4_sym_g32_search_v1",
                        "int4_asym_g32_v1");
        assertThat(Codecs.byName("int4_sym_g32_v1")).isSameAs(GroupwiseCodec.INT4_G32);
    }

    /** The byte layout of docs/FORMAT.md, pinned with values whose scale is exactly 1. */
    @Test
    void payloadLayoutIsPinned() {
        float[] full = new float[32];
        for (int i = 0; i < 32; i++) {
            full[i] = i % 15 - 7;
        }
        assertThat(hex(GroupwiseCodec.INT4_G32, Tensor.ofFloats("a", full, 1, 32)))
                .isEqualTo("003c" + "a9ba" + "cbdcedfe" + "0f10213243546576" + "97a9");
        assertThat(hex(GroupwiseCodec.INT4_G32, Tensor.ofFloats("a", new float[] {7, -7, 1, 2, 3}, 1, 5)))
                .isEqualTo("003c" + "273901");
        assertThat(hex(GroupwiseCodec.INT8_G32, Tensor.ofFloats("a", new float[] {127, -1, 0}, 3)))
                .isEqualTo("003c" + "7fff00");
        assertThat(hex(GroupwiseCodec.INT4_ASYM_G32, Tensor.ofFloats("a", new float[] {0, 15, 7}, 3)))
                .isEqualTo("003c" + "0000" + "700f");
        // rows of 33 with G = 32: groups [32, 1] per row, scales row-major (4 of them), then 66 codes
        float[] rows = new float[66];
        rows[0] = 127;
        rows[32] = 254;
        rows[33] = -127;
        rows[65] = 63.5f;
        assertThat(hex(GroupwiseCodec.INT8_G32, Tensor.ofFloats("a", rows, 2, 33)))
                .isEqualTo("003c" + "0040" + "003c" + "0038" + "7f" + "00".repeat(31) + "7f" + "81" + "00".repeat(31)
                        + "7f");
    }

    private static String hex(Codec c, Tensor t) {
        return HexFormat.of().formatHex(encode(c, t).toArray(ValueLayout.JAVA_BYTE));
    }
}
