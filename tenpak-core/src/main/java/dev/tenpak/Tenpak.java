package dev.tenpak;

import dev.tenpak.options.OutputFormat;

import dev.tenpak.options.InputFormat;

import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.PlanMismatchException;
import dev.tenpak.error.TenpakException;
import dev.tenpak.error.TenpakIOException;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.ProgressListener;
import dev.tenpak.report.ArtifactSummary;

import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.report.CompressReport;
import dev.tenpak.internal.pipeline.Compressor;
import dev.tenpak.internal.pipeline.ParallelDecoder;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.report.TensorReport;
import dev.tenpak.codec.Codec;
import dev.tenpak.internal.pipeline.CodecSelector;
import dev.tenpak.codec.Codecs;
import dev.tenpak.report.ErrorMetrics;
import dev.tenpak.internal.delta.DeltaBuilder;
import dev.tenpak.options.DeltaOptions;
import dev.tenpak.report.DeltaReport;
import dev.tenpak.report.MaterializeReport;
import dev.tenpak.internal.delta.Materializer;
import dev.tenpak.internal.io.AtomicFiles;
import dev.tenpak.internal.format.hf.HfFolder;
import dev.tenpak.internal.format.Inputs;
import dev.tenpak.internal.format.json.JsonBundleReader;
import dev.tenpak.internal.format.json.JsonBundleWriter;
import dev.tenpak.internal.plan.Bench;
import dev.tenpak.report.BenchReport;
import dev.tenpak.internal.plan.InputIdentity;
import dev.tenpak.internal.plan.Plan;
import dev.tenpak.options.PlanOptions;
import dev.tenpak.internal.plan.Planner;
import dev.tenpak.internal.format.Outputs;
import dev.tenpak.internal.format.safetensors.SafetensorsWriter;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
        return compress(input, output, options, ProgressListener.NONE);
    }

    /**
     * Compresses a JSON bundle, a safetensors file or a Hugging Face checkpoint folder at
     * {@code input} into an artifact at {@code output}, reporting progress to {@code progress}.
     */
    public static CompressReport compress(Path input, Path output, CompressOptions options, ProgressListener progress) {
        long inputBytes = sizeOf(input);
        try (TensorSource source = Inputs.open(input, options.inputFormat())) {
            return compress(source, inputBytes, output, options, progress);
        }
    }

    /** Compresses tensors from any source (the Python bridge feeds its own) into {@code output}. */
    public static CompressReport compress(TensorSource source, long inputBytes, Path output, CompressOptions options) {
        return compress(source, inputBytes, output, options, ProgressListener.NONE);
    }

    /** Compresses tensors from any source into {@code output} on {@code options.threads()} threads. */
    public static CompressReport compress(TensorSource source, long inputBytes, Path output, CompressOptions options,
                                          ProgressListener progress) {
        return compress(source, inputBytes, output, options.selector(), options.codec(), options.codec(),
                options.threads(), options.sync(), progress);
    }

    /**
     * Compresses the input as a plan made by {@link #plan} says. Refuses ({@link PlanMismatchException})
     * a plan whose recorded input SHA-256 differs from {@code input}'s. Only the input format and
     * thread count of {@code options} apply; the plan supplies the codecs.
     */
    public static CompressReport compressWithPlan(Path input, Path output, Path planFile, CompressOptions options) {
        return compressWithPlan(input, output, planFile, options, ProgressListener.NONE);
    }

    /** {@link #compressWithPlan(Path, Path, Path, CompressOptions)} with a progress listener. */
    public static CompressReport compressWithPlan(Path input, Path output, Path planFile, CompressOptions options,
                                                  ProgressListener progress) {
        Plan plan = Plan.read(planFile);
        InputIdentity id = InputIdentity.of(input);
        plan.requireInput(planFile, id);
        try (TensorSource source = Inputs.open(input, options.inputFormat())) {
            return compress(source, id.bytes(), output, plan.selector(planFile), plan.artifactCodec(),
                    plan.artifactCodec() != null ? plan.artifactCodec() : "mixed (per-tensor plan)", options.threads(),
                    options.sync(), progress);
        }
    }

    private static CompressReport compress(TensorSource source, long inputBytes, Path output, CodecSelector selector,
                                           String artifactCodec, String label, int threads, boolean sync,
                                           ProgressListener progress) {
        try (ArtifactWriter w = ArtifactWriter.create(output, sync)) {
            return compress(source, inputBytes, w, output.toString(), selector, artifactCodec, label, threads, progress);
        }
    }

    /** The one compress loop behind every public overload: selector, writer, progress, report. */
    private static CompressReport compress(TensorSource source, long inputBytes, ArtifactWriter w, String outputName,
                                           CodecSelector selector, String artifactCodec, String label, int threads,
                                           ProgressListener progress) {
        long start = System.nanoTime();
        ErrorMetrics.Accumulator total = new ErrorMetrics.Accumulator();
        if (artifactCodec != null) {
            w.artifactCodec(artifactCodec);
        }
        List<TensorReport> reports;
        progress.start("compress", source.dataBytes());
        try {
            reports = Compressor.compress(source, w, selector, total, threads, progress);
        } finally {
            progress.finish();
        }
        long size = w.finish();
        return report(source.description(), outputName, label, inputBytes, size, reports, total, start);
    }

    /**
     * Measures every candidate codec on the input in one pass and chooses under the MAE budget
     * (see {@link Planner}); writes the plan as JSON to {@code planOutput} when it is not null.
     */
    public static Plan plan(Path input, Path planOutput, PlanOptions options) {
        Plan plan = Planner.plan(input, options);
        if (planOutput != null) {
            plan.write(planOutput);
        }
        return plan;
    }

    /**
     * Size, error and throughput of each codec (all registered ones when {@code codecs} is empty);
     * throughput is the best of {@code repeats} encodes/decodes per tensor.
     */
    public static BenchReport bench(Path input, InputFormat format, List<String> codecs, int repeats) {
        List<Codec> list = codecs.isEmpty() ? Codecs.all() : codecs.stream().map(Codecs::byName).distinct().toList();
        return Bench.run(input, format, list, repeats);
    }

    /** Writes a delta of the {@code variant} input against the full artifact {@code base} (see {@link DeltaBuilder}). */
    public static DeltaReport delta(Path base, Path variant, Path output, DeltaOptions options) {
        return DeltaBuilder.build(base, variant, output, options);
    }

    /** Writes a delta of tensors from any source (the Python bridge feeds a state_dict) against {@code base}. */
    public static DeltaReport delta(Path base, TensorSource variant, Path output, DeltaOptions options) {
        return DeltaBuilder.build(base, variant, output, options);
    }

    /**
     * Rebuilds the variant's full artifact from {@code base} and {@code delta} (see {@link Materializer}).
     *
     * @param residualCodec codec for residual-mode tensors; null means raw_v1 (exact, no added error)
     */
    public static MaterializeReport materialize(Path base, Path delta, Path output, String residualCodec) {
        return Materializer.materialize(base, delta, output, residualCodec, false);
    }

    /** As {@link #materialize(Path, Path, Path, String)}; {@code sync} forces the artifact to disk. */
    public static MaterializeReport materialize(Path base, Path delta, Path output, String residualCodec,
                                                boolean sync) {
        return Materializer.materialize(base, delta, output, residualCodec, sync);
    }

    /**
     * Compresses tensors from any source onto a channel the caller owns and does not want closed
     * (the Python bridge writes {@code save()} results into memory this way).
     */
    public static CompressReport compress(TensorSource source, long inputBytes, WritableByteChannel out,
                                          String description, CompressOptions options) {
        try (ArtifactWriter w = ArtifactWriter.to(out, description)) {
            return compress(source, inputBytes, w, description, options.selector(), options.codec(), options.codec(),
                    options.threads(), ProgressListener.NONE);
        }
    }

    /** Compresses a JSON bundle held in memory; returns the artifact bytes (the seed's C entry point). */
    public static byte[] compressJsonBundle(byte[] json, String codec) {
        String c = codec == null || codec.isEmpty() ? Codecs.DEFAULT : codec;
        CompressOptions options = CompressOptions.defaults().withCodec(c);
        try (TensorSource source = JsonBundleReader.open(json, "<json bundle>");
             ArtifactWriter w = ArtifactWriter.toMemory()) {
            compress(source, json.length, w, "<memory>", options.selector(), c, c, 1, ProgressListener.NONE);
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
        decompressToJson(artifact, output, false);
    }

    private static void decompressToJson(Path artifact, Path output, boolean sync) {
        try (ArtifactReader r = ArtifactReader.open(artifact)) {
            AtomicFiles.write(output, sync, out -> writeJson(r, out, output.toString()));
        }
    }

    /**
     * Decodes the artifact at {@code artifact} into {@code output} as a JSON bundle, a safetensors
     * file or a Hugging Face folder ({@link OutputFormat#AUTO} picks from the output path).
     */
    public static void decompress(Path artifact, Path output, OutputFormat format) {
        decompress(artifact, output, format, CompressOptions.defaultThreads(), ProgressListener.NONE);
    }

    /** As {@link #decompress(Path, Path, OutputFormat)}, decoding on {@code threads} threads with progress. */
    public static void decompress(Path artifact, Path output, OutputFormat format, int threads,
                                  ProgressListener progress) {
        decompress(artifact, output, format, threads, false, progress);
    }

    /**
     * As {@link #decompress(Path, Path, OutputFormat, int, ProgressListener)}; with {@code sync}
     * every file written is forced to disk before it is renamed into place (see {@link AtomicFiles}).
     */
    public static void decompress(Path artifact, Path output, OutputFormat format, int threads, boolean sync,
                                  ProgressListener progress) {
        OutputFormat f = format == OutputFormat.AUTO ? Outputs.detect(output) : format;
        if (f == OutputFormat.JSON) {
            decompressToJson(artifact, output, sync);
            return;
        }
        if (threads < 1) {
            throw new InvalidInputException("threads must be at least 1, got " + threads);
        }
        try (ArtifactReader r = ArtifactReader.open(artifact);
             ParallelDecoder decoder = new ParallelDecoder(threads)) {
            long total = r.entries().stream().mapToLong(TensorEntry::originalBytes).sum();
            progress.start("decompress", total);
            try {
                if (f == OutputFormat.HF) {
                    HfFolder.write(r, output, decoder, sync, progress);
                } else {
                    SafetensorsWriter.write(r, r.entries(), r.metadata(), output, decoder, sync, progress);
                }
            } finally {
                progress.finish();
            }
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
            return new ArtifactSummary(artifact.toString(), r.byteSize(), r.version(), r.codec(), shownMetadata(r.metadata()),
                    list, allOk);
        }
    }

    /** Metadata as inspect shows it: embedded Hugging Face files as their size, not their base64 bytes. */
    private static Map<String, String> shownMetadata(Map<String, String> meta) {
        Map<String, String> shown = new LinkedHashMap<>();
        meta.forEach((k, v) -> shown.put(k, k.startsWith(HfFolder.FILE_PREFIX)
                ? "<embedded file, " + Base64.getDecoder().decode(v).length + " bytes>" : v));
        return shown;
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
