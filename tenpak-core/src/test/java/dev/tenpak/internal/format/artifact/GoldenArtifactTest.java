package dev.tenpak.internal.format.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Golden artifacts of formats v1 and v2. THE BYTES OF src/test/resources/golden/v1/* AND
 * golden/v2/* MUST NEVER CHANGE: readers in the field rely on them. If this test fails, the writer
 * (or a codec, or the entropy stage's encoder) changed what it produces; fix the code, or introduce
 * a new format version with its own golden files. Never regenerate these files.
 */
class GoldenArtifactTest {
    @Test
    void writerStillProducesTheSimpleGoldenBytes() {
        assertThat(GoldenArtifacts.simpleInt8()).isEqualTo(GoldenArtifacts.resource("simple_int8.tenpak"));
    }

    @Test
    void writerStillProducesTheMixedGoldenBytes() {
        assertThat(GoldenArtifacts.mixed()).isEqualTo(GoldenArtifacts.resource("mixed.tenpak"));
    }

    @Test
    void simpleGoldenHasTheDocumentedLayout() {
        byte[] b = GoldenArtifacts.resource("simple_int8.tenpak");
        assertThat(b).hasSize(313);
        assertThat(Arrays.copyOf(b, 8)).isEqualTo(FormatV1.MAGIC);
        assertThat(Arrays.copyOfRange(b, b.length - 8, b.length)).isEqualTo(FormatV1.MAGIC);
        // the worked example of docs/FORMAT.md: codes of dense.weight at 64, of dense.bias at 128
        assertThat(Arrays.copyOfRange(b, 64, 68)).containsExactly(32, 64, -95, 127);
        assertThat(Arrays.copyOfRange(b, 128, 130)).containsExactly(63, -127);
        assertThat(FormatV1.u64(b, b.length - 32)).isEqualTo(130); // index_offset
        assertThat(FormatV1.u64(b, b.length - 24)).isEqualTo(b.length - 32 - 130); // index_length
    }

    @Test
    void readerDecodesTheSimpleGolden() {
        try (ArtifactReader r =
                ArtifactReader.of(GoldenArtifacts.resource("simple_int8.tenpak"), "simple_int8.tenpak")) {
            assertThat(r.version()).isEqualTo(1);
            assertThat(r.codec()).isEqualTo("int8_sym_v1");
            assertThat(r.metadata()).isEmpty();
            assertThat(r.entries()).extracting(TensorEntry::name).containsExactly("dense.weight", "dense.bias");
            TensorEntry w = r.entry("dense.weight");
            assertThat(w.dtype()).isEqualTo(DType.F32);
            assertThat(w.shape()).isEqualTo(Shape.of(2, 2));
            assertThat(w.offset()).isEqualTo(64);
            assertThat(w.length()).isEqualTo(4);
            float sw = 0.4f / 127f;
            assertThat(r.read("dense.weight").toFloatArray()).containsExactly(32 * sw, 64 * sw, -95 * sw, 127 * sw);
            float sb = 0.02f / 127f;
            assertThat(r.read("dense.bias").toFloatArray()).containsExactly(63 * sb, -127 * sb);
        }
    }

    @Test
    void readerDecodesTheMixedGolden() {
        try (ArtifactReader r = ArtifactReader.of(GoldenArtifacts.resource("mixed.tenpak"), "mixed.tenpak")) {
            assertThat(r.codec()).isEqualTo("mixed");
            assertThat(r.metadata()).isEqualTo(Map.of("producer", "tenpak golden v1"));
            assertThat(r.entries())
                    .extracting(TensorEntry::codec)
                    .containsExactly(
                            "int8_sym_v1",
                            "int4_sym_v1",
                            "raw_v1",
                            "int8_sym_v1",
                            "int4_sym_v1",
                            "raw_v1",
                            "raw_v1",
                            "int4_sym_v1");
            for (TensorEntry e : r.entries()) {
                assertThat(e.offset() % 64).as(e.name()).isZero();
            }
            float s = 0.6f / 127f;
            assertThat(r.read("dense.weight").toFloatArray())
                    .containsExactly(21 * s, 42 * s, -64 * s, 85 * s, 106 * s, -127 * s);
            float s4 = 0.035f / 7f;
            assertThat(r.read("dense.bias").toFloatArray()).containsExactly(2 * s4, -4 * s4, 7 * s4);
            float[] norm = r.read("norm.scale").toFloatArray();
            assertThat(Float.floatToRawIntBits(norm[1])).isEqualTo(0x80000000);
            assertThat(Float.floatToRawIntBits(norm[2])).isEqualTo(0x7FC00000);
            assertThat(norm[3]).isEqualTo(Float.MIN_VALUE);
            Tensor temp = r.read("temperature");
            assertThat(temp.dtype()).isEqualTo(DType.BF16);
            assertThat(temp.shape().rank()).isZero();
            assertThat(temp.getFloat(0))
                    .isEqualTo(GoldenArtifacts.narrow("t", DType.BF16, Shape.of(), 0.7f)
                            .getFloat(0));
            float sh = 5f / 7f; // decoded as floats, then rounded to the tensor's F16
            assertThat(r.read("half").toFloatArray())
                    .containsExactly(
                            GoldenArtifacts.narrow("h", DType.F16, Shape.of(5), sh, -3 * sh, 4 * sh, -6 * sh, 7 * sh)
                                    .toFloatArray());
            assertThat(r.read("empty").elementCount()).isZero();
            assertThat(r.read("ties").toFloatArray()).containsExactly(0f, 2f, 2f, -2f, 0f, 7f); // half to even
            assertThat(r.read("token_ids").data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                    .containsExactly(1, 0, 0, 0, -1, -1, -1, 127);
        }
    }

    @Test
    void writerStillProducesTheStagedV2GoldenBytes() {
        assertThat(GoldenArtifacts.stagedV2()).isEqualTo(GoldenArtifacts.resource("v2", "staged.tenpak"));
    }

    @Test
    void stagedGoldenHasTheDocumentedLayout() {
        byte[] b = GoldenArtifacts.resource("v2", "staged.tenpak");
        assertThat(b).hasSize(771);
        assertThat(Arrays.copyOfRange(b, 8, 10)).containsExactly(2, 0); // version 2
        // the staged payload at 64 starts with the stage's header: format 1, block 262144, n 512
        assertThat(Arrays.copyOfRange(b, 64, 80)).containsExactly(1, 0, 0, 0, 0, 0, 4, 0, 0, 2, 0, 0, 0, 0, 0, 0);
        try (ArtifactReader r = ArtifactReader.of(b, "staged.tenpak")) {
            assertThat(r.version()).isEqualTo(2);
            TensorEntry codes = r.entry("codes");
            assertThat(codes.stage()).isEqualTo(ArtifactFormat.STAGE_ENTROPY);
            assertThat(codes.offset()).isEqualTo(64);
            assertThat(codes.length()).isEqualTo(364);
            assertThat(codes.codecLength()).isEqualTo(512);
            assertThat(r.entry("bias").stage()).isEqualTo(ArtifactFormat.STAGE_NONE);
            assertThat(r.entry("bias").codecLength()).isEqualTo(4);
            assertThat(r.entry("ids").stage()).isEqualTo(ArtifactFormat.STAGE_NONE);
        }
    }

    @Test
    void readerDecodesTheStagedGoldenAsTheUnstagedCodec() {
        try (ArtifactReader r = ArtifactReader.of(GoldenArtifacts.resource("v2", "staged.tenpak"), "staged.tenpak");
                ArtifactWriter plain = ArtifactWriter.toMemory()) {
            float[] codes = new float[512];
            for (int i = 0; i < codes.length; i++) {
                codes[i] = ((37 * i) % 23 - 11) / 16f;
            }
            plain.write(Tensor.ofFloats("codes", codes, 16, 32), dev.tenpak.codec.Codecs.byName("int8_sym_v1"));
            plain.finish();
            try (ArtifactReader v1 = ArtifactReader.of(plain.bytes(), "plain")) {
                assertThat(v1.version()).isEqualTo(1);
                assertThat(r.read("codes").data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                        .isEqualTo(v1.read("codes").data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
                    assertThat(r.codecPayload(r.entry("codes"), a).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                            .isEqualTo(v1.payload(v1.entry("codes")).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                }
            }
            float s = 0.04f / 127f;
            assertThat(r.read("bias").toFloatArray()).hasSize(4);
            assertThat(r.read("bias").getFloat(3)).isEqualTo(127 * s);
            assertThat(r.read("ids").data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                    .containsExactly(1, 0, 0, 0, -1, -1, -1, 127);
        }
    }
}
