package dev.tenpak.internal.format.artifact;

import dev.tenpak.Tenpak;
import dev.tenpak.codec.Codecs;
import dev.tenpak.internal.pipeline.EncodedTensor;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The inputs of the committed golden artifacts under {@code src/test/resources/golden/v1/} and
 * {@code golden/v2/}, and how they were produced. The files were generated once from exactly these
 * calls; readers must go on reading them, and the writer must go on producing them, byte for byte,
 * forever.
 */
final class GoldenArtifacts {
    /** The example bundle ({@code examples/simple_bundle.json}), inlined so the example may change. */
    static final String SIMPLE_JSON = """
            {"tensors": [
              {"name": "dense.weight", "shape": [2, 2], "data": [0.1, 0.2, -0.3, 0.4]},
              {"name": "dense.bias", "shape": [2], "data": [0.01, -0.02]}
            ]}""";

    /** {@code golden/v1/simple_int8.tenpak}: the example bundle through {@code int8_sym_v1}. */
    static byte[] simpleInt8() {
        return Tenpak.compressJsonBundle(SIMPLE_JSON.getBytes(StandardCharsets.UTF_8), "int8_sym_v1");
    }

    /**
     * {@code golden/v1/mixed.tenpak}: every v1 codec, several dtypes, a scalar, an empty tensor, an
     * odd-length int4 tensor, a NaN carried by raw_v1, exact rounding ties, and metadata.
     */
    static byte[] mixed() {
        try (ArtifactWriter w = ArtifactWriter.toMemory()) {
            w.metadata(Map.of("producer", "tenpak golden v1"));
            w.write(
                    Tensor.ofFloats("dense.weight", new float[] {0.1f, 0.2f, -0.3f, 0.4f, 0.5f, -0.6f}, 2, 3),
                    Codecs.byName("int8_sym_v1"));
            w.write(
                    Tensor.ofFloats("dense.bias", new float[] {0.01f, -0.02f, 0.035f}, 3),
                    Codecs.byName("int4_sym_v1"));
            w.write(
                    Tensor.ofFloats("norm.scale", new float[] {1f, -0f, Float.NaN, Float.MIN_VALUE}, 4),
                    Codecs.byName("raw_v1"));
            w.write(narrow("temperature", DType.BF16, Shape.of(), 0.7f), Codecs.byName("int8_sym_v1"));
            w.write(narrow("half", DType.F16, Shape.of(5), 1f, -2f, 3f, -4f, 5f), Codecs.byName("int4_sym_v1"));
            w.write(
                    new Tensor("empty", DType.F16, Shape.of(0, 4), MemorySegment.ofArray(new byte[0])),
                    Codecs.byName("raw_v1"));
            w.write(
                    new Tensor("token_ids", DType.I32, Shape.of(2), MemorySegment.ofArray(new byte[] {
                        1, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0x7F
                    })),
                    Codecs.byName("raw_v1"));
            // max 7 gives scale 1.0, so these are exact ties: they pin round-half-to-even
            w.write(
                    Tensor.ofFloats("ties", new float[] {0.5f, 1.5f, 2.5f, -2.5f, -0.5f, 7f}, 6),
                    Codecs.byName("int4_sym_v1"));
            w.finish();
            return w.bytes();
        }
    }

    /**
     * {@code golden/v2/staged.tenpak}: format version 2. {@code codes} (512 int8 codes taking 23
     * values) goes through the entropy stage; {@code bias} (4 codes, where the stage does not pay)
     * and {@code ids} (raw_v1, never staged) are stored as written, with stage 0.
     */
    static byte[] stagedV2() {
        float[] codes = new float[512];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = ((37 * i) % 23 - 11) / 16f;
        }
        try (ArtifactWriter w = ArtifactWriter.toMemory();
                Arena arena = Arena.ofConfined()) {
            w.metadata(Map.of("producer", "tenpak golden v2"));
            for (Tensor t : new Tensor[] {
                Tensor.ofFloats("codes", codes, 16, 32),
                Tensor.ofFloats("bias", new float[] {0.01f, -0.02f, 0.03f, 0.04f}, 4)
            }) {
                EncodedTensor.encode(t, Codecs.byName("int8_sym_v1"), arena).writeToStaged(w, arena);
            }
            w.write(
                    new Tensor("ids", DType.I32, Shape.of(2), MemorySegment.ofArray(new byte[] {
                        1, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0x7F
                    })),
                    Codecs.byName("raw_v1"));
            w.finish();
            return w.bytes();
        }
    }

    static Tensor narrow(String name, DType dtype, Shape shape, float... values) {
        MemorySegment data = MemorySegment.ofArray(new byte[(int) dtype.byteSizeFor(values.length)]);
        FloatConversions.fromFloats(values, 0, values.length, data, dtype, 0);
        return new Tensor(name, dtype, shape, data);
    }

    static byte[] resource(String name) {
        return resource("v1", name);
    }

    static byte[] resource(String version, String name) {
        try (InputStream in = GoldenArtifacts.class.getResourceAsStream("/golden/" + version + "/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource golden/" + version + "/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private GoldenArtifacts() {}
}
