package dev.tenpak.internal.format.hf;

import static dev.tenpak.internal.format.safetensors.SafetensorsFixture.bytes;
import static dev.tenpak.internal.format.safetensors.SafetensorsFixture.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.Tenpak;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.ChecksumMismatchException;
import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.MalformedInputException;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.internal.format.safetensors.SafetensorsReaderTest;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.options.OutputFormat;
import dev.tenpak.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hugging Face folders in and out, against hostile and careless cases:
 * carried-file caps, links out of the folder, a failed decompress into an existing folder,
 * carried metadata that is not base64, NUL bytes in names.
 */
class HfFolderSafetyTest {
    static final String S1 = "model-00001-of-00002.safetensors";
    static final String S2 = "model-00002-of-00002.safetensors";

    @TempDir
    Path dir;

    static DecompressOptions hf() {
        return DecompressOptions.defaults().withFormat(OutputFormat.HF);
    }

    static CompressOptions raw() {
        return CompressOptions.defaults().withCodec("raw_v1").withThreads(2);
    }

    /** A two-shard folder whose config says {@code version}. */
    Path sharded(String name, String version) throws Exception {
        Path folder = Files.createDirectories(dir.resolve(name));
        Files.write(
                folder.resolve(S1), file("{" + SafetensorsReaderTest.t("a", "F32", "[2]", 0, 8) + "}", bytes(8, 1)));
        Files.write(
                folder.resolve(S2), file("{" + SafetensorsReaderTest.t("b", "F32", "[2]", 0, 8) + "}", bytes(8, 40)));
        Files.writeString(
                folder.resolve(HfFolder.INDEX),
                "{\"metadata\":{},\"weight_map\":{\"a\":\"" + S1 + "\",\"b\":\"" + S2 + "\"}}");
        Files.writeString(folder.resolve("config.json"), "{\"version\":\"" + version + "\"}");
        return folder;
    }

    Path single(String name) throws Exception {
        Path folder = Files.createDirectories(dir.resolve(name));
        Files.write(
                folder.resolve(HfFolder.SINGLE),
                file("{" + SafetensorsReaderTest.t("a", "F32", "[2]", 0, 8) + "}", bytes(8, 1)));
        Files.writeString(folder.resolve("config.json"), "{}");
        return folder;
    }

    /** Every file under {@code folder}, its bytes as Latin-1 text so that maps compare by content. */
    static Map<String, String> snapshot(Path folder) throws Exception {
        Map<String, String> all = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                all.put(
                        folder.relativize(p).toString(),
                        new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1));
            }
        }
        return all;
    }

    /** A copy of {@code artifact} with one byte of tensor {@code name}'s payload flipped. */
    Path corruptPayload(Path artifact, String name) throws Exception {
        long offset;
        try (ArtifactReader r = ArtifactReader.open(artifact)) {
            TensorEntry e = r.entry(name);
            offset = e.offset();
        }
        byte[] b = Files.readAllBytes(artifact);
        b[(int) offset] ^= 0x55;
        Path bad = dir.resolve("bad-" + artifact.getFileName());
        Files.write(bad, b);
        return bad;
    }

    // ---- item 4: all old or all new ----

    @Test
    void aFailedDecompressIntoAnExistingFolderLeavesItAllOld() throws Exception {
        Path v1 = dir.resolve("v1.tenpak");
        Tenpak.compress(sharded("src1", "v1"), v1, raw());
        Path out = dir.resolve("out");
        Tenpak.decompress(v1, out, hf());
        Files.writeString(out.resolve("README.md"), "the user's own notes");
        Map<String, String> before = snapshot(out);

        Path v2 = dir.resolve("v2.tenpak");
        Path src2 = sharded("src2", "v2");
        Files.write(src2.resolve(S2), file("{" + SafetensorsReaderTest.t("b", "F32", "[2]", 0, 8) + "}", bytes(8, 90)));
        Tenpak.compress(src2, v2, raw());
        Path bad = corruptPayload(v2, "b"); // the second shard fails after config and first shard are decoded

        assertThatThrownBy(() -> Tenpak.decompress(bad, out, hf())).isInstanceOf(ChecksumMismatchException.class);
        assertThat(snapshot(out)).as("every file as it was").isEqualTo(before);
        assertThat(hidden(dir)).as("no temporary left beside the folder").isEmpty();

        Tenpak.decompress(v2, out, hf());
        assertThat(out.resolve("config.json")).hasContent("{\"version\":\"v2\"}");
        byte[] shard = Files.readAllBytes(out.resolve(S2));
        assertThat(java.util.Arrays.copyOfRange(shard, shard.length - 8, shard.length))
                .isEqualTo(bytes(8, 90));
        assertThat(out.resolve("README.md"))
                .as("files the artifact does not write are kept")
                .hasContent("the user's own notes");
        assertThat(hidden(dir)).isEmpty();
    }

    @Test
    void aFolderWhoseOldWeightsTheNewOnesWouldNotReplaceIsRefusedUntouched() throws Exception {
        Path sharded = dir.resolve("sharded.tenpak");
        Tenpak.compress(sharded("src", "v1"), sharded, raw());
        Path out = dir.resolve("out");
        Tenpak.decompress(sharded, out, hf());
        Map<String, String> before = snapshot(out);
        Path one = dir.resolve("single.tenpak");
        Tenpak.compress(single("one"), one, raw());
        assertThatThrownBy(() -> Tenpak.decompress(one, out, hf()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(S1)
                .hasMessageContaining("new folder");
        assertThat(snapshot(out)).isEqualTo(before);
    }

    @Test
    void anArtifactInsideTheOutputFolderIsKeptOrTheWriteThatWouldReplaceItRefused() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Path art = out.resolve("m.tenpak");
        Tenpak.compress(single("src"), art, raw());
        byte[] bytes = Files.readAllBytes(art);
        Tenpak.decompress(art, out, hf());
        assertThat(Files.readAllBytes(art))
                .as("carried over into the new folder")
                .isEqualTo(bytes);
        assertThat(out.resolve(HfFolder.SINGLE)).exists();

        Path named = out.resolve(HfFolder.SINGLE);
        Files.move(art, named, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> Tenpak.decompress(named, out, hf()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("same file");
        assertThat(Files.readAllBytes(named)).isEqualTo(bytes);
    }

    // ---- item 15: links out of the folder ----

    @Test
    void aCarriedFileLinkingOutOfTheFolderIsRefused() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "password=hunter2");
        Path folder = single("linked");
        Files.delete(folder.resolve("config.json"));
        Files.createSymbolicLink(folder.resolve("config.json"), secret);
        Path out = dir.resolve("a.tenpak");
        assertThatThrownBy(() -> Tenpak.compress(folder, out, raw()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("outside the folder");
        assertThat(out).doesNotExist();
    }

    @Test
    void theHuggingFaceCachesLinksIntoItsBlobsAreAccepted() throws Exception {
        Path repo = Files.createDirectories(dir.resolve("models--x--y"));
        Path blobs = Files.createDirectories(repo.resolve("blobs"));
        Path snapshot = Files.createDirectories(repo.resolve("snapshots").resolve("0123abc"));
        Files.write(
                blobs.resolve("w1"), file("{" + SafetensorsReaderTest.t("a", "F32", "[2]", 0, 8) + "}", bytes(8, 1)));
        Files.writeString(blobs.resolve("c1"), "{\"model_type\":\"bert\"}");
        Files.createSymbolicLink(snapshot.resolve(HfFolder.SINGLE), Path.of("..", "..", "blobs", "w1"));
        Files.createSymbolicLink(snapshot.resolve("config.json"), Path.of("..", "..", "blobs", "c1"));
        Path art = dir.resolve("cache.tenpak");
        Tenpak.compress(snapshot, art, raw());
        try (ArtifactReader r = ArtifactReader.open(art)) {
            assertThat(r.metadata()).containsKey(HfFolder.FILE_PREFIX + "config.json");
        }
    }

    @Test
    void decompressNeverWritesThroughALinkedSubFolderOutOfTheOutput() throws Exception {
        Path folder = single("pooling");
        Files.createDirectories(folder.resolve("1_Pooling"));
        Files.writeString(folder.resolve("1_Pooling").resolve("config.json"), "{\"pooling\":\"mean\"}");
        Path art = dir.resolve("p.tenpak");
        Tenpak.compress(folder, art, raw());

        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("config.json"), "not yours");
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.createSymbolicLink(out.resolve("1_Pooling"), elsewhere);
        Tenpak.decompress(art, out, hf());

        assertThat(elsewhere.resolve("config.json")).hasContent("not yours");
        assertThat(Files.isSymbolicLink(out.resolve("1_Pooling"))).isFalse();
        assertThat(out.resolve("1_Pooling").resolve("config.json")).hasContent("{\"pooling\":\"mean\"}");
    }

    // ---- item 3: a cap on carried files ----

    @Test
    void carriedFilesOverTheCapAreRefusedNamingTheLargest() throws Exception {
        Path folder = single("big");
        Files.writeString(folder.resolve("tokenizer.json"), "t".repeat(3_000));
        Files.writeString(folder.resolve("vocab.txt"), "v".repeat(2_000));
        Path out = dir.resolve("big.tenpak");
        assertThatThrownBy(() -> Tenpak.compress(folder, out, raw().withMaxCarriedBytes(4_000)))
                .isInstanceOfSatisfying(
                        InvalidInputException.class, e -> assertThat(e.option()).isEqualTo("max-carried-bytes"))
                .hasMessageContaining("tokenizer.json 3000 B")
                .hasMessageContaining("over the cap of 4000");
        assertThat(out).doesNotExist();
        Tenpak.compress(folder, out, raw().withMaxCarriedBytes(10_000));
        assertThat(out).exists();
        assertThatThrownBy(() -> raw().withMaxCarriedBytes(1L << 30)).isInstanceOf(InvalidInputException.class);
    }

    // ---- item 16: not base64, NUL bytes ----

    Path artifactWithMetadata(Map<String, String> meta) {
        Path p = dir.resolve("meta.tenpak");
        try (ArtifactWriter w = ArtifactWriter.create(p)) {
            w.metadata(meta);
            w.write(Tensor.ofFloats("a", new float[] {1, 2}, 2), Codecs.byName("raw_v1"));
            w.finish();
        }
        return p;
    }

    @Test
    void carriedMetadataThatIsNotBase64IsACorruptArtifactForInspectAndDecompress() throws Exception {
        Path art = artifactWithMetadata(Map.of(HfFolder.FILE_PREFIX + "config.json", "%%% not base64 %%%"));
        assertThatThrownBy(() -> Tenpak.inspect(art))
                .isInstanceOf(CorruptArtifactException.class)
                .hasMessageContaining("config.json")
                .hasMessageContaining("base64");
        Path out = dir.resolve("out");
        assertThatThrownBy(() -> Tenpak.decompress(art, out, hf())).isInstanceOf(CorruptArtifactException.class);
        assertThat(out).doesNotExist();
    }

    @Test
    void aNulByteInACarriedFileOrShardNameIsATypedError() throws Exception {
        Path art = artifactWithMetadata(Map.of(HfFolder.FILE_PREFIX + "con\0fig.json", "e30="));
        Path out = dir.resolve("out");
        assertThatThrownBy(() -> Tenpak.decompress(art, out, hf()))
                .isInstanceOf(MalformedInputException.class)
                .hasMessageContaining("not a valid path");
        assertThat(out).doesNotExist();

        Path embedded = artifactWithMetadata(Map.of(
                HfFolder.FILE_PREFIX + HfFolder.INDEX,
                java.util.Base64.getEncoder()
                        .encodeToString("{\"weight_map\":{\"a\":\"shard\\u0000.safetensors\"}}".getBytes())));
        assertThatThrownBy(() -> Tenpak.decompress(embedded, out, hf())).isInstanceOf(MalformedInputException.class);
        assertThat(out).doesNotExist();

        Path folder = single("nul");
        Files.delete(folder.resolve(HfFolder.SINGLE));
        Files.write(
                folder.resolve(S1), file("{" + SafetensorsReaderTest.t("a", "F32", "[2]", 0, 8) + "}", bytes(8, 1)));
        Files.writeString(folder.resolve(HfFolder.INDEX), "{\"weight_map\":{\"a\":\"model\\u0000.safetensors\"}}");
        assertThatThrownBy(() -> Tenpak.compress(folder, dir.resolve("n.tenpak"), raw()))
                .isInstanceOf(MalformedInputException.class)
                .hasMessageContaining("not a valid path");
    }

    static java.util.List<String> hidden(Path folder) throws Exception {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("."))
                    .toList();
        }
    }
}
