package dev.tenpak.internal.format.safetensors;

import static dev.tenpak.internal.format.safetensors.SafetensorsFixture.bytes;
import static dev.tenpak.internal.format.safetensors.SafetensorsFixture.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.error.MalformedInputException;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

public class SafetensorsReaderTest {
    @TempDir
    Path dir;

    /** One tensor of every dtype, shape [2, 3], distinct bytes; header in file order. */
    static byte[] everyDtype() {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\",\"note\":\"fixture\"}");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        long at = 0;
        for (DType t : DType.values()) {
            int n = 6 * t.byteSize();
            h.append(",\"t_")
                    .append(t.name().toLowerCase())
                    .append("\":{\"dtype\":\"")
                    .append(t.safetensorsName())
                    .append("\",\"shape\":[2,3],\"data_offsets\":[")
                    .append(at)
                    .append(',')
                    .append(at + n)
                    .append("]}");
            data.writeBytes(bytes(n, t.id() * 16));
            at += n;
        }
        h.append('}');
        return file(h.toString(), data.toByteArray());
    }

    @Test
    void readsEveryDtypeAsZeroCopySlicesOfTheMappedFile() throws Exception {
        Path p = SafetensorsFixture.write(dir, "all.safetensors", everyDtype());
        try (SafetensorsReader r = SafetensorsReader.open(p)) {
            assertThat(r.metadata()).isEqualTo(Map.of("format", "pt", "note", "fixture"));
            assertThat(r.dataBytes())
                    .isEqualTo(6L
                            * java.util.Arrays.stream(DType.values())
                                    .mapToInt(DType::byteSize)
                                    .sum());
            List<Tensor> got = new ArrayList<>();
            for (Tensor t = r.next(); t != null; t = r.next()) {
                got.add(t);
            }
            assertThat(got).hasSize(DType.values().length);
            for (int i = 0; i < got.size(); i++) {
                DType d = DType.values()[i];
                Tensor t = got.get(i);
                assertThat(t.name()).isEqualTo("t_" + d.name().toLowerCase());
                assertThat(t.dtype()).isEqualTo(d);
                assertThat(t.shape()).isEqualTo(Shape.of(2, 3));
                assertThat(t.data().isMapped())
                        .as("zero-copy slice of the mapping")
                        .isTrue();
                assertThat(t.data().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(bytes(6 * d.byteSize(), d.id() * 16));
            }
        }
    }

    @Test
    void acceptsEmptyHeaderScalarsZeroSizedTensorsAndHeaderPadding() {
        try (SafetensorsReader r = SafetensorsReader.of(file("{}      ", new byte[0]), "empty")) {
            assertThat(r.next()).isNull();
            assertThat(r.metadata()).isEmpty();
        }
        String h = "{\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"z\":{\"dtype\":\"BF16\",\"shape\":[0,5],\"data_offsets\":[4,4]},\"__metadata__\":null}  ";
        byte[] f = file(
                h,
                ByteBuffer.allocate(4)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putFloat(2.5f)
                        .array());
        try (SafetensorsReader r = SafetensorsReader.of(f, "scalars")) {
            Tensor s = r.next();
            Tensor z = r.next();
            assertThat(s.shape().rank()).isZero();
            assertThat(s.getFloat(0)).isEqualTo(2.5f);
            assertThat(z.elementCount()).isZero();
            assertThat(r.next()).isNull();
        }
    }

    @Test
    void handsOutTensorsInFileOrderWhateverTheHeaderOrder() {
        String h = "{\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]},"
                + "\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"x\":{\"dtype\":\"U8\",\"shape\":[0],"
                + "\"data_offsets\":[4,4],\"extra\":{\"ignored\":[1,2]}}}";
        try (SafetensorsReader r = SafetensorsReader.of(file(h, bytes(4, 0)), "order")) {
            assertThat(r.entries()).extracting(SafetensorsReader.Entry::name).containsExactly("a", "b", "x");
        }
    }

    public static String t(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + ","
                + end + "]}";
    }

    static byte[] lengthOnly(long n, int fileBytes) {
        byte[] b = new byte[fileBytes];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(n);
        return b;
    }

    static Stream<Arguments> malformed() {
        byte[] badUtf8 = "{\"__metadata__\":{\"k\":\"\u00e9\"}}".getBytes(StandardCharsets.UTF_8);
        badUtf8[22] = (byte) 0xFF;
        return Stream.of(
                Arguments.of("shorter than the length field", new byte[5], null, "8-byte header length"),
                Arguments.of(
                        "header length over 100 MB",
                        lengthOnly(100_000_001L, 64),
                        null,
                        "exceeds the 100000000-byte limit"),
                Arguments.of("header length with the top bit set", lengthOnly(-8L, 64), null, "exceeds"),
                Arguments.of("header past end of file", lengthOnly(1000, 64), null, "runs past the end"),
                Arguments.of("header too short for an object", file("{", new byte[0]), null, "cannot hold"),
                Arguments.of("header not UTF-8", file(badUtf8, new byte[0]), null, "not valid UTF-8"),
                Arguments.of("header not JSON", file("{\"a\":", new byte[0]), null, "not valid JSON"),
                Arguments.of("header a JSON array", file("[1,2]", new byte[0]), null, "must be a JSON object"),
                Arguments.of("content after the object", file("{} {}", new byte[0]), null, "after the header"),
                Arguments.of(
                        "duplicate tensor",
                        file("{" + t("a", "U8", "[1]", 0, 1) + "," + t("a", "U8", "[1]", 1, 2) + "}", bytes(2, 0)),
                        null,
                        "Duplicate field 'a'"),
                Arguments.of(
                        "unknown dtype",
                        file("{" + t("w", "F7", "[1]", 0, 1) + "}", bytes(1, 0)),
                        "w",
                        "unknown dtype 'F7'"),
                Arguments.of("entry not an object", file("{\"w\":[1]}", new byte[0]), "w", "must be an object"),
                Arguments.of(
                        "missing data_offsets",
                        file("{\"w\":{\"dtype\":\"U8\",\"shape\":[1]}}", bytes(1, 0)),
                        "w",
                        "needs dtype, shape and data_offsets"),
                Arguments.of(
                        "empty tensor name",
                        file("{" + t("", "U8", "[1]", 0, 1) + "}", bytes(1, 0)),
                        null,
                        "empty name"),
                Arguments.of(
                        "offsets overlap",
                        file("{" + t("a", "U8", "[8]", 0, 8) + "," + t("b", "U8", "[8]", 4, 12) + "}", bytes(12, 0)),
                        "b",
                        "overlap the previous tensor"),
                Arguments.of(
                        "offsets leave a gap",
                        file("{" + t("a", "U8", "[8]", 0, 8) + "," + t("b", "U8", "[8]", 12, 20) + "}", bytes(20, 0)),
                        "b",
                        "leave a gap"),
                Arguments.of(
                        "first tensor not at 0",
                        file("{" + t("a", "U8", "[8]", 4, 12) + "}", bytes(12, 0)),
                        "a",
                        "expected begin 0"),
                Arguments.of(
                        "end before begin",
                        file("{" + t("a", "U8", "[0]", 8, 4) + "}", bytes(8, 0)),
                        "a",
                        "before begin"),
                Arguments.of(
                        "byte size differs from shape",
                        file("{" + t("a", "F32", "[3]", 0, 8) + "}", bytes(8, 0)),
                        "a",
                        "needs 12"),
                Arguments.of(
                        "element count overflows",
                        file("{" + t("a", "U8", "[4294967296,4294967296,4]", 0, 8) + "}", bytes(8, 0)),
                        "a",
                        "overflows 64 bits"),
                Arguments.of(
                        "byte size overflows",
                        file("{" + t("a", "F32", "[4611686018427387904]", 0, 8) + "}", bytes(8, 0)),
                        "a",
                        "overflows a 64-bit byte size"),
                Arguments.of(
                        "negative offset", file("{" + t("a", "U8", "[1]", -1, 0) + "}", bytes(1, 0)), "a", "negative"),
                Arguments.of(
                        "offset beyond 64 bits",
                        file(
                                "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":"
                                        + "[0,18446744073709551617]}}",
                                bytes(1, 0)),
                        "a",
                        "does not fit in 64 bits"),
                Arguments.of(
                        "negative dimension",
                        file("{" + t("a", "U8", "[-1]", 0, 0) + "}", new byte[0]),
                        "a",
                        "negative"),
                Arguments.of(
                        "rank over 32",
                        file("{" + t("a", "U8", "[" + "1,".repeat(33) + "1]", 0, 1) + "}", bytes(1, 0)),
                        "a",
                        "more than 32 values"),
                Arguments.of(
                        "tensor past the data buffer (truncated)",
                        file("{" + t("a", "U8", "[8]", 0, 8) + "}", bytes(4, 0)),
                        "a",
                        "past the data buffer"),
                Arguments.of(
                        "trailing bytes after the last tensor",
                        file("{" + t("a", "U8", "[4]", 0, 4) + "}", bytes(8, 0)),
                        null,
                        "truncated or has trailing bytes"),
                Arguments.of(
                        "metadata value not a string",
                        file("{\"__metadata__\":{\"k\":1}}", new byte[0]),
                        null,
                        "value of 'k' must be a string"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void rejectsMalformedFilesWithATypedErrorNamingFileAndTensor(
            String why, byte[] content, String tensor, String fragment) throws Exception {
        Path p = SafetensorsFixture.write(dir, "bad.safetensors", content);
        assertThatThrownBy(() -> SafetensorsReader.open(p).close())
                .isInstanceOfSatisfying(MalformedInputException.class, e -> {
                    assertThat(e.file()).isEqualTo(p.toString());
                    assertThat(e.tensor()).isEqualTo(tensor);
                    assertThat(e.getMessage()).contains(p.toString()).contains(fragment);
                    if (tensor != null) {
                        assertThat(e.getMessage()).contains("tensor '" + tensor + "'");
                    }
                });
    }

    @Test
    void emptyFileIsMalformedToo() throws Exception {
        Path p = SafetensorsFixture.write(dir, "empty.safetensors", new byte[0]);
        assertThatThrownBy(() -> SafetensorsReader.open(p))
                .isInstanceOf(MalformedInputException.class)
                .hasMessageContaining("file is 0 bytes");
    }
}
