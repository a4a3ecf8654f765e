package dev.tenpak.internal.pipeline;

import dev.tenpak.codec.Codecs;
import dev.tenpak.error.TenpakIOException;
import dev.tenpak.internal.format.Inputs;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.internal.format.json.JsonBundleReader;
import dev.tenpak.internal.io.SameFiles;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.EntropyMode;
import dev.tenpak.options.ProgressListener;
import dev.tenpak.report.CompressReport;
import dev.tenpak.report.ErrorMetrics;
import dev.tenpak.report.InputIdentity;
import dev.tenpak.report.Plan;
import dev.tenpak.report.TensorReport;
import dev.tenpak.tensor.TensorSource;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Compress as the facade offers it: open the input, choose each tensor's codec (the options'
 * codec and keep-raw rules, or a plan), run the {@link Compressor} into an {@link ArtifactWriter},
 * and report sizes and errors.
 */
public final class Compression {
    private Compression() {}

    /** Compresses the bundle, safetensors file or Hugging Face folder at {@code input}. */
    public static CompressReport compress(Path input, Path output, CompressOptions options) {
        SameFiles.refuse(output, Inputs.files(input, options.inputFormat()), "input");
        if (options.plan() != null) {
            SameFiles.refuse(output, options.plan(), "plan");
            return compressWithPlan(input, output, options);
        }
        long inputBytes = sizeOf(input);
        try (TensorSource source = Inputs.open(input, options.inputFormat(), options.maxCarriedBytes())) {
            return compress(source, inputBytes, output, options);
        }
    }

    /** Compresses tensors from any source (the Python bridge feeds its own) into {@code output}. */
    public static CompressReport compress(TensorSource source, long inputBytes, Path output, CompressOptions options) {
        try (ArtifactWriter w = ArtifactWriter.create(output, options.sync())) {
            return run(
                    source,
                    inputBytes,
                    w,
                    output.toString(),
                    KeepRawSelector.of(options),
                    options.codec(),
                    options.codec(),
                    options.threads(),
                    options.entropy(),
                    options.progress());
        }
    }

    /** Compresses onto a channel the caller owns and keeps open (the Python bridge's {@code save()}). */
    public static CompressReport compress(
            TensorSource source,
            long inputBytes,
            WritableByteChannel out,
            String description,
            CompressOptions options) {
        try (ArtifactWriter w = ArtifactWriter.to(out, description)) {
            return run(
                    source,
                    inputBytes,
                    w,
                    description,
                    KeepRawSelector.of(options),
                    options.codec(),
                    options.codec(),
                    options.threads(),
                    options.entropy(),
                    options.progress());
        }
    }

    /** A JSON bundle held in memory to artifact bytes, on one thread (the C entry point's contract). */
    public static byte[] compressJsonBundle(byte[] json, String codec) {
        String c = codec == null || codec.isEmpty() ? Codecs.DEFAULT : codec;
        CompressOptions options = CompressOptions.defaults().withCodec(c);
        try (TensorSource source = JsonBundleReader.open(json, "<json bundle>");
                ArtifactWriter w = ArtifactWriter.toMemory()) {
            run(
                    source,
                    json.length,
                    w,
                    "<memory>",
                    KeepRawSelector.of(options),
                    c,
                    c,
                    1,
                    EntropyMode.OFF,
                    ProgressListener.NONE);
            return w.bytes();
        }
    }

    private static CompressReport compressWithPlan(Path input, Path output, CompressOptions options) {
        Path planFile = options.plan();
        Plan plan = Plan.read(planFile);
        InputIdentity id = InputIdentity.of(input);
        plan.requireInput(planFile, id);
        try (TensorSource source = Inputs.open(input, options.inputFormat(), options.maxCarriedBytes());
                ArtifactWriter w = ArtifactWriter.create(output, options.sync())) {
            String label = plan.artifactCodec() != null ? plan.artifactCodec() : "mixed (per-tensor plan)";
            return run(
                    source,
                    id.bytes(),
                    w,
                    output.toString(),
                    PlanSelector.of(plan, planFile),
                    plan.artifactCodec(),
                    label,
                    options.threads(),
                    entropy(plan, options),
                    options.progress());
        }
    }

    /**
     * The entropy mode a plan is applied with: the one it records, so that the artifact holds the
     * bytes the plan counted; for a plan that records none (written before it did), the options' own.
     */
    static EntropyMode entropy(Plan plan, CompressOptions options) {
        if (plan.entropy() == null) {
            return options.entropy();
        }
        return plan.entropyStaged() ? EntropyMode.AUTO : EntropyMode.OFF;
    }

    /** The one compress loop: selector, writer, progress, report. */
    private static CompressReport run(
            TensorSource source,
            long inputBytes,
            ArtifactWriter w,
            String outputName,
            CodecSelector selector,
            String artifactCodec,
            String label,
            int threads,
            EntropyMode entropy,
            ProgressListener progress) {
        long start = System.nanoTime();
        boolean stage = entropy == EntropyMode.AUTO;
        if (stage) {
            w.allowStage();
        }
        ErrorMetrics.Accumulator total = new ErrorMetrics.Accumulator();
        if (artifactCodec != null) {
            w.artifactCodec(artifactCodec);
        }
        List<TensorReport> reports;
        progress.start("compress", source.dataBytes());
        try {
            reports = Compressor.compress(
                    source, w, selector, total, threads, TensorPipeline.DEFAULT_SPLIT, stage, progress);
        } finally {
            progress.finish();
        }
        long size = w.finish();
        long tensorBytes =
                reports.stream().mapToLong(TensorReport::originalBytes).sum();
        double ratio = size == 0 ? 0 : (double) tensorBytes / size;
        return new CompressReport(
                source.description(),
                outputName,
                label,
                inputBytes,
                tensorBytes,
                size,
                ratio,
                total.result(),
                List.copyOf(reports),
                (System.nanoTime() - start) / 1e9);
    }

    private static long sizeOf(Path p) {
        try {
            if (Files.isDirectory(p)) {
                try (var s = Files.walk(p)) {
                    return s.filter(Files::isRegularFile)
                            .mapToLong(f -> f.toFile().length())
                            .sum();
                }
            }
            return Files.size(p);
        } catch (IOException e) {
            throw TenpakIOException.of(p, e);
        }
    }
}
