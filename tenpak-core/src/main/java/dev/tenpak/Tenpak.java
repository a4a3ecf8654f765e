package dev.tenpak;

import dev.tenpak.artifact.ArtifactReader;
import dev.tenpak.artifact.ArtifactWriter;
import dev.tenpak.artifact.CompressReport;
import dev.tenpak.artifact.Compressor;
import dev.tenpak.artifact.TensorEntry;
import dev.tenpak.artifact.TensorReport;
import dev.tenpak.codec.CodecSelector;
import dev.tenpak.codec.Codecs;
import dev.tenpak.codec.ErrorMetrics;
import dev.tenpak.io.AtomicFiles;
import dev.tenpak.io.Inputs;
import dev.tenpak.io.JsonBundleReader;
import dev.tenpak.io.JsonBundleWriter;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * The tenpak engine's front door. The CLI, the Maven plugin and the Python package call these
 * methods and hold no logic of their own. Every method streams: inputs are read and artifacts
 * written one tensor at a time. Errors are {@link TenpakException}s naming the file and tensor.
 */
public final class Tenpak {
    private Tenpak() {}

    /** The tenpak version, from the build. */
    public static String version() {
        try (InputStream in = Tenpak.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Compresses the bundle or checkpoint at {@code input} into an artifact at {@code output}. */
    public static CompressReport compress(Path input, Path output, CompressOptions options) {
        long inputBytes = sizeOf(input);
        try (TensorSource source = Inputs.open(input, options.inputFormat())) {
            return compress(source, inputBytes, output, options);
        }
    }

    /** Compresses tensors from any source (the Python bridge feeds its own) into {@code output}. */
    public static CompressReport compress(TensorSource source, long inputBytes, Path output, CompressOptions options) {
        long start = System.nanoTime();
        CodecSelector selector = CodecSelector.uniform(Codecs.byName(options.codec()));
        ErrorMetrics.Accumulator total = new ErrorMetrics.Accumulator();
        List<TensorReport> reports;
        long size;
        try (ArtifactWriter w = ArtifactWriter.create(output)) {
            w.artifactCodec(options.codec());
            reports = Compressor.compress(source, w, selector, total);
            size = w.finish();
        }
        return report(source.description(), output.toString(), options.codec(), inputBytes, size, reports, total, start);
    }

    /** Compresses a JSON bundle held in memory; returns the artifact bytes (the seed's C entry point). */
    public static byte[] compressJsonBundle(byte[] json, String codec) {
        String c = codec == null || codec.isEmpty() ? Codecs.DEFAULT : codec;
        CodecSelector selector = CodecSelector.uniform(Codecs.byName(c));
        try (TensorSource source = JsonBundleReader.open(json, "<json bundle>");
             ArtifactWriter w = ArtifactWriter.toMemory()) {
            w.artifactCodec(c);
            Compressor.compress(source, w, selector, new ErrorMetrics.Accumulator());
            w.finish();
            return w.bytes();
        }
    }

    /** Decodes an artifact held in memory into a JSON bundle (the seed's C entry point). */
    public static byte[] decompressArtifactToJson(byte[] artifact) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ArtifactReader r = ArtifactReader.of(artifact, "<artifact>")) {
            writeJson(r, out, "<json bundle>");
        }
        return out.toByteArray();
    }

    /** Opens an artifact for reading tensor by tensor. */
    public static ArtifactReader open(Path artifact) {
        return ArtifactReader.open(artifact);
    }

    /**
     * Opens an artifact shipped on the classpath, for example {@code "models/encoder.tenpak"} packed into
     * a jar by the Maven plugin. The resource is read into memory, so it works from inside a jar; a
     * leading {@code '/'} is ignored. Looks in the thread's context class loader first, then in the one
     * that loaded tenpak.
     */
    public static ArtifactReader openResource(String name) {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null && context.getResource(resourcePath(name)) != null) {
            return openResource(name, context);
        }
        return openResource(name, Tenpak.class.getClassLoader());
    }

    /** Opens the artifact {@code name} from {@code loader}'s classpath; see {@link #openResource(String)}. */
    public static ArtifactReader openResource(String name, ClassLoader loader) {
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

    /** Decodes the artifact at {@code artifact} into a JSON bundle at {@code output}. */
    public static void decompress(Path artifact, Path output) {
        try (ArtifactReader r = ArtifactReader.open(artifact)) {
            AtomicFiles.write(output, out -> writeJson(r, out, output.toString()));
        }
    }

    private static void writeJson(ArtifactReader r, java.io.OutputStream out, String target) {
        JsonBundleWriter w = new JsonBundleWriter(out, target);
        try (TensorSource tensors = r.tensors()) {
            for (Tensor t = tensors.next(); t != null; t = tensors.next()) {
                w.write(t);
            }
        }
        w.close();
    }

    /** Describes an artifact and checks every payload's checksum. */
    public static ArtifactSummary inspect(Path artifact) {
        try (ArtifactReader r = ArtifactReader.open(artifact)) {
            List<ArtifactSummary.Entry> list = new ArrayList<>();
            boolean allOk = true;
            for (TensorEntry e : r.entries()) {
                boolean ok = r.verify(e);
                allOk &= ok;
                list.add(new ArtifactSummary.Entry(e.name(), e.shape().dims(), e.dtype().name(), e.codec(), e.length(),
                        e.originalBytes(), String.format(Locale.ROOT, "%08x", e.crc32c()), ok));
            }
            return new ArtifactSummary(artifact.toString(), r.byteSize(), r.version(), r.codec(), r.metadata(), list, allOk);
        }
    }

    static CompressReport report(String input, String output, String codec, long inputBytes, long artifactBytes,
                                 List<TensorReport> reports, ErrorMetrics.Accumulator total, long startNanos) {
        long tensorBytes = reports.stream().mapToLong(TensorReport::originalBytes).sum();
        double ratio = artifactBytes == 0 ? 0 : (double) tensorBytes / artifactBytes;
        return new CompressReport(input, output, codec, inputBytes, tensorBytes, artifactBytes, ratio, total.result(),
                List.copyOf(reports), (System.nanoTime() - startNanos) / 1e9);
    }

    private static long sizeOf(Path p) {
        try {
            if (Files.isDirectory(p)) {
                try (var s = Files.walk(p)) {
                    return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
                }
            }
            return Files.size(p);
        } catch (IOException e) {
            throw TenpakIOException.of(p, e);
        }
    }
}
