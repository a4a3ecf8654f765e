package dev.tenpak;

import dev.tenpak.artifact.ArtifactReader;
import dev.tenpak.artifact.ArtifactWriter;
import dev.tenpak.artifact.CompressReport;
import dev.tenpak.artifact.Compressor;
import dev.tenpak.artifact.TensorEntry;
import dev.tenpak.artifact.TensorReport;
import dev.tenpak.codec.Codec;
import dev.tenpak.codec.CodecSelector;
import dev.tenpak.codec.Codecs;
import dev.tenpak.codec.ErrorMetrics;
import dev.tenpak.delta.DeltaBuilder;
import dev.tenpak.delta.DeltaOptions;
import dev.tenpak.delta.DeltaReport;
import dev.tenpak.delta.MaterializeReport;
import dev.tenpak.delta.Materializer;
import dev.tenpak.io.AtomicFiles;
import dev.tenpak.io.Inputs;
import dev.tenpak.io.JsonBundleReader;
import dev.tenpak.io.JsonBundleWriter;
import dev.tenpak.plan.Bench;
import dev.tenpak.plan.BenchReport;
import dev.tenpak.plan.InputIdentity;
import dev.tenpak.plan.Plan;
import dev.tenpak.plan.PlanOptions;
import dev.tenpak.plan.Planner;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.WritableByteChannel;
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
        return compress(source, inputBytes, output, options.selector(), options.codec(), options.codec());
    }

    /**
     * Compresses the input as a plan made by {@link #plan} says. Refuses ({@link PlanMismatchException})
     * a plan whose recorded input SHA-256 differs from {@code input}'s. Only the input format of
     * {@code options} applies; the plan supplies the codecs.
     */
    public static CompressReport compressWithPlan(Path input, Path output, Path planFile, CompressOptions options) {
        Plan plan = Plan.read(planFile);
        InputIdentity id = InputIdentity.of(input);
        plan.requireInput(planFile, id);
        try (TensorSource source = Inputs.open(input, options.inputFormat())) {
            return compress(source, id.bytes(), output, plan.selector(planFile), plan.artifactCodec(), plan.choice());
        }
    }

    private static CompressReport compress(TensorSource source, long inputBytes, Path output, CodecSelector selector,
                                           String artifactCodec, String label) {
        long start = System.nanoTime();
        ErrorMetrics.Accumulator total = new ErrorMetrics.Accumulator();
        List<TensorReport> reports;
        long size;
        try (ArtifactWriter w = ArtifactWriter.create(output)) {
            if (artifactCodec != null) {
                w.artifactCodec(artifactCodec);
            }
            reports = Compressor.compress(source, w, selector, total);
            size = w.finish();
        }
        return report(source.description(), output.toString(), label, inputBytes, size, reports, total, start);
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

    /** Size, error and throughput of each codec (all registered ones when {@code codecs} is empty). */
    public static BenchReport bench(Path input, Inputs.Format format, List<String> codecs) {
        List<Codec> list = codecs.isEmpty() ? Codecs.all() : codecs.stream().map(Codecs::byName).distinct().toList();
        return Bench.run(input, format, list);
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
        return Materializer.materialize(base, delta, output, residualCodec);
    }

    /**
     * Compresses tensors from any source onto a channel the caller owns and does not want closed
     * (the Python bridge writes {@code save()} results into memory this way).
     */
    public static CompressReport compress(TensorSource source, long inputBytes, WritableByteChannel out,
                                          String description, CompressOptions options) {
        long start = System.nanoTime();
        CodecSelector selector = options.selector();
        ErrorMetrics.Accumulator total = new ErrorMetrics.Accumulator();
        List<TensorReport> reports;
        long size;
        try (ArtifactWriter w = ArtifactWriter.to(out, description)) {
            w.artifactCodec(options.codec());
            reports = Compressor.compress(source, w, selector, total);
            size = w.finish();
        }
        return report(source.description(), description, options.codec(), inputBytes, size, reports, total, start);
    }

    /** Compresses a JSON bundle held in memory; returns the artifact bytes (the seed's C entry point). */
    public static byte[] compressJsonBundle(byte[] json, String codec) {
        String c = codec == null || codec.isEmpty() ? Codecs.DEFAULT : codec;
        CodecSelector selector = CompressOptions.defaults().withCodec(c).selector();
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
