package dev.tenpak.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tenpak.codec.Codecs;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the CLI's outputs may replace and how : never an input,
 * never a device, FIFO or link, with the usual file modes, cleaning up after killed runs, and one
 * error line with the right exit code.
 */
class OutputSafetyCliTest {
    @TempDir
    Path dir;

    /** One CLI run, as {@link TenpakCliTest} runs it. */
    static TenpakCliTest.Run run(Object... args) {
        return TenpakCliTest.run(args);
    }

    Path bundle(String name) throws IOException {
        return Files.writeString(dir.resolve(name), Files.readString(Path.of("..", "examples", "simple_bundle.json")));
    }

    Path artifact(String name) throws IOException {
        Path out = dir.resolve(name);
        TenpakCliTest.Run r = run("compress", "-i", bundle("in-" + name + ".json"), "-o", out, "-q");
        assertThat(r.code()).as(r.err()).isZero();
        return out;
    }

    static void assertRefusedUntouched(TenpakCliTest.Run r, Path input, byte[] before) throws IOException {
        assertThat(r.code()).as(r.err()).isEqualTo(3);
        assertThat(r.oneErrorLine()).contains("same file");
        assertThat(Files.readAllBytes(input)).as("the input is untouched").isEqualTo(before);
    }

    // ---- item 1: an output that is an input ----

    @Test
    void compressRefusesToWriteOverItsInputByAnyName() throws Exception {
        Path in = bundle("m.json");
        byte[] before = Files.readAllBytes(in);
        assertRefusedUntouched(run("compress", "-i", in, "-o", in, "--format", "json"), in, before);
        assertRefusedUntouched(
                run("compress", "-i", in, "-o", dir.resolve(".").resolve("m.json"), "--format", "json"), in, before);
        Path hard = Files.createLink(dir.resolve("hard.json"), in);
        assertRefusedUntouched(run("compress", "-i", in, "-o", hard, "--format", "json"), in, before);
        Path soft = Files.createSymbolicLink(dir.resolve("soft.tenpak"), in);
        assertRefusedUntouched(run("compress", "-i", in, "-o", soft), in, before);
    }

    @Test
    void compressRefusesToWriteOverAFileOfItsInputFolder() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("model"));
        Path st = dir.resolve("x.safetensors");
        assertThat(run("decompress", "-i", artifact("a.tenpak"), "-o", st, "-q").code())
                .isZero();
        Files.copy(st, folder.resolve("model.safetensors"));
        Path config = Files.writeString(folder.resolve("config.json"), "{}");
        byte[] before = Files.readAllBytes(config);
        TenpakCliTest.Run r = run("compress", "-i", folder, "-o", config, "-c", "raw_v1");
        assertThat(r.code()).as(r.err()).isEqualTo(3);
        assertThat(r.oneErrorLine()).contains("same file");
        assertThat(Files.readAllBytes(config)).isEqualTo(before);
    }

    @Test
    void decompressRefusesToWriteOverItsArtifact() throws Exception {
        Path a = artifact("a.tenpak");
        byte[] before = Files.readAllBytes(a);
        assertRefusedUntouched(run("decompress", "-i", a, "-o", a, "--format", "safetensors"), a, before);
        assertRefusedUntouched(
                run("decompress", "-i", a, "-o", dir.resolve(".").resolve("a.tenpak"), "--format", "json"), a, before);
    }

    @Test
    void deltaAndMaterializeRefuseToWriteOverTheirInputs() throws Exception {
        Path base = artifact("base.tenpak");
        Path variant = bundle("variant.json");
        byte[] baseBytes = Files.readAllBytes(base);
        assertRefusedUntouched(
                run("delta", "--base", base, "--variant", variant, "--output", base, "--epsilon", "0.1"),
                base,
                baseBytes);
        byte[] variantBytes = Files.readAllBytes(variant);
        assertRefusedUntouched(
                run(
                        "delta",
                        "--base",
                        base,
                        "--variant",
                        variant,
                        "--output",
                        variant,
                        "--epsilon",
                        "0.1",
                        "--format",
                        "json"),
                variant,
                variantBytes);

        Path delta = dir.resolve("d.tenpak");
        assertThat(run("delta", "--base", base, "--variant", variant, "--output", delta, "--epsilon", "0.1")
                        .code())
                .isZero();
        byte[] deltaBytes = Files.readAllBytes(delta);
        assertRefusedUntouched(run("materialize", "--base", base, "--delta", delta, "--output", base), base, baseBytes);
        Path hard = Files.createLink(dir.resolve("d-link.tenpak"), delta);
        assertRefusedUntouched(
                run("materialize", "--base", base, "--delta", delta, "--output", hard), delta, deltaBytes);
    }

    // ---- item 2: devices, FIFOs, links ----

    @Test
    void compressIntoAFifoWritesThroughItAndLeavesItAFifo() throws Exception {
        Path in = bundle("in.json");
        Path reference = dir.resolve("ref.tenpak");
        assertThat(run("compress", "-i", in, "-o", reference).code()).isZero();
        Path fifo = dir.resolve("pipe");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(mk.waitFor() == 0, "mkfifo unavailable");
        CompletableFuture<byte[]> read = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                read.complete(Files.readAllBytes(fifo));
            } catch (IOException e) {
                read.completeExceptionally(e);
            }
        });
        reader.setDaemon(true);
        reader.start();
        TenpakCliTest.Run r = run("compress", "-i", in, "-o", fifo);
        boolean stillFifo = Files.readAttributes(fifo, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .isOther();
        if (!stillFifo) {
            Files.delete(fifo); // release the reader
        }
        assertThat(stillFifo).as("the FIFO was not replaced by a regular file").isTrue();
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(read.get(20, TimeUnit.SECONDS)).isEqualTo(Files.readAllBytes(reference));
    }

    @Test
    void compressToDevNullKeepsTheDevice() throws Exception {
        Path devNull = Path.of("/dev/null");
        assumeTrue(Files.exists(devNull)
                && Files.readAttributes(devNull, BasicFileAttributes.class).isOther());
        TenpakCliTest.Run r = run("compress", "-i", bundle("in.json"), "-o", devNull, "-q");
        assertThat(r.code()).as(r.err()).isZero();
        r = run("decompress", "-i", artifact("a.tenpak"), "-o", devNull, "--format", "safetensors", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readAttributes(devNull, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                        .isOther())
                .isTrue();
    }

    @Test
    void compressThroughASymbolicLinkWritesItsTargetAndKeepsTheLink() throws Exception {
        Path real = Files.createDirectories(dir.resolve("store")).resolve("m.tenpak");
        Files.writeString(real, "old");
        Path link = Files.createSymbolicLink(dir.resolve("current.tenpak"), real);
        TenpakCliTest.Run r = run("compress", "-i", bundle("in.json"), "-o", link, "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readString(real, java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotStartWith("old");
        assertThat(run("inspect", "-i", real).code()).isZero();
    }

    // ---- items 5 and 6: temporaries of killed runs, modes ----

    @Test
    void aKilledRunsTemporaryIsRemovedByTheNextRun() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        assumeTrue(ProcessHandle.of(gone.pid()).isEmpty());
        Path stale = Files.writeString(
                dir.resolve(".m.tenpak.tenpak-" + gone.pid() + "-k1ll3d.tmp"), "2 GB of half an artifact");
        Path out = dir.resolve("m.tenpak");
        assertThat(run("compress", "-i", bundle("in.json"), "-o", out, "-q").code())
                .isZero();
        assertThat(stale).doesNotExist();
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void outputsGetTheUmasksModeAndKeepAnOverwrittenFilesMode() throws Exception {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path out = dir.resolve("m.tenpak");
        assertThat(run("compress", "-i", bundle("in.json"), "-o", out, "-q").code())
                .isZero();
        Path probe = Files.createFile(dir.resolve("probe"));
        Set<PosixFilePermission> umask = Files.getPosixFilePermissions(probe);
        assertThat(Files.getPosixFilePermissions(out))
                .as("a new output gets the umask's mode, as touch would")
                .isEqualTo(umask);
        Set<PosixFilePermission> shared = PosixFilePermissions.fromString("rw-rw-r--");
        Files.setPosixFilePermissions(out, shared);
        assertThat(run("compress", "-i", bundle("in.json"), "-o", out, "-q", "-c", "raw_v1")
                        .code())
                .isZero();
        assertThat(Files.getPosixFilePermissions(out))
                .as("an overwritten output keeps its mode")
                .isEqualTo(shared);
    }

    // ---- item 16: carried metadata that is not base64 ----

    @Test
    void inspectOfCarriedMetadataThatIsNotBase64IsACorruptArtifactInOneLine() throws Exception {
        Path a = dir.resolve("bad.tenpak");
        try (ArtifactWriter w = ArtifactWriter.create(a)) {
            w.metadata(Map.of("tenpak.hf.file:config.json", "*** not base64 ***"));
            w.write(Tensor.ofFloats("t", new float[] {1, 2}, 2), Codecs.byName("raw_v1"));
            w.finish();
        }
        TenpakCliTest.Run r = run("inspect", "-i", a);
        assertThat(r.code()).as(r.err()).isEqualTo(4);
        assertThat(r.oneErrorLine()).contains("config.json").contains("base64");
    }
}
