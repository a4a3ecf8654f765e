package dev.tenpak.internal.format.compressedtensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tenpak.Tenpak;
import dev.tenpak.error.ChecksumMismatchException;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.safetensors.SafetensorsReader;
import dev.tenpak.internal.format.safetensors.SafetensorsWriter;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.options.EntropyMode;
import dev.tenpak.options.OutputFormat;
import dev.tenpak.report.ExportReport;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An artifact of a small hand-made Hugging Face folder exported as compressed-tensors,
 * its packed weights unpacked here the way compressed-tensors 0.20.1 does ({@code unpack_from_int32},
 * then {@code q.to(scale.dtype) * scale}) and compared bit for bit with tenpak's decode.
 */
class CompressedTensorsExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SEED = 17L;

    @TempDir
    Path dir;

    /** One tensor of the fixture folder. */
    record T(String name, DType dtype, long[] dims, float[] values) {}

    static float[] gaussian(SplittableRandom rnd, int n, double std) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double u = rnd.nextDouble(), v = rnd.nextDouble();
            x[i] = (float) (std * Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v));
        }
        return x;
    }

    /** Writes a folder of config.json, a tokenizer file and model.safetensors holding {@code tensors}. */
    Path folder(String name, List<T> tensors) throws Exception {
        return folder(name, tensors, "{\"model_type\":\"bert\",\"architectures\":[\"BertModel\"]}");
    }

    /** The same with {@code config} as config.json. */
    Path folder(String name, List<T> tensors, String config) throws Exception {
        Path f = Files.createDirectories(dir.resolve(name));
        Files.writeString(f.resolve("config.json"), config);
        Files.writeString(f.resolve("tokenizer_config.json"), "{\"x\":1}");
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (T t : tensors) {
            entries.add(new SafetensorsWriter.Entry(t.name(), t.dtype(), Shape.of(t.dims())));
        }
        SafetensorsWriter.write(entries, Map.of(), f.resolve("model.safetensors"), false, (ch, offsets) -> {
            for (int i = 0; i < tensors.size(); i++) {
                T t = tensors.get(i);
                MemorySegment seg =
                        MemorySegment.ofArray(new byte[(int) entries.get(i).bytes()]);
                FloatConversions.fromFloats(t.values(), 0, t.values().length, seg, t.dtype(), 0);
                ch.write(seg.asByteBuffer(), offsets[i]);
            }
        });
        return f;
    }

    /** A Linear pair, an embedding and a norm: the shape of a transformer block. */
    List<T> model(DType dtype) {
        SplittableRandom rnd = new SplittableRandom(SEED);
        return List.of(
                new T("embeddings.word_embeddings.weight", dtype, new long[] {64, 128}, gaussian(rnd, 64 * 128, 0.02)),
                new T("layer.0.query.weight", dtype, new long[] {64, 128}, gaussian(rnd, 64 * 128, 0.02)),
                new T("layer.0.query.bias", dtype, new long[] {64}, gaussian(rnd, 64, 0.02)),
                new T("layer.0.out.weight", dtype, new long[] {128, 256}, gaussian(rnd, 128 * 256, 0.05)),
                new T("layer.0.norm.weight", dtype, new long[] {128}, gaussian(rnd, 128, 1)));
    }

    Path compress(Path folder, String codec) {
        Path art = dir.resolve(folder.getFileName() + "." + codec + ".tenpak");
        Tenpak.compress(folder, art, CompressOptions.defaults().withCodec(codec).withThreads(2));
        return art;
    }

    static DecompressOptions ct() {
        return DecompressOptions.defaults()
                .withFormat(OutputFormat.COMPRESSED_TENSORS)
                .withThreads(2);
    }

    /** compressed-tensors' decompression of {@code module}, element by element, as floats of the weight's dtype. */
    static float[] unpack(SafetensorsReader out, String module, int bits, int group) {
        Map<String, SafetensorsReader.Entry> byName = new LinkedHashMap<>();
        out.entries().forEach(e -> byName.put(e.name(), e));
        Tensor packed = out.tensor(byName.get(module + ".weight_packed"));
        Tensor scale = out.tensor(byName.get(module + ".weight_scale"));
        Tensor shape = out.tensor(byName.get(module + ".weight_shape"));
        assertThat(packed.dtype()).isEqualTo(DType.I32);
        assertThat(shape.dtype()).isEqualTo(DType.I64);
        var i64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        var i32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        int rows = (int) shape.data().get(i64, 0);
        int cols = (int) shape.data().get(i64, 8);
        assertThat(packed.shape()).isEqualTo(Shape.of(rows, cols * bits / 32));
        assertThat(scale.shape()).isEqualTo(Shape.of(rows, cols / group));
        int words = cols * bits / 32;
        float[] w = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int bit = c * bits;
                int word = packed.data().get(i32, 4L * (r * words + bit / 32));
                int q = ((word >>> (bit % 32)) & ((1 << bits) - 1)) - (1 << (bits - 1));
                float s = FloatConversions.read(scale.data(), scale.dtype(), (long) r * (cols / group) + c / group);
                w[r * cols + c] = q * s;
            }
        }
        FloatConversions.roundTo(scale.dtype(), w, 0, w.length);
        return w;
    }

    static float[] decoded(Path artifact, String name) {
        try (ArtifactReader r = ArtifactReader.open(artifact)) {
            Tensor t = r.read(name);
            float[] x = new float[(int) t.shape().elementCount()];
            FloatConversions.toFloats(t.data(), t.dtype(), 0, x, 0, x.length);
            return x;
        }
    }

    static void assertBitEqual(float[] got, float[] want, String what) {
        assertThat(got).as(what).hasSameSizeAs(want);
        for (int i = 0; i < got.length; i++) {
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                throw new AssertionError(what + "[" + i + "]: exported " + got[i] + ", tenpak decodes " + want[i]);
            }
        }
    }

    static JsonNode quantizationConfig(Path out) throws Exception {
        return JSON.readTree(out.resolve("config.json").toFile()).get("quantization_config");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "int4_sym_g32_v1",
                "int4_sym_g64_v1",
                "int4_sym_g128_v1",
                "int8_sym_g32_v1",
                "int8_sym_g64_v1",
                "int8_sym_g128_v1",
                "int4_sym_g32_search_v1",
                "int4_sym16_g32_v1"
            })
    void everyExportedLinearUnpacksToTenpaksDecodeBitForBit(String codec) throws Exception {
        Path art = compress(folder("m", model(DType.F32)), codec);
        Path out = dir.resolve("ct");
        ExportReport report = Tenpak.exportCompressedTensors(art, out, ct());
        assertThat(report.quantized()).containsOnlyKeys("layer.0.query", "layer.0.out");
        assertThat(report.dense()).isEmpty();
        CompressedTensorsExport.Scheme scheme = CompressedTensorsExport.scheme(codec);
        try (SafetensorsReader st = SafetensorsReader.open(out.resolve("model.safetensors"))) {
            List<String> names =
                    st.entries().stream().map(SafetensorsReader.Entry::name).toList();
            assertThat(names)
                    .doesNotContain("layer.0.query.weight", "layer.0.out.weight")
                    .contains("embeddings.word_embeddings.weight", "layer.0.query.bias", "layer.0.norm.weight");
            for (String m : List.of("layer.0.query", "layer.0.out")) {
                assertBitEqual(unpack(st, m, scheme.bits(), scheme.groupSize()), decoded(art, m + ".weight"), m);
            }
            // the embedding is a lookup, not a Linear: decoded, dense
            var emb = st.entries().stream()
                    .filter(e -> e.name().startsWith("embeddings"))
                    .findFirst()
                    .orElseThrow();
            Tensor t = st.tensor(emb);
            float[] x = new float[(int) t.shape().elementCount()];
            FloatConversions.toFloats(t.data(), t.dtype(), 0, x, 0, x.length);
            assertBitEqual(x, decoded(art, emb.name()), emb.name());
        }
        JsonNode q = quantizationConfig(out);
        assertThat(q.get("quant_method").asText()).isEqualTo("compressed-tensors");
        assertThat(q.get("quantization_status").asText()).isEqualTo("compressed");
        JsonNode g = q.get("config_groups").get("group_0");
        assertThat(g.get("format").asText()).isEqualTo("pack-quantized");
        assertThat(g.get("targets").get(0).asText()).isEqualTo("Linear");
        assertThat(g.get("weights").get("num_bits").asInt()).isEqualTo(scheme.bits());
        assertThat(g.get("weights").get("group_size").asInt()).isEqualTo(scheme.groupSize());
        assertThat(g.get("weights").get("symmetric").asBoolean()).isTrue();
        assertThat(g.get("weights").get("strategy").asText()).isEqualTo("group");
        assertThat(g.get("weights").get("type").asText()).isEqualTo("int");
        assertThat(q.get("ignore")).isEmpty();
        assertThat(out.resolve("tokenizer_config.json")).hasContent("{\"x\":1}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"int8_sym_g32_v1", "int4_sym_g32_v1"})
    void codesStoredThroughTheEntropyStageExportTheSameFolder(String codec) throws Exception {
        Path folder = folder("e", model(DType.F32));
        Path plain = compress(folder, codec);
        Path staged = dir.resolve("e." + codec + ".staged.tenpak");
        Tenpak.compress(
                folder,
                staged,
                CompressOptions.defaults().withCodec(codec).withThreads(2).withEntropy(EntropyMode.AUTO));
        try (ArtifactReader r = ArtifactReader.open(staged)) {
            assertThat(r.entry("layer.0.out.weight").staged()).isTrue();
        }
        Tenpak.exportCompressedTensors(plain, dir.resolve("plain"), ct());
        Tenpak.exportCompressedTensors(staged, dir.resolve("staged"), ct());
        assertThat(Files.mismatch(dir.resolve("plain/model.safetensors"), dir.resolve("staged/model.safetensors")))
                .isEqualTo(-1L);
    }

    @Test
    void theSixteenLevelGridIsTheIntegersMinusEightToSeven() {
        assertThat(CompressedTensorsExport.uniformInt4(dev.tenpak.internal.codec.kquant.KQuantCodec.INT4_SYM16_G32))
                .isTrue();
        assertThat(CompressedTensorsExport.scheme("kq4_v1")).isNull();
        assertThat(CompressedTensorsExport.scheme("int4_asym_g32_v1")).isNull();
    }

    @Test
    void bf16WeightsExportOnlyWhenEveryScaleIsExactInBf16() throws Exception {
        // layer.0.query: values on a grid of 1/4 with a +-1.75 in every group: every scale is 0.25, exact in bf16
        List<T> tensors = new ArrayList<>(model(DType.BF16));
        float[] v = new float[64 * 128];
        SplittableRandom rnd = new SplittableRandom(SEED);
        for (int i = 0; i < v.length; i++) {
            v[i] = i % 32 == 0 ? (rnd.nextBoolean() ? 1.75f : -1.75f) : 0.25f * (rnd.nextInt(15) - 7);
        }
        tensors.set(1, new T("layer.0.query.weight", DType.BF16, new long[] {64, 128}, v));
        Path art = compress(folder("b", tensors), "int4_sym_g32_v1");
        Path out = dir.resolve("ct");
        ExportReport report = Tenpak.exportCompressedTensors(art, out, ct());
        assertThat(report.quantized()).containsOnlyKeys("layer.0.query");
        assertThat(report.dense()).containsOnlyKeys("layer.0.out");
        assertThat(report.dense().get("layer.0.out")).contains("not exact in bf16");
        assertThat(quantizationConfig(out).get("ignore").get(0).asText()).isEqualTo("layer.0.out");
        try (SafetensorsReader st = SafetensorsReader.open(out.resolve("model.safetensors"))) {
            assertBitEqual(unpack(st, "layer.0.query", 4, 32), decoded(art, "layer.0.query.weight"), "query");
            var scale = st.entries().stream()
                    .filter(e -> e.name().equals("layer.0.query.weight_scale"))
                    .findFirst()
                    .orElseThrow();
            assertThat(scale.dtype()).isEqualTo(DType.BF16);
            assertThat(st.entries().stream().map(SafetensorsReader.Entry::name)).contains("layer.0.out.weight");
        }
    }

    @Test
    void gpt2sConv1dProjectionsStayDenseSoATiedGpt2HasNothingToExport() throws Exception {
        SplittableRandom rnd = new SplittableRandom(SEED);
        List<T> gpt2 = List.of(
                new T("transformer.wte.weight", DType.F32, new long[] {64, 128}, gaussian(rnd, 64 * 128, 0.02)),
                new T(
                        "transformer.h.0.attn.c_attn.weight",
                        DType.F32,
                        new long[] {128, 384},
                        gaussian(rnd, 128 * 384, 0.02)),
                new T(
                        "transformer.h.0.attn.c_proj.weight",
                        DType.F32,
                        new long[] {128, 128},
                        gaussian(rnd, 128 * 128, 0.02)),
                new T(
                        "transformer.h.0.mlp.c_fc.weight",
                        DType.F32,
                        new long[] {128, 512},
                        gaussian(rnd, 128 * 512, 0.02)),
                new T(
                        "transformer.h.0.mlp.c_proj.weight",
                        DType.F32,
                        new long[] {512, 128},
                        gaussian(rnd, 512 * 128, 0.02)));
        Path art = compress(
                folder(
                        "g",
                        gpt2,
                        "{\"model_type\":\"gpt2\",\"architectures\":[\"GPT2LMHeadModel\"],\"tie_word_embeddings\":true}"),
                "int4_sym_g32_v1");
        assertThatThrownBy(() -> Tenpak.exportCompressedTensors(art, dir.resolve("ct"), ct()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("no tensor can be exported")
                .hasMessageContaining("transformer.h.0.attn.c_attn: a transformers Conv1D");
        assertThat(dir.resolve("ct")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aTiedHeadTheArtifactDoesNotStoreIsIgnoredAStoredOneIsQuantized(boolean tied) throws Exception {
        SplittableRandom rnd = new SplittableRandom(SEED);
        List<T> llama = new ArrayList<>(List.of(
                new T("model.embed_tokens.weight", DType.F32, new long[] {64, 128}, gaussian(rnd, 64 * 128, 0.02)),
                new T(
                        "model.layers.0.self_attn.q_proj.weight",
                        DType.F32,
                        new long[] {128, 128},
                        gaussian(rnd, 128 * 128, 0.02)),
                new T(
                        "model.layers.0.mlp.down_proj.weight",
                        DType.F32,
                        new long[] {128, 256},
                        gaussian(rnd, 128 * 256, 0.02))));
        if (!tied) {
            llama.add(new T("lm_head.weight", DType.F32, new long[] {64, 128}, gaussian(rnd, 64 * 128, 0.02)));
        }
        // no tie_word_embeddings: the old default, tied for an LM head architecture
        String config = "{\"model_type\":\"llama\",\"architectures\":[\"LlamaForCausalLM\"]"
                + (tied ? "" : ",\"tie_word_embeddings\":false") + "}";
        Path art = compress(folder("l", llama, config), "int8_sym_g32_v1");
        ExportReport report = Tenpak.exportCompressedTensors(art, dir.resolve("ct"), ct());
        assertThat(report.dense()).isEmpty();
        JsonNode q = quantizationConfig(dir.resolve("ct"));
        assertThat(q.get("config_groups").get("group_0").get("targets").get(0).asText())
                .isEqualTo("Linear");
        if (tied) {
            assertThat(report.quantized()).hasSize(2);
            assertThat(q.get("ignore")).hasSize(1);
            assertThat(q.get("ignore").get(0).asText()).isEqualTo("lm_head");
        } else {
            assertThat(report.quantized()).containsKey("lm_head").hasSize(3);
            assertThat(q.get("ignore")).isEmpty();
        }
    }

    @Test
    void asymmetricAndRawAreRefusedWhenNothingCanBeExported() throws Exception {
        Path f = folder("m", model(DType.F32));
        Path asym = compress(f, "int4_asym_g32_v1");
        assertThatThrownBy(() -> Tenpak.exportCompressedTensors(asym, dir.resolve("a"), ct()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("int4_asym_g32_v1 is asymmetric")
                .hasMessageContaining("no tensor can be exported");
        Path raw = compress(f, "raw_v1");
        assertThatThrownBy(() -> Tenpak.exportCompressedTensors(raw, dir.resolve("r"), ct()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("stored raw");
        assertThat(dir.resolve("a")).doesNotExist();
        assertThat(dir.resolve("r")).doesNotExist();
    }

    @Test
    void anArtifactWithoutConfigIsRefused() throws Exception {
        Path f = folder("m", model(DType.F32));
        Path art = dir.resolve("lone.tenpak");
        Tenpak.compress(
                f.resolve("model.safetensors"), art, CompressOptions.defaults().withCodec("int4_sym_g32_v1"));
        assertThatThrownBy(() -> Tenpak.decompress(art, dir.resolve("x"), ct()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("config.json");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"layer.0.query.weight", "embeddings.word_embeddings.weight"})
    void aCorruptedPayloadLeavesNoFolderAndAnExistingOneUntouched(String tensor) throws Exception {
        Path art = compress(folder("m", model(DType.F32)), "int4_sym_g32_v1");
        long offset;
        try (ArtifactReader r = ArtifactReader.open(art)) {
            offset = r.entry(tensor).offset();
        }
        byte[] bytes = Files.readAllBytes(art);
        bytes[(int) offset + 7] ^= 0x5A;
        Path bad = dir.resolve("bad.tenpak");
        Files.write(bad, bytes);
        assertThatThrownBy(() -> Tenpak.exportCompressedTensors(bad, dir.resolve("new"), ct()))
                .isInstanceOf(ChecksumMismatchException.class);
        assertThat(dir.resolve("new")).doesNotExist();
        Path existing = Files.createDirectories(dir.resolve("old"));
        Files.writeString(existing.resolve("config.json"), "{}");
        assertThatThrownBy(() -> Tenpak.exportCompressedTensors(bad, existing, ct()))
                .isInstanceOf(ChecksumMismatchException.class);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".") && n.contains("old"));
        }
        try (Stream<Path> s = Files.list(existing)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("config.json");
        }
        assertThat(existing.resolve("config.json")).hasContent("{}");
    }

    @Test
    void outputFormatParsesTheDashedName() {
        assertThat(OutputFormat.parse("compressed-tensors")).isEqualTo(OutputFormat.COMPRESSED_TENSORS);
    }

    @Test
    void shardedFoldersGetTheirIndexRewrittenForTheNewNames() throws Exception {
        List<T> tensors = model(DType.F32);
        Path f = Files.createDirectories(dir.resolve("sh"));
        Files.writeString(f.resolve("config.json"), "{}");
        Map<String, String> wm = new LinkedHashMap<>();
        for (int s = 0; s < 2; s++) {
            List<T> part = s == 0 ? tensors.subList(0, 2) : tensors.subList(2, tensors.size());
            String shard = "model-0000" + (s + 1) + "-of-00002.safetensors";
            Path tmp = folder("tmp" + s, part);
            Files.move(tmp.resolve("model.safetensors"), f.resolve(shard));
            part.forEach(t -> wm.put(t.name(), shard));
        }
        Files.writeString(
                f.resolve("model.safetensors.index.json"),
                JSON.writeValueAsString(Map.of("metadata", Map.of(), "weight_map", wm)));
        Path art = compress(f, "int8_sym_g32_v1");
        Path out = dir.resolve("ct");
        Tenpak.exportCompressedTensors(art, out, ct());
        JsonNode index =
                JSON.readTree(out.resolve("model.safetensors.index.json").toFile());
        JsonNode map = index.get("weight_map");
        assertThat(map.get("layer.0.query.weight_packed").asText()).isEqualTo("model-00001-of-00002.safetensors");
        assertThat(map.get("layer.0.out.weight_scale").asText()).isEqualTo("model-00002-of-00002.safetensors");
        assertThat(map.has("layer.0.query.weight")).isFalse();
        long total = 0;
        for (String shard : List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")) {
            try (SafetensorsReader st = SafetensorsReader.open(out.resolve(shard))) {
                total += st.dataBytes();
                for (var e : st.entries()) {
                    assertThat(map.get(e.name()).asText()).isEqualTo(shard);
                }
            }
        }
        assertThat(index.get("metadata").get("total_size").asLong()).isEqualTo(total);
    }
}
