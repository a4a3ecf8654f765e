package dev.tenpak.internal.format.artifact;

import dev.tenpak.error.InvalidInputException;
import java.io.InputStream;

/** Artifacts shipped on the classpath (packed into a jar by the Maven plugin, say). */
public final class ClasspathArtifacts {
    private ClasspathArtifacts() {}

    /** The resource {@code name} from the thread's context class loader, else from tenpak's own. */
    public static ArtifactReader open(String name) {
        String path = resourcePath(name);
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null && context.getResource(path) != null) {
            return open(name, context);
        }
        return open(name, ClasspathArtifacts.class.getClassLoader());
    }

    /** The resource {@code name} from {@code loader} (the system loader when null), read into memory. */
    public static ArtifactReader open(String name, ClassLoader loader) {
        String path = resourcePath(name);
        InputStream in = loader == null ? ClassLoader.getSystemResourceAsStream(path) : loader.getResourceAsStream(path);
        if (in == null) {
            throw new InvalidInputException("classpath resource '" + path + "' not found");
        }
        return ArtifactReader.of(in, "classpath:" + path);
    }

    private static String resourcePath(String name) {
        if (name == null || name.isBlank()) {
            throw new InvalidInputException("a classpath resource name is needed, e.g. models/encoder.tenpak");
        }
        return name.startsWith("/") ? name.substring(1) : name;
    }
}
