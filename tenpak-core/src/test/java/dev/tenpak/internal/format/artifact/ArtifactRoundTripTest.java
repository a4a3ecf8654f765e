package dev.tenpak.internal.format.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.Tenpak;
import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.ChecksumMismatchException;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.NonFiniteValueException;
import dev.tenpak.internal.codec.entropycoded.EcqCodec;
import dev.tenpak.internal.codec.groupwise.GroupwiseCodec;
import dev.tenpak.internal.codec.kquant.KQuantCodec;
import dev.tenpak.internal.codec.pertensor.SymmetricPerTensorCodec;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.options.OutputFormat;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writing and reading whole artifacts: round trips, per-tensor reads, atomic writes, edge shapes. */
class ArtifactRoundTripTest {
    static final long SEED = Long.getLong("tenpak.test.seed", new SplittableRandom().nextLong());

    @TempDir
    Path dir;

    static float[] random(int n, long salt) {
        SplittableRandom r = new SplittableRandom(SEED ^ salt);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * 0.02);
        }
        return x;
    }

    @Test
    void writerOutputMatchesTheFormatDocument() {
        byte[] written;
        List<TensorEntry> entries;
        try (ArtifactWriter w = ArtifactWriter.toMemory()) {
            w.metadata(Map.of("k", "v"));
            w.write(Tensor.ofFloats("a", random(100, 1), 10, 10), Codecs.byName("int8_sym_v1"));
            w.write(Tensor.ofFloats("b", random(7, 2), 7), Codecs.byName("int4_sym_v1"));
            w.write(Tensor.ofFloats("c", random(3, 3), 3), Codecs.byName("raw_v1"));
            w.finish();
            written = w.bytes();
            entries = w.entries();
        }
        FormatV1.Builder b = new FormatV1.Builder();
        b.metadata.put("k", "v");
        b.payloads(java.util.Arrays.copyOfRange(written, 64, (int) FormatV1.u64(written, written.length - 32)));
        for (TensorEntry e : entries) {
            b.add(new FormatV1.Entry(
                    e.name(),
                    e.dtype().id(),
                    e.shape().dims(),
                    e.codec(),
                    e.params(),
                    e.offset(),
                    e.length(),
                    e.crc32c()));
        }
        assertThat(b.build()).isEqualTo(written);
        assertThat(entries).extracting(TensorEntry::offset).containsExactly(64L, 192L, 256L);
    }

    @Test
    void everyCodecAndDtypeRoundTripsThroughAFile() {
        Path file = dir.resolve("all.tenpak");
        Map<String, float[]> originals = new LinkedHashMap<>();
        try (ArtifactWriter w = ArtifactWriter.create(file)) {
            int k = 0;
            for (Codec c : Codecs.all()) {
                for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16}) {
                    String name = c.name() + "/" + dt;
                    float[] x = random(10 * (100 + k), k);
                    Tensor t = GoldenArtifacts.narrow(name, dt, Shape.of(10, 100 + k), x);
                    k++;
                    originals.put(name, t.toFloatArray());
                    w.write(t, c);
                }
            }
            assertThat(w.finish()).isEqualTo(sizeOf(file));
        }
        try (ArtifactReader r = ArtifactReader.open(file)) {
            assertThat(r.entries()).hasSize(originals.size());
            for (TensorEntry e : r.entries()) {
                float[] x = originals.get(e.name());
                float[] y = r.read(e.name()).toFloatArray();
                assertThat(y).as(e.name()).hasSize(x.length);
                if (e.codec().equals("raw_v1")) {
                    assertThat(y).as(e.name()).containsExactly(x);
                    continue;
                }
                double[] bound = errorBound(Codecs.byName(e.codec()), e, x);
                // decoded floats are rounded once more to the tensor's dtype: allow half its ulp
                for (int i = 0; i < x.length; i++) {
                    double slack = e.dtype() == DType.F32
                            ? Math.ulp(x[i])
                            : Math.abs(y[i]) / (e.dtype() == DType.F16 ? 1024 : 128);
                    assertThat((double) Math.abs(x[i] - y[i]))
                            .as("%s[%d] seed %d", e.name(), i, SEED)
                            .isLessThanOrEqualTo(bound[i] + slack);
                }
            }
        }
    }

    @Test
    void readingOneTensorNeedsNoOtherTensorsPayload() throws IOException {
        Path file = dir.resolve("two.tenpak");
        try (ArtifactWriter w = ArtifactWriter.create(file)) {
            w.write(Tensor.ofFloats("first", random(64, 5), 64), Codecs.byName("int8_sym_v1"));
            w.write(Tensor.ofFloats("second", random(64, 6), 64), Codecs.byName("int8_sym_v1"));
            w.finish();
        }
        float[] expected;
        long secondOffset;
        try (ArtifactReader r = ArtifactReader.open(file)) {
            expected = r.read("first").toFloatArray();
            secondOffset = r.entry("second").offset();
        }
        byte[] b = Files.readAllBytes(file);
        for (int i = 0; i < 64; i++) {
            b[(int) secondOffset + i] ^= 0x5A; // destroy the other payload entirely
        }
        Files.write(file, b);
        try (ArtifactReader r = ArtifactReader.open(file)) {
            assertThat(r.read("first").toFloatArray()).containsExactly(expected);
            assertThatThrownBy(() -> r.read("second"))
                    .isInstanceOfSatisfying(ChecksumMismatchException.class, e -> {
                        assertThat(e.tensor()).isEqualTo("second");
                        assertThat(e.offset()).isEqualTo(secondOffset);
                    })
                    .hasMessageContaining(file.toString());
            assertThat(r.verify(r.entry("first"))).isTrue();
            assertThat(r.verify(r.entry("second"))).isFalse();
        }
        assertThat(Tenpak.inspect(file).checksumsOk()).isFalse();
    }

    @Test
    void aFailedWriteLeavesNeitherTargetNorTemporaryFile() throws IOException {
        Path target = dir.resolve("out.tenpak");
        assertThatThrownBy(() -> {
                    try (ArtifactWriter w = ArtifactWriter.create(target)) {
                        w.write(Tensor.ofFloats("ok", random(1000, 7), 1000), Codecs.byName("int8_sym_v1"));
                        assertThat(listDir()).hasSize(1); // the temporary file, being written
                        throw new IllegalStateException("simulated crash mid-write");
                    }
                })
                .hasMessage("simulated crash mid-write");
        assertThat(listDir()).isEmpty();
    }

    @Test
    void anExistingTargetSurvivesAFailedWrite() throws IOException {
        Path target = dir.resolve("out.tenpak");
        Files.writeString(target, "previous artifact");
        float[] bad = random(100, 8);
        bad[42] = Float.NaN;
        try (ArtifactWriter w = ArtifactWriter.create(target)) {
            w.write(Tensor.ofFloats("ok", random(100, 9), 100), Codecs.byName("int8_sym_v1"));
            assertThatThrownBy(() -> w.write(Tensor.ofFloats("bad", bad, 100), Codecs.byName("int8_sym_v1")))
                    .isInstanceOf(NonFiniteValueException.class);
        }
        assertThat(Files.readString(target)).isEqualTo("previous artifact");
        assertThat(listDir()).containsExactly(target);
    }

    @Test
    void aFailedCompressKeepsTheOldArtifactAndLeavesNoTemporaryFile() throws IOException {
        Path input = dir.resolve("b.json");
        Files.writeString(input, """
                {"tensors":[{"name":"a","shape":[2],"data":[1,2]},{"name":"b","shape":[3],"data":[1,2]}]}""");
        Path target = dir.resolve("a.tenpak");
        Files.writeString(target, "old");
        assertThatThrownBy(() -> Tenpak.compress(input, target, CompressOptions.defaults()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'b'");
        assertThat(Files.readString(target)).isEqualTo("old");
        assertThat(listDir()).containsExactlyInAnyOrder(input, target);
    }

    @Test
    void aFailedDecompressLeavesNoOutput() throws IOException {
        Path artifact = dir.resolve("ints.tenpak");
        try (ArtifactWriter w = ArtifactWriter.create(artifact)) {
            w.write(Tensor.ofFloats("f", new float[] {1, 2}, 2), Codecs.byName("raw_v1"));
            w.write(
                    new Tensor("ids", DType.I64, Shape.of(1), MemorySegment.ofArray(new byte[8])),
                    Codecs.byName("raw_v1"));
            w.finish();
        }
        Path out = dir.resolve("out.json");
        assertThatThrownBy(() -> Tenpak.decompress(
                        artifact, out, DecompressOptions.defaults().withFormat(OutputFormat.JSON)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'ids'");
        assertThat(listDir()).containsExactly(artifact);
    }

    @Test
    void anEmptyBundleIsAValidArtifact() {
        byte[] b;
        try (ArtifactWriter w = ArtifactWriter.toMemory()) {
            w.finish();
            b = w.bytes();
        }
        try (ArtifactReader r = ArtifactReader.of(b, "empty")) {
            assertThat(r.entries()).isEmpty();
            assertThat(r.codec()).isEqualTo("raw_v1");
            // preamble, index (entry_count 4 + codec 2 + "raw_v1" 6 + metadata_count 4), trailer
            assertThat(r.byteSize()).isEqualTo(64 + 16 + 32);
        }
    }

    /**
     * Per-element error bound of a lossy codec: half the per-tensor scale; for group-wise codecs
     * half the group's step (the f16 scale may exceed max/Q by one f16 ulp), a full step for the
     * asymmetric variant (its f16 offset rounds too), and the clipping loss plus a step for the
     * scale search (clip ratios down to 0.85).
     */
    private static double[] errorBound(Codec codec, TensorEntry e, float[] x) {
        double[] bound = new double[x.length];
        if (codec.lossless()) {
            return bound; // raw_v1, lossless_v1: exact
        }
        if (codec instanceof SymmetricPerTensorCodec) {
            java.util.Arrays.fill(bound, SymmetricPerTensorCodec.scaleOf(e.params()) / 2.0);
            return bound;
        }
        if (codec instanceof KQuantCodec k) {
            // grid codecs: the error search may clip the block's extremes, so the bound is loose:
            // twice the block's largest magnitude over 2^(bits-1); KQuantCodecTest pins exact bytes
            int block = k.superBlocks() ? 256 : 32;
            for (int from = 0; from < x.length; from += block) {
                int to = Math.min(from + block, x.length);
                double amax = 0;
                for (int i = from; i < to; i++) {
                    amax = Math.max(amax, Math.abs(x[i]));
                }
                double step = amax / (1 << (k.bits() - 1)) * 2;
                java.util.Arrays.fill(bound, from, to, step);
            }
            return bound;
        }
        if (codec instanceof EcqCodec) {
            // one step per tensor, every value rounded to the nearest multiple
            java.util.Arrays.fill(bound, EcqCodec.stepOf(e.params()) / 2.0);
            return bound;
        }
        GroupwiseCodec g = (GroupwiseCodec) codec;
        int q = g.bits() == 8 ? 127 : 7;
        int len = (int) e.shape().lastDim();
        for (int row = 0; row < x.length; row += len) {
            for (int from = row; from < row + len; from += g.groupSize()) {
                int to = Math.min(from + g.groupSize(), row + len);
                double max = 0;
                double min = 0;
                for (int i = from; i < to; i++) {
                    max = Math.max(max, x[i]);
                    min = Math.min(min, x[i]);
                }
                double amax = Math.max(max, -min);
                double step = switch (g.variant()) {
                    case SYMMETRIC -> amax / q * (1 + 1.0 / 1024) / 2;
                    case ASYMMETRIC -> (max - min) / 15 * (1 + 1.0 / 1024);
                    case SEARCH -> 0.15 * amax + amax / q;
                };
                for (int i = from; i < to; i++) {
                    bound[i] = step;
                }
            }
        }
        return bound;
    }

    @Test
    void scalarsAndZeroSizeTensorsRoundTripWithEveryCodec() {
        List<Tensor> tensors = new ArrayList<>();
        byte[] b;
        try (ArtifactWriter w = ArtifactWriter.toMemory()) {
            for (Codec c : Codecs.all()) {
                Tensor scalar = Tensor.ofFloats(c.name() + "/scalar", Shape.of(), new float[] {-1.25f});
                Tensor empty = Tensor.ofFloats(c.name() + "/empty", Shape.of(3, 0, 5), new float[0]);
                Tensor zero = Tensor.ofFloats(c.name() + "/zero", Shape.of(0), new float[0]);
                for (Tensor t : List.of(scalar, empty, zero)) {
                    w.write(t, c);
                    tensors.add(t);
                }
            }
            w.finish();
            b = w.bytes();
        }
        try (ArtifactReader r = ArtifactReader.of(b, "edge")) {
            for (Tensor t : tensors) {
                Tensor back = r.read(t.name());
                assertThat(back.shape()).as(t.name()).isEqualTo(t.shape());
                Codec used = Codecs.byName(r.entry(t.name()).codec());
                if (used instanceof GroupwiseCodec) {
                    // a one-element group: its f16 scale is the smallest with Q * s >= |x|
                    assertThat(back.toFloatArray())
                            .as(t.name())
                            .usingComparatorWithPrecision(1.25f / 1024)
                            .containsExactly(t.toFloatArray());
                } else if (used instanceof KQuantCodec) {
                    // a one-element block: an f16 scale times a table level, so f16 precision
                    assertThat(back.toFloatArray())
                            .as(t.name())
                            .usingComparatorWithPrecision(1.25f / 512)
                            .containsExactly(t.toFloatArray());
                } else if (used instanceof EcqCodec) {
                    // the nearest multiple of the step (0.9 * rms * 2^(2 - b))
                    float step = EcqCodec.stepOf(r.entry(t.name()).params());
                    assertThat(back.toFloatArray())
                            .as(t.name())
                            .usingComparatorWithPrecision(step / 2 * 1.0001f)
                            .containsExactly(t.toFloatArray());
                } else {
                    assertThat(back.toFloatArray()).as(t.name()).containsExactly(t.toFloatArray());
                }
            }
            assertThat(r.entry("int8_sym_v1/empty").params()).isEqualTo(FormatV1.f32(1f));
        }
    }

    @Test
    void metadataRoundTripsInOrder() {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("", "empty key");
        meta.put("ünïcödé ✓", "värde\nwith newline");
        meta.put("empty value", "");
        byte[] b;
        try (ArtifactWriter w = ArtifactWriter.toMemory()) {
            w.metadata(meta);
            w.write(Tensor.ofFloats("x", new float[] {1}, 1), Codecs.byName("raw_v1"));
            w.finish();
            b = w.bytes();
        }
        try (ArtifactReader r = ArtifactReader.of(b, "meta")) {
            assertThat(r.metadata()).containsExactlyEntriesOf(meta);
        }
    }

    @Test
    void duplicateNamesAreRefusedByTheWriter() {
        try (ArtifactWriter w = ArtifactWriter.toMemory()) {
            w.write(Tensor.ofFloats("x", new float[] {1}, 1), Codecs.byName("raw_v1"));
            assertThatThrownBy(() -> w.write(Tensor.ofFloats("x", new float[] {2}, 1), Codecs.byName("raw_v1")))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("duplicate tensor name 'x'");
        }
    }

    private List<Path> listDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
