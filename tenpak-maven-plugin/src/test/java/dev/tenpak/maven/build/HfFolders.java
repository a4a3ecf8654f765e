package dev.tenpak.maven.build;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a small Hugging Face folder shaped like one transformer block of a BERT encoder (an embedding,
 * two Linear layers, a bias): config.json, tokenizer_config.json and model.safetensors of float32
 * Gaussian weights (std 0.02) from a fixed generator; the same construction as the core's export test.
 */
public final class HfFolders {
    /** The Linear layers of the folder, by module name. */
    public static final String QUERY = "layer.0.query";

    public static final String OUT = "layer.0.out";

    private HfFolders() {}

    public static Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"bert\",\"architectures\":[\"BertModel\"]}");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\":true}");
        SplittableRandom rnd = new SplittableRandom(17);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("embeddings.word_embeddings.weight", new long[] {64, 128});
        shapes.put(QUERY + ".weight", new long[] {64, 128});
        shapes.put(QUERY + ".bias", new long[] {64});
        shapes.put(OUT + ".weight", new long[] {128, 256});
        writeSafetensors(dir.resolve("model.safetensors"), shapes, rnd);
        return dir;
    }

    /** A safetensors file of float32 tensors with the given shapes, written by hand (the format is small). */
    static void writeSafetensors(Path file, Map<String, long[]> shapes, SplittableRandom rnd) throws IOException {
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        for (var e : shapes.entrySet()) {
            long n = 1;
            StringBuilder dims = new StringBuilder();
            for (long d : e.getValue()) {
                n *= d;
                dims.append(dims.isEmpty() ? "" : ",").append(d);
            }
            header.append(header.length() == 1 ? "" : ",")
                    .append('"')
                    .append(e.getKey())
                    .append("\":{\"dtype\":\"F32\",\"shape\":[")
                    .append(dims)
                    .append("],\"data_offsets\":[")
                    .append(offset)
                    .append(',')
                    .append(offset + 4 * n)
                    .append("]}");
            offset += 4 * n;
        }
        header.append('}');
        while (header.length() % 8 != 0) {
            header.append(' ');
        }
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h);
        while (buf.hasRemaining()) {
            buf.putFloat((float) (rnd.nextGaussian() * 0.02));
        }
        Files.write(file, buf.array());
    }
}
