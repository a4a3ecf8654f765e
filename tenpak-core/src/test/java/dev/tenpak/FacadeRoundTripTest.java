package dev.tenpak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.error.UnknownCodecException;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.report.CompressReport;
import dev.tenpak.tensor.Artifact;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FacadeRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void compressesTheShippedExampleAndReadsItBack() throws Exception {
        Path in = Path.of("..", "examples", "simple_bundle.json");
        Path out = dir.resolve("a.tenpak");
        CompressReport r = Tenpak.compress(in, out, CompressOptions.defaults());
        assertThat(r.tensors()).hasSize(2);
        assertThat(r.artifactBytes()).isEqualTo(Files.size(out));
        try (Artifact reader = Tenpak.open(out)) {
            float[] w = reader.read("dense.weight").toFloatArray();
            float scale = 0.4f / 127f;
            float[] expected = {0.1f, 0.2f, -0.3f, 0.4f};
            for (int i = 0; i < 4; i++) {
                assertThat(Math.abs(w[i] - expected[i])).isLessThanOrEqualTo(scale / 2 + 1e-7f);
            }
        }
    }

    @Test
    void jsonEntryPointsRoundTrip() {
        byte[] json = "{\"tensors\":[{\"name\":\"a\",\"shape\":[3],\"data\":[1,2,3]}]}".getBytes();
        byte[] artifact = Tenpak.compressJsonBundle(json, "raw_v1");
        assertThat(new String(Tenpak.decompressArtifactToJson(artifact)))
                .isEqualTo("{\"tensors\":[{\"name\":\"a\",\"shape\":[3],\"data\":[1.0,2.0,3.0]}]}");
        assertThatThrownBy(() -> Tenpak.compressJsonBundle(json, "nope")).isInstanceOf(UnknownCodecException.class);
    }
}
