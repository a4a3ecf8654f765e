package dev.tenpak.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.TensorEntry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: printed figures, files written, one-line errors, exit codes. */
class TenpakCliTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** One CLI run's exit code and streams. */
    record Run(int code, String out, String err) {
        /** The error stream must be exactly one line: the message, no stack trace. */
        String oneErrorLine() {
            assertThat(err.lines().toList()).as("stderr: %s", err).hasSize(1);
            assertThat(err).doesNotContain("\tat ").doesNotContain("Exception");
            return err.strip();
        }
    }

    static Run run(Object... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] a = Arrays.stream(args).map(String::valueOf).toArray(String[]::new);
        int code = TenpakCli.execute(a, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    Path bundle(String json) throws Exception {
        Path p = dir.resolve("bundle.json");
        Files.writeString(p, json);
        return p;
    }

    Path example() throws Exception {
        return bundle(Files.readString(Path.of("..", "examples", "simple_bundle.json")));
    }

    // ---- happy paths ----

    @Test
    void compressPrintsSizesRatioAndErrorsThatMatchTheArtifact() throws Exception {
        Path in = example();
        Path out = dir.resolve("a.tenpak");
        Run r = run("compress", "--input", in, "--output", out);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(out).exists();
        long size = Files.size(out);
        assertThat(r.out()).contains("input:     " + in + " (" + Files.size(in) + " B on disk, 24 B of tensor data)");
        assertThat(r.out()).contains("artifact:  " + out + " (" + size + " B, codec int8_sym_v1)");
        assertThat(r.out())
                .contains(String.format(
                        Locale.ROOT,
                        "ratio:     %.2fx against tensor data, %.2fx against the input file",
                        24.0 / size,
                        (double) Files.size(in) / size));

        // the error figures, recomputed here from the artifact the command wrote
        float[][] original = {{0.1f, 0.2f, -0.3f, 0.4f}, {0.01f, -0.02f}};
        String[] names = {"dense.weight", "dense.bias"};
        double sumSq = 0;
        double sumAbs = 0;
        double max = 0;
        try (ArtifactReader a = ArtifactReader.open(out)) {
            for (int t = 0; t < 2; t++) {
                float[] y = a.read(names[t]).toFloatArray();
                double tSq = 0;
                double tAbs = 0;
                double tMax = 0;
                for (int i = 0; i < y.length; i++) {
                    double d = Math.abs((double) y[i] - original[t][i]);
                    tSq += d * d;
                    tAbs += d;
                    tMax = Math.max(tMax, d);
                }
                sumSq += tSq;
                sumAbs += tAbs;
                max = Math.max(max, tMax);
                int n = y.length;
                assertThat(r.out())
                        .containsPattern("(?m)^" + names[t].replace(".", "\\.") + " +\\[" + (t == 0 ? "2, 2" : "2")
                                + "\\] +F32 +int8_sym_v1 +" + 4 * n + " B +" + n + " B +"
                                + sci(tSq / n).replace(".", "\\.").replace("+", "\\+")
                                + " +" + sci(tAbs / n).replace(".", "\\.").replace("+", "\\+") + " +"
                                + sci(tMax).replace(".", "\\.").replace("+", "\\+") + "$");
            }
        }
        assertThat(r.out())
                .contains("error:     MSE " + sci(sumSq / 6) + "  MAE " + sci(sumAbs / 6) + "  max abs " + sci(max)
                        + "  over 6 values");
        assertThat(max).isPositive().isLessThanOrEqualTo(0.4 / 127 / 2 + 1e-7);
    }

    static String sci(double v) {
        return v == 0 ? "0" : String.format(Locale.ROOT, "%.3e", v);
    }

    @Test
    void compressJsonReportParses() throws Exception {
        Path out = dir.resolve("a.tenpak");
        Run r = run("compress", "-i", example(), "-o", out, "--codec", "int4_sym_v1", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode n = JSON.readTree(r.out());
        assertThat(n.get("codec").asText()).isEqualTo("int4_sym_v1");
        assertThat(n.get("artifactBytes").asLong()).isEqualTo(Files.size(out));
        assertThat(n.get("tensorBytes").asLong()).isEqualTo(24);
        assertThat(n.get("ratio").asDouble())
                .isCloseTo(24.0 / Files.size(out), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(n.get("error").get("count").asLong()).isEqualTo(6);
        assertThat(n.get("error").get("maxAbsError").asDouble()).isPositive().isLessThanOrEqualTo(0.4 / 7 / 2 + 1e-7);
        assertThat(n.get("tensors")).hasSize(2);
        assertThat(n.get("tensors").get(0).get("name").asText()).isEqualTo("dense.weight");
        assertThat(n.get("tensors").get(0).get("storedBytes").asLong()).isEqualTo(2);
    }

    @Test
    void decompressWritesABundleCloseToTheOriginal() throws Exception {
        Path a = dir.resolve("a.tenpak");
        assertThat(run("compress", "-i", example(), "-o", a).code()).isZero();
        Path back = dir.resolve("restored.json");
        Run r = run("decompress", "--input", a, "--output", back);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("wrote " + back);
        JsonNode t = JSON.readTree(back.toFile()).get("tensors");
        assertThat(t).hasSize(2);
        assertThat(t.get(0).get("name").asText()).isEqualTo("dense.weight");
        assertThat(t.get(0).get("shape").toString()).isEqualTo("[2,2]");
        double[] want = {0.1, 0.2, -0.3, 0.4};
        for (int i = 0; i < 4; i++) {
            assertThat(t.get(0).get("data").get(i).asDouble())
                    .isCloseTo(want[i], org.assertj.core.data.Offset.offset(0.4 / 254 + 1e-7));
        }
    }

    @Test
    void syncWritesTheSameBytesAndLeavesNoTemporaryFiles() throws Exception {
        Path plain = dir.resolve("plain.tenpak");
        Path synced = dir.resolve("synced.tenpak");
        assertThat(run("compress", "-q", "-i", example(), "-o", plain).code()).isZero();
        Run c = run("compress", "-q", "--sync", "-i", example(), "-o", synced);
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(Files.readAllBytes(synced)).isEqualTo(Files.readAllBytes(plain));
        for (String ext : new String[] {".safetensors", ".json"}) {
            Path a = dir.resolve("plain" + ext);
            Path b = dir.resolve("synced" + ext);
            assertThat(run("decompress", "-q", "-i", plain, "-o", a).code()).isZero();
            Run d = run("decompress", "-q", "--sync", "-i", plain, "-o", b);
            assertThat(d.code()).as(d.err()).isZero();
            assertThat(Files.readAllBytes(b)).as(ext).isEqualTo(Files.readAllBytes(a));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void inspectShowsVersionCodecAndVerifiedTensors() throws Exception {
        Path a = dir.resolve("a.tenpak");
        assertThat(run("compress", "-i", example(), "-o", a).code()).isZero();
        Run r = run("inspect", "--input", a);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("version:  1")
                .contains("codec:    int8_sym_v1")
                .contains("tensors:  2");
        assertThat(r.out())
                .containsPattern(
                        "(?m)^dense\\.weight +\\[2, 2\\] +F32 +int8_sym_v1 +none +4 B +8\\.000 +[0-9a-f]{8} +ok$");
        assertThat(r.out())
                .containsPattern("(?m)^dense\\.bias +\\[2\\] +F32 +int8_sym_v1 +none +2 B +8\\.000 +[0-9a-f]{8} +ok$");
        JsonNode n = JSON.readTree(run("inspect", "-i", a, "--json").out());
        assertThat(n.get("version").asInt()).isEqualTo(1);
        assertThat(n.get("checksumsOk").asBoolean()).isTrue();
        assertThat(n.get("tensors").get(1).get("shape").toString()).isEqualTo("[2]");
    }

    @Test
    void entropyAutoStoresCodesThroughTheStageAndDecompressesTheSame() throws Exception {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < 4096; i++) {
            data.append(i == 0 ? "" : ",").append(((37 * i) % 23 - 11) / 16.0);
        }
        Path json = dir.resolve("codes.json");
        Files.writeString(json, "{\"tensors\": [{\"name\": \"w\", \"shape\": [64, 64], \"data\": [" + data + "]}]}");
        Path off = dir.resolve("off.tenpak");
        Path auto = dir.resolve("auto.tenpak");
        assertThat(run("compress", "-q", "-i", json, "-o", off).code()).isZero();
        Run c = run("compress", "-q", "--entropy", "auto", "-i", json, "-o", auto);
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(Files.size(auto)).isLessThan(Files.size(off));
        Run r = run("inspect", "-i", auto);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("version:  2").containsPattern("(?m)^w +\\[64, 64\\] +F32 +int8_sym_v1 +entropy ");
        assertThat(run("inspect", "-i", off).out()).contains("version:  1");
        Path a = dir.resolve("off.safetensors");
        Path b = dir.resolve("auto.safetensors");
        assertThat(run("decompress", "-q", "-i", off, "-o", a).code()).isZero();
        assertThat(run("decompress", "-q", "-i", auto, "-o", b).code()).isZero();
        assertThat(Files.readAllBytes(b)).isEqualTo(Files.readAllBytes(a));
        Run bad = run("compress", "-q", "--entropy", "maybe", "-i", json, "-o", dir.resolve("x.tenpak"));
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("entropy must be 'auto' or 'off'");
    }

    @Test
    void inspectOfACorruptedPayloadPrintsMismatchAndExits4() throws Exception {
        Path a = dir.resolve("a.tenpak");
        assertThat(run("compress", "-i", example(), "-o", a).code()).isZero();
        long at;
        try (ArtifactReader r = ArtifactReader.open(a)) {
            TensorEntry e = r.entry("dense.bias");
            at = e.offset();
        }
        byte[] b = Files.readAllBytes(a);
        b[(int) at] ^= 1;
        Files.write(a, b);
        Run r = run("inspect", "-i", a);
        assertThat(r.code()).isEqualTo(4);
        assertThat(r.out())
                .containsPattern("(?m)^dense\\.weight .* ok$")
                .containsPattern("(?m)^dense\\.bias .* MISMATCH$");
        assertThat(r.oneErrorLine()).isEqualTo("tenpak: error: " + a + ": 1 tensor payload(s) fail their checksum");

        Run d = run("decompress", "-i", a, "-o", dir.resolve("x.json"));
        assertThat(d.code()).isEqualTo(4);
        assertThat(d.oneErrorLine())
                .startsWith("tenpak: error: " + a + ": corrupt artifact, tensor 'dense.bias' at offset " + at)
                .contains("checksum mismatch");
        assertThat(dir.resolve("x.json")).doesNotExist();
    }

    // ---- user errors: one line, the file and tensor named, the documented exit code ----

    @Test
    void missingInputFile() {
        Path nope = dir.resolve("nope.json");
        Run r = run("compress", "-i", nope, "-o", dir.resolve("a.tenpak"));
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.oneErrorLine()).startsWith("tenpak: error: " + nope).contains("no such file");
        Run i = run("inspect", "-i", dir.resolve("nope.tenpak"));
        assertThat(i.code()).isEqualTo(3);
        assertThat(i.oneErrorLine())
                .startsWith("tenpak: error: " + dir.resolve("nope.tenpak"))
                .contains("no such file");
    }

    /** a path of the wrong kind is named once and said for what it is, exit 3. */
    @Test
    void pathsOfTheWrongKindSayWhatTheyAre() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("folder"));
        for (String cmd : new String[] {"inspect", "decompress"}) {
            Run r = cmd.equals("inspect")
                    ? run(cmd, "-i", folder)
                    : run(cmd, "-i", folder, "-o", dir.resolve("x.json"));
            assertThat(r.code()).as(r.err()).isEqualTo(3);
            assertThat(r.oneErrorLine()).isEqualTo("tenpak: error: " + folder + ": is a directory, expected a file");
        }
        Path artifact = dir.resolve("a.tenpak");
        assertThat(run("compress", "-i", example(), "-o", artifact).code()).isZero();
        Run c = run("compress", "-i", example(), "-o", folder);
        assertThat(c.code()).as(c.err()).isEqualTo(3);
        assertThat(c.oneErrorLine()).isEqualTo("tenpak: error: " + folder + ": is a directory, expected a file");

        Path file = Files.writeString(dir.resolve("file"), "x");
        Run under = run("decompress", "-i", artifact, "-o", file.resolve("x.json"));
        assertThat(under.code()).as(under.err()).isEqualTo(3);
        assertThat(under.oneErrorLine())
                .startsWith("tenpak: error: " + file.resolve("x.json") + ": ")
                .contains(file.getFileName() + ": ")
                .containsAnyOf("not a directory", "already exists and is not a directory");
        Run hf = run("decompress", "-i", artifact, "-o", file, "--format", "hf");
        assertThat(hf.code()).as(hf.err()).isEqualTo(3);
        assertThat(hf.oneErrorLine()).isEqualTo("tenpak: error: " + file + ": already exists and is not a directory");
        assertThat(Files.readString(file)).isEqualTo("x");
    }

    @Test
    void shapeMismatch() throws Exception {
        Path in = bundle("{\"tensors\": [{\"name\": \"ok\", \"shape\": [1], \"data\": [1]},"
                + " {\"name\": \"enc.w\", \"shape\": [2, 3], \"data\": [1, 2, 3]}]}");
        Path out = dir.resolve("a.tenpak");
        Run r = run("compress", "-i", in, "-o", out);
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.oneErrorLine())
                .startsWith("tenpak: error: " + in + ": tensor 'enc.w': shape [2, 3] needs 6 values, data has 3");
        assertThat(out).doesNotExist();
        assertThat(r.out()).isEmpty();
    }

    @Test
    void duplicateName() throws Exception {
        Path in = bundle(
                "{\"tensors\": [{\"name\": \"w\", \"shape\": [1], \"data\": [1]}, {\"name\": \"w\", \"shape\": [1], \"data\": [1]}]}");
        Run r = run("compress", "-i", in, "-o", dir.resolve("a.tenpak"));
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.oneErrorLine()).isEqualTo("tenpak: error: " + in + ": duplicate tensor name 'w'");
    }

    @Test
    void nonFiniteValue() throws Exception {
        Path in = bundle("{\"tensors\": [{\"name\": \"w\", \"shape\": [3], \"data\": [1, \"NaN\", 2]}]}");
        Run r = run("compress", "-i", in, "-o", dir.resolve("a.tenpak"));
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.oneErrorLine()).startsWith("tenpak: error: tensor 'w': element 1 is NaN");
        assertThat(run("compress", "-i", in, "-o", dir.resolve("a.tenpak"), "-c", "raw_v1")
                        .code())
                .isZero();
    }

    @Test
    void unknownCodec() throws Exception {
        Run r = run("compress", "-i", example(), "-o", dir.resolve("a.tenpak"), "--codec", "int3_sym_v1");
        assertThat(r.code()).isEqualTo(5);
        assertThat(r.oneErrorLine())
                .isEqualTo("tenpak: error: unknown codec 'int3_sym_v1'; known codecs: "
                        + String.join(", ", dev.tenpak.codec.Codecs.names()));
        assertThat(dir.resolve("a.tenpak")).doesNotExist();
    }

    @Test
    void corruptTruncatedAndForeignArtifacts() throws Exception {
        Path a = dir.resolve("a.tenpak");
        assertThat(run("compress", "-i", example(), "-o", a).code()).isZero();
        byte[] b = Files.readAllBytes(a);
        Path cut = dir.resolve("cut.tenpak");
        Files.write(cut, Arrays.copyOf(b, b.length - 5));
        for (String cmd : new String[] {"inspect", "decompress"}) {
            Run r = cmd.equals("inspect") ? run(cmd, "-i", cut) : run(cmd, "-i", cut, "-o", dir.resolve("o.json"));
            assertThat(r.code()).as(cmd).isEqualTo(4);
            assertThat(r.oneErrorLine()).startsWith("tenpak: error: " + cut + ": corrupt artifact at offset ");
        }
        Run j = run("inspect", "-i", example());
        assertThat(j.code()).isEqualTo(4);
        assertThat(j.oneErrorLine()).contains("bundle.json").contains("not a tenpak artifact");
    }

    @Test
    void newerVersionAndUnknownCodecInAnArtifactExit5() throws Exception {
        Path a = dir.resolve("a.tenpak");
        assertThat(run("compress", "-i", example(), "-o", a).code()).isZero();
        byte[] b = Files.readAllBytes(a);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(8, (short) 3);
        Path v3 = dir.resolve("v3.tenpak");
        Files.write(v3, b);
        Run r = run("inspect", "-i", v3);
        assertThat(r.code()).isEqualTo(5);
        assertThat(r.oneErrorLine())
                .startsWith("tenpak: error: " + v3 + ": artifact format version 3 is newer")
                .contains("(up to 2)");

        byte[] c = Files.readAllBytes(a);
        String s = new String(c, java.nio.charset.StandardCharsets.ISO_8859_1);
        int codecAt = s.indexOf("int8_sym_v1", s.indexOf("dense.bias"));
        System.arraycopy("int9".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, c, codecAt, 4);
        Path unknown = dir.resolve("unknown.tenpak");
        Files.write(unknown, fixIndexCrc(c));
        Run u = run("decompress", "-i", unknown, "-o", dir.resolve("o.json"));
        assertThat(u.code()).isEqualTo(5);
        assertThat(u.oneErrorLine())
                .isEqualTo("tenpak: error: " + unknown
                        + ": tensor 'dense.bias': unknown codec 'int9_sym_v1'; known codecs: "
                        + String.join(", ", dev.tenpak.codec.Codecs.names()));
    }

    /** Recomputes the trailer's index CRC32C after an index edit. */
    static byte[] fixIndexCrc(byte[] b) {
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int off = (int) bb.getLong(b.length - 32);
        int len = (int) bb.getLong(b.length - 24);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b, off, len);
        bb.putInt(b.length - 16, (int) crc.getValue());
        return b;
    }

    @Test
    void badFlagsPrintUsageAndExit2() throws Exception {
        for (Object[] args : new Object[][] {
            {"compress", "-i", example()}, // missing --output
            {"compress", "-i", example(), "-o", dir.resolve("a"), "--fast"}, // unknown flag
            {"inspect"},
            {"frobnicate"},
            {}
        }) {
            Run r = run(args);
            assertThat(r.code()).as(Arrays.toString(args)).isEqualTo(2);
            assertThat(r.err())
                    .as(Arrays.toString(args))
                    .startsWith("tenpak: ")
                    .contains("--help")
                    .doesNotContain("\tat ");
        }
        assertThat(run("compress", "-i", example(), "-o", dir.resolve("a"), "--fast")
                        .err())
                .contains("Unknown option: '--fast'")
                .contains("Try 'tenpak compress --help' for usage.");
    }

    @Test
    void badFormatValueIsInvalidInput() throws Exception {
        Run r = run("compress", "-i", example(), "-o", dir.resolve("a.tenpak"), "--format", "pickle");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.oneErrorLine())
                .isEqualTo("tenpak: error: unknown input format 'pickle'; known: auto, json, safetensors, hf");
    }

    @Test
    void verbosePrintsTheStackTrace() throws Exception {
        Path nope = dir.resolve("nope.json");
        for (Object[] args : new Object[][] {
            {"--verbose", "compress", "-i", nope, "-o", dir.resolve("a")},
            {"compress", "--verbose", "-i", nope, "-o", dir.resolve("a")}
        }) {
            Run r = run(args);
            assertThat(r.code()).isEqualTo(3);
            assertThat(r.err())
                    .contains("dev.tenpak.error.InvalidInputException")
                    .contains("\tat dev.tenpak.")
                    .contains("tenpak: error: " + nope);
        }
    }

    @Test
    void helpListsCommandsAndExitCodes() {
        Run r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("compress", "decompress", "inspect", "Exit codes:", "4", "corrupt artifact");
        Run c = run("compress", "--help");
        assertThat(c.code()).isZero();
        assertThat(c.out())
                .contains("--codec", "--input", "--output", "--json", "int8_sym_v1", "int4_sym_v1", "raw_v1");
        assertThat(Stream.of("compress", "decompress", "inspect")
                        .allMatch(cmd -> run(cmd, "--help").code() == 0))
                .isTrue();
    }
}
