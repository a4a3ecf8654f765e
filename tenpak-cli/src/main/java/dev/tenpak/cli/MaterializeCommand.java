package dev.tenpak.cli;

import dev.tenpak.Tenpak;
import dev.tenpak.options.MaterializeOptions;
import dev.tenpak.report.MaterializeReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tenpak materialize}: base + delta -> the variant's full artifact. */
@Command(
        name = "materialize",
        mixinStandardHelpOptions = true,
        description = {
            "Rebuild a full artifact from a base artifact and a delta made against it: the variant's tensors, "
                    + "names and order. Unchanged and full-mode tensors are copied without decoding; residual-mode tensors "
                    + "are decoded base + decoded residual, stored with --residual-codec (default raw_v1: exactly the values "
                    + "the delta command measured; a lossy codec adds its rounding error)."
        })
final class MaterializeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--base",
            required = true,
            paramLabel = "FILE",
            description = "The full base artifact the delta was made against.")
    Path base;

    @Option(names = "--delta", required = true, paramLabel = "FILE", description = "Delta artifact.")
    Path delta;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "FILE",
            description = "Artifact to write (replaced atomically).")
    Path output;

    @Option(
            names = "--residual-codec",
            paramLabel = "NAME",
            defaultValue = "raw_v1",
            description = "Codec for rebuilt residual tensors: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.",
            completionCandidates = CompressCommand.CodecNames.class)
    String residualCodec;

    @Mixin
    SyncOption sync = new SyncOption();

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Override
    public Integer call() {
        MaterializeReport r = Tenpak.materialize(
                base,
                delta,
                output,
                MaterializeOptions.defaults().withResidualCodec(residualCodec).withSync(sync.sync));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Format.json(r));
            return 0;
        }
        out.printf(Locale.ROOT, "base:     %s (%s)%n", r.base(), r.baseHash());
        out.printf(Locale.ROOT, "delta:    %s%n", r.delta());
        out.printf(
                Locale.ROOT,
                "wrote:    %s (%s, %d bytes)%n",
                r.output(),
                Format.bytes(r.outputBytes()),
                r.outputBytes());
        out.printf(
                Locale.ROOT,
                "tensors:  %d: %d copied from base, %d copied from delta, %d rebuilt from residuals (%s), %d removed%n",
                r.tensors(),
                r.fromBase(),
                r.fromDelta(),
                r.rebuilt(),
                r.residualCodec(),
                r.removed());
        return 0;
    }
}
