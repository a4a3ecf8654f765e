package dev.tenpak.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tenpak.error.TenpakException;
import dev.tenpak.internal.format.hf.HfFolder;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A Hugging Face checkpoint folder whose {@code model.safetensors.index.json} comes from anywhere:
 * two small valid shards (tensors a, b and c), a config.json and a sub-folder, and the fuzzed
 * index. {@link HfFolder#open} reads every tensor or throws a {@link TenpakException}; anything
 * else (an InvalidPathException from a NUL in a shard name, say) is a finding. The folder is made
 * once per JVM; each run rewrites only the index.
 */
class HfIndexFuzzTest {
    private static final Path DIR = folder();

    static Stream<byte[]> seeds() {
        return Seeds.hfIndexes().stream();
    }

    @MethodSource("seeds")
    // the words and paths of an index: libFuzzer splices them in (a NUL escape, a step out of the folder)
    @DictionaryEntries(
            value = {
                "\"weight_map\"",
                "\"metadata\"",
                "\\u0000",
                "../",
                "/",
                "sub/",
                "config.json",
                "model-00001-of-00002.safetensors",
                "model-00002-of-00002.safetensors",
                ".safetensors"
            })
    @FuzzTest(maxDuration = "30s")
    void fuzz(byte[] index) throws IOException {
        Files.write(DIR.resolve(HfFolder.INDEX), index);
        try (TensorSource s = HfFolder.open(DIR)) {
            s.metadata().forEach((k, v) -> {});
            s.dataBytes();
            for (Tensor t = s.next(); t != null; t = s.next()) {
                Touch.all(t);
            }
        } catch (TenpakException expected) {
            // the contract: a typed error for an index that does not describe the folder
        }
    }

    private static Path folder() {
        try {
            Path dir = Files.createTempDirectory("tenpak-hf-fuzz");
            List<Tensor> tensors = Seeds.tensors();
            Files.write(
                    dir.resolve("model-00001-of-00002.safetensors"),
                    Seeds.safetensors(
                            List.of(rename(tensors.get(1), "a"), rename(tensors.get(2), "b")), Map.of("format", "pt")));
            Files.write(
                    dir.resolve("model-00002-of-00002.safetensors"),
                    Seeds.safetensors(List.of(rename(tensors.get(4), "c")), Map.of()));
            Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"bert\"}");
            Files.createDirectories(dir.resolve("sub"));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Tensor rename(Tensor t, String name) {
        return new Tensor(name, t.dtype(), t.shape(), t.data());
    }

    private static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }
}
