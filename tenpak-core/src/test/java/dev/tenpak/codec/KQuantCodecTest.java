package dev.tenpak.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.error.ValueOutOfRangeException;
import dev.tenpak.internal.codec.kquant.KQuantCodec;
import dev.tenpak.internal.codec.raw.RawCodec;
import dev.tenpak.internal.pipeline.KeepRawSelector;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Layout goldens, sizes, hostile index entries, range limits and chunked encoding of the K-quant-class codecs. */
class KQuantCodecTest {
    static final long SEED = 0x6A09E667F3BCC908L;

    static Stream<KQuantCodec> codecs() {
        return KQuantCodec.EVERY.stream();
    }

    static byte[] encode(Codec c, Tensor t) {
        MemorySegment d = MemorySegment.ofArray(new byte[(int) c.encodedSize(t.dtype(), t.shape())]);
        assertThat(c.encode(t, d)).isEmpty();
        return d.toArray(ValueLayout.JAVA_BYTE);
    }

    /**
     * 40 values (one short super-block: sub-blocks 16, 16, 8 or 32, 8; for the rotated codecs two
     * rotated runs of 16 and 8 values left as they are) through each codec: these
     * bytes must never change under these names. The oracle of {@link KQuantCodecContract} computes
     * the same bytes from docs/FORMAT.md.
     */
    @Test
    void payloadLayoutIsPinned() {
        float[] x = new float[40];
        for (int i = 0; i < 40; i++) {
            x[i] = ((i * 37) % 23 - 11) / 16f;
        }
        Map<String, String> golden = Map.ofEntries(
                Map.entry("int4_sym16_g32_v1", "032e14ada1d4175b8eb2f5396c9fd3174a7db1e5f8b4703e"),
                Map.entry("kq2_v1", "0226dc0702d862cb2db71db6d89e78"),
                Map.entry("kq3_v1", "342722d8019fc3cbe1d5f06a66f573f8398c75c6"),
                Map.entry("kq4_v1", "aea2492012b0e3174b8fc1f5296c9fd3164a7db1e4185c9fd2"),
                Map.entry("kq5_v1", "2023c0dd149d5d13f9b2056e55c9d398f979721314e9376ae2f09f0b9c37"),
                Map.entry("kq6_v1", "c71d79808c40eae09dc0463b58bc943f224f1a683463fe579c8c3ce51a200fb5419737"),
                Map.entry("int4_sym16_g32h_v1", "4fb014adc869b856b8f7bb7e57899585089686aff8b4703e"),
                Map.entry("kq2h_v1", "4b2818a80292e62685a69992b99e78"),
                Map.entry("kq3h_v1", "88281a7801cc4ad55421a154298ac438be8c75c6"),
                Map.entry("kq4h_v1", "5d2443e00ad859c846b7f7bc6f47899574089685af185c9fd2"),
                Map.entry("kq5h_v1", "2f254d601850cb152f4bcfba7fad6f4f49b8a4825034c9229ff09f0b9c37"),
                Map.entry("kq6h_v1", "a8a0738048e04c5ea19b49decaf12dab6b23cb856ad78ae17f76e86768200fb5419737"));
        for (KQuantCodec c : KQuantCodec.EVERY) {
            Tensor t = Tensor.ofFloats("g", x, 40);
            assertThat(HexFormat.of().formatHex(encode(c, t))).as(c.name()).isEqualTo(golden.get(c.name()));
            assertThat(HexFormat.of().formatHex(KQuantOracle.payload(c, x)))
                    .as(c.name())
                    .isEqualTo(golden.get(c.name()));
        }
    }

    @Test
    void bitsPerWeightCountEveryScale() {
        assertThat(KQuantCodec.INT4_SYM16_G32.nominalBitsPerWeight()).isEqualTo(4.5);
        assertThat(KQuantCodec.KQ2.nominalBitsPerWeight()).isEqualTo(2.4375);
        assertThat(KQuantCodec.KQ3.nominalBitsPerWeight()).isEqualTo(3.4375);
        assertThat(KQuantCodec.KQ4.nominalBitsPerWeight()).isEqualTo(4.5);
        assertThat(KQuantCodec.KQ5.nominalBitsPerWeight()).isEqualTo(5.5);
        assertThat(KQuantCodec.KQ6.nominalBitsPerWeight()).isEqualTo(6.5625);
        for (KQuantCodec c : KQuantCodec.EVERY) {
            assertThat(c.bitsPerWeight(DType.BF16, Shape.of(384, 1536)))
                    .as(c.name())
                    .isEqualTo(c.nominalBitsPerWeight());
        }
        // a short last super-block and sub-block: 300 elements = 256 + 44 (16+16+12)
        assertThat(KQuantCodec.KQ3.encodedSize(DType.F32, Shape.of(3, 100)))
                .isEqualTo(2 * 2 + (19 * 6 + 7) / 8 + (300 * 3 + 7) / 8);
        assertThat(KQuantCodec.INT4_SYM16_G32.encodedSize(DType.F32, Shape.of(3, 100)))
                .isEqualTo(10 * 2 + 150);
        assertThat(KQuantCodec.KQ5.encodedSize(DType.F32, Shape.of(0, 7))).isZero();
        for (KQuantCodec c : KQuantCodec.ROTATED) {
            assertThat(c.rotated()).isTrue();
            assertThat(c.unrotated().rotated()).isFalse();
            assertThat(c.name()).isEqualTo(c.unrotated().name().replace("_v1", "h_v1"));
            for (Shape s : new Shape[] {Shape.of(3, 100), Shape.of(384, 1536), Shape.of(7), Shape.of(0)}) {
                assertThat(c.encodedSize(DType.BF16, s)).isEqualTo(c.unrotated().encodedSize(DType.BF16, s));
            }
        }
    }

    /**
     * Biases, LayerNorm weights and tensors under 4096 elements stay exact by default, as with the
     * group-wise codecs; an explicit threshold still quantizes them.
     */
    @ParameterizedTest
    @MethodSource("codecs")
    void smallAndOneDimensionalTensorsStayRawByDefault(KQuantCodec c) {
        assertThat(c.defaultMinElements()).isEqualTo(4096);
        CompressOptions o = CompressOptions.defaults().withCodec(c.name());
        KeepRawSelector sel = KeepRawSelector.of(o);
        assertThat(sel.choose("ln.weight", DType.F32, Shape.of(384)).codec()).isSameAs(RawCodec.INSTANCE);
        assertThat(sel.choose("ln.weight", DType.F32, Shape.of(384)).reason()).contains("1-D");
        assertThat(sel.choose("t", DType.F32, Shape.of()).codec()).isSameAs(RawCodec.INSTANCE);
        assertThat(sel.choose("small", DType.BF16, Shape.of(8, 511)).reason())
                .contains("4088 elements < min-elements 4096");
        assertThat(sel.choose("w", DType.BF16, Shape.of(8, 512)).codec()).isSameAs(c);
        KeepRawSelector off = KeepRawSelector.of(o.withMinElements(0));
        assertThat(off.choose("ln.bias", DType.F32, Shape.of(384)).codec()).isSameAs(c);
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void validateRejectsHostileIndexEntries(KQuantCodec c) {
        Shape shape = Shape.of(7, 33);
        long size = c.encodedSize(DType.F32, shape);
        assertThat(c.validate(DType.F32, shape, new byte[0], size)).isNull();
        assertThat(c.validate(DType.F32, shape, new byte[0], size - 1)).contains("must be " + size);
        assertThat(c.validate(DType.F32, shape, new byte[0], size + 1)).contains("must be " + size);
        assertThat(c.validate(DType.F32, shape, new byte[0], -1)).isNotNull();
        assertThat(c.validate(DType.F32, shape, new byte[3], size)).contains("parameters");
        assertThat(c.validate(DType.I32, shape, new byte[0], size)).contains("I32");
        assertThat(c.validate(DType.BF16, Shape.of(1L << 62, 1), new byte[0], 64))
                .isNotNull();
        assertThat(c.validate(DType.F32, Shape.of(1L << 40, 1L << 20), new byte[0], 64))
                .isNotNull();
    }

    @ParameterizedTest
    @MethodSource("codecs")
    void valuesBeyondTheF16ScaleRangeAreRefused(KQuantCodec c) {
        float[] x = AbstractCodecTest.gaussian(600, 0.02, new SplittableRandom(SEED));
        x[300] = -3e9f;
        Tensor t = Tensor.ofFloats("huge", Shape.of(6, 100), x);
        assertThatThrownBy(() -> encode(c, t)).isInstanceOfSatisfying(ValueOutOfRangeException.class, e -> {
            assertThat(e.index()).isEqualTo(300);
            assertThat(e.getMessage()).contains("huge").contains(c.name());
        });
        x[300] = 60000f; // within range everywhere
        encode(c, Tensor.ofFloats("big", Shape.of(6, 100), x));
    }

    /** A run whose rotated sums overflow float is refused with the same typed error, naming an element of it. */
    @Test
    void rotatedRunsThatOverflowAreRefused() {
        for (KQuantCodec c : KQuantCodec.ROTATED) {
            float[] x = AbstractCodecTest.gaussian(4096 + 20, 0.02, new SplittableRandom(SEED + 3));
            java.util.Arrays.fill(x, 4096 + 16, 4096 + 20, 3e38f); // a partial run: not rotated
            java.util.Arrays.fill(x, 32, 48, 3e38f);
            x[40] = Float.MAX_VALUE;
            Tensor t = Tensor.ofFloats("overflow", Shape.of(x.length), x);
            assertThatThrownBy(() -> encode(c, t)).isInstanceOfSatisfying(ValueOutOfRangeException.class, e -> {
                assertThat(e.index()).as(c.name()).isEqualTo(40);
                assertThat(e.getMessage()).contains("overflow").contains(c.name());
            });
        }
    }

    /** The ChunkEncoder contract: chunks into a dirty buffer, in reverse order, give the bytes of encode. */
    @ParameterizedTest
    @MethodSource("codecs")
    void chunksGiveTheBytesOfEncode(KQuantCodec c) {
        int n = 3 * ChunkEncoder.CHUNK + 1234;
        float[] x = AbstractCodecTest.gaussian(n, 0.02, new SplittableRandom(SEED + 1));
        Tensor t = Tensor.ofFloats("t", Shape.of(n / 2, 2), java.util.Arrays.copyOf(x, n / 2 * 2));
        byte[] whole = encode(c, t);
        assertThat(c.chunkable(DType.F32, t.shape())).isTrue();
        byte[] dirty = new byte[whole.length];
        new SplittableRandom(SEED).nextBytes(dirty);
        MemorySegment seg = MemorySegment.ofArray(dirty);
        long total = t.elementCount();
        for (long from = (total - 1) / ChunkEncoder.CHUNK * ChunkEncoder.CHUNK; from >= 0; from -= ChunkEncoder.CHUNK) {
            int len = (int) Math.min(ChunkEncoder.CHUNK, total - from);
            float[] part = java.util.Arrays.copyOfRange(x, (int) from, (int) from + len);
            float[] before = part.clone();
            c.encodeChunk("t", DType.F32, t.shape(), c.params(0f), part, len, from, seg);
            assertThat(part).as("the caller's floats").isEqualTo(before);
        }
        assertThat(dirty).isEqualTo(whole);
    }

    /** The searched scale never loses to Q4_0's rule (largest magnitude on -8) on Gaussian blocks. */
    @Test
    void int4Sym16SearchBeatsTheMaxRule() {
        float[] x = AbstractCodecTest.gaussian(1 << 16, 0.02, new SplittableRandom(SEED + 2));
        Tensor t = Tensor.ofFloats("t", x, x.length);
        float[] y = new float[x.length];
        KQuantCodec c = KQuantCodec.INT4_SYM16_G32;
        c.decodeFloats(DType.F32, t.shape(), new byte[0], MemorySegment.ofArray(encode(c, t)), 0, y, 0, y.length);
        double searched = 0;
        double maxRule = 0;
        for (int b = 0; b < x.length; b += 32) {
            float m = 0;
            for (int i = b; i < b + 32; i++) {
                if (Math.abs(x[i]) > Math.abs(m)) {
                    m = x[i];
                }
            }
            float d = Float.float16ToFloat(Float.floatToFloat16(m / -8));
            for (int i = b; i < b + 32; i++) {
                double q = Math.max(-8, Math.min(7, Math.rint(x[i] / d)));
                maxRule += (x[i] - q * d) * (x[i] - q * d);
                searched += (double) (x[i] - y[i]) * (x[i] - y[i]);
            }
        }
        assertThat(searched).isLessThan(maxRule * 0.95);
    }
}
