package dev.tenpak.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.Tenpak;
import dev.tenpak.error.ChecksumMismatchException;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.options.OutputFormat;
import dev.tenpak.tensor.Bundle;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decompress to safetensors through {@link ParallelDecoder}: workers decode ranges, the calling
 * thread writes them, and payload checksums are checked on the workers. The output must not depend
 * on the thread count, and a corrupted payload anywhere (first range, a later range, a raw tensor)
 * must fail with the tensor named and leave neither the target nor a temporary file behind.
 */
class ParallelDecodeTest {
    @TempDir
    Path dir;

    private Path artifact() {
        SplittableRandom r = new SplittableRandom(20261127L);
        Arena arena = Arena.ofAuto();
        int big = 3 * ParallelDecoder.CHUNK_ELEMENTS + 4096; // four ranges, the last one short
        float[] x = new float[big];
        for (int i = 0; i < big; i++) {
            x[i] = (float) (r.nextGaussian() * 0.02);
        }
        MemorySegment bf16 = arena.allocate(2L * big);
        FloatConversions.fromFloats(x, 0, big, bf16, DType.BF16, 0);
        float[] small = new float[64 * 96];
        for (int i = 0; i < small.length; i++) {
            small[i] = (float) r.nextGaussian();
        }
        List<Tensor> tensors = List.of(
                new Tensor("big.bf16", DType.BF16, Shape.of(big / 64, 64), bf16),
                Tensor.ofFloats("small.f32", Shape.of(64, 96), small),
                new Tensor("ids.i64", DType.I64, Shape.of(4), MemorySegment.ofArray(new long[] {1, 2, 3, 4})));
        Path a = dir.resolve("model.tenpak");
        Tenpak.compress(
                Bundle.of(tensors).asSource("test"),
                0,
                a,
                CompressOptions.defaults().withCodec("int8_sym_g32_v1").withMinElements(0));
        return a;
    }

    @Test
    void theOutputDoesNotDependOnTheThreadCount() throws Exception {
        Path a = artifact();
        Path one = dir.resolve("one.safetensors");
        Tenpak.decompress(
                a,
                one,
                DecompressOptions.defaults()
                        .withFormat(OutputFormat.SAFETENSORS)
                        .withThreads(1));
        byte[] want = Files.readAllBytes(one);
        for (int threads : new int[] {2, 3, 5}) {
            Path out = dir.resolve(threads + ".safetensors");
            Tenpak.decompress(
                    a,
                    out,
                    DecompressOptions.defaults()
                            .withFormat(OutputFormat.SAFETENSORS)
                            .withThreads(threads));
            assertThat(Files.readAllBytes(out)).as("%d threads", threads).isEqualTo(want);
        }
        try (ArtifactReader r = ArtifactReader.open(a)) {
            long data =
                    r.entries().stream().mapToLong(TensorEntry::originalBytes).sum();
            assertThat(want.length).isGreaterThan((int) data);
        }
    }

    @Test
    void aCorruptedPayloadFailsNamingTheTensorAndLeavesNoFile() throws Exception {
        Path clean = artifact();
        byte[] bytes = Files.readAllBytes(clean);
        List<TensorEntry> entries;
        try (ArtifactReader r = ArtifactReader.open(clean)) {
            entries = r.entries();
        }
        for (TensorEntry e : entries) {
            // the first byte, a byte in the last range, the last byte
            for (long at : new long[] {e.offset(), e.offset() + e.length() * 7 / 8, e.offset() + e.length() - 1}) {
                byte[] bad = bytes.clone();
                bad[(int) at] ^= 0x10;
                Path a = dir.resolve("bad.tenpak");
                Files.write(a, bad);
                for (int threads : new int[] {1, 3}) {
                    Path out = dir.resolve("out.safetensors");
                    assertThatThrownBy(() -> Tenpak.decompress(
                                    a,
                                    out,
                                    DecompressOptions.defaults()
                                            .withFormat(OutputFormat.SAFETENSORS)
                                            .withThreads(threads)))
                            .as("%s byte %d, %d threads", e.name(), at, threads)
                            .isInstanceOfSatisfying(
                                    ChecksumMismatchException.class,
                                    ex -> assertThat(ex.tensor()).isEqualTo(e.name()));
                    assertThat(out).doesNotExist();
                    try (Stream<Path> files = Files.list(dir)) {
                        assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
                    }
                }
            }
        }
    }
}
