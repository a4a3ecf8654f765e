package dev.tenpak.maven.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.internal.format.artifact.ArtifactReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelVerifierTest {
    @TempDir
    Path base;

    private Path out;
    private final RecordingLog log = new RecordingLog();

    @BeforeEach
    void compress() throws Exception {
        Path models = base.resolve("src/main/models");
        Bundles.write(models.resolve("a.json"), 1, 16, 16);
        Bundles.write(models.resolve("b.json"), 2, 16, 16);
        out = base.resolve("target/classes/models");
        new ModelCompressor(
                        new CompressRequest.Builder()
                                .baseDirectory(base.toFile())
                                .build(),
                        log)
                .run();
        log.clear();
    }

    private int verify(boolean failIfNoModels) throws ModelBuildException {
        return new ModelVerifier(base, out, failIfNoModels, log).run();
    }

    @Test
    void soundArtifactsPass() throws Exception {
        assertThat(verify(true)).isEqualTo(2);
        assertThat(log.info)
                .singleElement()
                .asString()
                .contains("verified 2 artifact(s)")
                .contains("4 tensor(s)");
    }

    @Test
    void aFlippedPayloadByteFailsNamingTheArtifactAndTensor() throws Exception {
        Path a = out.resolve("b.tenpak");
        long at;
        try (ArtifactReader r = ArtifactReader.open(a)) {
            at = r.entry("layer.weight").offset();
        }
        byte[] bytes = Files.readAllBytes(a);
        bytes[(int) at] ^= 0x10;
        Files.write(a, bytes);
        assertThatThrownBy(() -> verify(false))
                .isInstanceOfSatisfying(
                        ModelBuildException.class,
                        e -> assertThat(e.userError()).isTrue())
                .hasMessageContaining("1 of 2 artifact(s)")
                .hasMessageContaining("b.tenpak (from src/main/models/b.json)")
                .hasMessageContaining("SHA-256");
    }

    @Test
    void aCorruptArtifactThatMatchesItsManifestStillFailsOnItsChecksum() throws Exception {
        // the manifest is rewritten to match the damaged file: only the artifact's own checksums catch it
        Path a = out.resolve("a.tenpak");
        long at;
        try (ArtifactReader r = ArtifactReader.open(a)) {
            at = r.entry("layer.weight").offset();
        }
        byte[] bytes = Files.readAllBytes(a);
        bytes[(int) at + 5] ^= 0x01;
        Files.write(a, bytes);
        Manifest m = Manifest.read(out.resolve(Manifest.FILE_NAME));
        var entries = new java.util.ArrayList<>(m.models());
        Manifest.Entry e = entries.get(0);
        entries.set(
                0,
                new Manifest.Entry(
                        e.input(),
                        e.inputSha256(),
                        e.inputBytes(),
                        e.artifact(),
                        Digests.sha256(a),
                        e.artifactBytes(),
                        e.tensorBytes(),
                        e.tensors(),
                        e.codec(),
                        e.ratio(),
                        e.elements(),
                        e.mse(),
                        e.mae(),
                        e.maxAbsError(),
                        e.tenpakVersion(),
                        e.settings()));
        new Manifest(m.format(), m.tenpakVersion(), entries).write(out.resolve(Manifest.FILE_NAME));
        assertThatThrownBy(() -> verify(false))
                .hasMessageContaining("a.tenpak")
                .hasMessageContaining("checksum mismatch")
                .hasMessageContaining("layer.weight");
    }

    @Test
    void aMissingArtifactFails() throws Exception {
        Files.delete(out.resolve("a.tenpak"));
        assertThatThrownBy(() -> verify(false)).hasMessageContaining("a.tenpak (from src/main/models/a.json): missing");
    }

    @Test
    void noManifestIsAWarningOrAFailureOnRequest() throws Exception {
        Files.delete(out.resolve(Manifest.FILE_NAME));
        Files.delete(out.resolve("a.tenpak"));
        Files.delete(out.resolve("b.tenpak"));
        assertThat(verify(false)).isZero();
        assertThat(log.warn).singleElement().asString().contains("nothing to verify");
        assertThatThrownBy(() -> verify(true))
                .isInstanceOf(ModelBuildException.class)
                .hasMessageContaining("failIfNoModels");
    }

    // ---- the output folder against the model files, not only against the manifest

    @Test
    void artifactsWithNoManifestFail() throws Exception {
        Files.delete(out.resolve(Manifest.FILE_NAME));
        assertThatThrownBy(() -> verify(false))
                .isInstanceOfSatisfying(
                        ModelBuildException.class,
                        e -> assertThat(e.userError()).isTrue())
                .hasMessageContaining("holds 2 artifact(s) but no tenpak-manifest.json")
                .hasMessageContaining("a.tenpak, b.tenpak");
    }

    @Test
    void anArtifactWhoseModelFileIsGoneFailsAsStale() throws Exception {
        Files.delete(base.resolve("src/main/models/b.json"));
        assertThatThrownBy(() -> verify(false))
                .isInstanceOfSatisfying(
                        ModelBuildException.class,
                        e -> assertThat(e.userError()).isTrue())
                .hasMessageContaining("1 of 2 artifact(s)")
                .hasMessageContaining("b.tenpak (from src/main/models/b.json): its model file is gone");
    }

    @Test
    void anArtifactWhoseModelFileChangedFails() throws Exception {
        Bundles.write(base.resolve("src/main/models/a.json"), 3, 16, 16);
        assertThatThrownBy(() -> verify(false))
                .hasMessageContaining(
                        "a.tenpak (from src/main/models/a.json): the model file changed since it was compressed");
    }

    @Test
    void anArtifactTheManifestDoesNotListFails() throws Exception {
        // what main shipped: a manifest emptied by a failed build, the stale artifact still in the folder
        Manifest m = Manifest.read(out.resolve(Manifest.FILE_NAME));
        new Manifest(m.format(), m.tenpakVersion(), m.sources(), m.models().subList(0, 1))
                .write(out.resolve(Manifest.FILE_NAME));
        Files.delete(base.resolve("src/main/models/b.json"));
        Files.createDirectories(out.resolve("sub"));
        Files.copy(out.resolve("a.tenpak"), out.resolve("sub/copy.tenpak"));
        assertThatThrownBy(() -> verify(false))
                .isInstanceOfSatisfying(
                        ModelBuildException.class,
                        e -> assertThat(e.userError()).isTrue())
                .hasMessageContaining("does not match the model files")
                .hasMessageContaining("b.tenpak: no model file produced it")
                .hasMessageContaining("sub/copy.tenpak: no model file produced it")
                .hasMessageNotContaining("a.tenpak: no model");
    }

    @Test
    void aModelFileWithNoArtifactFails() throws Exception {
        Bundles.write(base.resolve("src/main/models/deep/c.json"), 4, 16, 16);
        Files.writeString(base.resolve("src/main/models/notes.txt"), "not a model: the includes leave it out");
        assertThatThrownBy(() -> verify(false))
                .hasMessageContaining("model file src/main/models/deep/c.json has no artifact")
                .hasMessageNotContaining("notes.txt");
        // the next compress makes it, and removes the artifact of a model deleted meanwhile: all sound again
        Files.delete(base.resolve("src/main/models/a.json"));
        new ModelCompressor(
                        new CompressRequest.Builder()
                                .baseDirectory(base.toFile())
                                .build(),
                        log)
                .run();
        log.clear();
        assertThat(verify(true)).isEqualTo(2);
        assertThat(log.info).singleElement().asString().contains("against their model files");
    }

    @Test
    void anotherExecutionsFolderInsideTheOutputIsNotChecked() throws Exception {
        Path other = out.resolve("other");
        Files.createDirectories(other);
        Files.copy(out.resolve("a.tenpak"), other.resolve("x.tenpak"));
        Files.copy(out.resolve(Manifest.FILE_NAME), other.resolve(Manifest.FILE_NAME));
        assertThat(verify(true)).isEqualTo(2);
    }

    @Test
    void aManifestPointingOutsideTheFolderFails() throws Exception {
        Manifest m = Manifest.read(out.resolve(Manifest.FILE_NAME));
        Manifest.Entry e = m.models().get(0);
        var evil = new Manifest.Entry(
                e.input(),
                e.inputSha256(),
                e.inputBytes(),
                "../../../pom.xml",
                e.artifactSha256(),
                e.artifactBytes(),
                e.tensorBytes(),
                e.tensors(),
                e.codec(),
                e.ratio(),
                e.elements(),
                e.mse(),
                e.mae(),
                e.maxAbsError(),
                e.tenpakVersion(),
                e.settings());
        new Manifest(m.format(), m.tenpakVersion(), java.util.List.of(evil)).write(out.resolve(Manifest.FILE_NAME));
        assertThatThrownBy(() -> verify(false))
                .hasMessageContaining("../../../pom.xml")
                .hasMessageContaining("leaves");
    }
}
