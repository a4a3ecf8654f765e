package dev.tenpak.cli;

import static dev.tenpak.internal.format.safetensors.SafetensorsFixture.bytes;
import static dev.tenpak.internal.format.safetensors.SafetensorsFixture.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.Tenpak;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.MalformedInputException;
import dev.tenpak.internal.format.Inputs;
import dev.tenpak.internal.format.Outputs;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.hf.HfFolder;
import dev.tenpak.internal.format.safetensors.SafetensorsFixture;
import dev.tenpak.internal.format.safetensors.SafetensorsReader;
import dev.tenpak.internal.format.safetensors.SafetensorsReaderTest;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.options.InputFormat;
import dev.tenpak.options.OutputFormat;
import dev.tenpak.tensor.DType;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FormatsAndFoldersTest {
    @TempDir
    Path dir;

    static String t(String name, String dtype, String shape, long begin, long end) {
        return SafetensorsReaderTest.t(name, dtype, shape, begin, end);
    }

    @Test
    void detectsInputFormatFromFolderExtensionAndMagic() throws Exception {
        byte[] st = file("{" + t("a", "U8", "[2]", 0, 2) + "}", bytes(2, 0));
        assertThat(Inputs.detect(SafetensorsFixture.write(dir, "x.safetensors", st)))
                .isEqualTo(InputFormat.SAFETENSORS);
        assertThat(Inputs.detect(SafetensorsFixture.write(dir, "weights.bin", st)))
                .isEqualTo(InputFormat.SAFETENSORS);
        assertThat(Inputs.detect(SafetensorsFixture.write(dir, "b.json", "{}".getBytes())))
                .isEqualTo(InputFormat.JSON);
        assertThat(Inputs.detect(SafetensorsFixture.write(dir, "bundle.txt", "  {\"tensors\":[]}".getBytes())))
                .isEqualTo(InputFormat.JSON);
        assertThat(Inputs.detect(dir)).isEqualTo(InputFormat.HF);
        Path junk = SafetensorsFixture.write(dir, "junk.dat", "hello".getBytes());
        assertThatThrownBy(() -> Inputs.detect(junk))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("name the input format")
                .extracting(e -> ((InvalidInputException) e).option())
                .isEqualTo("format");
        assertThat(Outputs.detect(dir.resolve("o.safetensors"))).isEqualTo(OutputFormat.SAFETENSORS);
        assertThat(Outputs.detect(dir.resolve("o.json"))).isEqualTo(OutputFormat.JSON);
        assertThat(Outputs.detect(dir.resolve("restored"))).isEqualTo(OutputFormat.HF);
        assertThat(Outputs.detect(dir)).isEqualTo(OutputFormat.HF);
    }

    @Test
    void everyDtypeRoundTripsThroughAnArtifactAndFloatTypesStayTheirOwnDtype() throws Exception {
        Path src = SafetensorsFixture.write(dir, "all.safetensors", floatsAndOthers());
        for (String codec : new String[] {"raw_v1", "int8_sym_v1"}) {
            Path art = dir.resolve(codec + ".tenpak");
            Tenpak.compress(src, art, CompressOptions.defaults().withCodec(codec));
            try (ArtifactReader r = ArtifactReader.open(art)) {
                assertThat(r.metadata()).containsEntry("format", "pt");
                r.entries()
                        .forEach(e -> assertThat(e.codec()).isEqualTo(e.dtype().isCompressible() ? codec : "raw_v1"));
            }
            Path out = dir.resolve(codec + ".safetensors");
            Tenpak.decompress(art, out, DecompressOptions.defaults().withFormat(OutputFormat.AUTO));
            try (SafetensorsReader a = SafetensorsReader.open(src);
                    SafetensorsReader b = SafetensorsReader.open(out)) {
                assertThat(b.entries()).hasSameSizeAs(a.entries());
                for (int i = 0; i < a.entries().size(); i++) {
                    var x = a.tensor(a.entries().get(i));
                    var y = b.tensor(b.entries().get(i));
                    assertThat(y.dtype()).isEqualTo(x.dtype());
                    if (codec.equals("raw_v1") || !x.dtype().isCompressible()) {
                        assertThat(y.data().mismatch(x.data())).as(x.name()).isEqualTo(-1L);
                    } else {
                        for (long k = 0; k < x.elementCount(); k++) {
                            assertThat(y.getFloat(k))
                                    .isCloseTo(x.getFloat(k), org.assertj.core.data.Offset.offset(0.02f));
                        }
                    }
                }
            }
            if (codec.equals("raw_v1")) {
                assertThat(Files.mismatch(src, out)).isEqualTo(-1L);
            }
        }
    }

    @Test
    void scalarsAndEmptyTensorsSurviveParallelCompressAndDecompress() throws Exception {
        String h = "{" + t("e", "BF16", "[0,7]", 0, 0) + "," + t("s", "F32", "[]", 0, 4) + ","
                + t("z", "I64", "[0]", 4, 4) + "}";
        byte[] json = h.getBytes(StandardCharsets.UTF_8);
        byte[] header = java.util.Arrays.copyOf(json, (json.length + 7) & -8);
        java.util.Arrays.fill(header, json.length, header.length, (byte) ' ');
        Path src = SafetensorsFixture.write(
                dir,
                "edge.safetensors",
                file(
                        header,
                        java.nio.ByteBuffer.allocate(4)
                                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                                .putFloat(-3.5f)
                                .array()));
        for (String codec : new String[] {"raw_v1", "int8_sym_v1", "int4_sym_v1"}) {
            Path art = dir.resolve(codec + ".tenpak");
            Tenpak.compress(
                    src, art, CompressOptions.defaults().withCodec(codec).withThreads(3));
            Path out = dir.resolve(codec + ".safetensors");
            Tenpak.decompress(
                    art,
                    out,
                    DecompressOptions.defaults()
                            .withFormat(OutputFormat.SAFETENSORS)
                            .withThreads(3));
            assertThat(Files.mismatch(src, out))
                    .as(codec)
                    .isEqualTo(-1L); // -3.5 is exact in int8/int4 with scale 3.5/Q
        }
    }

    /** Canonical file (reference header layout): float dtypes with real values, the rest counting bytes. */
    static byte[] floatsAndOthers() {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        long at = 0;
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(42);
        for (DType d : DType.values()) {
            int n = 6 * d.byteSize();
            h.append(',').append(t("t_" + d.name().toLowerCase(), d.safetensorsName(), "[2,3]", at, at + n));
            if (d.isCompressible()) {
                float[] v = new float[6];
                for (int i = 0; i < 6; i++) {
                    v[i] = (float) rnd.nextDouble(-1, 1);
                }
                java.lang.foreign.MemorySegment seg = java.lang.foreign.MemorySegment.ofArray(new byte[n]);
                dev.tenpak.tensor.FloatConversions.fromFloats(v, 0, 6, seg, d, 0);
                data.writeBytes(seg.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            } else {
                data.writeBytes(bytes(n, d.id() * 16));
            }
            at += n;
        }
        h.append('}');
        byte[] json = h.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & -8;
        byte[] header = java.util.Arrays.copyOf(json, padded);
        java.util.Arrays.fill(header, json.length, padded, (byte) ' ');
        return file(header, data.toByteArray());
    }

    @Test
    void badCheckpointFoldersAreTypedErrors() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> Tenpak.compress(empty, dir.resolve("a.tenpak"), CompressOptions.defaults()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("not a Hugging Face checkpoint folder");

        Path missing = Files.createDirectories(dir.resolve("missing"));
        Files.writeString(missing.resolve(HfFolder.INDEX), "{\"weight_map\":{\"a\":\"model-1.safetensors\"}}");
        assertThatThrownBy(() -> Tenpak.compress(missing, dir.resolve("a.tenpak"), CompressOptions.defaults()))
                .isInstanceOf(MalformedInputException.class)
                .hasMessageContaining("does not exist");

        Path escape = Files.createDirectories(dir.resolve("escape"));
        Files.writeString(escape.resolve(HfFolder.INDEX), "{\"weight_map\":{\"a\":\"../x.safetensors\"}}");
        assertThatThrownBy(() -> Tenpak.compress(escape, dir.resolve("a.tenpak"), CompressOptions.defaults()))
                .isInstanceOf(MalformedInputException.class)
                .hasMessageContaining("outside the folder");

        Path wrong = Files.createDirectories(dir.resolve("wrong"));
        Files.write(wrong.resolve("s1.safetensors"), file("{" + t("a", "U8", "[2]", 0, 2) + "}", bytes(2, 0)));
        Files.writeString(
                wrong.resolve(HfFolder.INDEX), "{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s1.safetensors\"}}");
        assertThatThrownBy(() -> Tenpak.compress(wrong, dir.resolve("a.tenpak"), CompressOptions.defaults()))
                .isInstanceOfSatisfying(
                        MalformedInputException.class,
                        e -> assertThat(e.tensor()).isEqualTo("b"));
        assertThat(dir.resolve("a.tenpak")).doesNotExist();
    }

    @Test
    void cliCompressesAFolderAndWritesEachOutputFormat() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("model"));
        Files.write(folder.resolve(HfFolder.SINGLE), floatsAndOthers());
        Files.writeString(folder.resolve("config.json"), "{\"model_type\":\"test\"}");
        Files.writeString(folder.resolve(".hidden"), "not copied");
        Path art = dir.resolve("m.tenpak");
        assertThat(cli(
                        "compress",
                        "-i",
                        folder.toString(),
                        "-o",
                        art.toString(),
                        "-c",
                        "raw_v1",
                        "--threads",
                        "2",
                        "-q"))
                .contains("ratio:");
        String inspect = cli("inspect", "-i", art.toString());
        assertThat(inspect)
                .contains("tenpak.hf.file:config.json=<embedded file, 21 bytes>")
                .doesNotContain(".hidden");
        cli("decompress", "-i", art.toString(), "-o", dir.resolve("out").toString(), "--quiet");
        assertThat(Files.mismatch(
                        folder.resolve(HfFolder.SINGLE), dir.resolve("out").resolve(HfFolder.SINGLE)))
                .isEqualTo(-1L);
        assertThat(dir.resolve("out").resolve("config.json")).hasContent("{\"model_type\":\"test\"}");
        assertThat(dir.resolve("out").resolve(".hidden")).doesNotExist();
        cli(
                "decompress",
                "-i",
                art.toString(),
                "-o",
                dir.resolve("x.bin").toString(),
                "--format",
                "safetensors",
                "-t",
                "1");
        assertThat(Files.mismatch(folder.resolve(HfFolder.SINGLE), dir.resolve("x.bin")))
                .isEqualTo(-1L);
        StringWriter err = new StringWriter();
        int code = TenpakCli.execute(
                new String[] {
                    "decompress",
                    "-i",
                    art.toString(),
                    "-o",
                    dir.resolve("o.json").toString()
                },
                new PrintWriter(new StringWriter()),
                new PrintWriter(err));
        assertThat(code).isEqualTo(3);
        assertThat(err.toString()).contains("JSON bundles hold float tensors only");
        code = TenpakCli.execute(
                new String[] {"compress", "-i", folder.toString(), "-o", art.toString(), "--format", "xml"},
                new PrintWriter(new StringWriter()),
                new PrintWriter(err));
        assertThat(code).isEqualTo(3);
        assertThat(err.toString()).contains("unknown input format 'xml'");
    }

    static String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = TenpakCli.execute(args, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).as("exit code; stderr: " + err).isZero();
        assertThat(err.toString()).as("no progress bar off a terminal").isEmpty();
        return out.toString();
    }
}
