package dev.tenpak.maven.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.Tenpak;
import dev.tenpak.codec.Codecs;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.json.JsonBundleReader;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.report.Plan;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compress goal's work on real JSON bundles: artifacts, manifest, incremental builds, failures. */
class ModelCompressorTest {
    private static final long SEED = 20261127L;

    @TempDir
    Path base;

    private Path models;
    private Path out;
    private final RecordingLog log = new RecordingLog();

    @BeforeEach
    void models() throws Exception {
        System.out.println("ModelCompressorTest seed " + SEED);
        models = base.resolve("src/main/models");
        out = base.resolve("target/classes/models");
        Bundles.write(models.resolve("encoder.json"), SEED, 64, 32);
        Bundles.write(models.resolve("heads/classifier.json"), SEED + 1, 32, 4);
        Files.writeString(models.resolve("README.txt"), "not a model");
    }

    private CompressRequest.Builder request() {
        return new CompressRequest.Builder().baseDirectory(base.toFile());
    }

    private ModelCompressor.Result run(CompressRequest.Builder b) throws ModelBuildException {
        log.clear();
        return new ModelCompressor(b.build(), log).run();
    }

    private Manifest manifest() throws Exception {
        return Manifest.read(out.resolve(Manifest.FILE_NAME));
    }

    @Test
    void compressesEveryModelFileAndDescribesItInTheManifest() throws Exception {
        ModelCompressor.Result r = run(request());
        assertThat(r.compressed()).isEqualTo(2);
        assertThat(r.upToDate()).isZero();
        assertThat(out.resolve("encoder.tenpak")).isRegularFile();
        assertThat(out.resolve("heads/classifier.tenpak")).isRegularFile();
        assertThat(out.resolve("README.tenpak")).doesNotExist();

        Manifest m = manifest();
        assertThat(m.format()).isEqualTo(Manifest.FORMAT);
        assertThat(m.tenpakVersion()).isEqualTo(Tenpak.version());
        assertThat(m.models())
                .extracting(Manifest.Entry::input)
                .containsExactly("src/main/models/encoder.json", "src/main/models/heads/classifier.json");
        Manifest.Entry e = m.models().get(0);
        assertThat(e.artifact()).isEqualTo("encoder.tenpak");
        assertThat(e.inputSha256())
                .isEqualTo(Digests.sha256(models.resolve("encoder.json")))
                .hasSize(64);
        assertThat(e.artifactSha256()).isEqualTo(Digests.sha256(out.resolve("encoder.tenpak")));
        assertThat(e.inputBytes()).isEqualTo(Files.size(models.resolve("encoder.json")));
        assertThat(e.artifactBytes())
                .isEqualTo(Files.size(out.resolve("encoder.tenpak")))
                .isLessThan(e.inputBytes());
        assertThat(e.tensorBytes()).isEqualTo((64 * 32 + 32) * 4L);
        assertThat(e.tensors()).isEqualTo(2);
        assertThat(e.codec()).isEqualTo("int8_sym_v1");
        assertThat(e.ratio())
                .isEqualTo((double) e.tensorBytes() / e.artifactBytes())
                .isGreaterThan(2.5);
        assertThat(e.elements()).isEqualTo(64 * 32 + 32);
        assertThat(e.mae()).isPositive().isLessThanOrEqualTo(e.maxAbsError());
        assertThat(e.mse()).isPositive();
        assertThat(e.tenpakVersion()).isEqualTo(Tenpak.version());
        assertThat(e.settings()).containsEntry("codec", "int8_sym_v1");

        // the artifact decodes to the bundle within int8's bound: half a quantization step
        try (ArtifactReader a = ArtifactReader.open(out.resolve("encoder.tenpak"));
                TensorSource original = JsonBundleReader.open(models.resolve("encoder.json"))) {
            for (Tensor t = original.next(); t != null; t = original.next()) {
                float[] want = t.toFloatArray();
                float[] got = a.read(t.name()).toFloatArray();
                float max = 0;
                for (float v : want) {
                    max = Math.max(max, Math.abs(v));
                }
                for (int i = 0; i < want.length; i++) {
                    assertThat(Math.abs(got[i] - want[i])).isLessThanOrEqualTo(max / 127f / 2 + 1e-7f);
                }
            }
        }

        assertThat(log.info).hasSize(3);
        assertThat(log.info.get(0))
                .startsWith("src/main/models/encoder.json: ")
                .contains(" -> ")
                .contains("ratio ")
                .contains("MAE ")
                .contains("int8_sym_v1");
        assertThat(log.info.get(2)).startsWith("tenpak: 2 model file(s), 2 compressed, 0 up to date; total ");
    }

    @Test
    void compressesSafetensorsFilesToo() throws Exception {
        // a safetensors file holding exactly the tensors of a JSON bundle, written by the core itself
        Path json = Bundles.write(base.resolve("tmp/decoder.json"), SEED + 2, 24, 16);
        Path raw = base.resolve("tmp/decoder.tenpak");
        Tenpak.compress(json, raw, dev.tenpak.options.CompressOptions.defaults().withCodec("raw_v1"));
        Tenpak.decompress(
                raw,
                models.resolve("decoder.safetensors"),
                DecompressOptions.defaults().withFormat(dev.tenpak.options.OutputFormat.SAFETENSORS));

        run(request());
        Manifest.Entry e = manifest().models().stream()
                .filter(m -> m.input().endsWith(".safetensors"))
                .findFirst()
                .orElseThrow();
        assertThat(e.input()).isEqualTo("src/main/models/decoder.safetensors");
        assertThat(e.artifact()).isEqualTo("decoder.tenpak");
        assertThat(e.tensors()).isEqualTo(2);
        assertThat(e.tensorBytes()).isEqualTo((24 * 16 + 16) * 4L);
        assertThat(e.artifactBytes()).isLessThan(e.inputBytes());
        try (ArtifactReader a = ArtifactReader.open(out.resolve("decoder.tenpak"));
                TensorSource original = JsonBundleReader.open(json)) {
            for (Tensor t = original.next(); t != null; t = original.next()) {
                float[] want = t.toFloatArray();
                float[] got = a.read(t.name()).toFloatArray();
                float max = 0;
                for (float v : want) {
                    max = Math.max(max, Math.abs(v));
                }
                for (int i = 0; i < want.length; i++) {
                    assertThat(Math.abs(got[i] - want[i])).isLessThanOrEqualTo(max / 127f / 2 + 1e-7f);
                }
            }
        }
    }

    @Test
    void aSecondBuildWithNoChangesRecompressesNothing() throws Exception {
        run(request());
        Path artifact = out.resolve("encoder.tenpak");
        FileTime written = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(artifact, written);
        String before = Files.readString(out.resolve(Manifest.FILE_NAME));

        ModelCompressor.Result r = run(request());
        assertThat(r.compressed()).isZero();
        assertThat(r.upToDate()).isEqualTo(2);
        assertThat(Files.getLastModifiedTime(artifact)).isEqualTo(written);
        assertThat(log.info.get(0)).contains("up to date").contains("not recompressed");
        assertThat(Files.readString(out.resolve(Manifest.FILE_NAME))).isEqualTo(before);
    }

    @Test
    void aShardedFolderIsRecompressedWhenAShardOrItsConfigChangesButNotItsIndex() throws Exception {
        Path folder = HfFolders.write(models.resolve("tiny"));
        Files.writeString(
                folder.resolve("model.safetensors.index.json"),
                "{\"metadata\":{},\"weight_map\":{\"embeddings.word_embeddings.weight\":\"model.safetensors\","
                        + "\"" + HfFolders.QUERY + ".weight\":\"model.safetensors\",\"" + HfFolders.QUERY
                        + ".bias\":\"model.safetensors\",\"" + HfFolders.OUT + ".weight\":\"model.safetensors\"}}");
        CompressRequest.Builder tiny = request().includes(java.util.List.of("tiny/model.safetensors.index.json"));
        assertThat(run(tiny).compressed()).isEqualTo(1);
        assertThat(run(tiny).upToDate()).isEqualTo(1);
        byte[] index = Files.readAllBytes(folder.resolve("model.safetensors.index.json"));

        // same index, other weights in the shard (same size): the artifact would be stale
        byte[] shard = Files.readAllBytes(folder.resolve("model.safetensors"));
        shard[shard.length - 1] ^= 0x55;
        Files.write(folder.resolve("model.safetensors"), shard);
        assertThat(Files.readAllBytes(folder.resolve("model.safetensors.index.json")))
                .isEqualTo(index);
        assertThat(run(tiny).compressed()).isEqualTo(1);
        assertThat(run(tiny).upToDate()).isEqualTo(1);

        // a carried file (the config the artifact holds) changes: recompressed too
        Files.writeString(
                folder.resolve("config.json"), "{\"model_type\":\"bert\",\"architectures\":[\"BertModel\"],\"x\":1}");
        assertThat(run(tiny).compressed()).isEqualTo(1);
    }

    @Test
    void changingTheCodecTheContentOrTheEngineVersionRecompresses() throws Exception {
        run(request());
        ModelCompressor.Result r = run(request().codec("int4_sym_v1"));
        assertThat(r.compressed()).isEqualTo(2);
        assertThat(manifest().models()).allSatisfy(e -> assertThat(e.codec()).isEqualTo("int4_sym_v1"));

        Bundles.write(models.resolve("encoder.json"), SEED + 7, 64, 32);
        r = run(request().codec("int4_sym_v1"));
        assertThat(r.compressed()).isEqualTo(1);
        assertThat(r.upToDate()).isEqualTo(1);
        assertThat(manifest().models().get(0).inputSha256()).isEqualTo(Digests.sha256(models.resolve("encoder.json")));

        r = run(request().codec("int4_sym_v1").tenpakVersion("99.0"));
        assertThat(r.compressed()).isEqualTo(2);

        r = run(request().codec("int4_sym_v1").tenpakVersion("99.0").force(true));
        assertThat(r.compressed()).isEqualTo(2);
    }

    @Test
    void maxMaeLetsThePlannerChooseAndKeepsThePlan() throws Exception {
        // a generous budget: the smaller of the two candidates; no candidate within 0: the most precise
        run(request().maxMae(1.0).candidates(List.of("int8_sym_v1", "int4_sym_v1")));
        Manifest.Entry loose = manifest().models().get(0);
        assertThat(loose.codec()).isEqualTo("int4_sym_v1");
        assertThat(loose.settings()).containsEntry("plan.maxMae", "1.0").doesNotContainKey("codec");
        Path plan = base.resolve("target/tenpak/plans/encoder.plan.json");
        assertThat(plan).isRegularFile();
        assertThat(Files.readString(plan)).contains("\"choice\"").contains("int4_sym_v1");
        assertThat(base.resolve("target/tenpak/plans/heads/classifier.plan.json"))
                .isRegularFile();

        ModelCompressor.Result r = run(request().maxMae(1.0).candidates(List.of("int8_sym_v1", "int4_sym_v1")));
        assertThat(r.upToDate()).isEqualTo(2);

        r = run(request().maxMae(0.0).candidates(List.of("int8_sym_v1", "int4_sym_v1")));
        assertThat(r.compressed()).isEqualTo(2);
        assertThat(manifest().models()).allSatisfy(e -> assertThat(e.codec()).isEqualTo("int8_sym_v1"));

        // every registered codec competing (raw_v1 must be named), budget 0: only a lossless one meets it
        run(request().maxMae(0.0).candidates(Codecs.names()));
        assertThat(manifest().models()).allSatisfy(e -> {
            assertThat(e.mae()).isZero();
            assertThat(e.maxAbsError()).isZero();
        });
        // a budget between int8's and int4's error: whatever codec the planner picks meets it
        double budget = (loose.mae() + r.entries().get(0).mae()) / 2;
        run(request().maxMae(budget).failOnErrorAbove(budget));
        assertThat(manifest().models().get(0).mae()).isLessThanOrEqualTo(budget);
    }

    @Test
    void maxBitsPerWeightMixesCodecsWithinTheSizeAndKeepsThePlan() throws Exception {
        List<String> candidates = List.of("int8_sym_v1", "int4_sym_v1");
        run(request().maxBitsPerWeight(6.0).candidates(candidates));
        Manifest.Entry e = manifest().models().get(0);
        assertThat(e.settings())
                .containsEntry("plan.maxBitsPerWeight", "6.0")
                .doesNotContainKey("plan.maxMae")
                .doesNotContainKey("codec");
        Plan plan = Plan.read(base.resolve("target/tenpak/plans/encoder.plan.json"));
        assertThat(plan.budget()).isEqualTo(Plan.BUDGET_MAX_BITS_PER_WEIGHT);
        assertThat(plan.expected().storedBitsPerWeight()).isLessThanOrEqualTo(6.0);
        try (ArtifactReader a = ArtifactReader.open(out.resolve("encoder.tenpak"))) {
            long stored = 0;
            for (var en : a.entries()) {
                assertThat(en.codec())
                        .isEqualTo(plan.tensors().stream()
                                .filter(t -> t.name().equals(en.name()))
                                .findFirst()
                                .orElseThrow()
                                .codec());
                stored += en.length() + en.params().length;
            }
            assertThat(stored).isEqualTo(plan.expected().storedBytes());
        }
        assertThat(run(request().maxBitsPerWeight(6.0).candidates(candidates)).upToDate())
                .isEqualTo(2);

        // under the smallest choice: the build fails naming the file and the smallest achievable
        assertThatThrownBy(() -> run(request().maxBitsPerWeight(1.0).candidates(candidates)))
                .isInstanceOf(ModelBuildException.class)
                .hasMessageContaining("encoder.json")
                .hasMessageContaining("bits per weight, over max-bits-per-weight 1.0");
    }

    @Test
    void entropyAutoPlansTheStoredSizesAndTheArtifactHoldsThem() throws Exception {
        List<String> candidates = List.of("int8_sym_v1", "int4_sym_v1");
        run(request().maxBitsPerWeight(7.0).candidates(candidates).entropy("auto"));
        assertThat(manifest().models().get(0).settings()).containsEntry("entropy", "auto");
        Plan plan = Plan.read(base.resolve("target/tenpak/plans/encoder.plan.json"));
        assertThat(plan.entropy()).isEqualTo(Plan.ENTROPY_AUTO);
        assertThat(plan.expected().storedBitsPerWeight()).isLessThanOrEqualTo(7.0);
        long stored = 0;
        try (ArtifactReader a = ArtifactReader.open(out.resolve("encoder.tenpak"))) {
            for (var en : a.entries()) {
                Plan.TensorPlan t = plan.tensors().stream()
                        .filter(x -> x.name().equals(en.name()))
                        .findFirst()
                        .orElseThrow();
                assertThat(en.codec()).isEqualTo(t.codec());
                assertThat(en.length()).isEqualTo(t.storedBytes());
                stored += en.length() + en.params().length;
            }
        }
        assertThat(stored).isEqualTo(plan.expected().storedBytes());
        assertThat(Files.size(out.resolve("encoder.tenpak")))
                .isEqualTo(plan.expected().artifactBytes());
    }

    @Test
    void keepRawAndGroupWiseCodecsReachTheArtifact() throws Exception {
        run(request().codec("int4_sym_g32_v1").keepRaw(List.of("bias$")).minElements(0L));
        try (ArtifactReader a = ArtifactReader.open(out.resolve("encoder.tenpak"))) {
            assertThat(a.entry("layer.weight").codec()).isEqualTo("int4_sym_g32_v1");
            assertThat(a.entry("layer.bias").codec()).isEqualTo("raw_v1");
        }
        assertThat(manifest().models().get(0).settings()).containsEntry("keepRaw", "[bias$]");
        // a new keep-raw list recompresses; the bias is then quantized too
        ModelCompressor.Result r = run(request().codec("int4_sym_g32_v1").minElements(0L));
        assertThat(r.compressed()).isEqualTo(2);
        try (ArtifactReader a = ArtifactReader.open(out.resolve("encoder.tenpak"))) {
            assertThat(a.entry("layer.bias").codec()).isEqualTo("int4_sym_g32_v1");
        }
    }

    @Test
    void anEditedOrMissingArtifactIsRebuilt() throws Exception {
        run(request());
        byte[] bytes = Files.readAllBytes(out.resolve("encoder.tenpak"));
        bytes[bytes.length - 40] ^= 1;
        Files.write(out.resolve("encoder.tenpak"), bytes);
        Files.delete(out.resolve("heads/classifier.tenpak"));
        assertThat(run(request()).compressed()).isEqualTo(2);
        assertThat(Digests.sha256(out.resolve("encoder.tenpak")))
                .isEqualTo(manifest().models().get(0).artifactSha256());
    }

    @Test
    void aMalformedModelFailsNamingTheFileAndWhatIsWrong() throws Exception {
        Files.writeString(
                models.resolve("broken.json"), "{\"tensors\": [{\"name\": \"w\", \"shape\": [2], \"data\": [1.0]}]}");
        assertThatThrownBy(() -> run(request()))
                .isInstanceOfSatisfying(
                        ModelBuildException.class,
                        e -> assertThat(e.userError()).isTrue())
                .hasMessageContaining("src/main/models/broken.json")
                .hasMessageContaining("shape");
    }

    @Test
    void anExceededBudgetFailsNamingTheFileAndBothNumbersButKeepsTheManifest() throws Exception {
        double budget = 1e-5;
        assertThatThrownBy(() -> run(request().codec("int4_sym_v1").failOnErrorAbove(budget)))
                .isInstanceOfSatisfying(
                        ModelBuildException.class,
                        e -> assertThat(e.userError()).isTrue())
                .hasMessageContaining("src/main/models/encoder.json: MAE ")
                .hasMessageContaining("exceeds failOnErrorAbove 1.000e-05");
        Manifest.Entry e = manifest().models().get(0);
        assertThat(e.mae()).isGreaterThan(budget);
        // the budget is checked on up-to-date files too, and a generous one passes
        assertThatThrownBy(() -> run(request().codec("int4_sym_v1").failOnErrorAbove(budget)))
                .hasMessageContaining(String.format(java.util.Locale.ROOT, "%.3e", e.mae()));
        ModelCompressor.Result r = run(request().codec("int4_sym_v1").failOnErrorAbove(e.mae() * 10));
        assertThat(r.upToDate()).isEqualTo(2);
    }

    @Test
    void artifactsOfDeletedModelsAreRemoved() throws Exception {
        run(request());
        Files.delete(models.resolve("heads/classifier.json"));
        run(request());
        assertThat(out.resolve("heads/classifier.tenpak")).doesNotExist();
        assertThat(out.resolve("encoder.tenpak")).isRegularFile();
        assertThat(manifest().models()).hasSize(1);
        assertThat(log.info).anyMatch(l -> l.contains("removed heads/classifier.tenpak"));
    }

    // ---- a failed build loses no manifest entry; a good one removes every stale artifact

    @Test
    void aFailedBuildLosesNoManifestEntryAndTheNextBuildStillRemovesStaleArtifacts() throws Exception {
        run(request());
        Manifest.Entry classifier = manifest().models().get(1);
        // encoder.json changes (recompressed first), f-broken.json fails next, heads/ is never reached
        Bundles.write(models.resolve("encoder.json"), SEED + 9, 64, 32);
        Files.writeString(
                models.resolve("f-broken.json"), "{\"tensors\": [{\"name\": \"w\", \"shape\": [2], \"data\": [1.0]}]}");
        assertThatThrownBy(() -> run(request()))
                .isInstanceOf(ModelBuildException.class)
                .hasMessageContaining("f-broken.json");
        Manifest kept = manifest();
        assertThat(kept.models())
                .extracting(Manifest.Entry::input)
                .containsExactly("src/main/models/encoder.json", "src/main/models/heads/classifier.json");
        assertThat(kept.models().get(0).inputSha256()).isEqualTo(Digests.sha256(models.resolve("encoder.json")));
        assertThat(kept.models().get(1)).isEqualTo(classifier);
        assertThat(out.resolve("heads/classifier.tenpak")).isRegularFile(); // a failed build removes nothing

        // the broken file is fixed by deleting it, and the classifier is dropped from the project
        Files.delete(models.resolve("f-broken.json"));
        Files.delete(models.resolve("heads/classifier.json"));
        ModelCompressor.Result r = run(request());
        assertThat(r.upToDate()).isEqualTo(1);
        assertThat(out.resolve("heads/classifier.tenpak")).doesNotExist();
        assertThat(manifest().models())
                .extracting(Manifest.Entry::input)
                .containsExactly("src/main/models/encoder.json");
        assertThat(log.info).anyMatch(l -> l.contains("removed heads/classifier.tenpak"));
    }

    @Test
    void aBuildFailingOnItsFirstModelKeepsTheWholePreviousManifest() throws Exception {
        run(request());
        String before = Files.readString(out.resolve(Manifest.FILE_NAME));
        Files.writeString(models.resolve("a-broken.json"), "{\"tensors\": [");
        assertThatThrownBy(() -> run(request())).isInstanceOf(ModelBuildException.class);
        assertThat(Files.readString(out.resolve(Manifest.FILE_NAME))).isEqualTo(before);
    }

    @Test
    void anArtifactInNoManifestIsRemovedButAnotherExecutionsFolderIsLeftAlone() throws Exception {
        run(request());
        // the manifest is lost (an older tenpak emptied it, or it was deleted) and a model is dropped meanwhile
        Files.delete(out.resolve(Manifest.FILE_NAME));
        Files.delete(models.resolve("heads/classifier.json"));
        Files.copy(out.resolve("encoder.tenpak"), out.resolve("by-hand.tenpak"));
        Files.writeString(out.resolve("notes.txt"), "not an artifact");
        Path other = out.resolve("other"); // another execution's output folder, inside this one
        Files.createDirectories(other);
        Files.copy(out.resolve("encoder.tenpak"), other.resolve("x.tenpak"));
        Files.writeString(other.resolve(Manifest.FILE_NAME), "{}");

        run(request());
        assertThat(out.resolve("heads/classifier.tenpak")).doesNotExist();
        assertThat(out.resolve("by-hand.tenpak")).doesNotExist();
        assertThat(out.resolve("encoder.tenpak")).isRegularFile();
        assertThat(out.resolve("notes.txt")).isRegularFile();
        assertThat(other.resolve("x.tenpak")).isRegularFile();
        assertThat(log.info).anyMatch(l -> l.contains("removed heads/classifier.tenpak (no model file produces it"));
    }

    @Test
    void theManifestRecordsWhereTheModelFilesWereLookedFor() throws Exception {
        run(request().excludes(List.of("**/classifier.json")));
        assertThat(manifest().sources())
                .isEqualTo(new Manifest.Sources(
                        "src/main/models", CompressRequest.DEFAULT_INCLUDES, List.of("**/classifier.json")));
    }

    @Test
    void whenEveryModelIsGoneTheArtifactsAndTheManifestGoToo() throws Exception {
        run(request());
        Files.delete(models.resolve("encoder.json"));
        Files.delete(models.resolve("heads/classifier.json"));
        ModelCompressor.Result r = run(request());
        assertThat(r.entries()).isEmpty();
        assertThat(out.resolve("encoder.tenpak")).doesNotExist();
        assertThat(out.resolve("heads/classifier.tenpak")).doesNotExist();
        assertThat(out.resolve(Manifest.FILE_NAME)).doesNotExist();
        assertThat(log.warn).singleElement().asString().contains("nothing to compress");
    }

    @Test
    void twoModelsWithOneArtifactNameAreRefused() throws Exception {
        Files.copy(models.resolve("encoder.json"), models.resolve("encoder.safetensors"));
        assertThatThrownBy(() -> run(request()))
                .isInstanceOf(ModelBuildException.class)
                .hasMessageContaining("encoder.json")
                .hasMessageContaining("encoder.safetensors")
                .hasMessageContaining("encoder.tenpak");
    }

    @Test
    void noMatchingModelIsAWarningOrAFailureOnRequest() throws Exception {
        ModelCompressor.Result r = run(request().includes(List.of("**/*.pt")));
        assertThat(r.entries()).isEmpty();
        assertThat(log.warn)
                .singleElement()
                .asString()
                .contains("no model files")
                .contains("**/*.pt");
        assertThatThrownBy(
                        () -> run(request().sourceDirectory(new File("nowhere")).failIfNoModels(true)))
                .isInstanceOfSatisfying(
                        ModelBuildException.class,
                        e -> assertThat(e.userError()).isTrue())
                .hasMessageContaining("nowhere")
                .hasMessageContaining("failIfNoModels");
    }

    @Test
    void anUnreadablePreviousManifestIsIgnoredWithAWarning() throws Exception {
        Files.createDirectories(out);
        Files.writeString(out.resolve(Manifest.FILE_NAME), "{ not json");
        assertThat(run(request()).compressed()).isEqualTo(2);
        assertThat(log.warn).singleElement().asString().contains("ignoring unreadable");
        assertThat(manifest().models()).hasSize(2);
    }
}
