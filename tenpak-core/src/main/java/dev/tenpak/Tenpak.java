package dev.tenpak;

import dev.tenpak.codec.Codecs;
import dev.tenpak.internal.delta.DeltaBuilder;
import dev.tenpak.internal.delta.Materializer;
import dev.tenpak.internal.format.Inputs;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.ClasspathArtifacts;
import dev.tenpak.internal.pipeline.Compression;
import dev.tenpak.internal.pipeline.Decompression;
import dev.tenpak.internal.pipeline.Inspection;
import dev.tenpak.internal.plan.Bench;
import dev.tenpak.internal.plan.Planner;
import dev.tenpak.options.BenchOptions;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.options.DeltaOptions;
import dev.tenpak.options.InputFormat;
import dev.tenpak.options.MaterializeOptions;
import dev.tenpak.options.PlanOptions;
import dev.tenpak.report.ArtifactSummary;
import dev.tenpak.report.BenchReport;
import dev.tenpak.report.CompressReport;
import dev.tenpak.report.DeltaReport;
import dev.tenpak.report.ExportReport;
import dev.tenpak.report.MaterializeReport;
import dev.tenpak.report.Plan;
import dev.tenpak.tensor.Artifact;
import dev.tenpak.tensor.TensorSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * The tenpak engine's front door: one method per operation, each taking its options record. The
 * CLI, the Maven plugin, the Python package and the C library call these and hold no logic of
 * their own; neither does this class (each method hands over to the engine's internals). Every
 * operation streams: inputs are read and artifacts written one tensor at a time. Errors are
 * {@link dev.tenpak.error.TenpakException}s naming the file and tensor.
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

    /** The names of every codec this build knows, in registry order (see {@link Codecs}). */
    public static List<String> codecs() {
        return Codecs.names();
    }

    /**
     * Compresses a JSON bundle, a safetensors file or a Hugging Face checkpoint folder at
     * {@code input} into an artifact at {@code output} (replaced atomically).
     */
    public static CompressReport compress(Path input, Path output, CompressOptions options) {
        return Compression.compress(input, output, options);
    }

    /**
     * Compresses tensors from any source (the Python bridge feeds a state_dict) into {@code output};
     * {@code inputBytes} is reported as the input size. The options' plan does not apply here.
     */
    public static CompressReport compress(TensorSource source, long inputBytes, Path output, CompressOptions options) {
        return Compression.compress(source, inputBytes, output, options);
    }

    /**
     * Decodes the artifact at {@code artifact} into {@code output} as a JSON bundle, a safetensors
     * file or a Hugging Face folder ({@code AUTO} picks from the output path).
     */
    public static void decompress(Path artifact, Path output, DecompressOptions options) {
        Decompression.decompress(artifact, output, options);
    }

    /**
     * Writes {@code artifact} (compressed from a Hugging Face folder) as a compressed-tensors folder
     * that transformers and vLLM load quantized: the stored codes of symmetric int4/int8 group codecs
     * re-laid out without quantizing again, every other tensor decoded; the report says which Linear
     * layers stayed dense and why. The same as {@link #decompress} with
     * {@link dev.tenpak.options.OutputFormat#COMPRESSED_TENSORS}, which drops the report.
     */
    public static ExportReport exportCompressedTensors(Path artifact, Path folder, DecompressOptions options) {
        return Decompression.exportCompressedTensors(artifact, folder, options);
    }

    /** Describes an artifact and checks every payload's checksum. */
    public static ArtifactSummary inspect(Path artifact) {
        return Inspection.inspect(artifact);
    }

    /**
     * Measures every candidate codec on the input in one pass and chooses under the MAE budget;
     * writes the plan as JSON to {@code planOutput} when it is not null (then pass it to
     * {@link CompressOptions#withPlan}).
     */
    public static Plan plan(Path input, Path planOutput, PlanOptions options) {
        return Planner.plan(input, planOutput, options);
    }

    /** Size, error and throughput of each codec on the input, side by side. */
    public static BenchReport bench(Path input, BenchOptions options) {
        return Bench.run(input, options);
    }

    /** Writes a delta of the {@code variant} input against the full artifact {@code base}. */
    public static DeltaReport delta(Path base, Path variant, Path output, DeltaOptions options) {
        return DeltaBuilder.build(base, variant, output, options);
    }

    /** Writes a delta of tensors from any source (the Python bridge feeds a state_dict) against {@code base}. */
    public static DeltaReport delta(Path base, TensorSource variant, Path output, DeltaOptions options) {
        return DeltaBuilder.build(base, variant, output, options);
    }

    /** Rebuilds the fine-tune's full artifact at {@code output} from {@code base} and {@code delta}. */
    public static MaterializeReport materialize(Path base, Path delta, Path output, MaterializeOptions options) {
        return Materializer.materialize(base, delta, output, options);
    }

    /** Opens an artifact for reading tensor by tensor (the file is mapped until {@code close}). */
    public static Artifact open(Path artifact) {
        return ArtifactReader.open(artifact);
    }

    /**
     * Opens an artifact shipped on the classpath, for example {@code "models/encoder.tenpak"} packed
     * into a jar by the Maven plugin; a leading {@code '/'} is ignored. Looks in the thread's context
     * class loader first, then in the one that loaded tenpak.
     */
    public static Artifact openResource(String name) {
        return ClasspathArtifacts.open(name);
    }

    /** Opens the artifact {@code name} from {@code loader}'s classpath; see {@link #openResource(String)}. */
    public static Artifact openResource(String name, ClassLoader loader) {
        return ClasspathArtifacts.open(name, loader);
    }

    /** Opens a JSON bundle, safetensors file or Hugging Face folder to read its tensors one at a time. */
    public static TensorSource openInput(Path input, InputFormat format) {
        return Inputs.open(input, format);
    }

    /** Compresses a JSON bundle held in memory; returns the artifact bytes (the C ABI's first entry point). */
    public static byte[] compressJsonBundle(byte[] json, String codec) {
        return Compression.compressJsonBundle(json, codec);
    }

    /** Decodes an artifact held in memory into a JSON bundle (the C ABI's second entry point). */
    public static byte[] decompressArtifactToJson(byte[] artifact) {
        return Decompression.decompressArtifactToJson(artifact);
    }
}
