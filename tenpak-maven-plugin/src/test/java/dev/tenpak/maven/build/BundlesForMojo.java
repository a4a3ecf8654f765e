package dev.tenpak.maven.build;

import java.io.IOException;
import java.nio.file.Path;

/** Lets tests in other packages write the same seeded bundles. */
public final class BundlesForMojo {
    private BundlesForMojo() {}

    public static Path write(Path file) throws IOException {
        return Bundles.write(file, 42, 8, 8);
    }
}
