package dev.tenpak.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.Tenpak;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.internal.codec.groupwise.GroupwiseCodec;
import dev.tenpak.internal.codec.raw.RawCodec;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.report.CompressReport;
import dev.tenpak.report.TensorReport;
import dev.tenpak.tensor.Artifact;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keep-raw policy: defaults per codec family, regexes, thresholds, reasons, CLI and facade wiring. */
public class KeepRawSelectorTest {
    @TempDir
    Path dir;

    static CodecSelector.Choice choose(CompressOptions o, String name, DType dtype, long... dims) {
        return KeepRawSelector.of(o).choose(name, dtype, Shape.of(dims));
    }

    @Test
    void perTensorCodecsKeepTheSeedBehaviourAndQuantizeBiases() {
        CompressOptions o = CompressOptions.defaults();
        assertThat(choose(o, "dense.bias", DType.F32, 2).codec().name()).isEqualTo("int8_sym_v1");
        assertThat(choose(o, "dense.weight", DType.F32, 2, 2).reason()).isEqualTo("requested");
        assertThat(choose(o.withCodec("int4_sym_v1"), "x", DType.BF16, 3)
                        .codec()
                        .name())
                .isEqualTo("int4_sym_v1");
    }

    @Test
    void groupwiseCodecsKeepVectorsScalarsAndSmallTensorsRaw() {
        CompressOptions o = CompressOptions.defaults().withCodec("int4_sym_g32_v1");
        assertThat(choose(o, "ln.weight", DType.F32, 384).codec()).isSameAs(RawCodec.INSTANCE);
        assertThat(choose(o, "ln.weight", DType.F32, 384).reason()).contains("1-D");
        assertThat(choose(o, "temperature", DType.F32).reason()).contains("scalar");
        assertThat(choose(o, "small", DType.F32, 8, 511).reason()).contains("4088 elements < min-elements 4096");
        assertThat(choose(o, "w", DType.F32, 8, 512).codec()).isSameAs(GroupwiseCodec.INT4_G32);
        assertThat(choose(o, "ids", DType.I64, 8, 512).reason()).contains("not a float type");
    }

    @Test
    void keepRawRegexesAndThresholdsOverrideTheDefaults() {
        CompressOptions o = CompressOptions.defaults()
                .withCodec("int8_sym_g64_v1")
                .withKeepRaw(List.of("embeddings\\.", "^lm_head"))
                .withKeepRaw(List.of("pooler"));
        assertThat(choose(o, "embeddings.word_embeddings.weight", DType.F32, 30522, 384)
                        .reason())
                .isEqualTo("matches keep-raw pattern 'embeddings\\.'; kept exact");
        assertThat(choose(o, "lm_head.weight", DType.F32, 100, 384).codec()).isSameAs(RawCodec.INSTANCE);
        assertThat(choose(o, "model.lm_head.weight", DType.F32, 100, 384).codec())
                .isSameAs(GroupwiseCodec.INT8_G64);
        assertThat(choose(o, "pooler.dense.weight", DType.F32, 384, 384).codec())
                .isSameAs(RawCodec.INSTANCE);
        assertThat(choose(o.withMinElements(0), "ln.bias", DType.F32, 384).codec())
                .isSameAs(GroupwiseCodec.INT8_G64);
        assertThat(choose(o.withMinElements(0), "tiny", DType.F32, 2, 2).codec())
                .isSameAs(GroupwiseCodec.INT8_G64);
        CompressOptions perTensor = CompressOptions.defaults().withMinElements(10);
        assertThat(choose(perTensor, "dense.bias", DType.F32, 2).codec()).isSameAs(RawCodec.INSTANCE);
        assertThat(choose(perTensor, "w", DType.F32, 3, 3).reason()).contains("9 elements < min-elements 10");
        assertThat(choose(perTensor, "w", DType.F32, 3, 4).codec().name()).isEqualTo("int8_sym_v1");
        // raw_v1 requested: everything raw, reason "requested"
        assertThat(choose(o.withCodec("raw_v1"), "w", DType.F32, 3).reason()).isEqualTo("requested");
    }

    @Test
    void badPatternsAndThresholdsAreInputErrors() {
        assertThatThrownBy(() -> CompressOptions.defaults().withKeepRaw(List.of("(unclosed")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("keep-raw pattern '(unclosed'");
        assertThatThrownBy(() -> CompressOptions.defaults().withMinElements(-5))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("min-elements");
    }

    private Path bundle() throws Exception {
        return bundle(dir);
    }

    /** A JSON bundle with a 64x96 weight, a bias and a small 2x2 tensor, written into {@code dir}. */
    public static Path bundle(Path dir) throws Exception {
        SplittableRandom r = new SplittableRandom(5);
        StringBuilder w = new StringBuilder();
        for (int i = 0; i < 64 * 96; i++) {
            w.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.6f", r.nextGaussian() * 0.02));
        }
        Path in = dir.resolve("b.json");
        Files.writeString(
                in,
                "{\"tensors\":[{\"name\":\"enc.dense.weight\",\"shape\":[64,96],\"data\":[" + w
                        + "]},{\"name\":\"enc.dense.bias\",\"shape\":[3],\"data\":[0.1,0.2,0.3]},"
                        + "{\"name\":\"enc.small\",\"shape\":[2,2],\"data\":[1,2,3,4]}]}");
        return in;
    }

    @Test
    void facadeAppliesThePolicyAndReportsWhy() throws Exception {
        Path out = dir.resolve("a.tenpak");
        CompressReport r =
                Tenpak.compress(bundle(), out, CompressOptions.defaults().withCodec("int4_sym_g32_v1"));
        Map<String, TensorReport> by =
                r.tensors().stream().collect(Collectors.toMap(TensorReport::name, Function.identity()));
        assertThat(by.get("enc.dense.weight").codec()).isEqualTo("int4_sym_g32_v1");
        assertThat(by.get("enc.dense.bias").codec()).isEqualTo("raw_v1");
        assertThat(by.get("enc.small").reason()).contains("< min-elements 4096");
        assertThat(by.get("enc.dense.weight").storedBytes()).isEqualTo(64 * 96 / 2 + 64 * 96 / 32 * 2);
        try (Artifact reader = Tenpak.open(out)) {
            assertThat(reader.read("enc.small").toFloatArray()).containsExactly(1, 2, 3, 4);
            float[] w = reader.read("enc.dense.weight").toFloatArray();
            assertThat(w).hasSize(64 * 96);
        }
        assertThat(r.error().maxAbsError()).isGreaterThan(0).isLessThan(0.02);
    }
}
