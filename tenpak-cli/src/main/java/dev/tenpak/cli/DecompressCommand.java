package dev.tenpak.cli;

import dev.tenpak.Tenpak;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.options.OutputFormat;
import dev.tenpak.report.ExportReport;
import java.nio.file.Path;
import java.util.List;
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
            names = "--check",
            description = "With --format compressed-tensors: load the folder with transformers (in the Python "
                    + "runeval uses: TENPAK_PYTHON, <home>/.venv or python3, with torch, transformers and "
                    + "compressed-tensors) and compare every weight it decompresses with tenpak's decode; prints "
                    + "'bit-equal' or the first difference (exit status 1).")
    boolean check;

    @Option(names = "--python", paramLabel = "FILE", description = "The Python for --check (overrides TENPAK_PYTHON).")
    Path python;

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
        if (check && OutputFormat.parse(format) != OutputFormat.COMPRESSED_TENSORS) {
            throw new InvalidInputException("--check compares a compressed-tensors folder with the artifact; "
                    + "it needs --format compressed-tensors");
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
            return check ? check(out) : 0;
        }
        Tenpak.decompress(input, output, options);
        spec.commandLine().getOut().println("wrote " + output);
        return 0;
    }

    /** {@code python -m tenpak.export --check FOLDER ARTIFACT}: 0 when bit-equal, 1 with the first difference. */
    private int check(java.io.PrintWriter out) {
        PythonEnvironment.Found found = PythonEnvironment.fromSystem()
                .needing("--check", List.of("torch", "transformers", "compressed_tensors", "tenpak"))
                .find(python);
        out.flush();
        return RunevalCommand.run(
                List.of(
                        found.python().toString(),
                        "-u",
                        "-m",
                        "tenpak.export",
                        "--check",
                        output.toAbsolutePath().toString(),
                        input.toAbsolutePath().toString()),
                found,
                out);
    }
}
