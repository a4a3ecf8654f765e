package dev.tenpak.cli;

import dev.tenpak.Tenpak;
import dev.tenpak.options.EntropyMode;
import dev.tenpak.options.InputFormat;
import dev.tenpak.options.PlanOptions;
import dev.tenpak.report.Plan;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tenpak plan}: measure every codec and choose one (or one per tensor) under an MAE budget, or a
 * codec per tensor under a size budget.
 */
@Command(
        name = "plan",
        mixinStandardHelpOptions = true,
        description = {
            "Measure every lossy codec (or those named by --codecs) on the input in one pass and choose under one "
                    + "budget. With --max-mae: the smallest artifact whose mean absolute error is at most E (or, when "
                    + "none is, the lowest MAE; with --fail-over-budget, exit 7 and write no plan). With "
                    + "--max-bits-per-weight: a codec per tensor with the least total squared error whose stored bits "
                    + "(payload and codec parameters of every tensor) are at most B per float weight (exit 7 and no "
                    + "plan when even the smallest codec of every tensor is over B).",
            "With --entropy auto, every size is counted as 'compress --entropy auto' stores it (each lossy payload "
                    + "through the entropy stage when that makes it smaller), and compress --plan applies the stage.",
            "Apply the plan with: tenpak compress --input B --output A --plan PLAN"
        })
final class PlanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = {"-i", "--input"},
            required = true,
            paramLabel = "PATH",
            description = "Input bundle.")
    Path input;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "FILE",
            description = "Plan JSON to write (replaced atomically).")
    Path output;

    @Option(
            names = "--max-mae",
            paramLabel = "E",
            description = "Error budget: mean absolute error, finite and >= 0. Give this or --max-bits-per-weight.")
    Double maxMae;

    @Option(
            names = "--max-bits-per-weight",
            paramLabel = "B",
            description = "Size budget: stored bits (payload and codec parameters of every tensor) per float weight, "
                    + "finite and > 0; chooses a codec per tensor with the least total squared error. "
                    + "Give this or --max-mae.")
    Double maxBitsPerWeight;

    @Option(
            names = "--per-tensor",
            description = "With --max-mae: choose a codec per tensor (smallest payload whose MAE <= E); the artifact "
                    + "may mix codecs.")
    boolean perTensor;

    @Option(
            names = "--codecs",
            split = ",",
            paramLabel = "NAME",
            description = "Candidates (comma-separated). Default: every lossy codec; raw_v1 competes only when named.")
    List<String> codecs = List.of();

    @Option(
            names = "--fail-over-budget",
            description =
                    "When no candidate meets --max-mae (with --per-tensor: when a tensor "
                            + "meets it under no candidate), fail with exit code 7 and write no plan, instead of choosing the lowest MAE.")
    boolean failOverBudget;

    @Option(
            names = "--format",
            paramLabel = "FMT",
            defaultValue = "auto",
            description = "Input format. Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(
            names = "--entropy",
            paramLabel = "MODE",
            defaultValue = "off",
            description = "auto: count each lossy tensor's payload as 'compress --entropy auto' stores it (through the "
                    + "entropy stage when that makes it smaller, measured by running the stage), so that a size budget "
                    + "can buy codes the stage shrinks; the plan records it and compress --plan applies it (artifact "
                    + "format v2). off: payloads at the size their codec writes (format v1). Default: ${DEFAULT-VALUE}, "
                    + "as compress.")
    String entropy;

    @Option(names = "--json", description = "Print the plan as JSON instead of tables.")
    boolean json;

    private static long elements(Plan p) {
        long n = 0;
        for (Plan.TensorPlan t : p.tensors()) {
            long c = 1;
            for (long d : t.shape()) {
                c *= d;
            }
            n += c;
        }
        return Math.max(1, n);
    }

    @Override
    public Integer call() {
        PlanOptions options = new PlanOptions(
                maxMae,
                maxBitsPerWeight,
                perTensor,
                codecs,
                InputFormat.parse(format),
                failOverBudget,
                EntropyMode.parse(entropy));
        Plan p = Tenpak.plan(input, output, options);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(p.toJson());
            return 0;
        }
        if (p.budget().equals(Plan.BUDGET_MAX_BITS_PER_WEIGHT)) {
            printSizePlan(p, out);
            return 0;
        }
        printInput(p, out);
        out.printf(Locale.ROOT, "budget:  MAE <= %s (%s)%n", Format.sci(p.maxMae()), p.mode());
        printSizes(p, out);
        Format.Table t = new Format.Table(
                        "", "codec", "artifact", "bytes", "ratio", "bits/weight", "MSE", "MAE", "max abs", "MAE <= E")
                .rightAlign(2, 3, 4, 5, 6, 7, 8);
        for (Plan.Candidate c : p.candidates()) {
            t.row(
                    c.codec().equals(p.choice()) ? "*" : "",
                    c.codec(),
                    Format.bytes(c.artifactBytes()),
                    c.artifactBytes(),
                    String.format(Locale.ROOT, "%.2fx", c.ratio()),
                    String.format(Locale.ROOT, "%.2f", c.bitsPerWeight()),
                    Format.sci(c.mse()),
                    Format.sci(c.mae()),
                    Format.sci(c.maxAbsError()),
                    c.withinBudget() ? "yes" : "no");
        }
        if (p.mode().equals(Plan.MODE_PER_TENSOR)) {
            Plan.Outcome e = p.expected();
            t.row(
                    "*",
                    "per-tensor",
                    Format.bytes(e.artifactBytes()),
                    e.artifactBytes(),
                    String.format(Locale.ROOT, "%.2fx", e.ratio()),
                    String.format(
                            Locale.ROOT, "%.2f", e.tensorBytes() == 0 ? 0 : 8.0 * e.artifactBytes() / elements(p)),
                    Format.sci(e.mse()),
                    Format.sci(e.mae()),
                    Format.sci(e.maxAbsError()),
                    e.mae() <= p.maxMae() ? "yes" : "no");
        }
        out.print(t.render());
        if (p.mode().equals(Plan.MODE_PER_TENSOR)) {
            out.println();
            Format.Table pt = new Format.Table("tensor", "shape", "codec", "stored", "MAE", "reason").rightAlign(3, 4);
            for (Plan.TensorPlan tp : p.tensors()) {
                pt.row(
                        tp.name(),
                        Arrays.toString(tp.shape()),
                        tp.codec(),
                        Format.bytes(tp.storedBytes()),
                        Format.sci(tp.mae()),
                        tp.reason());
            }
            out.print(pt.render());
        }
        out.println();
        out.printf(Locale.ROOT, "choice:  %s: %s%n", p.choice(), p.reason());
        out.printf(
                Locale.ROOT,
                "expect:  %s (%d bytes), %.2fx, MAE %s, max abs %s%n",
                Format.bytes(p.expected().artifactBytes()),
                p.expected().artifactBytes(),
                p.expected().ratio(),
                Format.sci(p.expected().mae()),
                Format.sci(p.expected().maxAbsError()));
        out.println("wrote:   " + output);
        return 0;
    }

    /** The input line both kinds of plan start with. */
    private static void printInput(Plan p, PrintWriter out) {
        out.printf(
                Locale.ROOT,
                "input:   %s (%s, sha256 %s)%n",
                p.input().path(),
                Format.bytes(p.input().bytes()),
                p.input().sha256());
    }

    /** How the sizes below were counted, and how compress will store the payloads. */
    private static void printSizes(Plan p, PrintWriter out) {
        out.println(
                p.entropyStaged()
                        ? "sizes:   as stored with the entropy stage (--entropy auto: each lossy payload through the "
                                + "stage when smaller); compress --plan applies it"
                        : "sizes:   payloads as their codecs write them (--entropy off)");
        out.println();
    }

    /** A size-budget plan: every codec's stored size and error, each tensor's codec, the totals. */
    private void printSizePlan(Plan p, PrintWriter out) {
        printInput(p, out);
        out.printf(
                Locale.ROOT,
                "budget:  stored bits per weight <= %s (a codec per tensor, least total squared error)%n",
                p.maxBitsPerWeight());
        printSizes(p, out);
        Format.Table t = new Format.Table(
                        "", "codec", "artifact", "ratio", "stored bits/weight", "MSE", "SSE", "MAE", "bits <= B")
                .rightAlign(2, 3, 4, 5, 6, 7);
        for (Plan.Candidate c : p.candidates()) {
            t.row(
                    "",
                    c.codec(),
                    Format.bytes(c.artifactBytes()),
                    String.format(Locale.ROOT, "%.2fx", c.ratio()),
                    String.format(Locale.ROOT, "%.4f", c.storedBitsPerWeight()),
                    Format.sci(c.mse()),
                    Format.sci(c.sse()),
                    Format.sci(c.mae()),
                    c.withinBudget() ? "yes" : "no");
        }
        Plan.Outcome e = p.expected();
        t.row(
                "*",
                "per-tensor",
                Format.bytes(e.artifactBytes()),
                String.format(Locale.ROOT, "%.2fx", e.ratio()),
                String.format(Locale.ROOT, "%.4f", e.storedBitsPerWeight()),
                Format.sci(e.mse()),
                Format.sci(e.sse()),
                Format.sci(e.mae()),
                "yes");
        out.print(t.render());
        out.println();
        Format.Table pt = new Format.Table("tensor", "shape", "codec", "bits/weight", "MSE", "reason").rightAlign(3, 4);
        for (Plan.TensorPlan tp : p.tensors()) {
            pt.row(
                    tp.name(),
                    Arrays.toString(tp.shape()),
                    tp.codec(),
                    String.format(Locale.ROOT, "%.3f", tp.bitsPerWeight()),
                    Format.sci(tp.mse()),
                    tp.reason());
        }
        out.print(pt.render());
        out.println();
        out.printf(Locale.ROOT, "choice:  %s: %s%n", p.choice(), p.reason());
        out.printf(
                Locale.ROOT,
                "expect:  %s (%d bytes), %.2fx, %.4f stored bits per weight, MSE %s, SSE %s, MAE %s%n",
                Format.bytes(e.artifactBytes()),
                e.artifactBytes(),
                e.ratio(),
                e.storedBitsPerWeight(),
                Format.sci(e.mse()),
                Format.sci(e.sse()),
                Format.sci(e.mae()));
        out.println("wrote:   " + output);
    }
}
