package dev.tenpak.maven.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.Tenpak;
import dev.tenpak.options.EntropyMode;
import dev.tenpak.options.InputFormat;
import dev.tenpak.options.PlanOptions;
import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parameter values as Maven hands them over, mapped to a checked request. */
class CompressRequestTest {
    @TempDir
    Path base;

    private CompressRequest.Builder builder() {
        return new CompressRequest.Builder().baseDirectory(base.toFile());
    }

    @Test
    void unsetParametersGetTheDocumentedDefaults() throws Exception {
        CompressRequest r = builder().build();
        assertThat(r.baseDirectory()).isEqualTo(base.toAbsolutePath().normalize());
        assertThat(r.sourceDirectory()).isEqualTo(r.baseDirectory().resolve("src/main/models"));
        assertThat(r.outputDirectory()).isEqualTo(r.baseDirectory().resolve("target/classes/models"));
        assertThat(r.includes()).containsExactly("**/*.json", "**/*.safetensors");
        assertThat(r.excludes()).isEmpty();
        assertThat(r.options().codec()).isEqualTo("int8_sym_v1");
        assertThat(r.options().inputFormat()).isEqualTo(InputFormat.AUTO);
        assertThat(r.failOnErrorAbove()).isEmpty();
        assertThat(r.failIfNoModels()).isFalse();
        assertThat(r.force()).isFalse();
        assertThat(r.tenpakVersion()).isEqualTo(Tenpak.version());
        assertThat(r.plan()).isEmpty();
        assertThat(r.planDirectory()).isEqualTo(r.baseDirectory().resolve("target/tenpak/plans"));
    }

    @Test
    void maxMaeMakesAPlanRequestWhoseSettingsReplaceTheCodec() throws Exception {
        CompressRequest r = builder()
                .codec("int4_sym_v1")
                .maxMae(1e-3)
                .candidates(List.of(" int8_sym_v1 ", "raw_v1"))
                .build();
        assertThat(r.plan()).hasValueSatisfying(p -> {
            assertThat(p.maxMae()).isEqualTo(1e-3);
            assertThat(p.perTensor()).isFalse();
            assertThat(p.codecs()).containsExactly("int8_sym_v1", "raw_v1");
            assertThat(p.inputFormat()).isEqualTo(InputFormat.AUTO);
        });
        assertThat(r.settings())
                .doesNotContainKey("codec")
                .containsEntry("plan.maxMae", "0.001")
                .containsEntry("plan.perTensor", "false")
                .containsEntry("plan.candidates", "int8_sym_v1,raw_v1");
        assertThat(builder().maxMae(1e-3).perTensor(true).build().settings())
                .containsEntry("plan.perTensor", "true")
                .containsEntry("plan.candidates", "all");
        assertThat(builder().maxMae(1e-3).build().settings())
                .isNotEqualTo(builder().maxMae(2e-3).build().settings());
    }

    @Test
    void maxBitsPerWeightMakesASizeBudgetPlanRequest() throws Exception {
        CompressRequest r = builder()
                .maxBitsPerWeight(4.5)
                .candidates(List.of("kq4_v1", " int4_sym_g32_v1 "))
                .build();
        assertThat(r.plan()).hasValueSatisfying(p -> {
            assertThat(p.budget()).isEqualTo(PlanOptions.Budget.MAX_BITS_PER_WEIGHT);
            assertThat(p.maxBitsPerWeight()).isEqualTo(4.5);
            assertThat(p.maxMae()).isNull();
            assertThat(p.codecs()).containsExactly("kq4_v1", "int4_sym_g32_v1");
        });
        assertThat(r.settings())
                .doesNotContainKey("codec")
                .doesNotContainKey("plan.maxMae")
                .containsEntry("plan.maxBitsPerWeight", "4.5")
                .containsEntry("plan.candidates", "kq4_v1,int4_sym_g32_v1");
        assertThat(builder().maxBitsPerWeight(4.5).build().settings())
                .isNotEqualTo(builder().maxBitsPerWeight(5.5).build().settings())
                .isNotEqualTo(builder().maxMae(4.5).build().settings());
    }

    @Test
    void aBadSizeBudgetIsAUserErrorNamingTheParameter() {
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> builder().maxBitsPerWeight(bad).build())
                    .isInstanceOf(ModelBuildException.class)
                    .hasMessageContaining("<maxBitsPerWeight>")
                    .hasMessageContaining("tenpak.maxBitsPerWeight");
        }
        assertThatThrownBy(() -> builder().maxMae(1e-3).maxBitsPerWeight(4.0).build())
                .isInstanceOf(ModelBuildException.class)
                .hasMessageContaining("<maxMae>")
                .hasMessageContaining("<maxBitsPerWeight>")
                .hasMessageContaining("set one");
        assertThatThrownBy(() -> builder().maxBitsPerWeight(4.0).perTensor(true).build())
                .isInstanceOf(ModelBuildException.class)
                .hasMessageContaining("<perTensor>");
    }

    @Test
    void aBadPlanBudgetOrCandidateIsAUserErrorNamingTheParameter() {
        assertThatThrownBy(() -> builder().maxMae(-1.0).build())
                .isInstanceOf(ModelBuildException.class)
                .hasMessageContaining("<maxMae>")
                .hasMessageContaining("tenpak.maxMae");
        assertThatThrownBy(() ->
                        builder().maxMae(1e-3).candidates(List.of("int9_v1")).build())
                .isInstanceOf(ModelBuildException.class)
                .hasMessageContaining("<candidates>")
                .hasMessageContaining("int9_v1");
    }

    @Test
    void everyParameterReachesTheRequest() throws Exception {
        CompressRequest r = builder()
                .sourceDirectory(new File("models"))
                .outputDirectory(base.resolve("out/weights").toFile())
                .includes(List.of(" encoders/*.json ", "", "dec\\*.safetensors"))
                .excludes(Arrays.asList("**/config.json", null, "  "))
                .codec(" int4_sym_v1 ")
                .failOnErrorAbove(5e-4)
                .failIfNoModels(true)
                .force(true)
                .tenpakVersion("9.9.9")
                .build();
        assertThat(r.sourceDirectory()).isEqualTo(r.baseDirectory().resolve("models"));
        assertThat(r.outputDirectory()).isEqualTo(r.baseDirectory().resolve("out/weights"));
        assertThat(r.includes()).containsExactly("encoders/*.json", "dec/*.safetensors");
        assertThat(r.excludes()).containsExactly("**/config.json");
        assertThat(r.options().codec()).isEqualTo("int4_sym_v1");
        assertThat(r.failOnErrorAbove()).hasValue(5e-4);
        assertThat(r.failIfNoModels()).isTrue();
        assertThat(r.force()).isTrue();
        assertThat(r.settings())
                .containsEntry("codec", "int4_sym_v1")
                .containsEntry("tenpakVersion", "9.9.9")
                .containsEntry("inputFormat", "auto");
    }

    @Test
    void blankCodecAndEmptyIncludesFallBackToDefaults() throws Exception {
        CompressRequest r = builder().codec("  ").includes(List.of(" ")).build();
        assertThat(r.options().codec()).isEqualTo("int8_sym_v1");
        assertThat(r.includes()).isEqualTo(CompressRequest.DEFAULT_INCLUDES);
    }

    @Test
    void anUnknownCodecIsAUserErrorNamingTheParameterAndTheKnownCodecs() {
        assertThatThrownBy(() -> builder().codec("int3_magic").build())
                .isInstanceOfSatisfying(
                        ModelBuildException.class,
                        e -> assertThat(e.userError()).isTrue())
                .hasMessageContaining("<codec>")
                .hasMessageContaining("tenpak.codec")
                .hasMessageContaining("int3_magic")
                .hasMessageContaining("int8_sym_v1");
    }

    @Test
    void aBudgetMustBeAFiniteNonNegativeNumber() throws Exception {
        for (double bad : new double[] {-1e-6, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> builder().failOnErrorAbove(bad).build())
                    .isInstanceOfSatisfying(
                            ModelBuildException.class,
                            e -> assertThat(e.userError()).isTrue())
                    .hasMessageContaining("failOnErrorAbove");
        }
        assertThat(builder().failOnErrorAbove(0.0).build().failOnErrorAbove()).hasValue(0.0);
    }

    @Test
    void threadsMustBePositiveAndDoNotChangeTheSettings() throws Exception {
        assertThat(builder().threads(2).build().options().threads()).isEqualTo(2);
        assertThat(builder().build().options().threads())
                .isEqualTo(dev.tenpak.options.CompressOptions.defaults().threads());
        assertThat(builder().threads(1).build().settings())
                .isEqualTo(builder().threads(4).build().settings());
        assertThatThrownBy(() -> builder().threads(0).build())
                .isInstanceOf(ModelBuildException.class)
                .hasMessageContaining("<threads>");
    }

    @Test
    void entropyReachesCompressThePlanAndTheSettingsOnlyWhenOn() throws Exception {
        CompressRequest d = builder().maxBitsPerWeight(4.5).build();
        assertThat(d.options().entropy()).isEqualTo(EntropyMode.OFF);
        assertThat(d.plan()).hasValueSatisfying(p -> assertThat(p.entropy()).isEqualTo(EntropyMode.OFF));
        // off leaves the settings as they were before the stage, so nothing is recompressed for it
        assertThat(d.settings()).doesNotContainKey("entropy");
        assertThat(builder().maxBitsPerWeight(4.5).entropy("off").build().settings())
                .isEqualTo(d.settings());
        CompressRequest a = builder().maxBitsPerWeight(4.5).entropy("auto").build();
        assertThat(a.options().entropy()).isEqualTo(EntropyMode.AUTO);
        assertThat(a.plan()).hasValueSatisfying(p -> assertThat(p.entropy()).isEqualTo(EntropyMode.AUTO));
        assertThat(a.settings()).containsEntry("entropy", "auto");
        assertThat(builder().entropy("auto").build().options().entropy()).isEqualTo(EntropyMode.AUTO);
        assertThatThrownBy(() -> builder().entropy("zstd").build())
                .isInstanceOf(ModelBuildException.class)
                .hasMessageContaining("<entropy>")
                .hasMessageContaining("'zstd'");
    }

    @Test
    void keepRawAndMinElementsReachTheOptionsAndTheSettings() throws Exception {
        CompressRequest r = builder()
                .codec("int4_sym_g32_v1")
                .keepRaw(List.of(" ^lm_head ", ""))
                .minElements(0L)
                .build();
        assertThat(r.options().keepRaw()).containsExactly("^lm_head");
        assertThat(r.options().minElements()).isZero();
        assertThat(r.settings()).containsEntry("keepRaw", "[^lm_head]").containsEntry("minElements", "0");
        CompressRequest d = builder().build();
        assertThat(d.options().keepRaw()).isEmpty();
        assertThat(d.options().minElements()).isEqualTo(dev.tenpak.options.CompressOptions.AUTO_MIN_ELEMENTS);
        assertThat(d.settings())
                .isNotEqualTo(builder().keepRaw(List.of("bias")).build().settings());
        assertThatThrownBy(() -> builder().keepRaw(List.of("([unclosed")).build())
                .isInstanceOf(ModelBuildException.class)
                .hasMessageContaining("<keepRaw>")
                .hasMessageContaining("([unclosed");
        assertThatThrownBy(() -> builder().minElements(-5L).build())
                .isInstanceOf(ModelBuildException.class)
                .hasMessageContaining("<minElements>");
    }

    @Test
    void anOutputFolderInsideTheSourceFolderIsRefused() {
        assertThatThrownBy(() -> builder()
                        .sourceDirectory(new File("models"))
                        .outputDirectory(base.resolve("models/out").toFile())
                        .build())
                .isInstanceOf(ModelBuildException.class)
                .hasMessageContaining("outputDirectory")
                .hasMessageContaining("sourceDirectory");
    }

    @Test
    void theSettingsChangeWithTheCodecButNotWithTheBudget() throws Exception {
        var a = builder().codec("int8_sym_v1").failOnErrorAbove(1e-3).build().settings();
        var b = builder().codec("int8_sym_v1").build().settings();
        var c = builder().codec("int4_sym_v1").build().settings();
        assertThat(a).isEqualTo(b);
        assertThat(a).isNotEqualTo(c);
    }
}
