package dev.tenpak.maven.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Writes seeded JSON bundles shaped like real weights (Gaussian, std 0.02) for the tests. */
final class Bundles {
    private Bundles() {}

    static Path write(Path file, long seed, int rows, int cols) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        StringBuilder json = new StringBuilder("{\"tensors\":[{\"name\":\"layer.weight\",\"shape\":[")
                .append(rows)
                .append(',')
                .append(cols)
                .append("],\"data\":[");
        for (int i = 0; i < rows * cols; i++) {
            json.append(i == 0 ? "" : ",").append((float) (rnd.nextGaussian() * 0.02));
        }
        json.append("]},{\"name\":\"layer.bias\",\"shape\":[").append(cols).append("],\"data\":[");
        for (int i = 0; i < cols; i++) {
            json.append(i == 0 ? "" : ",").append((float) (rnd.nextGaussian() * 0.01));
        }
        json.append("]}]}");
        Files.createDirectories(file.getParent());
        Files.writeString(file, json);
        return file;
    }
}
