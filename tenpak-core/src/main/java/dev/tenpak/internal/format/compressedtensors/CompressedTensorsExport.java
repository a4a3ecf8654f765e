package dev.tenpak.internal.format.compressedtensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.internal.codec.groupwise.GroupwiseCodec;
import dev.tenpak.internal.codec.kquant.KQuantCodec;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.internal.format.hf.HfFolder;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An artifact compressed from a Hugging Face folder, laid out as a compressed-tensors
 * {@code pack-quantized} folder: the stored codes of each quantized Linear weight re-packed, never
 * quantized again, so the weights {@code compressed-tensors} decompresses are tenpak's own decode,
 * bit for bit.
 *
 * <p><b>Per exported Linear {@code <m>}</b> (facts checked against compressed-tensors 0.20.1,
 * {@code compressors/pack_quantized}): {@code <m>.weight_packed} I32 {@code [out, in * bits / 32]}
 * holding {@code q + 2^(bits-1)} densely, input column {@code c} at bits {@code [c b, (c + 1) b)} of
 * the row (little-endian words, the first column in the lowest bits); {@code <m>.weight_scale}
 * {@code [out, in / G]} in the weight's own dtype (the dtype the model loads in: the loader
 * dequantizes as {@code q.to(scale.dtype) * scale}); {@code <m>.weight_shape} I64 {@code [out, in]};
 * no {@code weight} and no zero point (symmetric). Every other tensor is written as decompress
 * writes it, in its original dtype.
 *
 * <p><b>Which codecs.</b> The symmetric group-wise ones ({@code int8_sym_g*_v1},
 * {@code int4_sym_g*_v1}, {@code int4_sym_g32_search_v1}: codes -127..127 or -7..7, one f16 scale per
 * group along the row) and {@code int4_sym16_g32_v1} (codes index the integers -8..7, times a
 * signed f16 scale per block of 32; when {@code in} is a multiple of 32 its blocks are row groups).
 * Both compute {@code q * s} in f32, which is exact (at most 8 + 11 significant bits), and round
 * once to the weight's dtype, as torch does for {@code q.to(D) * scale} when the scale is exactly
 * representable in {@code D}: every f16 is exact in f16 and f32; in bf16 only those with at most 8
 * significant bits are, so a bf16 weight is exported only when all its scales are.
 *
 * <p><b>What stays dense.</b> A tensor is a Linear candidate when it is 2-D and named
 * {@code <m>.weight} with a last name part that is not an embedding ({@code *embed*}, {@code wte},
 * {@code wpe}, {@code shared}). Candidates whose codec has no compressed-tensors layout (raw,
 * lossless, asymmetric, per-tensor, the fitted K-quant grids), whose input width is not a multiple
 * of the group, whose dtype is not f32/f16/bf16 or whose scales are not exact in it are written
 * dense and listed in {@code ignore}, each with its reason in {@link Plan#dense()}; so are the
 * {@code Conv1D} projections of GPT-2-style models ({@link #CONV1D_MODEL_TYPES}). A tied
 * {@code lm_head} that the artifact does not store is listed in {@code ignore} too ({@link #HEAD}). The export is
 * refused when no tensor can be exported (that folder would be {@code --format hf}'s).
 *
 * <p>Nothing here writes files: {@link #plan} decodes and checks everything first (the carried
 * files, the config, every exported payload's checksum and scales), and the caller writes the
 * folder through {@link HfFolder#write}, built beside the target and swapped in whole.
 */
public final class CompressedTensorsExport {
    /** The compressed-tensors format name written in every config group. */
    public static final String FORMAT = "pack-quantized";
    /** The carried file that gains {@code quantization_config}. */
    public static final String CONFIG = "config.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * The {@code model_type}s whose projections are transformers' {@code Conv1D} (GPT-2 and its
     * relatives): the weight is stored {@code [in, out]} and the layer is not an {@code nn.Linear},
     * which is all compressed-tensors quantizes. Exported packed, transformers' default load would
     * leave those layers with no weight (initialized at random) and vLLM would transpose the codes;
     * and tenpak's groups run along the stored rows, which there are output columns, so no
     * transposition gives compressed-tensors' groups along the input. They stay dense.
     */
    static final java.util.Set<String> CONV1D_MODEL_TYPES =
            java.util.Set.of("gpt2", "openai-gpt", "imagegpt", "decision_transformer", "clvp");
    /** The names transformers gives its {@code Conv1D} layers in those models. */
    static final java.util.Set<String> CONV1D_MODULES = java.util.Set.of("c_attn", "q_attn", "c_proj", "c_fc");

    static final String CONV1D_REASON = "a transformers Conv1D (weight stored [in, out]), not an nn.Linear: "
            + "compressed-tensors quantizes Linear layers only";
    /**
     * The output head's module name in transformers' causal LMs. When the artifact has no tensor of
     * it (the head shares the embedding's weight, so the checkpoint does not store it), it still is
     * a Linear the {@code "Linear"} target matches: transformers would compress it and find no
     * packed weight for it, so it goes to {@code ignore} and stays tied.
     */
    static final String HEAD = "lm_head";

    private CompressedTensorsExport() {}

    /** How a codec's payload maps onto pack-quantized: bits, group size, where codes start. */
    public record Scheme(int bits, int groupSize, Codes codes) {
        /** The name of the config group this scheme writes. */
        String key() {
            return "int" + bits + "_g" + groupSize;
        }
    }

    /** The code planes the exporter knows. */
    public enum Codes {
        /** Group-wise int8: one signed byte per element after the f16 scale plane. */
        GROUPWISE_INT8,
        /** Group-wise int4: 32-element blocks of 16 bytes, element j low nibble, j + 16 high. */
        GROUPWISE_INT4,
        /** {@code int4_sym16_g32_v1}: unsigned 4-bit codes (level + 8), LSB first: already pack-quantized's bytes. */
        LSB_NIBBLES
    }

    /** Where one output tensor's bytes come from. */
    public sealed interface Source {
        /** The artifact tensor decoded to its dtype, as decompress writes it. */
        record Dense(TensorEntry entry) implements Source {}

        /** {@code weight_packed} of {@code weight}. */
        record Packed(TensorEntry weight, Scheme scheme) implements Source {}

        /** {@code weight_scale} of {@code weight}, in its dtype. */
        record Scales(TensorEntry weight, Scheme scheme) implements Source {}

        /** {@code weight_shape}: the two dimensions. */
        record WeightShape(long out, long in) implements Source {}
    }

    /** One tensor of the exported folder. */
    public record Output(String name, DType dtype, Shape shape, Source source) {}

    /**
     * Everything the folder will hold, checked.
     *
     * @param layout    carried files (config.json with {@code quantization_config}, the index rewritten
     *                  for the new tensor names) and the output tensor names of each weight file
     * @param outputs   every output tensor by name
     * @param quantized exported modules and the codec each was stored with
     * @param dense     Linear candidates left dense (and listed in {@code ignore}), with the reason
     */
    public record Plan(
            HfFolder.Layout layout,
            Map<String, Output> outputs,
            Map<String, String> quantized,
            Map<String, String> dense) {}

    /**
     * Plans the export of the artifact {@code r}. Reads (and checks the checksum of) the payload of
     * every tensor it exports; throws before anything is written.
     */
    public static Plan plan(ArtifactReader r) {
        String source = r.source();
        Map<String, String> meta = r.metadata();
        if (!meta.containsKey(HfFolder.FILE_PREFIX + CONFIG)) {
            throw new InvalidInputException(
                    source + ": carries no " + CONFIG + "; a compressed-tensors folder needs the "
                            + "model's config, so compress the Hugging Face folder (not a lone safetensors file)");
        }
        List<String> names = new ArrayList<>();
        r.entries().forEach(e -> names.add(e.name()));
        HfFolder.Layout hf = HfFolder.layout(source, meta, names);
        ObjectNode config = parseConfig(source, hf.files().get(CONFIG));
        boolean conv1d = CONV1D_MODEL_TYPES.contains(config.path("model_type").asText(""));
        Map<String, String> quantized = new TreeMap<>();
        Map<String, String> dense = new TreeMap<>();
        Map<String, List<Output>> byTensor = new LinkedHashMap<>();
        Map<String, Output> outputs = new LinkedHashMap<>();
        Map<String, Scheme> schemes = new TreeMap<>();
        Map<Scheme, List<String>> modulesOf = new LinkedHashMap<>();
        for (TensorEntry e : r.entries()) {
            List<Output> outs = new ArrayList<>();
            String module = linearModule(e);
            Scheme scheme = null;
            if (module != null && conv1d && CONV1D_MODULES.contains(module.substring(module.lastIndexOf('.') + 1))) {
                dense.put(module, CONV1D_REASON);
            } else if (module != null) {
                Object why = exportable(r, e);
                if (why instanceof Scheme s) {
                    scheme = s;
                } else {
                    dense.put(module, (String) why);
                }
            }
            if (scheme == null) {
                outs.add(new Output(e.name(), e.dtype(), e.shape(), new Source.Dense(e)));
            } else {
                long out = e.shape().dim(0);
                long in = e.shape().dim(1);
                outs.add(new Output(
                        module + ".weight_packed",
                        DType.I32,
                        Shape.of(out, in * scheme.bits() / 32),
                        new Source.Packed(e, scheme)));
                outs.add(new Output(
                        module + ".weight_scale",
                        e.dtype(),
                        Shape.of(out, in / scheme.groupSize()),
                        new Source.Scales(e, scheme)));
                outs.add(new Output(module + ".weight_shape", DType.I64, Shape.of(2), new Source.WeightShape(out, in)));
                quantized.put(module, e.codec());
                schemes.put(scheme.key(), scheme);
                modulesOf.computeIfAbsent(scheme, k -> new ArrayList<>()).add(module);
            }
            for (Output o : outs) {
                if (outputs.put(o.name(), o) != null) {
                    throw new InvalidInputException(
                            source + ": the exported tensor '" + o.name() + "' would be written "
                                    + "twice (the artifact holds a tensor of that name besides " + e.name() + ")");
                }
            }
            byTensor.put(e.name(), outs);
        }
        if (quantized.isEmpty()) {
            throw new InvalidInputException(source + ": no tensor can be exported as compressed-tensors ("
                    + (dense.isEmpty() ? "no 2-D <module>.weight tensor of a Linear layer" : summary(dense))
                    + "); compress with a symmetric group codec such as int4_sym_g32_v1, or "
                    + "decompress with --format hf");
        }
        Map<String, byte[]> files = new TreeMap<>(hf.files());
        java.util.Set<String> ignore = new TreeSet<>(dense.keySet());
        if (tiedHead(config) && !names.contains(HEAD + ".weight")) {
            ignore.add(HEAD);
        }
        files.put(CONFIG, config(source, config, modulesOf, ignore));
        Map<String, List<String>> shards = new TreeMap<>();
        Map<String, String> weightMap = new TreeMap<>();
        for (var shard : hf.shards().entrySet()) {
            List<String> outNames = new ArrayList<>();
            for (String t : shard.getValue()) {
                for (Output o : byTensor.get(t)) {
                    outNames.add(o.name());
                    weightMap.put(o.name(), shard.getKey());
                }
            }
            shards.put(shard.getKey(), List.copyOf(outNames));
        }
        if (files.containsKey(HfFolder.INDEX)) {
            files.put(HfFolder.INDEX, index(source, files.get(HfFolder.INDEX), weightMap, outputs));
        }
        return new Plan(
                new HfFolder.Layout(Collections.unmodifiableMap(files), Collections.unmodifiableMap(shards)),
                Collections.unmodifiableMap(outputs),
                Collections.unmodifiableMap(quantized),
                Collections.unmodifiableMap(dense));
    }

    private static String summary(Map<String, String> dense) {
        List<String> parts = new ArrayList<>();
        for (var d : dense.entrySet()) {
            if (parts.size() == 3) {
                parts.add("and " + (dense.size() - 3) + " more");
                break;
            }
            parts.add(d.getKey() + ": " + d.getValue());
        }
        return String.join("; ", parts);
    }

    /** The module of a Linear candidate ({@code <m>} of a 2-D {@code <m>.weight}), or null. */
    static String linearModule(TensorEntry e) {
        String name = e.name();
        if (!name.endsWith(".weight") || e.shape().rank() != 2 || name.length() == ".weight".length()) {
            return null;
        }
        String module = name.substring(0, name.length() - ".weight".length());
        String last = module.substring(module.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        if (last.contains("embed") || last.equals("wte") || last.equals("wpe") || last.equals("shared")) {
            return null;
        }
        return module;
    }

    /** The scheme {@code e} exports with, or the reason (a String) it stays dense. */
    static Object exportable(ArtifactReader r, TensorEntry e) {
        Scheme scheme = scheme(e.codec());
        if (scheme == null) {
            return reasonFor(e.codec());
        }
        if (e.dtype() != DType.F32 && e.dtype() != DType.F16 && e.dtype() != DType.BF16) {
            return "dtype " + e.dtype() + ": compressed-tensors scales are f32, f16 or bf16";
        }
        long in = e.shape().dim(1);
        if (in % scheme.groupSize() != 0 || in == 0 || e.shape().dim(0) == 0) {
            return "input width " + in + " is not a positive multiple of the group size " + scheme.groupSize();
        }
        if (e.dtype() == DType.BF16) {
            long groups = e.shape().elementCount() / scheme.groupSize();
            long inexact = 0;
            try (Arena a = Arena.ofConfined()) { // a staged payload is decoded back to its codec's bytes
                MemorySegment p = r.codecPayload(e, a);
                for (long g = 0; g < groups; g++) {
                    if (!exactInBf16(p.get(F16, 2 * g))) {
                        inexact++;
                    }
                }
            }
            if (inexact > 0) {
                return inexact + " of " + groups + " f16 scales are not exact in bf16 (the weight's dtype, in which "
                        + "compressed-tensors dequantizes)";
            }
        }
        r.payload(e); // checksum now, before the folder is begun
        return scheme;
    }

    /** The scheme of a codec name, or null when compressed-tensors cannot hold its codes. */
    public static Scheme scheme(String codec) {
        for (GroupwiseCodec c : GroupwiseCodec.ALL) {
            if (c.name().equals(codec) && c.variant() != GroupwiseCodec.Variant.ASYMMETRIC) {
                return new Scheme(c.bits(), c.groupSize(), c.bits() == 8 ? Codes.GROUPWISE_INT8 : Codes.GROUPWISE_INT4);
            }
        }
        KQuantCodec k = KQuantCodec.INT4_SYM16_G32;
        if (k.name().equals(codec) && uniformInt4(k)) {
            return new Scheme(4, k.subBlock(), Codes.LSB_NIBBLES);
        }
        return null;
    }

    /** True when {@code k}'s levels are the integers -8..7 and it has f16 block scales: code = level + 8. */
    static boolean uniformInt4(KQuantCodec k) {
        if (k.bits() != 4 || k.superBlocks() || k.scaleBits() != 16 || k.grid().levels() != 16) {
            return false;
        }
        for (int q = 0; q < 16; q++) {
            if (k.grid().level(q) != q - 8) {
                return false;
            }
        }
        return true;
    }

    private static String reasonFor(String codec) {
        if (codec.startsWith("int4_asym")) {
            return codec + " is asymmetric: compressed-tensors zero points fail on transformers' default load path";
        }
        if (codec.startsWith("raw")) {
            return "stored raw (" + codec + ")";
        }
        return codec + " has no compressed-tensors layout (only symmetric int4/int8 group codecs do)";
    }

    /** True when the f16 {@code bits} is exactly representable in bf16. */
    static boolean exactInBf16(short bits) {
        return (Float.floatToRawIntBits(Float.float16ToFloat(bits)) & 0xFFFF) == 0;
    }

    /**
     * True when the config says the output head shares the embedding: {@code tie_word_embeddings}
     * true, or absent (transformers' old default) in a config whose architecture has an LM head.
     */
    static boolean tiedHead(ObjectNode config) {
        JsonNode tie = config.get("tie_word_embeddings");
        if (tie != null) {
            return tie.asBoolean(false);
        }
        for (JsonNode a : config.path("architectures")) {
            String name = a.asText("");
            if (name.endsWith("ForCausalLM") || name.endsWith("LMHeadModel")) {
                return true;
            }
        }
        return false;
    }

    private static ObjectNode parseConfig(String source, byte[] bytes) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (java.io.IOException e) {
            throw new CorruptArtifactException(source, null, 0, "carried " + CONFIG + " is not valid JSON");
        }
        if (!(root instanceof ObjectNode config)) {
            throw new CorruptArtifactException(source, null, 0, "carried " + CONFIG + " is not a JSON object");
        }
        return config;
    }

    /** config.json with {@code quantization_config}. */
    private static byte[] config(
            String source, ObjectNode config, Map<Scheme, List<String>> modulesOf, java.util.Set<String> ignore) {
        if (config.has("quantization_config")) {
            throw new InvalidInputException(source + ": the model's " + CONFIG + " already has a quantization_config ("
                    + config.get("quantization_config").path("quant_method").asText("?")
                    + "); export a model compressed "
                    + "from unquantized weights");
        }
        ObjectNode q = config.putObject("quantization_config");
        q.put("quant_method", "compressed-tensors");
        q.put("format", FORMAT);
        q.put("quantization_status", "compressed");
        ObjectNode groups = q.putObject("config_groups");
        int i = 0;
        for (var s : modulesOf.entrySet()) {
            ObjectNode g = groups.putObject("group_" + i++);
            ArrayNode targets = g.putArray("targets");
            if (modulesOf.size() == 1) {
                targets.add("Linear");
            } else {
                new TreeSet<>(s.getValue()).forEach(targets::add);
            }
            ObjectNode w = g.putObject("weights");
            w.put("num_bits", s.getKey().bits());
            w.put("type", "int");
            w.put("symmetric", true);
            w.put("strategy", "group");
            w.put("group_size", s.getKey().groupSize());
            w.put("dynamic", false);
            g.putNull("input_activations");
            g.putNull("output_activations");
            g.put("format", FORMAT);
        }
        ArrayNode ig = q.putArray("ignore");
        ignore.forEach(ig::add);
        q.putNull("kv_cache_scheme");
        try {
            return JSON.writeValueAsBytes(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + CONFIG, e);
        }
    }

    /** The embedded index with the output tensor names and their total size. */
    private static byte[] index(
            String source, byte[] bytes, Map<String, String> weightMap, Map<String, Output> outputs) {
        ObjectNode root;
        try {
            root = (ObjectNode) JSON.readTree(bytes); // HfFolder.layout parsed it already
        } catch (java.io.IOException | ClassCastException e) {
            throw new CorruptArtifactException(source, null, 0, "embedded " + HfFolder.INDEX + " is not a JSON object");
        }
        long total = 0;
        for (Output o : outputs.values()) {
            total += o.dtype().byteSizeFor(o.shape().elementCount());
        }
        ObjectNode m = root.has("metadata") && root.get("metadata").isObject()
                ? (ObjectNode) root.get("metadata")
                : root.putObject("metadata");
        m.put("total_size", total);
        ObjectNode wm = root.putObject("weight_map");
        weightMap.forEach(wm::put);
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + HfFolder.INDEX, e);
        }
    }

    /**
     * Fills {@code dst} ({@code o}'s bytes) for an output that is not {@link Source.Dense}, reading
     * the checksum-verified payload of its weight from {@code r}.
     */
    public static void fill(ArtifactReader r, Output o, MemorySegment dst) {
        switch (o.source()) {
            case Source.WeightShape s -> {
                dst.set(I64, 0, s.out());
                dst.set(I64, 8, s.in());
            }
            case Source.Scales s -> {
                try (Arena a = Arena.ofConfined()) { // the codec's bytes, a staged payload decoded back
                    scales(r.codecPayload(s.weight(), a), s.weight(), s.scheme(), dst);
                }
            }
            case Source.Packed p -> {
                try (Arena a = Arena.ofConfined()) {
                    packed(r.codecPayload(p.weight(), a), p.weight(), p.scheme(), dst);
                }
            }
            case Source.Dense d ->
                throw new IllegalArgumentException("dense tensor " + d.entry().name() + " is decoded, not filled");
        }
    }

    private static void scales(MemorySegment payload, TensorEntry e, Scheme s, MemorySegment dst) {
        long groups = e.shape().elementCount() / s.groupSize();
        for (long g = 0; g < groups; g++) {
            short h = payload.get(F16, 2 * g);
            switch (e.dtype()) {
                case F16 -> dst.set(F16, 2 * g, h);
                case F32 -> dst.set(I32, 4 * g, Float.floatToRawIntBits(Float.float16ToFloat(h)));
                case BF16 -> dst.set(F16, 2 * g, (short) (Float.floatToRawIntBits(Float.float16ToFloat(h)) >>> 16));
                default -> throw new IllegalStateException("dtype " + e.dtype());
            }
        }
    }

    private static void packed(MemorySegment payload, TensorEntry e, Scheme s, MemorySegment dst) {
        long n = e.shape().elementCount();
        long groups = n / s.groupSize();
        switch (s.codes()) {
            case GROUPWISE_INT8 -> {
                long at = groups * 2;
                for (long i = 0; i < n; i++) {
                    dst.set(ValueLayout.JAVA_BYTE, i, (byte) (payload.get(ValueLayout.JAVA_BYTE, at + i) ^ 0x80));
                }
            }
            case GROUPWISE_INT4 -> {
                long at = groups * 2;
                byte[] in = new byte[16];
                byte[] out = new byte[16];
                for (long b = 0; b < n / 32; b++) {
                    MemorySegment.copy(payload, ValueLayout.JAVA_BYTE, at + b * 16, in, 0, 16);
                    for (int k = 0; k < 16; k++) {
                        int lo = k < 8 ? in[2 * k] & 0x0F : (in[2 * k - 16] >> 4) & 0x0F; // element 2k
                        int hi = k < 8 ? in[2 * k + 1] & 0x0F : (in[2 * k + 1 - 16] >> 4) & 0x0F; // element 2k + 1
                        out[k] = (byte) (((lo ^ 0x8) | ((hi ^ 0x8) << 4)));
                    }
                    MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, b * 16, 16);
                }
            }
            case LSB_NIBBLES -> MemorySegment.copy(payload, groups * 2, dst, 0, n / 2);
        }
    }
}
