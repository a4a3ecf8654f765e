package dev.tenpak.internal.format.artifact;

import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.TenpakIOException;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Artifacts shipped on the classpath (packed into a jar by the Maven plugin, say). Nothing is read into
 * the Java heap, so an artifact of any size loads, and tensors are decoded one at a time as they are
 * asked for:
 * <ul>
 *   <li>a resource in a classpath folder ({@code file:} URL) is mapped like any artifact file;</li>
 *   <li>a jar entry stored uncompressed (the zip method STORED) is mapped in place, as a region of the
 *       jar file;</li>
 *   <li>anything else (a compressed jar entry, a jar inside a jar, a resource served by a custom class
 *       loader) is copied to a temporary file, which is mapped and deleted at once (on Windows, at exit).</li>
 * </ul>
 */
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

    /** The resource {@code name} from {@code loader} (the system loader when null). */
    public static ArtifactReader open(String name, ClassLoader loader) {
        String path = resourcePath(name);
        URL url = loader == null ? ClassLoader.getSystemResource(path) : loader.getResource(path);
        if (url == null) {
            throw new InvalidInputException("classpath resource '" + path + "' not found");
        }
        String source = "classpath:" + path;
        Optional<Path> file = localFile(url);
        if (file.isPresent()) {
            return ArtifactReader.open(file.get(), 0, -1, source);
        }
        Optional<StoredJarEntries.Region> region = Optional.empty();
        Optional<Path> jar = Optional.empty();
        if (url.getProtocol().equals("jar")) {
            try {
                JarURLConnection c = (JarURLConnection) url.openConnection();
                jar = localFile(c.getJarFileURL());
                if (jar.isPresent()) {
                    region = StoredJarEntries.find(jar.get(), c.getEntryName());
                }
            } catch (IOException | RuntimeException e) {
                region = Optional.empty(); // not a plain local jar: copied out below
            }
        }
        if (region.isPresent()) {
            return ArtifactReader.open(
                    jar.get(), region.get().offset(), region.get().length(), source);
        }
        return openCopy(url, source);
    }

    /** The file behind a {@code file:} URL, else empty. */
    private static Optional<Path> localFile(URL url) {
        if (!"file".equals(url.getProtocol())) {
            return Optional.empty();
        }
        try {
            Path p = Path.of(url.toURI());
            return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Copies the resource to a temporary file, maps it and removes the file's name (the mapping stays). */
    private static ArtifactReader openCopy(URL url, String source) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("tenpak-resource-", ".tenpak");
            try (InputStream in = url.openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            return ArtifactReader.open(tmp, 0, -1, source);
        } catch (IOException e) {
            throw new TenpakIOException(
                    source + ": cannot copy the resource to a temporary file (" + (tmp == null ? "none created" : tmp)
                            + "): " + e.getMessage(),
                    e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    tmp.toFile().deleteOnExit(); // Windows keeps a mapped file's name
                }
            }
        }
    }

    private static String resourcePath(String name) {
        if (name == null || name.isBlank()) {
            throw new InvalidInputException("a classpath resource name is needed, e.g. models/encoder.tenpak");
        }
        return name.startsWith("/") ? name.substring(1) : name;
    }
}
