package dev.tenpak.maven.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tenpak.Tenpak;
import dev.tenpak.internal.format.safetensors.SafetensorsReader;
import dev.tenpak.options.CompressOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The export goal's service on a small Hugging Face folder: the folder, the log, the incremental skip, the refusals. */
class CompressedTensorsExporterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path base;

    private final RecordingLog log = new RecordingLog();

    private Path artifact(String codec, List<String> keepRaw) throws Exception {
        Path folder = HfFolders.write(base.resolve("src/main/models/tiny"));
        Path art = base.resolve("target/classes/models/tiny.tenpak");
        Files.createDirectories(art.getParent());
        Tenpak.compress(
                folder,
                art,
                CompressOptions.defaults().withCodec(codec).withKeepRaw(keepRaw).withThreads(2));
        return art;
    }

    private CompressedTensorsExporter exporter(Path artifact, boolean force, String version) {
        return new CompressedTensorsExporter(
                base,
                artifact,
                Path.of("target/compressed-tensors"),
                Path.of("target/tenpak/exports"),
                force,
                2,
                version,
                log);
    }

    private Path out() {
        return base.resolve("target/compressed-tensors");
    }

    private static List<String> names(Path safetensors) {
        try (SafetensorsReader r = SafetensorsReader.open(safetensors)) {
            return r.entries().stream().map(SafetensorsReader.Entry::name).toList();
        }
    }

    @Test
    void writesALoadableFolderAndLogsWhatWasQuantizedAndWhatStayedDense() throws Exception {
        Path art = artifact("int4_sym_g32_v1", List.of("^layer\\.0\\.out\\."));
        var result = exporter(art, false, null).run();

        assertThat(result.upToDate()).isFalse();
        assertThat(result.report().quantized()).containsOnlyKeys(HfFolders.QUERY);
        assertThat(result.report().dense()).containsOnlyKeys(HfFolders.OUT);
        JsonNode q = JSON.readTree(out().resolve("config.json").toFile()).get("quantization_config");
        assertThat(q.get("quant_method").asText()).isEqualTo("compressed-tensors");
        assertThat(q.get("quantization_status").asText()).isEqualTo("compressed");
        assertThat(q.get("ignore").get(0).asText()).isEqualTo(HfFolders.OUT);
        assertThat(names(out().resolve("model.safetensors")))
                .contains(
                        HfFolders.QUERY + ".weight_packed",
                        HfFolders.QUERY + ".weight_scale",
                        HfFolders.OUT + ".weight")
                .doesNotContain(HfFolders.QUERY + ".weight");
        assertThat(out().resolve("tokenizer_config.json")).hasContent("{\"do_lower_case\":true}");

        assertThat(log.info).hasSize(2);
        assertThat(log.info.get(0))
                .startsWith("tenpak: exported target/classes/models/tiny.tenpak to target/compressed-tensors"
                        + " as compressed-tensors: 1 Linear layer(s) quantized [int4_sym_g32_v1], 1 left dense, ")
                .containsPattern("[0-9.]+ KiB of weights \\(artifact [0-9.]+ KiB\\)$");
        assertThat(log.info.get(1))
                .startsWith("tenpak:   dense " + HfFolders.OUT + ": ")
                .isEqualTo("tenpak:   dense " + HfFolders.OUT + ": "
                        + result.report().dense().get(HfFolders.OUT));
        assertThat(log.warn).isEmpty();
    }

    @Test
    void anUnchangedArtifactAndFolderAreNotExportedAgain() throws Exception {
        Path art = artifact("int8_sym_g32_v1", List.of());
        assertThat(exporter(art, false, null).run().upToDate()).isFalse();
        log.clear();

        assertThat(exporter(art, false, null).run().upToDate()).isTrue();
        assertThat(log.info)
                .singleElement()
                .asString()
                .endsWith(": up to date (artifact, folder and tenpak version unchanged), not exported again");

        // force, a new engine, an edited folder, a new artifact: each exports again
        assertThat(exporter(art, true, null).run().upToDate()).isFalse();
        assertThat(exporter(art, false, "9.9.9").run().upToDate()).isFalse();
        Files.writeString(out().resolve("config.json"), "{}");
        assertThat(exporter(art, false, "9.9.9").run().upToDate()).isFalse();
        assertThat(JSON.readTree(out().resolve("config.json").toFile()).has("quantization_config"))
                .isTrue();
        Files.delete(out().resolve("tokenizer_config.json"));
        assertThat(exporter(art, false, "9.9.9").run().upToDate()).isFalse();
        assertThat(exporter(art, false, "9.9.9").run().upToDate()).isTrue();
        Tenpak.compress(
                base.resolve("src/main/models/tiny"),
                art,
                CompressOptions.defaults().withCodec("int4_sym_g32_v1").withThreads(2));
        var again = exporter(art, false, "9.9.9").run();
        assertThat(again.upToDate()).isFalse();
        assertThat(again.report().quantized()).containsValues("int4_sym_g32_v1");
    }

    @Test
    void anArtifactWithoutConfigJsonFailsTheBuildAndLeavesNoFolder() throws Exception {
        Path folder = HfFolders.write(base.resolve("src/main/models/tiny"));
        Path art = base.resolve("target/lone.tenpak");
        Files.createDirectories(art.getParent());
        Tenpak.compress(
                folder.resolve("model.safetensors"),
                art,
                CompressOptions.defaults().withCodec("int4_sym_g32_v1").withThreads(2));
        assertThatThrownBy(() -> exporter(art, false, null).run())
                .isInstanceOfSatisfying(
                        ModelBuildException.class,
                        e -> assertThat(e.userError()).isTrue())
                .hasMessageStartingWith("tenpak: cannot export target/lone.tenpak as compressed-tensors: ")
                .hasMessageContaining("config.json")
                .hasMessageNotContaining(art.toString() + ": ");
        assertThat(out()).doesNotExist();
        try (Stream<Path> s = Files.list(base.resolve("target"))) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("lone.tenpak");
        }
    }

    @Test
    void aFailedExportLeavesTheEarlierFolderAsItWas() throws Exception {
        Path art = artifact("int4_sym_g32_v1", List.of());
        exporter(art, false, null).run();
        byte[] config = Files.readAllBytes(out().resolve("config.json"));
        byte[] weights = Files.readAllBytes(out().resolve("model.safetensors"));
        // the same artifact name, now compressed with a codec nothing can be exported from
        Tenpak.compress(
                base.resolve("src/main/models/tiny"),
                art,
                CompressOptions.defaults().withCodec("int4_asym_g32_v1").withThreads(2));
        assertThatThrownBy(() -> exporter(art, false, null).run())
                .isInstanceOf(ModelBuildException.class)
                .hasMessageContaining("int4_asym_g32_v1");
        assertThat(Files.readAllBytes(out().resolve("config.json"))).isEqualTo(config);
        assertThat(Files.readAllBytes(out().resolve("model.safetensors"))).isEqualTo(weights);
    }

    @Test
    void aMissingArtifactOrBadThreadsNameTheParameter() throws Exception {
        assertThatThrownBy(() -> exporter(null, false, null).run())
                .isInstanceOfSatisfying(
                        ModelBuildException.class,
                        e -> assertThat(e.userError()).isTrue())
                .hasMessageContaining("<artifact> (tenpak.artifact)");
        assertThatThrownBy(() ->
                        exporter(Path.of("target/none.tenpak"), false, null).run())
                .isInstanceOf(ModelBuildException.class)
                .hasMessageContaining("target/none.tenpak, does not exist");
        Path art = artifact("int8_sym_g32_v1", List.of());
        assertThatThrownBy(() -> new CompressedTensorsExporter(
                                base, art, out(), base.resolve("state"), false, 0, null, log)
                        .run())
                .isInstanceOf(ModelBuildException.class)
                .hasMessageContaining("<threads> (tenpak.threads): 0");
    }
}
