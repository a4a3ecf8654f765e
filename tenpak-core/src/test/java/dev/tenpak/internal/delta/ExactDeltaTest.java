package dev.tenpak.internal.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.Tenpak;
import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.ShapeMismatchException;
import dev.tenpak.internal.codec.raw.RawCodec;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.options.DeltaOptions;
import dev.tenpak.options.MaterializeOptions;
import dev.tenpak.report.DeltaReport;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exact deltas: materialize must give back every byte of the variant, whatever the bits (NaN
 * payloads, signed zeros, subnormals, infinities), whatever the dtype, and whatever codec made the
 * base (a lossy base decodes to other values than the original, and the XOR is taken against those).
 */
class ExactDeltaTest {
    private static final long SEED = 0xE8AC7L;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    /** Bit patterns a float codec could get wrong: every special class of value, in each width. */
    private static final int[] F32_SPECIALS = {
        0x00000000,
        0x80000000,
        0x00000001,
        0x807FFFFF,
        0x7F800000,
        0xFF800000,
        0x7FC00000,
        0x7F800001,
        0xFFC12345,
        0x3F800000,
        0x7F7FFFFF,
        0x00800000
    };

    private static final short[] HALF_SPECIALS = {
        0x0000,
        (short) 0x8000,
        0x0001,
        (short) 0x807F,
        0x7F80,
        (short) 0xFF80,
        0x7FC0,
        0x7F81,
        (short) 0xFFC3,
        0x3F80,
        0x7C00,
        0x7E01
    };

    @ParameterizedTest
    @ValueSource(strings = {"raw_v1", "int8_sym_v1", "lossless_v1"})
    void materializeGivesBackEveryBitOfTheVariant(String baseCodec) {
        SplittableRandom rnd = new SplittableRandom(SEED ^ baseCodec.hashCode());
        System.out.println("ExactDeltaTest seed " + SEED + " base codec " + baseCodec);
        try (Arena arena = Arena.ofConfined()) {
            List<Tensor> base = new ArrayList<>();
            List<Tensor> variant = new ArrayList<>();
            for (DType t : new DType[] {DType.F32, DType.F16, DType.BF16, DType.F64, DType.I64, DType.U8}) {
                // a weight matrix whose low mantissa bits move, as a small fine-tuning step does
                Tensor w = random(t.name().toLowerCase() + ".w", t, Shape.of(48, 96), rnd, arena);
                base.add(w);
                variant.add(flipLowBits(w, rnd, 0.3, arena));
                // every special bit pattern, in the base and (other ones) in the variant
                base.add(specials(t.name().toLowerCase() + ".special", t, 0, arena));
                variant.add(specials(t.name().toLowerCase() + ".special", t, 5, arena));
                // untouched
                Tensor same = random(t.name().toLowerCase() + ".same", t, Shape.of(33), rnd, arena);
                base.add(same);
                variant.add(same);
            }
            base.add(constant("one", DType.BF16, Shape.of(1), (short) 0x3F80, arena));
            variant.add(constant("one", DType.BF16, Shape.of(1), (short) 0x8000, arena));
            base.add(constant("empty", DType.F32, Shape.of(0, 4), (short) 0, arena));
            variant.add(constant("empty", DType.F32, Shape.of(0, 4), (short) 0, arena));
            base.add(constant("flat", DType.F16, Shape.of(4096), (short) 0x3C00, arena));
            variant.add(constant("flat", DType.F16, Shape.of(4096), (short) 0x3C01, arena));
            variant.add(random("added", DType.BF16, Shape.of(7, 3), rnd, arena)); // new in the variant
            Tensor reshaped = random("reshaped", DType.F32, Shape.of(6, 4), rnd, arena);
            base.add(reshaped);
            variant.add(new Tensor("reshaped", DType.F32, Shape.of(4, 6), reshaped.data()));
            Tensor retyped = random("retyped", DType.F16, Shape.of(10), rnd, arena);
            base.add(retyped);
            variant.add(new Tensor("retyped", DType.BF16, Shape.of(10), retyped.data()));

            Path baseArtifact = writeBase(base, Codecs.byName(baseCodec));
            Path delta = dir.resolve("exact.delta.tenpak");
            DeltaReport r;
            try (TensorSource vs = TensorSource.of(variant, Map.of("note", "variant"), "variant")) {
                r = Tenpak.delta(baseArtifact, vs, delta, DeltaOptions.bitExact());
            }
            Map<String, DeltaReport.Entry> byName =
                    r.tensors().stream().collect(Collectors.toMap(DeltaReport.Entry::name, e -> e));
            assertThat(r.exact()).isTrue();
            assertThat(r.codec()).isEqualTo(Codecs.DEFAULT_LOSSLESS);
            assertThat(byName.get("added").status()).isEqualTo("new");
            assertThat(byName.get("reshaped").status()).isEqualTo("shape changed");
            assertThat(byName.get("retyped").status()).isEqualTo("dtype changed");
            assertThat(byName.get("empty").status()).isEqualTo("unchanged");
            for (DeltaReport.Entry e : r.tensors()) {
                if (e.mode() != null) {
                    assertThat(e.mae()).as(e.name()).isZero();
                    assertThat(e.codec()).as(e.name()).isEqualTo(Codecs.DEFAULT_LOSSLESS);
                }
            }
            if (!baseCodec.equals("int8_sym_v1")) {
                // against a base that decodes to its own bits, untouched tensors are unchanged and the
                // fine-tuned weights go as XOR
                assertThat(byName.get("bf16.same").status()).isEqualTo("unchanged");
                assertThat(byName.get("bf16.w").mode()).isEqualTo(DeltaFormat.MODE_ULP);
                assertThat(byName.get("f32.w").mode()).isEqualTo(DeltaFormat.MODE_ULP);
                assertThat(byName.get("i64.w").mode()).isEqualTo(DeltaFormat.MODE_XOR);
            }
            try (ArtifactReader d = ArtifactReader.open(delta)) {
                assertThat(d.metadata())
                        .containsEntry(DeltaFormat.KEY_VERSION, String.valueOf(DeltaFormat.VERSION_EXACT))
                        .containsEntry("note", "variant");
            }

            Path out = dir.resolve("materialized.tenpak");
            Tenpak.materialize(baseArtifact, delta, out, MaterializeOptions.defaults());
            try (ArtifactReader a = ArtifactReader.open(out)) {
                assertThat(a.entries())
                        .extracting(TensorEntry::name)
                        .containsExactlyElementsOf(
                                variant.stream().map(Tensor::name).toList());
                assertThat(a.metadata()).containsEntry("note", "variant");
                for (Tensor v : variant) {
                    Tensor got = a.read(v.name());
                    assertThat(got.dtype()).as(v.name()).isEqualTo(v.dtype());
                    assertThat(got.shape()).as(v.name()).isEqualTo(v.shape());
                    assertThat(got.data().mismatch(v.data()))
                            .as("first differing byte of " + v.name())
                            .isEqualTo(-1L);
                }
            }
        }
    }

    @Test
    void ulpDistancesGiveBackEveryWordAndSmallStepsAreSmall() {
        try (Arena arena = Arena.ofConfined()) {
            // every 16-bit pattern against every special one, as BF16 and as F16
            MemorySegment all = arena.allocate(2 * 65536);
            for (int i = 0; i < 65536; i++) {
                all.set(U16, 2L * i, (short) i);
            }
            for (DType t : new DType[] {DType.BF16, DType.F16}) {
                Tensor v = new Tensor("v", t, Shape.of(65536), all);
                for (short special : HALF_SPECIALS) {
                    Tensor b = constant("b", t, Shape.of(65536), special, arena);
                    Tensor z = Residuals.ulp(v, b, arena);
                    assertThat(Residuals.unUlp(z, b, arena).data().mismatch(all))
                            .as(t + " against " + Integer.toHexString(special & 0xFFFF))
                            .isEqualTo(-1L);
                }
            }
            // random words of every float width against random and special bases
            SplittableRandom rnd = new SplittableRandom(SEED);
            for (DType t : new DType[] {DType.F32, DType.F64}) {
                int n = 4096;
                MemorySegment vs = arena.allocate(t.byteSizeFor(n));
                MemorySegment bs = arena.allocate(t.byteSizeFor(n));
                for (int i = 0; i < n * t.byteSize(); i++) {
                    vs.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
                    bs.set(ValueLayout.JAVA_BYTE, i, (byte) (i % 7 == 0 ? 0x80 : rnd.nextInt(256)));
                }
                Tensor v = new Tensor("v", t, Shape.of(n), vs);
                Tensor b = new Tensor("b", t, Shape.of(n), bs);
                assertThat(Residuals.unUlp(Residuals.ulp(v, b, arena), b, arena)
                                .data()
                                .mismatch(vs))
                        .as(t.name())
                        .isEqualTo(-1L);
            }
            // one ULP up or down is 2 or 1, across zero too (+0 and -0 are one ULP apart)
            Tensor from = floats(arena, 1.0f, -1.0f, 0.0f, -0.0f, 0.0f);
            Tensor to = floats(arena, Math.nextUp(1.0f), Math.nextDown(-1.0f), -0.0f, 0.0f, Float.MIN_VALUE);
            Tensor z = Residuals.ulp(to, from, arena);
            assertThat(z.data().toArray(U32)).containsExactly(2, 1, 1, 2, 2);
        }
    }

    private static Tensor floats(Arena arena, float... values) {
        MemorySegment s = arena.allocate(4L * values.length);
        for (int i = 0; i < values.length; i++) {
            s.set(U32, 4L * i, Float.floatToRawIntBits(values[i]));
        }
        return new Tensor("f", DType.F32, Shape.of(values.length), s);
    }

    @Test
    void aLossyCodecOrAnEpsilonIsRefusedForAnExactDelta() {
        assertThatThrownBy(() -> DeltaOptions.bitExact().withCodec("int8_sym_v1"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("int8_sym_v1 is lossy")
                .extracting(e -> ((InvalidInputException) e).option())
                .isEqualTo("codec");
        assertThatThrownBy(() -> new DeltaOptions(
                        0.5,
                        "lossless_v1",
                        DeltaOptions.bitExact().inputFormat(),
                        false,
                        DeltaOptions.bitExact().progress(),
                        true))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("takes no epsilon");
        assertThat(DeltaOptions.bitExact().withCodec("raw_v1").codec()).isEqualTo("raw_v1");
    }

    @Test
    void aLossyDeltaStillWritesVersionOne() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = random("w", DType.F32, Shape.of(64, 64), new SplittableRandom(SEED), arena);
            Path baseArtifact = writeBase(List.of(w), RawCodec.INSTANCE);
            Path delta = dir.resolve("lossy.delta.tenpak");
            Tensor moved = flipLowBits(w, new SplittableRandom(SEED + 1), 1.0, arena);
            try (TensorSource vs = TensorSource.of(List.of(moved), Map.of(), "variant")) {
                Tenpak.delta(baseArtifact, vs, delta, DeltaOptions.of(0));
            }
            try (ArtifactReader d = ArtifactReader.open(delta)) {
                assertThat(d.metadata()).containsEntry(DeltaFormat.KEY_VERSION, "1");
            }
        }
    }

    @Test
    void aCraftedXorEntryOfAnotherDtypeOrANewerVersionIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = random("w", DType.BF16, Shape.of(8, 8), new SplittableRandom(SEED), arena);
            Path baseArtifact = writeBase(List.of(w), RawCodec.INSTANCE);
            String hash;
            try (ArtifactReader b = ArtifactReader.open(baseArtifact)) {
                hash = DeltaFormat.baseHash(b);
            }
            Path out = dir.resolve("out.tenpak");
            Tensor wrong = random("w", DType.F16, Shape.of(8, 8), new SplittableRandom(SEED), arena);
            Path retyped = crafted("retyped.delta.tenpak", hash, "2", wrong);
            assertThatThrownBy(() -> Tenpak.materialize(baseArtifact, retyped, out, MaterializeOptions.defaults()))
                    .isInstanceOf(ShapeMismatchException.class)
                    .hasMessageContaining("xor tensor 'w' is [8, 8] F16 but the base's is [8, 8] BF16");
            Tensor ints = random("w", DType.I16, Shape.of(8, 8), new SplittableRandom(SEED), arena);
            Path intBase = writeBase(List.of(ints), RawCodec.INSTANCE);
            String intHash;
            try (ArtifactReader b = ArtifactReader.open(intBase)) {
                intHash = DeltaFormat.baseHash(b);
            }
            Path ulpOfInts = crafted("ulp.delta.tenpak", intHash, "2", ints, DeltaFormat.MODE_ULP);
            assertThatThrownBy(() -> Tenpak.materialize(intBase, ulpOfInts, out, MaterializeOptions.defaults()))
                    .isInstanceOf(CorruptArtifactException.class)
                    .hasMessageContaining("an ulp tensor must be a float tensor, index says I16");
            Path newer = crafted("newer.delta.tenpak", hash, "3", w);
            assertThatThrownBy(() -> Tenpak.materialize(baseArtifact, newer, out, MaterializeOptions.defaults()))
                    .isInstanceOf(CorruptArtifactException.class)
                    .hasMessageContaining("delta version 3 is not one this tenpak reads (1 or 2)");
            assertThat(out).doesNotExist();
        }
    }

    private Path crafted(String name, String hash, String version, Tensor xor) {
        return crafted(name, hash, version, xor, DeltaFormat.MODE_XOR);
    }

    private Path crafted(String name, String hash, String version, Tensor xor, String mode) {
        Path p = dir.resolve(name);
        try (ArtifactWriter w = ArtifactWriter.create(p)) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put(DeltaFormat.KEY_VERSION, version);
            meta.put(DeltaFormat.KEY_BASE, hash);
            meta.put(DeltaFormat.KEY_ORDER, "[\"" + xor.name() + "\"]");
            meta.put(DeltaFormat.KEY_REMOVED, "[]");
            meta.put(DeltaFormat.KEY_MODE_PREFIX + xor.name(), mode);
            w.metadata(meta);
            w.write(xor, Codecs.byName(Codecs.DEFAULT_LOSSLESS));
            w.finish();
        }
        return p;
    }

    private Path writeBase(List<Tensor> tensors, Codec codec) {
        Path p = dir.resolve("base-" + codec.name() + ".tenpak");
        try (ArtifactWriter w = ArtifactWriter.create(p)) {
            for (Tensor t : tensors) {
                boolean quantizable = codec.accepts(t.dtype()) && !hasNonFinite(t);
                w.write(t, quantizable ? codec : RawCodec.INSTANCE);
            }
            w.finish();
        }
        return p;
    }

    private static boolean hasNonFinite(Tensor t) {
        if (!t.dtype().isCompressible()) {
            return false;
        }
        for (long i = 0; i < t.elementCount(); i++) {
            if (!Float.isFinite(t.getFloat(i))) {
                return true;
            }
        }
        return false;
    }

    /** Values of a trained layer: gaussian floats (std 0.02) in float dtypes, random bytes in the rest. */
    private static Tensor random(String name, DType t, Shape shape, SplittableRandom rnd, Arena arena) {
        long n = shape.elementCount();
        MemorySegment data = arena.allocate(Math.max(1, t.byteSizeFor(n))).asSlice(0, t.byteSizeFor(n));
        for (long i = 0; i < n; i++) {
            float f = (float) (rnd.nextGaussian() * 0.02);
            switch (t) {
                case F32 -> data.set(U32, 4 * i, Float.floatToRawIntBits(f));
                case F16 -> data.set(U16, 2 * i, Float.floatToFloat16(f));
                case BF16 -> data.set(U16, 2 * i, (short) (Float.floatToRawIntBits(f) >>> 16));
                case F64 -> data.set(ValueLayout.JAVA_LONG_UNALIGNED, 8 * i, Double.doubleToRawLongBits(f));
                default -> {
                    for (int b = 0; b < t.byteSize(); b++) {
                        data.set(ValueLayout.JAVA_BYTE, t.byteSize() * i + b, (byte) rnd.nextInt(256));
                    }
                }
            }
        }
        return new Tensor(name, t, shape, data);
    }

    /** {@code t} with the lowest bits of a fraction of its elements flipped (a small fine-tuning step). */
    private static Tensor flipLowBits(Tensor t, SplittableRandom rnd, double fraction, Arena arena) {
        MemorySegment data = arena.allocate(Math.max(1, t.byteSize())).asSlice(0, t.byteSize());
        data.copyFrom(t.data());
        int size = t.dtype().byteSize();
        for (long i = 0; i < t.elementCount(); i++) {
            if (rnd.nextDouble() < fraction) {
                long at = i * size; // little-endian: the lowest byte holds the lowest mantissa bits
                data.set(
                        ValueLayout.JAVA_BYTE, at, (byte) (data.get(ValueLayout.JAVA_BYTE, at) ^ (1 + rnd.nextInt(7))));
            }
        }
        return new Tensor(t.name(), t.dtype(), t.shape(), data);
    }

    /** The special patterns of the dtype, rotated by {@code shift} so base and variant differ. */
    private static Tensor specials(String name, DType t, int shift, Arena arena) {
        int n = t == DType.F32 ? F32_SPECIALS.length : HALF_SPECIALS.length;
        long bytes = t.byteSizeFor(n);
        MemorySegment data = arena.allocate(bytes);
        for (int i = 0; i < n; i++) {
            int k = (i + shift) % n;
            switch (t.byteSize()) {
                case 4 -> data.set(U32, 4L * i, F32_SPECIALS[k]);
                case 2 -> data.set(U16, 2L * i, HALF_SPECIALS[k]);
                case 8 ->
                    data.set(
                            ValueLayout.JAVA_LONG_UNALIGNED,
                            8L * i,
                            (long) F32_SPECIALS[k % F32_SPECIALS.length] << 32 | k);
                default -> data.set(ValueLayout.JAVA_BYTE, i, (byte) HALF_SPECIALS[k]);
            }
        }
        return new Tensor(name, t, Shape.of(n), data);
    }

    private static Tensor constant(String name, DType t, Shape shape, short bits, Arena arena) {
        long n = shape.elementCount();
        MemorySegment data = arena.allocate(Math.max(1, t.byteSizeFor(n))).asSlice(0, t.byteSizeFor(n));
        for (long i = 0; i < n; i++) {
            if (t.byteSize() == 2) {
                data.set(U16, 2 * i, bits);
            } else {
                data.set(U32, 4 * i, Float.floatToRawIntBits(bits));
            }
        }
        return new Tensor(name, t, shape, data);
    }
}
