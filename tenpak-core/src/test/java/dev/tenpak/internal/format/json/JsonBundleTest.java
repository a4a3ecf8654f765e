package dev.tenpak.internal.format.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.Tenpak;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.NonFiniteValueException;
import dev.tenpak.error.ShapeMismatchException;
import dev.tenpak.tensor.Bundle;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** JSON bundles: what the streaming reader accepts, what it refuses and how it says so. */
class JsonBundleTest {
    static final long SEED = Long.getLong("tenpak.test.seed", new SplittableRandom().nextLong());

    @TempDir
    Path dir;

    /** Reads {@code json} from a file called bundle.json in the temp dir. */
    Bundle read(String json) throws Exception {
        Path p = dir.resolve("bundle.json");
        Files.writeString(p, json);
        try (TensorSource s = JsonBundleReader.open(p)) {
            return Bundle.readAll(s);
        }
    }

    @Test
    void readsTheSeedsExample() throws Exception {
        Bundle b = read(Files.readString(Path.of("..", "examples", "simple_bundle.json")));
        assertThat(b.names()).containsExactly("dense.weight", "dense.bias");
        assertThat(b.get("dense.weight").shape()).isEqualTo(Shape.of(2, 2));
        assertThat(b.get("dense.weight").toFloatArray()).containsExactly(0.1f, 0.2f, -0.3f, 0.4f);
        assertThat(b.get("dense.bias").toFloatArray()).containsExactly(0.01f, -0.02f);
    }

    @Test
    void acceptsScalarsEmptyTensorsFieldOrderAndUnknownTopLevelFields() throws Exception {
        Bundle b = read("""
                {"format": "x", "tensors": [
                  {"data": [2.5], "shape": [], "name": "s"},
                  {"name": "e", "shape": [3, 0], "data": []}
                ], "extra": {"a": [1, 2]}}""");
        assertThat(b.get("s").shape().rank()).isZero();
        assertThat(b.get("s").toFloatArray()).containsExactly(2.5f);
        assertThat(b.get("e").elementCount()).isZero();
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of(
                        "truncated",
                        "{\"tensors\": [{\"name\": \"a\", \"shape\": [1], \"data\": [1",
                        "malformed JSON at line 1"),
                Arguments.of(
                        "trailing comma",
                        "{\"tensors\": [{\"name\": \"a\", \"shape\": [1], \"data\": [1,]}]}",
                        "malformed JSON"),
                Arguments.of("not JSON", "hello", "malformed JSON"),
                Arguments.of("empty file", "", "a bundle is a JSON object"),
                Arguments.of("top-level array", "[]", "a bundle is a JSON object"),
                Arguments.of("no tensors", "{\"other\": 1}", "no \"tensors\" array"),
                Arguments.of("tensors not an array", "{\"tensors\": {}}", "\"tensors\" must be an array"),
                Arguments.of("tensor not an object", "{\"tensors\": [1]}", "tensors[0] must be an object"),
                Arguments.of(
                        "missing name", "{\"tensors\": [{\"shape\": [1], \"data\": [1]}]}", "tensors[0] has no name"),
                Arguments.of(
                        "empty name",
                        "{\"tensors\": [{\"name\": \"\", \"shape\": [1], \"data\": [1]}]}",
                        "has no name"),
                Arguments.of(
                        "missing shape",
                        "{\"tensors\": [{\"name\": \"w\", \"data\": [1]}]}",
                        "tensor 'w' has no \"shape\""),
                Arguments.of(
                        "missing data",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": [1]}]}",
                        "tensor 'w' has no \"data\""),
                Arguments.of(
                        "name not a string",
                        "{\"tensors\": [{\"name\": 7, \"shape\": [1], \"data\": [1]}]}",
                        "tensors[0].name must be a string"),
                Arguments.of(
                        "shape not an array",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": \"2x2\", \"data\": [1]}]}",
                        "tensor 'w': \"shape\" must be an array"),
                Arguments.of(
                        "fractional dim",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": [1.5], \"data\": [1]}]}",
                        "non-negative integers"),
                Arguments.of(
                        "huge dim",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": [99999999999999999999], \"data\": [1]}]}",
                        "non-negative integers"),
                Arguments.of(
                        "negative dim",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": [2, -2], \"data\": [1]}]}",
                        "tensor 'w': \"shape\" has negative dimension -2"),
                Arguments.of(
                        "overflowing shape",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": [4294967296, 4294967296], \"data\": []}]}",
                        "overflows"),
                Arguments.of(
                        "data not an array",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": [1], \"data\": 1}]}",
                        "tensor 'w': \"data\" must be an array"),
                Arguments.of(
                        "data holds a word",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": [2], \"data\": [1, \"one\"]}]}",
                        "tensor 'w': data[1] is VALUE_STRING, expected a number"),
                Arguments.of(
                        "data holds an object",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": [2], \"data\": [1, {}]}]}",
                        "data[1] is START_OBJECT"),
                Arguments.of(
                        "data holds null",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": [1], \"data\": [null]}]}",
                        "data[0] is VALUE_NULL"),
                Arguments.of(
                        "unknown tensor field",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": [1], \"data\": [1], \"dtype\": \"f32\"}]}",
                        "tensor 'w': unknown field \"dtype\""),
                Arguments.of("tensors twice", "{\"tensors\": [], \"tensors\": []}", "duplicate key 'tensors'"),
                Arguments.of(
                        "duplicate name",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": [1], \"data\": [1]},"
                                + " {\"name\": \"w\", \"shape\": [1], \"data\": [2]}]}",
                        "duplicate tensor name 'w'"),
                // a key twice in one object, at any level
                Arguments.of(
                        "data twice, shorter second",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": [2], \"data\": [1], \"data\": [2]}]}",
                        "duplicate key 'data' in tensor 'w'"),
                Arguments.of(
                        "data twice, longer first",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": [1], \"data\": [1, 2, 3], \"data\": [4]}]}",
                        "duplicate key 'data' in tensor 'w'"),
                Arguments.of(
                        "shape twice before the name",
                        "{\"tensors\": [{\"shape\": [1], \"shape\": [1], \"name\": \"w\", \"data\": [4]}]}",
                        "duplicate key 'shape' in tensors[0]"),
                Arguments.of(
                        "name twice",
                        "{\"tensors\": [{\"name\": \"a\", \"name\": \"b\", \"shape\": [1], \"data\": [4]}]}",
                        "duplicate key 'name' in tensor 'a'"),
                Arguments.of(
                        "top-level key twice",
                        "{\"format\": 1, \"format\": 2, \"tensors\": []}",
                        "duplicate key 'format'"),
                Arguments.of(
                        "nested key twice",
                        "{\"tensors\": [], \"extra\": {\"a\": {\"b\": 1, \"b\": 2}}}",
                        "duplicate key 'b'"),
                // nothing after the top-level object; numbers within float32
                Arguments.of(
                        "a second bundle appended",
                        "{\"tensors\": []}\n{\"tensors\": [{\"name\": \"w\", \"shape\": [1], \"data\": [1]}]}",
                        "content after the end of the top-level object at line 2"),
                Arguments.of("garbage appended", "{\"tensors\": []} x", "malformed JSON"),
                Arguments.of(
                        "a number appended", "{\"tensors\": []} 7", "content after the end of the top-level object"),
                Arguments.of(
                        "1e309",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": [2], \"data\": [0.5, 1e309]}]}",
                        "tensor 'w': data[1] = 1e309 is out of float32 range"),
                Arguments.of(
                        "-3.5e38",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": [2], \"data\": [-3.5e38, 1]}]}",
                        "tensor 'w': data[0] = -3.5e38 is out of float32 range"),
                Arguments.of(
                        "400-digit integer",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": [1], \"data\": [" + "9".repeat(400) + "]}]}",
                        "tensor 'w': data[0] = 99999999999999999999... (400 characters) is out of float32 range"),
                // Jackson's limits are malformed input, not I/O errors
                Arguments.of(
                        "nesting deeper than 1000",
                        "{\"tensors\": [], \"x\": " + "[".repeat(1100) + "]".repeat(1100) + "}",
                        "malformed JSON"),
                Arguments.of(
                        "a number longer than 1000 digits",
                        "{\"tensors\": [{\"name\": \"w\", \"shape\": [1], \"data\": [1." + "1".repeat(1200) + "]}]}",
                        "malformed JSON"),
                Arguments.of(
                        "a string longer than 20 M",
                        "{\"tensors\": [{\"name\": \"" + "n".repeat(21_000_000)
                                + "\", \"shape\": [1], \"data\": [1]}]}",
                        "malformed JSON"));
    }

    @Test
    void theLargestFloat32LiteralsAreAccepted() throws Exception {
        Bundle b =
                read("{\"tensors\": [{\"name\": \"w\", \"shape\": [4], \"data\": [3.4028235e38, -3.4028235E38, 1e-50, "
                        + "340282350000000000000000000000000000000]}]}");
        assertThat(b.get("w").toFloatArray()).containsExactly(Float.MAX_VALUE, -Float.MAX_VALUE, 0f, Float.MAX_VALUE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusesBadBundlesNamingFileAndTensor(String what, String json, String message) {
        assertThatThrownBy(() -> read(json))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(dir.resolve("bundle.json").toString() + ": ")
                .hasMessageContaining(message);
    }

    @Test
    void dataLengthMustEqualTheShapesProduct() {
        for (String data : new String[] {"[1, 2, 3]", "[1, 2, 3, 4, 5]", "[]"}) {
            assertThatThrownBy(() -> read("{\"tensors\": [{\"name\": \"ok\", \"shape\": [1], \"data\": [1]},"
                            + " {\"name\": \"layer.0.w\", \"shape\": [2, 2], \"data\": " + data + "}]}"))
                    .isInstanceOf(ShapeMismatchException.class)
                    .hasMessageContaining(dir.resolve("bundle.json").toString())
                    .hasMessageContaining("tensor 'layer.0.w'")
                    .hasMessageContaining("shape [2, 2] needs 4 values");
        }
    }

    /** A shape that claims billions of elements must not make the reader allocate for them. */
    @Test
    void aHugeClaimedShapeDoesNotAllocateForIt() {
        for (String shape : new String[] {"[2000000000]", "[1000000, 1000000]", "[2147483639]"}) {
            assertThatThrownBy(() ->
                            read("{\"tensors\": [{\"name\": \"big\", \"shape\": " + shape + ", \"data\": [1, 2]}]}"))
                    .isInstanceOf(ShapeMismatchException.class)
                    .hasMessageContaining("data has 2");
        }
    }

    @Test
    void nanAndInfinityAreReadAsStringsOrBareTokensAndRefusedByLossyCodecs() throws Exception {
        Bundle b = read("{\"tensors\": [{\"name\": \"w\", \"shape\": [6],"
                + " \"data\": [\"NaN\", NaN, \"Infinity\", \"-Infinity\", Infinity, 1]}]}");
        float[] x = b.get("w").toFloatArray();
        assertThat(x[0]).isNaN();
        assertThat(x[1]).isNaN();
        assertThat(x).endsWith(Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 1f);
        byte[] json =
                "{\"tensors\": [{\"name\": \"ok\", \"shape\": [1], \"data\": [1]}, {\"name\": \"w\", \"shape\": [3], \"data\": [0.5, 1, \"NaN\"]}]}"
                        .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Tenpak.compressJsonBundle(json, "int8_sym_v1"))
                .isInstanceOfSatisfying(NonFiniteValueException.class, e -> {
                    assertThat(e.tensor()).isEqualTo("w");
                    assertThat(e.index()).isEqualTo(2);
                });
        byte[] raw = Tenpak.compressJsonBundle(json, "raw_v1");
        assertThat(new String(Tenpak.decompressArtifactToJson(raw), StandardCharsets.UTF_8))
                .contains("\"NaN\"");
    }

    @Test
    void writerRoundTripsEveryFloatExactly() throws Exception {
        SplittableRandom r = new SplittableRandom(SEED);
        System.out.println("JsonBundleTest seed " + SEED);
        float[] x = new float[20_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = Float.intBitsToFloat(r.nextInt()); // any bit pattern: subnormals, huge, tiny, NaN
        }
        float[] special = {
            0f,
            -0f,
            Float.MIN_VALUE,
            -Float.MIN_VALUE,
            Float.MIN_NORMAL,
            Float.MAX_VALUE,
            -Float.MAX_VALUE,
            0.1f,
            1f / 3,
            16777217f,
            Float.NaN,
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY
        };
        System.arraycopy(special, 0, x, 0, special.length);
        MemorySegment bf = MemorySegment.ofArray(new byte[200]);
        FloatConversions.fromFloats(java.util.Arrays.copyOf(x, 100), 0, 100, bf, DType.BF16, 0);
        List<Tensor> tensors = List.of(
                Tensor.ofFloats("x", x, 100, 200),
                new Tensor("bf", DType.BF16, Shape.of(100), bf),
                Tensor.ofFloats("scalar", Shape.of(), new float[] {-0f}));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonBundleWriter w = new JsonBundleWriter(out, "mem")) {
            tensors.forEach(w::write);
        }
        Bundle back;
        try (TensorSource s = JsonBundleReader.open(out.toByteArray(), "mem")) {
            back = Bundle.readAll(s);
        }
        for (Tensor t : tensors) {
            Tensor b = back.get(t.name());
            assertThat(b.dtype()).isEqualTo(DType.F32); // JSON bundles are float32
            assertThat(b.shape()).isEqualTo(t.shape());
            float[] want = t.toFloatArray();
            float[] got = b.toFloatArray();
            for (int i = 0; i < want.length; i++) {
                // NaN comes back as the canonical NaN; every other value bit for bit
                int expected =
                        Float.isNaN(want[i]) ? Float.floatToIntBits(Float.NaN) : Float.floatToRawIntBits(want[i]);
                if (Float.floatToRawIntBits(got[i]) != expected) {
                    throw new AssertionError(
                            t.name() + "[" + i + "]: wrote " + want[i] + ", read " + got[i] + " (seed " + SEED + ")");
                }
            }
        }
    }

    @Test
    void writerRefusesNonFloatTensors() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonBundleWriter w = new JsonBundleWriter(out, "mem");
        assertThatThrownBy(() -> w.write(new Tensor("ids", DType.I32, Shape.of(1), MemorySegment.ofArray(new byte[4]))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'ids'")
                .hasMessageContaining("I32");
    }
}
