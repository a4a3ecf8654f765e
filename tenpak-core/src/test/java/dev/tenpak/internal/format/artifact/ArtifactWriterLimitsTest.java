package dev.tenpak.internal.format.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.codec.Codecs;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.UnknownCodecException;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer enforces every limit the reader enforces, before anything is renamed into place, so
 * no write ends in an artifact no reader opens .
 */
class ArtifactWriterLimitsTest {
    @TempDir
    Path dir;

    static Tensor small(String name) {
        return Tensor.ofFloats(name, new float[] {0.1f, -0.2f, 0.3f}, 3);
    }

    @Test
    void anIndexOverTheReadersLimitIsRefusedBeforeTheRenameAndNoFileIsLeft() throws Exception {
        Path out = dir.resolve("big.tenpak");
        String value = "x".repeat(5_000);
        try (ArtifactWriter w = ArtifactWriter.create(out).maxIndexBytes(4_096)) {
            w.write(small("a"), Codecs.byName("raw_v1"));
            assertThatThrownBy(() -> w.metadata(Map.of("tenpak.hf.file:big.txt", value)))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("index would take")
                    .hasMessageContaining("every reader enforces");
        }
        assertThat(out).doesNotExist();
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s).as("no temporary left").isEmpty();
        }
    }

    @Test
    void manyEntriesOverTheLimitAreRefusedAsTheyAreWritten() {
        try (ArtifactWriter w = ArtifactWriter.toMemory().maxIndexBytes(1_000)) {
            assertThatThrownBy(() -> {
                        for (int i = 0; i < 100; i++) {
                            w.write(small("tensor.number." + i), Codecs.byName("raw_v1"));
                        }
                    })
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("index would take");
        }
    }

    @Test
    void anIndexOfExactlyTheLimitIsWrittenAndOneByteMoreIsNot() {
        byte[] bytes;
        try (ArtifactWriter w = ArtifactWriter.toMemory()) {
            w.metadata(Map.of("k", "v"));
            w.write(small("a"), Codecs.byName("raw_v1"));
            w.finish();
            bytes = w.bytes();
        }
        // the same content under a limit equal to its exact index size is accepted
        int exact = indexSize(bytes);
        try (ArtifactWriter w = ArtifactWriter.toMemory().maxIndexBytes(exact)) {
            w.metadata(Map.of("k", "v"));
            w.write(small("a"), Codecs.byName("raw_v1"));
            w.finish();
            assertThat(w.bytes()).isEqualTo(bytes);
        }
        try (ArtifactWriter w = ArtifactWriter.toMemory().maxIndexBytes(exact - 1)) {
            w.metadata(Map.of("k", "v"));
            w.write(small("a"), Codecs.byName("raw_v1"));
            assertThatThrownBy(w::finish)
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("index would take " + exact);
        }
    }

    static int indexSize(byte[] artifact) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(artifact).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        return (int) b.getLong(artifact.length - ArtifactFormat.TRAILER_SIZE + 8);
    }

    @Test
    void whatTheReaderRefusesTheWriterRefusesFirst() {
        MemorySegment payload = MemorySegment.ofArray(new byte[12]);
        try (ArtifactWriter w = ArtifactWriter.toMemory()) {
            assertThatThrownBy(() -> w.writeEncoded("", DType.F32, Shape.of(3), "raw_v1", new byte[0], payload))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("empty");
            assertThatThrownBy(() -> w.writeEncoded("a", DType.F32, Shape.of(3), "zstd_v9", new byte[0], payload))
                    .isInstanceOf(UnknownCodecException.class);
            assertThatThrownBy(() -> w.writeEncoded("b", DType.F32, Shape.of(4), "raw_v1", new byte[0], payload))
                    .as("a payload whose length the codec's validate refuses")
                    .isInstanceOf(InvalidInputException.class);
            w.writeEncoded("c", DType.F32, Shape.of(3), "raw_v1", new byte[0], payload);
            w.finish();
            try (ArtifactReader r = ArtifactReader.of(w.bytes(), "mem")) {
                assertThat(r.entries()).extracting(TensorEntry::name).containsExactly("c");
            }
        }
    }
}
