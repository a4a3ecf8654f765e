package dev.tenpak.internal.codec.entropycoded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.error.NonFiniteValueException;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.internal.pipeline.CodecSelector;
import dev.tenpak.internal.pipeline.Compressor;
import dev.tenpak.options.ProgressListener;
import dev.tenpak.report.ErrorMetrics;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code ecq} payload beyond the family contract ({@code EcqCodecContract}): golden bytes of a
 * small tensor, escapes up to full int32 codes, ranges decoded through the block table, the
 * artifact path (the index records the bytes written, the same artifact on 1 and 3 threads), and
 * hostile payloads and parameters refused with {@link CorruptArtifactException} or a reason.
 */
class EcqCodecTest {
    static final long SEED = Long.getLong("tenpak.test.seed", new SplittableRandom().nextLong());

    @BeforeAll
    static void printSeed() {
        System.out.println(
                "EcqCodecTest: random data uses seed " + SEED + " (rerun with -Dtenpak.test.seed=" + SEED + ")");
    }

    static SplittableRandom rng(String what) {
        return new SplittableRandom(SEED ^ what.hashCode());
    }

    record Coded(byte[] params, byte[] payload) {}

    static Coded encode(Codec c, Tensor t) {
        MemorySegment dst = MemorySegment.ofArray(new byte[(int) c.encodedSize(t.dtype(), t.shape())]);
        Codec.Encoded e = c.encodeSized(t, dst);
        assertThat(c.validate(t.dtype(), t.shape(), e.params(), e.length())).isNull();
        return new Coded(e.params(), dst.asSlice(0, e.length()).toArray(ValueLayout.JAVA_BYTE));
    }

    static float[] decode(Codec c, Tensor t, Coded e) {
        float[] y = new float[(int) t.elementCount()];
        c.decodeFloats(t.dtype(), t.shape(), e.params, MemorySegment.ofArray(e.payload), 0, y, 0, y.length);
        return y;
    }

    static Tensor convert(Tensor t, String name, DType dtype) {
        float[] x = t.toFloatArray();
        MemorySegment data = MemorySegment.ofArray(new byte[(int) dtype.byteSizeFor(x.length)]);
        FloatConversions.fromFloats(x, 0, x.length, data, dtype, 0);
        return new Tensor(name, dtype, t.shape(), data);
    }

    /** Gaussian weights with a few outliers far out, so that escapes of several lengths occur. */
    static float[] weights(int n, SplittableRandom r) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * 0.02);
            if (r.nextInt(500) == 0) {
                x[i] *= 1 << r.nextInt(12);
            }
        }
        return x;
    }

    /** The values of the golden tensor: a ramp with one large value, so the codes need an escape. */
    static float[] goldenValues() {
        float[] x = new float[24];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i - 11) * 0.01f;
        }
        x[5] = 1.5f;
        return x;
    }

    /**
     * Golden bytes: any change to the step rule, rounding, symbols or layout changes these. With
     * this few symbols the plane coder stores the symbols raw (mode 0), so every byte is readable
     * by hand against docs/FORMAT.md: the header (65536-element blocks, format 1), one table
     * entry, the RAW mode byte, 24 symbols, and for ecq8 the raw bits of the one escape (1.5 / step
     * = 340, zigzag 680: bit length 10, symbol 128 + 4 * 2 + 1 = 0x89, seven raw bits 0x28).
     */
    @Test
    void goldenBytesOfASmallTensor() {
        Tensor t = Tensor.ofFloats("golden", Shape.of(4, 6), goldenValues());
        Coded four = encode(EcqCodec.ECQ4, t);
        Coded eight = encode(EcqCodec.ECQ8, t);
        HexFormat hex = HexFormat.of();
        assertThat(hex.formatHex(four.params)).isEqualTo("3f8f903d");
        assertThat(hex.formatHex(four.payload))
                .isEqualTo("00000100010000001900000000000000" + "0003010101012a010100000000000000020202020202020404");
        assertThat(hex.formatHex(eight.params)).isEqualTo("3f8f903b");
        assertThat(hex.formatHex(eight.payload))
                .isEqualTo("00000100010000001a00000000000000" + "00312d27231f8915110d090300040a0e12161c2024282e323628");
    }

    @Test
    void registeredUnderTheirNames() {
        for (int b = 1; b <= 8; b++) {
            Codec c = Codecs.byName("ecq" + b + "_v1");
            assertThat(c).isSameAs(EcqCodec.ALL.get(b - 1));
            assertThat(c.variableSize()).isTrue();
            assertThat(c.lossless()).isFalse();
        }
    }

    /** Codes of every bit length up to 32 (values spanning the f32 range with a tiny step) round-trip. */
    @Test
    void escapesCarryEveryCodeLength() {
        float[] x = new float[4096 + 40];
        for (int i = 0; i < 32; i++) {
            x[i] = (float) Math.scalb(1.0, i - 20) * (i % 2 == 0 ? 1 : -1);
        }
        x[40] = 3000f; // with the rest zeros, rms ~ 47: ecq8's step ~ 0.66, codes up to ~4500
        Tensor t = Tensor.ofFloats("escapes", Shape.of(x.length), x);
        EcqCodec c = EcqCodec.withStepFactor(16, 1e-6); // a step far below every value: codes near 2^31
        Coded e = encode(c, t);
        float[] y = decode(c, t, e);
        float step = EcqCodec.stepOf(e.params);
        for (int i = 0; i < x.length; i++) {
            long q = (long) Math.rint(x[i] / (double) step);
            long want = Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, q));
            assertThat(y[i]).as("element %d", i).isEqualTo((float) (want * (double) step));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"F32", "BF16", "F16"})
    void rangesDecodeThroughTheBlockTable(String dtypeName) {
        DType dtype = DType.valueOf(dtypeName);
        int n = 5 * EcqCodec.BLOCK_ELEMENTS + 3 * Codec.RANGE_ALIGN + 17;
        Tensor f = Tensor.ofFloats("w", Shape.of(n), weights(n, rng("ranges")));
        Tensor t = convert(f, f.name(), dtype);
        for (EcqCodec c : List.of(EcqCodec.ECQ2, EcqCodec.ECQ8)) {
            Coded e = encode(c, t);
            float[] all = decode(c, t, e);
            SplittableRandom r = rng("range picks " + c.name());
            for (int k = 0; k < 40; k++) {
                int from = Codec.RANGE_ALIGN * r.nextInt(n / Codec.RANGE_ALIGN + 1);
                int len = r.nextInt(n - from + 1);
                float[] part = new float[len + 3];
                c.decodeFloats(dtype, t.shape(), e.params, MemorySegment.ofArray(e.payload), from, part, 3, len);
                assertThat(Arrays.copyOfRange(part, 3, len + 3))
                        .as("%s [%d, +%d)", c.name(), from, len)
                        .isEqualTo(Arrays.copyOfRange(all, from, from + len));
            }
        }
    }

    static List<Tensor> artifactTensors() {
        List<Tensor> out = new ArrayList<>();
        Tensor big = Tensor.ofFloats("big", Shape.of(300, 1000), weights(300_000, rng("artifact")));
        out.add(big);
        out.add(convert(big, "big.bf16", DType.BF16));
        out.add(Tensor.ofFloats("zeros", Shape.of(64, 128), new float[64 * 128]));
        out.add(Tensor.ofFloats("empty", Shape.of(0, 4), new float[0]));
        return out;
    }

    static byte[] compress(int threads) {
        try (ArtifactWriter w = ArtifactWriter.toMemory()) {
            Compressor.compress(
                    TensorSource.of(artifactTensors(), Map.of(), "test"),
                    w,
                    CodecSelector.uniform(EcqCodec.ECQ4),
                    new ErrorMetrics.Accumulator(),
                    threads,
                    ProgressListener.NONE);
            w.finish();
            return w.bytes();
        }
    }

    @Test
    void artifactsStoreOnlyTheBytesWrittenAndDoNotDependOnThreads() {
        byte[] one = compress(1);
        assertThat(compress(3)).isEqualTo(one);
        try (ArtifactReader r = ArtifactReader.of(one, "ecq");
                Arena arena = Arena.ofConfined()) {
            for (Tensor t : artifactTensors()) {
                TensorEntry e = r.entry(t.name());
                assertThat(e.codec()).isEqualTo("ecq4_v1");
                if (t.elementCount() > 0) {
                    assertThat(e.length() * 8.0 / t.elementCount())
                            .as("bits per weight stored for %s", t.name())
                            .isLessThan(t.name().equals("zeros") ? 0.1 : 5);
                }
                Tensor back = r.read(e, arena);
                Coded c = encode(EcqCodec.ECQ4, t);
                MemorySegment want = MemorySegment.ofArray(new byte[(int) t.byteSize()]);
                EcqCodec.ECQ4.decode(t.dtype(), t.shape(), c.params, MemorySegment.ofArray(c.payload), want);
                assertThat(back.data().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(want.toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    // ---------------------------------------------------------------- hostile input

    static final Shape SHAPE = Shape.of(2 * EcqCodec.BLOCK_ELEMENTS + 100);

    static Tensor sampleTensor() {
        return Tensor.ofFloats("h", SHAPE, weights((int) SHAPE.elementCount(), new SplittableRandom(3)));
    }

    static Coded sample() {
        return encode(EcqCodec.ECQ8, sampleTensor());
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** A one-block payload of 4 elements whose block is {@code record} (a plane record, no raw bits). */
    static void assertRecordRefused(byte[] record, String why) {
        ByteBuffer b = ByteBuffer.allocate(16 + record.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(EcqCodec.BLOCK_ELEMENTS).put((byte) 1).put((byte) 0).putShort((short) 0);
        b.putLong(record.length).put(record);
        float[] y = new float[4];
        assertThatThrownBy(() -> EcqCodec.ECQ4.decodeFloats(
                        DType.F32, Shape.of(4), EcqCodec.params(1f), MemorySegment.ofArray(b.array()), 0, y, 0, 4))
                .isInstanceOf(CorruptArtifactException.class)
                .hasMessageContaining(why);
    }

    static void assertRefused(byte[] params, byte[] payload, String why) {
        float[] y = new float[(int) SHAPE.elementCount()];
        assertThatThrownBy(() -> EcqCodec.ECQ8.decodeFloats(
                        DType.F32, SHAPE, params, MemorySegment.ofArray(payload), 0, y, 0, y.length))
                .isInstanceOf(CorruptArtifactException.class)
                .hasMessageContaining(why);
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void hostilePayloadsAreRefusedWithTypedErrors() {
        Coded ok = sample();
        int area = EcqCodec.HEADER_BYTES + 8 * 3;
        assertRefused(ok.params, Arrays.copyOf(ok.payload, ok.payload.length - 1), "blocks end at");
        assertRefused(ok.params, Arrays.copyOf(ok.payload, 5), "shorter than its 8-byte header");
        assertRefused(ok.params, Arrays.copyOf(ok.payload, 12), "blocks need a table");

        byte[] b = ok.payload.clone();
        le(b).putInt(0, 4095);
        assertRefused(ok.params, b, "block of 4095 elements");
        b = ok.payload.clone();
        le(b).putInt(0, Integer.MAX_VALUE - 4095);
        assertRefused(ok.params, b, "not a positive multiple");
        b = ok.payload.clone();
        b[4] = 2;
        assertRefused(ok.params, b, "format 2");
        b = ok.payload.clone();
        b[6] = 1;
        assertRefused(ok.params, b, "reserved header bytes");

        // the block table out of order, and past the payload
        b = ok.payload.clone();
        long end0 = le(b).getLong(8);
        le(b).putLong(16, end0 - 1);
        assertRefused(ok.params, b, "before its start");
        b = ok.payload.clone();
        le(b).putLong(8, Long.MAX_VALUE);
        assertRefused(ok.params, b, "past the");
        b = ok.payload.clone();
        le(b).putLong(8, -1);
        assertRefused(ok.params, b, "block 0 ends at -1");

        // a bad plane record: unknown mode, and a Huffman header that does not describe a code
        b = ok.payload.clone();
        b[area] = 9;
        assertRefused(ok.params, b, "unknown plane mode 9");

        // a Huffman code table that is not a complete prefix code, and one past symbol 255 (4 symbols)
        byte[] sizes = new byte[16];
        assertRecordRefused(concat(new byte[] {2, 0, 3, 0x11, 0x11}, sizes), "complete prefix code");
        assertRecordRefused(concat(new byte[] {2, (byte) 250, 9, 0x11, 0x11, 0x11, 0x11, 0x11}, sizes), "past 255");
        // a rANS record cut short
        assertRecordRefused(new byte[] {3, 1}, "");

        // the index's step
        assertRefused(new byte[3], ok.payload, "not a 4-byte step");
        assertRefused(EcqCodec.params(Float.NaN), ok.payload, "not a finite number");
        assertRefused(EcqCodec.params(-1f), ok.payload, "not a finite number");
    }

    /** A one-block payload with its symbols stored raw, so that symbols and raw bits can be chosen by hand. */
    static byte[] rawBlock(byte[] symbols, byte[] rawBits) {
        ByteBuffer b =
                ByteBuffer.allocate(8 + 8 + 1 + symbols.length + rawBits.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(EcqCodec.BLOCK_ELEMENTS).put((byte) 1).put((byte) 0).putShort((short) 0);
        b.putLong(1 + symbols.length + rawBits.length);
        b.put((byte) 0).put(symbols).put(rawBits);
        return b.array();
    }

    static void assertHandMadeRefused(byte[] symbols, byte[] rawBits, String why) {
        Shape shape = Shape.of(symbols.length);
        float[] y = new float[symbols.length];
        assertThatThrownBy(() -> EcqCodec.ECQ4.decodeFloats(
                        DType.F32,
                        shape,
                        EcqCodec.params(0.5f),
                        MemorySegment.ofArray(rawBlock(symbols, rawBits)),
                        0,
                        y,
                        0,
                        y.length))
                .isInstanceOf(CorruptArtifactException.class)
                .hasMessageContaining(why);
    }

    @Test
    void handMadeSymbolsAndRawBitsAreChecked() {
        // symbol 130: bit length 8, two bits 10, five raw bits; z = 0b1_10_00011 = 195, q = -98
        byte[] syms = {1, (byte) 130, 2};
        float[] y = new float[3];
        EcqCodec.ECQ4.decodeFloats(
                DType.F32,
                Shape.of(3),
                EcqCodec.params(0.5f),
                MemorySegment.ofArray(rawBlock(syms, new byte[] {3})),
                0,
                y,
                0,
                3);
        assertThat(y).containsExactly(-0.5f, -49f, 0.5f);
        // the largest escape: bit length 32, z = 2^32 - 1, q = -2^31
        byte[] raw29 = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x1F};
        EcqCodec.ECQ4.decodeFloats(
                DType.F32,
                Shape.of(1),
                EcqCodec.params(1f),
                MemorySegment.ofArray(rawBlock(new byte[] {(byte) 227}, raw29)),
                0,
                y,
                0,
                1);
        assertThat(y[0]).isEqualTo(-0x1p31f);

        assertHandMadeRefused(new byte[] {(byte) 228}, new byte[4], "bit length of 33, past 32");
        assertHandMadeRefused(new byte[] {(byte) 255}, new byte[4], "past 32");
        assertHandMadeRefused(new byte[] {(byte) 130}, new byte[0], "raw bits run past");
        assertHandMadeRefused(new byte[] {(byte) 130, (byte) 200}, new byte[] {3}, "raw bits run past");
        assertHandMadeRefused(new byte[] {(byte) 130}, new byte[] {3, 0}, "1 bytes after its raw bits");
        assertHandMadeRefused(new byte[] {(byte) 130}, new byte[] {(byte) 0x23}, "padding bits");
        assertHandMadeRefused(new byte[] {5}, new byte[] {0}, "1 bytes after its raw bits");
        // the same with 100 direct symbols after them: few raw bits per element take the decoder's
        // other loop (a branch per escape), which must check the same things
        assertHandMadeRefused(padded(228), new byte[] {0}, "bit length of 33, past 32");
        assertHandMadeRefused(padded(130, 200), new byte[] {3}, "raw bits run past");
        assertHandMadeRefused(padded(130), new byte[] {3, 0}, "1 bytes after its raw bits");
        assertHandMadeRefused(padded(130), new byte[] {(byte) 0x23}, "padding bits");
        assertHandMadeRefused(padded(5), new byte[] {0}, "1 bytes after its raw bits");
        float[] many = new float[103];
        EcqCodec.ECQ4.decodeFloats(
                DType.F32,
                Shape.of(103),
                EcqCodec.params(0.5f),
                MemorySegment.ofArray(rawBlock(padded(1, 130, 2), new byte[] {3})),
                0,
                many,
                0,
                103);
        assertThat(Arrays.copyOf(many, 4)).containsExactly(-0.5f, -49f, 0.5f, 0f);
    }

    /**
     * Escapes at random places among direct symbols, from one in 300 (the decoder's table pass, then
     * its escape pass that skips eight direct symbols at a time) to one in 3 (its branch-free loop),
     * in blocks whose lengths are not multiples of 8: every element decodes to the value the symbol
     * and its raw bits stand for, worked out here from docs/FORMAT.md.
     */
    @ParameterizedTest
    @ValueSource(ints = {300, 40, 9, 3})
    void escapesAnywhereInABlockDecodeExactly(int oneIn) {
        SplittableRandom r = new SplittableRandom(SEED ^ oneIn);
        float step = 0.25f;
        for (int round = 0; round < 20; round++) {
            int m = 1 + r.nextInt(700);
            byte[] sym = new byte[m];
            float[] want = new float[m];
            StringBuilder bits = new StringBuilder(); // least significant bit first
            for (int i = 0; i < m; i++) {
                long z;
                if (r.nextInt(oneIn) == 0) {
                    int len = 8 + r.nextInt(25); // 8 .. 32 bits
                    z = (1L << (len - 1)) | r.nextLong(1L << (len - 1));
                    sym[i] = (byte) (128 + 4 * (len - 8) + ((z >>> (len - 3)) & 3));
                    for (int k = 0; k < len - 3; k++) {
                        bits.append((z >>> k) & 1);
                    }
                } else {
                    z = r.nextInt(128);
                    sym[i] = (byte) z;
                }
                long q = (z >>> 1) ^ -(z & 1);
                want[i] = (float) ((int) q * (double) step);
            }
            byte[] raw = new byte[(bits.length() + 7) / 8];
            for (int k = 0; k < bits.length(); k++) {
                raw[k / 8] |= (byte) ((bits.charAt(k) - '0') << (k % 8));
            }
            float[] y = new float[m];
            EcqCodec.ECQ4.decodeFloats(
                    DType.F32,
                    Shape.of(m),
                    EcqCodec.params(step),
                    MemorySegment.ofArray(rawBlock(sym, raw)),
                    0,
                    y,
                    0,
                    m);
            assertThat(y).as("seed %d, %d elements", SEED, m).containsExactly(want);
        }
    }

    /**
     * The blocks as tasks on a pool ({@link EcqCodec#encodeAsync}, which compress uses so that one
     * large tensor codes on every thread) give {@link EcqCodec#encodeSized}'s bytes and step, in
     * tasks of 1, 2 and 3 blocks (regions slid into place), for every {@code ecq} codec on a tensor
     * of 5.3 blocks with escapes; a non-finite value is refused the same way.
     */
    @Test
    void blocksAsTasksOnAPoolGiveTheSequentialBytes() throws Exception {
        Tensor t = Tensor.ofFloats("w", Shape.of(7, 50_000), weights(350_000, rng("tasks")));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (EcqCodec c : EcqCodec.ALL) {
                Coded want = encode(c, t);
                for (int perTask : new int[] {1, 2, 3}) {
                    MemorySegment dst = MemorySegment.ofArray(new byte[(int) c.encodedSize(t.dtype(), t.shape())]);
                    Codec.Encoded e =
                            c.encodeAsync(t, dst, pool, perTask, () -> false).get();
                    assertThat(e.params()).as(c.name()).isEqualTo(want.params);
                    assertThat(dst.asSlice(0, e.length()).toArray(ValueLayout.JAVA_BYTE))
                            .as("%s in tasks of %d blocks", c.name(), perTask)
                            .isEqualTo(want.payload);
                }
            }
            float[] x = weights(350_000, rng("tasks"));
            x[300_000] = Float.NaN;
            Tensor bad = Tensor.ofFloats("bad", Shape.of(7, 50_000), x);
            MemorySegment dst =
                    MemorySegment.ofArray(new byte[(int) EcqCodec.ECQ4.encodedSize(DType.F32, bad.shape())]);
            assertThatThrownBy(() -> EcqCodec.ECQ4
                            .encodeAsync(bad, dst, pool, 1, () -> false)
                            .get())
                    .hasCauseInstanceOf(NonFiniteValueException.class)
                    .hasMessageContaining("element 300000");
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@code symbols}, then 100 zero (direct) symbols. */
    static byte[] padded(int... symbols) {
        byte[] out = new byte[symbols.length + 100];
        for (int i = 0; i < symbols.length; i++) {
            out[i] = (byte) symbols[i];
        }
        return out;
    }

    /** Random byte flips never escape as anything but a typed error (or a decode of other values). */
    @Test
    void randomCorruptionGivesTypedErrorsOnly() {
        Coded ok = sample();
        SplittableRandom r = rng("flips");
        float[] y = new float[(int) SHAPE.elementCount()];
        int refused = 0;
        for (int k = 0; k < 300; k++) {
            byte[] b = ok.payload.clone();
            int flips = 1 + r.nextInt(4);
            for (int j = 0; j < flips; j++) {
                // most flips in the header, table and record headers, where they do the most harm
                int at = r.nextInt(4) == 0 ? r.nextInt(b.length) : r.nextInt(Math.min(b.length, 400));
                b[at] ^= (byte) (1 << r.nextInt(8));
            }
            try {
                EcqCodec.ECQ8.decodeFloats(DType.F32, SHAPE, ok.params, MemorySegment.ofArray(b), 0, y, 0, y.length);
            } catch (CorruptArtifactException e) {
                refused++;
            }
        }
        assertThat(refused).isPositive();
    }

    @Test
    void validateBoundsParametersAndThePayloadLength() {
        Coded ok = sample();
        EcqCodec c = EcqCodec.ECQ8;
        assertThat(c.validate(DType.F32, SHAPE, ok.params, ok.payload.length)).isNull();
        assertThat(c.validate(DType.I32, SHAPE, ok.params, ok.payload.length)).contains("cannot hold I32");
        assertThat(c.validate(DType.F32, SHAPE, new byte[0], ok.payload.length)).contains("4-byte f32 step");
        assertThat(c.validate(DType.F32, SHAPE, EcqCodec.params(Float.NaN), ok.payload.length))
                .contains("not a finite number");
        assertThat(c.validate(DType.F32, SHAPE, EcqCodec.params(Float.POSITIVE_INFINITY), ok.payload.length))
                .contains("not a finite number");
        assertThat(c.validate(DType.F32, SHAPE, EcqCodec.params(-0f), ok.payload.length))
                .contains("not a finite number");
        assertThat(c.validate(DType.F32, SHAPE, ok.params, 3)).contains("must be");
        assertThat(c.validate(DType.F32, SHAPE, ok.params, Long.MAX_VALUE)).contains("must be");
        // a few bytes claiming a 193 TB tensor: refused before anything allocates for it
        Shape huge = Shape.of(1L << 22, 1L << 22, 3);
        assertThat(c.validate(DType.F32, huge, ok.params, 4096)).contains("must be");
        assertThat(c.validate(DType.F32, Shape.of(1L << 40, 1L << 22), ok.params, 4096))
                .contains("overflows");
        assertThat(c.validate(DType.F32, Shape.of(0), EcqCodec.params(0f), EcqCodec.HEADER_BYTES))
                .isNull();
    }

    @Test
    void encodeOfAVariableSizeCodecRefusesToGuessTheLength() {
        Tensor t = Tensor.ofFloats("t", Shape.of(4), new float[4]);
        assertThatThrownBy(() -> EcqCodec.ECQ4.encode(t, MemorySegment.ofArray(new byte[100])))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("encodeSized");
    }
}
