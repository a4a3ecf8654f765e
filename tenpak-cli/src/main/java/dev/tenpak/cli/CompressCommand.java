package dev.tenpak.cli;

import dev.tenpak.Tenpak;
import dev.tenpak.codec.Codecs;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.EntropyMode;
import dev.tenpak.options.InputFormat;
import dev.tenpak.report.CompressReport;
import dev.tenpak.report.TensorReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tenpak compress}: input -> artifact, with a size and error report. */
@Command(
        name = "compress",
        mixinStandardHelpOptions = true,
        description = {
            "Compress a JSON bundle, a safetensors file or a Hugging Face checkpoint folder into a tenpak "
                    + "artifact and report sizes and reconstruction error.",
            "Float tensors (F32, F16, BF16) get the codec; other dtypes are stored exactly (raw_v1). A folder's "
                    + "config and tokenizer files are stored in the artifact so that 'decompress --format hf' restores "
                    + "a loadable folder."
        })
final class CompressCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = {"-i", "--input"},
            required = true,
            paramLabel = "PATH",
            description = "Input: a JSON bundle, a .safetensors file, or a Hugging Face folder "
                    + "(model.safetensors or shards with model.safetensors.index.json).")
    Path input;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "FILE",
            description = "Artifact to write (replaced atomically).")
    Path output;

    @Option(
            names = {"-c", "--codec"},
            paramLabel = "NAME",
            defaultValue = Codecs.DEFAULT,
            description = "Codec for float tensors: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.",
            completionCandidates = CodecNames.class)
    String codec;

    @Option(
            names = "--format",
            paramLabel = "FMT",
            defaultValue = "auto",
            description = "Input format: auto (folder layout, extension, then magic bytes), json, safetensors, hf. "
                    + "Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(
            names = {"-t", "--threads"},
            paramLabel = "N",
            description = "Tensors encoded at once (default: all processors). The artifact is identical for any N.")
    Integer threads;

    @Option(
            names = {"-q", "--quiet"},
            description = "No progress bar (it is only drawn on a terminal anyway).")
    boolean quiet;

    @Mixin
    SyncOption sync = new SyncOption();

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(
            names = "--plan",
            paramLabel = "FILE",
            description = "Apply a plan from 'tenpak plan' (its codecs override --codec, and the entropy mode it was "
                    + "measured under overrides --entropy); refused unless it was made for this input.")
    Path plan;

    @Option(
            names = "--keep-raw",
            paramLabel = "REGEX",
            description = "Keep tensors whose name matches REGEX (anywhere; anchor with ^$) as raw_v1. Repeatable.")
    List<String> keepRaw = new ArrayList<>();

    @Option(
            names = "--min-elements",
            paramLabel = "N",
            description = "Keep 1-D tensors and tensors with fewer than N elements as raw_v1; 0 quantizes them too. "
                    + "Default: the codec's own threshold (4096 for the group-wise codecs, 0 for the per-tensor ones).")
    Long minElements;

    @Option(
            names = "--max-carried-bytes",
            paramLabel = "N",
            description =
                    "A Hugging Face folder's non-weight files (config, tokenizer, ...) travel inside the artifact; "
                            + "refuse the folder when they total more than N bytes. Default: "
                            + CompressOptions.DEFAULT_MAX_CARRIED_BYTES
                            + " (256 MiB); at most " + CompressOptions.MAX_CARRIED_BYTES_LIMIT + ".")
    Long maxCarriedBytes;

    @Option(
            names = "--entropy",
            paramLabel = "MODE",
            defaultValue = "off",
            description =
                    "auto: store each lossy tensor's codes through the entropy stage when that makes them smaller "
                            + "(artifact format v2, which tenpak before this version does not read); off: never (format v1). "
                            + "raw_v1 and lossless_v1 are never staged. Default: ${DEFAULT-VALUE}.")
    String entropy;

    @Override
    public Integer call() {
        CompressOptions options = CompressOptions.defaults()
                .withCodec(codec)
                .withInputFormat(InputFormat.parse(format))
                .withKeepRaw(keepRaw)
                .withMinElements(minElements == null ? CompressOptions.AUTO_MIN_ELEMENTS : minElements)
                .withSync(sync.sync)
                .withEntropy(EntropyMode.parse(entropy));
        if (maxCarriedBytes != null) {
            options = options.withMaxCarriedBytes(maxCarriedBytes);
        }
        if (threads != null) {
            options = options.withThreads(threads);
        }
        var progress = ConsoleProgress.create(quiet || json);
        CompressReport r =
                Tenpak.compress(input, output, options.withProgress(progress).withPlan(plan));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Format.json(r));
        } else {
            print(r, out);
        }
        return 0;
    }

    static void print(CompressReport r, PrintWriter out) {
        out.printf(
                Locale.ROOT,
                "input:     %s (%s on disk, %s of tensor data)%n",
                r.input(),
                Format.bytes(r.inputBytes()),
                Format.bytes(r.tensorBytes()));
        out.printf(
                Locale.ROOT, "artifact:  %s (%s, codec %s)%n", r.output(), Format.bytes(r.artifactBytes()), r.codec());
        out.printf(
                Locale.ROOT,
                "ratio:     %.2fx against tensor data, %.2fx against the input file%n",
                r.ratio(),
                r.artifactBytes() == 0 ? 0 : (double) r.inputBytes() / r.artifactBytes());
        out.printf(
                Locale.ROOT,
                "error:     MSE %s  MAE %s  max abs %s  over %d values%n",
                Format.sci(r.error().mse()),
                Format.sci(r.error().mae()),
                Format.sci(r.error().maxAbsError()),
                r.error().count());
        out.printf(Locale.ROOT, "time:      %.3f s%n%n", r.seconds());
        Format.Table t = new Format.Table(
                        "tensor", "shape", "dtype", "codec", "original", "stored", "MSE", "MAE", "max abs")
                .rightAlign(4, 5, 6, 7, 8);
        for (TensorReport tr : r.tensors()) {
            t.row(
                    tr.name(),
                    Arrays.toString(tr.shape()),
                    tr.dtype(),
                    tr.codec(),
                    Format.bytes(tr.originalBytes()),
                    Format.bytes(tr.storedBytes()),
                    Format.sci(tr.error().mse()),
                    Format.sci(tr.error().mae()),
                    Format.sci(tr.error().maxAbsError()));
        }
        out.print(t.render());
        for (TensorReport tr : r.tensors()) {
            if (!tr.codec().equals(r.codec()) && !"requested".equals(tr.reason())) {
                out.printf(Locale.ROOT, "kept %s as %s: %s%n", tr.name(), tr.codec(), tr.reason());
            }
        }
    }

    /** Codec names for help text and completion. */
    static final class CodecNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Codecs.names().iterator();
        }
    }
}
