package dev.tenpak.cli;

import dev.tenpak.Tenpak;
import dev.tenpak.options.BenchOptions;
import dev.tenpak.options.InputFormat;
import dev.tenpak.report.BenchReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tenpak bench}: every codec side by side on one input. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Compare codecs on one input: exact artifact size, ratio, bits per weight, error, and encode/decode "
                    + "throughput in MB/s (10^6 bytes of original tensor data per second, codec time only, best of --repeat runs)."
        })
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = {"-i", "--input"},
            required = true,
            paramLabel = "PATH",
            description = "Input bundle.")
    Path input;

    @Option(
            names = "--codecs",
            split = ",",
            paramLabel = "NAME",
            description = "Codecs to run (comma-separated). Default: every registered codec.")
    List<String> codecs = List.of();

    @Option(
            names = "--format",
            paramLabel = "FMT",
            defaultValue = "auto",
            description = "Input format. Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(
            names = "--repeat",
            paramLabel = "N",
            defaultValue = "5",
            description =
                    "Time N encodes and decodes per tensor and codec, keep the fastest. Default: ${DEFAULT-VALUE}.")
    int repeat;

    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Override
    public Integer call() {
        BenchReport r = Tenpak.bench(
                input,
                BenchOptions.defaults()
                        .withInputFormat(InputFormat.parse(format))
                        .withCodecs(codecs)
                        .withRepeats(repeat));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Format.json(r));
            return 0;
        }
        out.printf(
                Locale.ROOT,
                "input: %s (%s of tensor data, %d values)%n%n",
                r.input(),
                Format.bytes(r.tensorBytes()),
                r.elements());
        Format.Table t = new Format.Table(
                        "codec",
                        "artifact",
                        "ratio",
                        "bits/weight",
                        "entropy auto",
                        "MSE",
                        "MAE",
                        "max abs",
                        "encode MB/s",
                        "decode MB/s")
                .rightAlign(1, 2, 3, 4, 5, 6, 7, 8, 9);
        for (BenchReport.Row row : r.rows()) {
            t.row(
                    row.codec(),
                    Format.bytes(row.artifactBytes()),
                    String.format(Locale.ROOT, "%.2fx", row.ratio()),
                    String.format(Locale.ROOT, "%.2f", row.bitsPerWeight()),
                    String.format(Locale.ROOT, "%.2f", row.entropyBitsPerWeight()),
                    Format.sci(row.mse()),
                    Format.sci(row.mae()),
                    Format.sci(row.maxAbsError()),
                    String.format(Locale.ROOT, "%.1f", row.encodeMBps()),
                    String.format(Locale.ROOT, "%.1f", row.decodeMBps()));
        }
        out.print(t.render());
        return 0;
    }
}
