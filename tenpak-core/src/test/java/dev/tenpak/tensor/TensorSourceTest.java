package dev.tenpak.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.codec.Codecs;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.internal.pipeline.CodecSelector;
import dev.tenpak.internal.pipeline.Compressor;
import dev.tenpak.report.ErrorMetrics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TensorSourceTest {
    /** Metadata goes into the index in the source's order; a hash-ordered copy would make bytes vary by JVM run. */
    @Test
    void metadataKeepsItsOrderIntoTheArtifact() {
        Map<String, String> meta = new LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            meta.put("key-" + (i * 7919 % 101), "value " + i);
        }
        Tensor t = Tensor.ofFloats("w", new float[] {1, -2, 3, 0.5f}, 2, 2);
        for (TensorSource source : List.of(
                TensorSource.of(List.of(t), meta, "list"),
                Bundle.of(List.of(t), meta).asSource("bundle"))) {
            assertThat(List.copyOf(source.metadata().keySet()))
                    .as(source.description())
                    .isEqualTo(List.copyOf(meta.keySet()));
            byte[] bytes;
            try (ArtifactWriter w = ArtifactWriter.toMemory()) {
                Compressor.compress(
                        source, w, CodecSelector.uniform(Codecs.byName("int8_sym_v1")), new ErrorMetrics.Accumulator());
                w.finish();
                bytes = w.bytes();
            }
            try (ArtifactReader r = ArtifactReader.of(bytes, "mem")) {
                assertThat(List.copyOf(r.metadata().keySet())).isEqualTo(List.copyOf(meta.keySet()));
                assertThat(r.read("w").toFloatArray()).hasSize(4);
            }
        }
    }

    @Test
    void aListSourceYieldsItsTensorsInOrderThenNull() {
        Tensor a = Tensor.ofFloats("a", new float[] {1}, 1);
        Tensor b = Tensor.ofFloats("b", new float[] {2}, 1);
        TensorSource s = TensorSource.of(List.of(a, b), Map.of(), "two");
        assertThat(s.next()).isSameAs(a);
        assertThat(s.next()).isSameAs(b);
        assertThat(s.next()).isNull();
        assertThat(s.description()).isEqualTo("two");
    }
}
