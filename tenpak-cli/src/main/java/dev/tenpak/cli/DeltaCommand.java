package dev.tenpak.cli;

import dev.tenpak.Tenpak;
import dev.tenpak.codec.Codecs;
import dev.tenpak.options.DeltaOptions;
import dev.tenpak.options.InputFormat;
import dev.tenpak.report.DeltaReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code tenpak delta}: store only what a fine-tune changed relative to a base artifact. */
@Command(
        name = "delta",
        mixinStandardHelpOptions = true,
        description = {
            "Build a delta artifact of a variant bundle against a base artifact. A tensor is stored when "
                    + "its mean absolute difference from the decoded base, sum|v - b| / n, exceeds --epsilon, when it is "
                    + "new, or when its shape or dtype changed; base tensors missing from the variant are recorded as "
                    + "removed. Changed tensors are stored in full or as the quantized residual v - b, whichever "
                    + "reconstructs v with the smaller MAE.",
            "With --exact the delta is exact instead: a tensor is stored when any of its bits differ from the "
                    + "decoded base, as the XOR of its bits with the base's (or in full, whichever is smaller), "
                    + "losslessly; materialize then gives the variant back bit for bit."
        })
final class DeltaCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--base", required = true, paramLabel = "FILE", description = "Full base artifact.")
    Path base;

    @Option(names = "--variant", required = true, paramLabel = "PATH", description = "Variant bundle (the fine-tune).")
    Path variant;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "FILE",
            description = "Delta artifact to write (replaced atomically).")
    Path output;

    @Option(
            names = "--epsilon",
            paramLabel = "E",
            description = "Threshold on the mean absolute difference, finite and >= 0 (required without --exact).")
    Double epsilon;

    @Option(
            names = "--exact",
            description = "Exact delta: changed tensors stored as the XOR of their bits with the base's, losslessly.")
    boolean exact;

    @Option(
            names = {"-c", "--codec"},
            paramLabel = "NAME",
            description = "Codec for stored tensors: ${COMPLETION-CANDIDATES}. Default: " + Codecs.DEFAULT + ", or "
                    + Codecs.DEFAULT_LOSSLESS + " with --exact (which needs a lossless codec).",
            completionCandidates = CompressCommand.CodecNames.class)
    String codec;

    @Option(
            names = "--format",
            paramLabel = "FMT",
            defaultValue = "auto",
            description = "Variant input format. Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Mixin
    SyncOption sync = new SyncOption();

    @Override
    public Integer call() {
        if (exact == (epsilon != null)) {
            throw new ParameterException(
                    spec.commandLine(),
                    exact
                            ? "--exact compares bits and takes no --epsilon"
                            : "give --epsilon E (a lossy delta) or --exact (an exact delta)");
        }
        DeltaOptions options = (exact ? DeltaOptions.bitExact() : DeltaOptions.of(epsilon))
                .withInputFormat(InputFormat.parse(format))
                .withSync(sync.sync);
        if (codec != null) {
            options = options.withCodec(codec);
        }
        DeltaReport r = Tenpak.delta(base, variant, output, options);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Format.json(r));
            return 0;
        }
        out.printf(Locale.ROOT, "base:     %s (%s)%n", r.base(), r.baseHash());
        out.printf(Locale.ROOT, "variant:  %s%n", r.variant());
        out.printf(
                Locale.ROOT,
                "delta:    %s (%s, %d bytes, codec %s, %s)%n",
                r.output(),
                Format.bytes(r.deltaBytes()),
                r.deltaBytes(),
                r.codec(),
                r.exact() ? "exact" : "epsilon " + Format.sci(r.epsilon()));
        out.printf(
                Locale.ROOT,
                "tensors:  %d changed, %d new, %d removed, %d unchanged%n",
                r.changed(),
                r.added(),
                r.removed(),
                r.unchanged());
        out.printf(
                Locale.ROOT,
                "size:     %.1f%% of the full variant artifact (%s, %d bytes, MAE %s); %.1f%% of the variant's %s"
                        + " of tensor data%n",
                100 * r.fraction(),
                Format.bytes(r.fullVariantBytes()),
                r.fullVariantBytes(),
                Format.sci(r.fullVariantMae()),
                100 * r.rawFraction(),
                Format.bytes(r.variantTensorBytes()));
        Format.Table t = new Format.Table(
                        "tensor", "status", "shape", "mode", "codec", "mean|v-b|", "MAE", "full MAE", "stored")
                .rightAlign(5, 6, 7, 8);
        int rows = 0;
        for (DeltaReport.Entry e : r.tensors()) {
            if (e.status().equals("unchanged")) {
                continue;
            }
            rows++;
            t.row(
                    e.name(),
                    e.status(),
                    Arrays.toString(e.shape()),
                    dash(e.mode()),
                    dash(e.codec()),
                    e.meanAbsDiff() == null ? "-" : Format.sci(e.meanAbsDiff()),
                    e.mode() == null ? "-" : Format.sci(e.mae()),
                    e.mode() == null ? "-" : Format.sci(e.fullMae()),
                    e.mode() == null ? "-" : Format.bytes(e.storedBytes()));
        }
        if (rows > 0) {
            out.println();
            out.print(t.render());
        }
        return 0;
    }

    private static String dash(String s) {
        return s == null ? "-" : s;
    }
}
