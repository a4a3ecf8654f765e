package dev.tenpak.maven.build;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tenpak.internal.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code tenpak-manifest.json}: what the compress goal produced, one entry per model file. It ships in
 * the jar beside the artifacts (so a service can tell which model and codec it carries) and it is the
 * state of the incremental build: an entry whose input hash and settings still match is reused.
 *
 * @param format        {@link #FORMAT}; readers ignore fields they do not know
 * @param tenpakVersion the tenpak version of the build that wrote the manifest
 * @param sources       where the model files were looked for, so that {@code verify} can find a model
 *                      file with no artifact; null in a manifest written before tenpak recorded it
 * @param models        entries in input-path order
 */
public record Manifest(String format, String tenpakVersion, Sources sources, List<Entry> models) {
    /** The file name, in the artifacts' folder. */
    public static final String FILE_NAME = "tenpak-manifest.json";
    /** The value of {@code format} this version writes. */
    public static final String FORMAT = "tenpak-manifest-v1";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public Manifest {
        models = models == null ? List.of() : List.copyOf(models);
    }

    /** A manifest that does not say where its model files came from. */
    public Manifest(String format, String tenpakVersion, List<Entry> models) {
        this(format, tenpakVersion, null, models);
    }

    /**
     * The model files a build covers: those under {@code directory} matched by {@code includes} and
     * no {@code excludes} ({@link ModelFiles#scan}).
     *
     * @param directory the source folder, relative to the project folder, {@code '/'}-separated
     *                  (absolute when it lies outside the project)
     * @param includes  Ant patterns relative to {@code directory}
     * @param excludes  Ant patterns taken out of {@code includes}
     */
    public record Sources(String directory, List<String> includes, List<String> excludes) {
        public Sources {
            includes = includes == null ? List.of() : List.copyOf(includes);
            excludes = excludes == null ? List.of() : List.copyOf(excludes);
        }
    }

    /**
     * One compressed model file.
     *
     * @param input          the model file, relative to the project folder, {@code '/'}-separated
     * @param inputSha256    the model input's content key, lowercase hex: the file's SHA-256, or for a
     *                       sharded checkpoint's index its folder's ({@code Digests.modelKey})
     * @param inputBytes     size of the model file
     * @param artifact       the artifact, relative to the manifest's folder
     * @param artifactSha256 SHA-256 of the artifact, lowercase hex
     * @param artifactBytes  size of the artifact
     * @param tensorBytes    size of the tensors' data in their own dtypes
     * @param tensors        number of tensors in the artifact
     * @param codec          the artifact's codec ("mixed" when tensors differ)
     * @param ratio          {@code tensorBytes / artifactBytes}, as the CLI reports it
     * @param elements       number of values the error figures are averaged over
     * @param mse            mean squared reconstruction error
     * @param mae            mean absolute reconstruction error
     * @param maxAbsError    largest absolute reconstruction error
     * @param tenpakVersion  the tenpak version that wrote the artifact
     * @param settings       every setting that shapes the artifact; a change recompresses
     */
    public record Entry(
            String input,
            String inputSha256,
            long inputBytes,
            String artifact,
            String artifactSha256,
            long artifactBytes,
            long tensorBytes,
            int tensors,
            String codec,
            double ratio,
            long elements,
            double mse,
            double mae,
            double maxAbsError,
            String tenpakVersion,
            Map<String, String> settings) {
        public Entry {
            settings = settings == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(settings));
        }
    }

    /** Parses a manifest; an {@link IOException} when the file cannot be read or is not a manifest. */
    public static Manifest read(Path file) throws IOException {
        Manifest m;
        try {
            m = JSON.readValue(file.toFile(), Manifest.class);
        } catch (RuntimeException e) { // a record constructor refusing what the JSON holds
            throw new IOException(e.getMessage(), e);
        }
        if (m == null || !FORMAT.equals(m.format())) {
            throw new IOException("not a " + FORMAT + " file (format is " + (m == null ? "missing" : m.format()) + ")");
        }
        for (Entry e : m.models()) {
            if (e == null || e.input() == null || e.artifact() == null) {
                throw new IOException("an entry lacks its input or artifact path");
            }
        }
        return m;
    }

    /** Writes the manifest through a temporary file, so a reader never sees half of it. */
    public void write(Path file) {
        AtomicFiles.write(file, out -> {
            try {
                JSON.writerWithDefaultPrettyPrinter().writeValue(new NonClosing(out), this);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Jackson closes the stream it writes to; {@link AtomicFiles} owns it and closes it itself. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(java.io.OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
