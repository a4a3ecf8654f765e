package dev.tenpak.maven.build;

import dev.tenpak.tensor.Artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.Tenpak;
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
        new ModelCompressor(new CompressRequest.Builder().baseDirectory(base.toFile()).build(), log).run();
        log.clear();
    }

    private int verify(boolean failIfNoModels) throws ModelBuildException {
        return new ModelVerifier(out, failIfNoModels, log).run();
    }

    @Test
    void soundArtifactsPass() throws Exception {
        assertThat(verify(true)).isEqualTo(2);
        assertThat(log.info).singleElement().asString().contains("verified 2 artifact(s)").contains("4 tensor(s)");
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
                .isInstanceOfSatisfying(ModelBuildException.class, e -> assertThat(e.userError()).isTrue())
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
        entries.set(0, new Manifest.Entry(e.input(), e.inputSha256(), e.inputBytes(), e.artifact(), Digests.sha256(a),
                e.artifactBytes(), e.tensorBytes(), e.tensors(), e.codec(), e.ratio(), e.elements(), e.mse(), e.mae(),
                e.maxAbsError(), e.tenpakVersion(), e.settings()));
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
        assertThat(verify(false)).isZero();
        assertThat(log.warn).singleElement().asString().contains("nothing to verify");
        assertThatThrownBy(() -> verify(true)).isInstanceOf(ModelBuildException.class).hasMessageContaining("failIfNoModels");
    }

    @Test
    void aManifestPointingOutsideTheFolderFails() throws Exception {
        Manifest m = Manifest.read(out.resolve(Manifest.FILE_NAME));
        Manifest.Entry e = m.models().get(0);
        var evil = new Manifest.Entry(e.input(), e.inputSha256(), e.inputBytes(), "../../../pom.xml", e.artifactSha256(),
                e.artifactBytes(), e.tensorBytes(), e.tensors(), e.codec(), e.ratio(), e.elements(), e.mse(), e.mae(),
                e.maxAbsError(), e.tenpakVersion(), e.settings());
        new Manifest(m.format(), m.tenpakVersion(), java.util.List.of(evil)).write(out.resolve(Manifest.FILE_NAME));
        assertThatThrownBy(() -> verify(false)).hasMessageContaining("../../../pom.xml").hasMessageContaining("leaves");
    }
}
