package dev.tenpak.cli;

import dev.tenpak.Tenpak;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.options.OutputFormat;
import dev.tenpak.report.ExportReport;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tenpak decompress}: artifact -> JSON bundle, safetensors file or Hugging Face folder. */
@Command(
        name = "decompress",
        mixinStandardHelpOptions = true,
        description = {
            "Decode a tenpak artifact into a JSON bundle, a safetensors file or a Hugging Face folder.",
            "safetensors and hf keep every tensor's original dtype (bf16 stays bf16) and the __metadata__; hf also "
                    + "writes the config and tokenizer files stored at compress time and the original sharding."
        })
final class DecompressCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = {"-i", "--input"},
            required = true,
            paramLabel = "FILE",
            description = "Artifact to read.")
    Path input;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "PATH",
            description = "File or folder to write (files are replaced atomically).")
    Path output;

    @Option(
            names = "--format",
            paramLabel = "FMT",
            defaultValue = "auto",
            description =
                    "Output format: auto (.safetensors -> safetensors; a folder or a name without extension -> hf; "
                            + "otherwise json), json, safetensors, hf, compressed-tensors (a folder transformers and vLLM load "
                            + "quantized: the stored int4/int8 group codes re-laid out, never quantized again). "
                            + "Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(
            names = {"-t", "--threads"},
            paramLabel = "N",
            description = "Decoding threads (default: all processors).")
    Integer threads;

    @Mixin
    SyncOption sync = new SyncOption();

    @Option(
            names = {"-q", "--quiet"},
            description = "No progress bar (it is only drawn on a terminal anyway).")
    boolean quiet;

    @Override
    public Integer call() {
        int n = threads == null ? CompressOptions.defaultThreads() : threads;
        if (n < 1) {
            throw new InvalidInputException("--threads must be at least 1, got " + n);
        }
        DecompressOptions options = DecompressOptions.defaults()
                .withFormat(OutputFormat.parse(format))
                .withThreads(n)
                .withSync(sync.sync)
                .withProgress(ConsoleProgress.create(quiet));
        if (options.format() == OutputFormat.COMPRESSED_TENSORS) {
            ExportReport r = Tenpak.exportCompressedTensors(input, output, options);
            var out = spec.commandLine().getOut();
            out.println("wrote " + output + ": " + r.quantized().size() + " Linear layers quantized ("
                    + String.join(", ", new TreeSet<>(r.quantized().values())) + "), "
                    + r.dense().size()
                    + " left dense, " + r.weightBytes() + " B of weights");
            new TreeMap<>(r.dense()).forEach((m, why) -> out.println("  dense " + m + ": " + why));
            return 0;
        }
        Tenpak.decompress(input, output, options);
        spec.commandLine().getOut().println("wrote " + output);
        return 0;
    }
}
