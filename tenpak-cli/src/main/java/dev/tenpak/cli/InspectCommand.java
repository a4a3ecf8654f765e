package dev.tenpak.cli;

import dev.tenpak.Tenpak;
import dev.tenpak.error.TenpakException;
import dev.tenpak.report.ArtifactSummary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tenpak inspect}: what an artifact holds, with checksums verified. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = "Show an artifact's version, codec and tensors, and verify every payload checksum.")
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = {"-i", "--input"},
            required = true,
            paramLabel = "FILE",
            description = "Artifact to inspect.")
    Path input;

    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Override
    public Integer call() {
        ArtifactSummary s = Tenpak.inspect(input);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Format.json(s));
        } else {
            out.printf("artifact: %s (%s)%n", s.path(), Format.bytes(s.bytes()));
            out.printf("version:  %d%n", s.version());
            out.printf("codec:    %s%n", s.codec());
            out.printf("tensors:  %d%n", s.tensors().size());
            if (!s.metadata().isEmpty()) {
                out.printf("metadata: %s%n", s.metadata());
            }
            out.println();
            Format.Table t = new Format.Table(
                            "tensor", "shape", "dtype", "codec", "stage", "stored", "bits/w", "crc32c", "checksum")
                    .rightAlign(5, 6);
            for (ArtifactSummary.Entry e : s.tensors()) {
                t.row(
                        e.name(),
                        Arrays.toString(e.shape()),
                        e.dtype(),
                        e.codec(),
                        e.stage(),
                        Format.bytes(e.storedBytes()),
                        String.format(Locale.ROOT, "%.3f", e.bitsPerWeight()),
                        e.crc32c(),
                        e.checksumOk() ? "ok" : "MISMATCH");
            }
            out.print(t.render());
        }
        if (!s.checksumsOk()) {
            long bad = s.tensors().stream().filter(e -> !e.checksumOk()).count();
            spec.commandLine()
                    .getErr()
                    .println("tenpak: error: " + input + ": " + bad + " tensor payload(s) fail their checksum");
            return TenpakException.EXIT_CORRUPT;
        }
        return 0;
    }
}
