package dev.tenpak.fuzz;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.internal.format.json.JsonBundleWriter;
import dev.tenpak.internal.format.safetensors.SafetensorsWriter;
import dev.tenpak.internal.pipeline.EncodedTensor;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeds the fuzz targets with valid inputs made by tenpak's own writers, so the corpus follows the
 * formats as they change (the committed goldens and examples are copied in by the build as well).
 * Small on purpose: libFuzzer mutates short inputs far faster than long ones.
 */
final class Seeds {
    private static final long SEED = 12;

    private Seeds() {}

    /** A few small tensors of the dtypes the codecs accept, with awkward lengths (1, 7, 33), and an integer one. */
    static List<Tensor> tensors() {
        SplittableRandom random = new SplittableRandom(SEED);
        List<Tensor> out = new ArrayList<>();
        out.add(Tensor.ofFloats("w", gaussian(random, 33), 3, 11));
        out.add(Tensor.ofFloats("b", gaussian(random, 7), 7));
        out.add(Tensor.ofFloats("s", new float[] {0.5f}));
        out.add(Tensor.ofFloats("e", new float[0], 0, 4));
        out.add(new Tensor(
                "h", DType.F16, Shape.of(2, 2), MemorySegment.ofArray(new byte[] {0, 60, 0, -68, 0, 0, 0, 64})));
        out.add(new Tensor("bf", DType.BF16, Shape.of(3), MemorySegment.ofArray(new byte[] {-128, 63, 0, -64, 0, 0})));
        out.add(new Tensor(
                "ids", DType.I32, Shape.of(2), MemorySegment.ofArray(new byte[] {1, 0, 0, 0, -1, -1, -1, 127})));
        return out;
    }

    /** One artifact per codec (every tensor it accepts, the rest raw), then one with metadata. */
    static List<byte[]> artifacts() {
        List<byte[]> out = new ArrayList<>();
        Codec raw = Codecs.byName("raw_v1");
        for (Codec codec : Codecs.all()) {
            try (ArtifactWriter w = ArtifactWriter.toMemory()) {
                for (Tensor t : tensors()) {
                    write(w, t, codec.accepts(t.dtype()) ? codec : raw);
                }
                w.finish();
                out.add(w.bytes());
            }
        }
        try (ArtifactWriter w = ArtifactWriter.toMemory();
                Arena arena = Arena.ofConfined()) { // format v2: int8 codes through the entropy stage
            float[] x = new float[300];
            for (int i = 0; i < x.length; i++) {
                x[i] = (i % 7) - 3;
            }
            EncodedTensor.encode(Tensor.ofFloats("staged", x, 300), Codecs.byName("int8_sym_v1"), arena)
                    .writeToStaged(w, arena);
            w.finish();
            out.add(w.bytes());
        }
        try (ArtifactWriter w = ArtifactWriter.toMemory()) {
            w.metadata(Map.of("producer", "fuzz seed", "tenpak.hf.file:config.json", "eyJhIjoxfQ=="));
            w.write(Tensor.ofFloats("x", new float[] {1f, -2f}, 2), Codecs.byName(Codecs.DEFAULT));
            w.finish();
            out.add(w.bytes());
        }
        return out;
    }

    /** Encodes as the compress pipeline does: {@code encodeSized} works for fixed- and variable-size codecs. */
    private static void write(ArtifactWriter w, Tensor t, Codec codec) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, codec.encodedSize(t.dtype(), t.shape())))
                    .asSlice(0, codec.encodedSize(t.dtype(), t.shape()));
            Codec.Encoded encoded = codec.encodeSized(t, buf);
            w.writeEncoded(
                    t.name(), t.dtype(), t.shape(), codec.name(), encoded.params(), buf.asSlice(0, encoded.length()));
        }
    }

    /** A safetensors file holding {@code tensors}, as the writer lays it out. */
    static byte[] safetensors(List<Tensor> tensors, Map<String, String> metadata) {
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (Tensor t : tensors) {
            entries.add(new SafetensorsWriter.Entry(t.name(), t.dtype(), t.shape()));
        }
        byte[] header = SafetensorsWriter.header(entries, metadata);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length)
                .array());
        out.writeBytes(header);
        for (Tensor t : tensors) {
            out.writeBytes(t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
        return out.toByteArray();
    }

    static List<byte[]> safetensorsFiles() {
        List<Tensor> all = tensors();
        return List.of(
                safetensors(all, Map.of()),
                safetensors(all.subList(0, 2), Map.of("format", "pt")),
                safetensors(List.of(), Map.of()));
    }

    /** JSON bundles as the writer writes them, plus the reader's accepted spellings. */
    static List<byte[]> jsonBundles() {
        List<byte[]> out = new ArrayList<>();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (JsonBundleWriter w = new JsonBundleWriter(buf, "seed.json")) {
            for (Tensor t : tensors()) {
                if (t.dtype() == DType.F32) {
                    w.write(t);
                }
            }
        }
        out.add(buf.toByteArray());
        out.add(utf8("{\"metadata\":{\"k\":\"v\"},\"tensors\":[{\"name\":\"a\",\"shape\":[],\"data\":[NaN]},"
                + "{\"name\":\"b\",\"shape\":[1,2],\"data\":[\"Infinity\",-1e-3]}]}"));
        out.add(utf8("{\"tensors\":[]}"));
        return out;
    }

    /** HF index files for the folder {@link HfIndexFuzzTest} lays out. */
    static List<byte[]> hfIndexes() {
        return List.of(
                utf8("{\"metadata\":{\"total_size\":44},\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\","
                        + "\"b\":\"model-00001-of-00002.safetensors\",\"c\":\"model-00002-of-00002.safetensors\"}}"),
                utf8(
                        "{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"c\":\"sub/../model-00002-of-00002.safetensors\"}}"));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller, std 0.02 like real weights
            double u = 1 - random.nextDouble();
            v[i] = (float) (0.02 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        return v;
    }
}
