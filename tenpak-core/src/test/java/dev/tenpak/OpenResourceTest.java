package dev.tenpak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.tensor.Artifact;
import dev.tenpak.tensor.Tensor;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Artifacts packed into a jar are read back through {@link Tenpak#openResource}. */
class OpenResourceTest {
    @TempDir
    Path dir;

    private Path artifact;
    private Path jar;

    @BeforeEach
    void packAnArtifactIntoAJar() throws Exception {
        long seed = 0x7E17A4L;
        System.out.println("OpenResourceTest seed " + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        StringBuilder json = new StringBuilder("{\"tensors\":[");
        json.append("{\"name\":\"encoder.weight\",\"shape\":[16,8],\"data\":[");
        for (int i = 0; i < 128; i++) {
            json.append(i == 0 ? "" : ",").append((float) (rnd.nextGaussian() * 0.02));
        }
        json.append("]},{\"name\":\"encoder.bias\",\"shape\":[8],\"data\":[");
        for (int i = 0; i < 8; i++) {
            json.append(i == 0 ? "" : ",").append((float) (rnd.nextDouble() - 0.5));
        }
        json.append("]}]}");
        Path bundle = dir.resolve("encoder.json");
        Files.writeString(bundle, json);
        artifact = dir.resolve("encoder.tenpak");
        Tenpak.compress(bundle, artifact, CompressOptions.defaults());

        jar = dir.resolve("service.jar");
        try (OutputStream out = Files.newOutputStream(jar);
                JarOutputStream j = new JarOutputStream(out)) {
            j.putNextEntry(new JarEntry("models/"));
            j.closeEntry();
            j.putNextEntry(new JarEntry("models/encoder.tenpak"));
            Files.copy(artifact, j);
            j.closeEntry();
        }
    }

    @Test
    void decodesOneTensorAndAllTensorsFromInsideAJar() throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
                Artifact fromJar = Tenpak.openResource("models/encoder.tenpak", loader);
                Artifact fromFile = Tenpak.open(artifact)) {
            assertThat(loader.getResource("models/encoder.tenpak").getProtocol())
                    .isEqualTo("jar");
            assertThat(fromJar.source()).isEqualTo("classpath:models/encoder.tenpak");
            assertThat(fromJar.byteSize()).isEqualTo(Files.size(artifact));

            assertThat(fromJar.read("encoder.weight").toFloatArray())
                    .containsExactly(fromFile.read("encoder.weight").toFloatArray());

            List<String> names = new ArrayList<>();
            try (var all = fromJar.tensors()) {
                for (Tensor t = all.next(); t != null; t = all.next()) {
                    names.add(t.name());
                    assertThat(t.toFloatArray())
                            .containsExactly(fromFile.read(t.name()).toFloatArray());
                }
            }
            assertThat(names).containsExactly("encoder.weight", "encoder.bias");
            ArtifactReader reader = (ArtifactReader) fromJar;
            for (TensorEntry e : reader.entries()) {
                assertThat(reader.verify(e)).isTrue();
            }
        }
    }

    /** A classpath folder is mapped, a stored jar entry mapped in place, a deflated one copied out. */
    @Test
    void aFolderAStoredEntryAndADeflatedEntryAllReadTheSame() throws Exception {
        Path classes = Files.createDirectories(dir.resolve("classes/models"));
        Files.copy(artifact, classes.resolve("encoder.tenpak"));
        byte[] bytes = Files.readAllBytes(artifact);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(bytes);
        Path stored = dir.resolve("stored.jar");
        try (OutputStream out = Files.newOutputStream(stored);
                JarOutputStream j = new JarOutputStream(out)) {
            JarEntry first = new JarEntry("models/other.tenpak");
            j.putNextEntry(first);
            j.write(bytes); // same bytes, deflated: must not be the one found
            j.closeEntry();
            JarEntry e = new JarEntry("models/encoder.tenpak");
            e.setMethod(java.util.zip.ZipEntry.STORED);
            e.setSize(bytes.length);
            e.setCompressedSize(bytes.length);
            e.setCrc(crc.getValue());
            e.setExtra(new byte[] {(byte) 0xCA, (byte) 0xFE, 3, 0, 1, 2, 3}); // a local extra field to skip
            j.putNextEntry(e);
            j.write(bytes);
            j.closeEntry();
        }
        float[] expected;
        try (Artifact fromFile = Tenpak.open(artifact)) {
            expected = fromFile.read("encoder.weight").toFloatArray();
        }
        for (Path entry : List.of(dir.resolve("classes"), stored, jar)) {
            try (URLClassLoader loader =
                            new URLClassLoader(new URL[] {entry.toUri().toURL()}, null);
                    Artifact a = Tenpak.openResource("models/encoder.tenpak", loader)) {
                assertThat(a.source()).isEqualTo("classpath:models/encoder.tenpak");
                assertThat(a.byteSize()).as(entry.toString()).isEqualTo(bytes.length);
                assertThat(a.read("encoder.weight").toFloatArray())
                        .as(entry.toString())
                        .containsExactly(expected);
            }
        }
    }

    @Test
    void usesTheContextClassLoaderAndIgnoresALeadingSlash() throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, previous)) {
            thread.setContextClassLoader(loader);
            try (Artifact r = Tenpak.openResource("/models/encoder.tenpak")) {
                assertThat(r.index()).hasSize(2);
                assertThat(r.read("encoder.bias").elementCount()).isEqualTo(8);
            }
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    @Test
    void aMissingResourceIsAnErrorNamingIt() throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            assertThatThrownBy(() -> Tenpak.openResource("models/decoder.tenpak", loader))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("models/decoder.tenpak")
                    .hasMessageContaining("not found");
        }
        assertThatThrownBy(() -> Tenpak.openResource(" ")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void aCorruptResourceIsACorruptArtifactNamingTheResource() throws Exception {
        byte[] bytes = Files.readAllBytes(artifact);
        long payloadAt;
        try (ArtifactReader r = ArtifactReader.open(artifact)) {
            payloadAt = r.entry("encoder.weight").offset();
        }
        bytes[(int) payloadAt + 3] ^= 0x5A;
        Path bad = dir.resolve("bad.jar");
        try (OutputStream out = Files.newOutputStream(bad);
                JarOutputStream j = new JarOutputStream(out)) {
            j.putNextEntry(new JarEntry("models/encoder.tenpak"));
            j.write(bytes);
            j.closeEntry();
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {bad.toUri().toURL()}, null)) {
            assertThatThrownBy(() -> {
                        try (Artifact r = Tenpak.openResource("models/encoder.tenpak", loader);
                                var all = r.tensors()) {
                            while (all.next() != null) {
                                // decode everything: the flipped payload byte fails its checksum here
                            }
                        }
                    })
                    .isInstanceOf(CorruptArtifactException.class)
                    .hasMessageContaining("classpath:models/encoder.tenpak");
        }
    }
}
