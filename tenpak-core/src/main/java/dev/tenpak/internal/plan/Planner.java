package dev.tenpak.internal.plan;

import dev.tenpak.codec.Codec;
import dev.tenpak.error.BudgetExceededException;
import dev.tenpak.internal.format.Inputs;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.internal.io.CountingChannel;
import dev.tenpak.internal.pipeline.TensorTrial;
import dev.tenpak.options.PlanOptions;
import dev.tenpak.report.ErrorMetrics;
import dev.tenpak.report.InputIdentity;
import dev.tenpak.report.Plan;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Chooses codecs under a mean-absolute-error budget {@code E}.
 *
 * <p>Whole-artifact rule (the original one): among the candidates whose MAE over all elements is
 * {@code <= E}, the one with the smallest artifact (ties: lower MAE, then registry order); when none
 * qualifies, the one with the lowest MAE (ties: smaller artifact), or, with
 * {@link PlanOptions#failOverBudget()}, a {@link BudgetExceededException}. The default candidates
 * are the lossy codecs: {@code raw_v1} (MAE 0) would always qualify.
 *
 * <p>Per-tensor rule ({@code --per-tensor}): the same rule applied to each tensor, on its payload
 * bytes and its own MAE. Every tensor then meets the budget when any candidate can, so the
 * artifact's element-weighted MAE does too.
 *
 * <p>All figures come from one {@link CodecSurvey} pass: each tensor is read once and encoded and
 * decoded once per candidate. The per-tensor artifact's size is measured exactly by writing the
 * chosen payloads to a counting writer during that same pass.
 */
public final class Planner {
    private Planner() {}

    /** Plans for the input at {@code input}; writes the plan to {@code planOutput} unless it is null. */
    public static Plan plan(Path input, Path planOutput, PlanOptions options) {
        InputIdentity id = InputIdentity.of(input);
        Plan plan;
        try (TensorSource source = Inputs.open(input, options.inputFormat())) {
            plan = plan(source, id, options); // throws before anything is written when the budget must hold
        }
        if (planOutput != null) {
            plan.write(planOutput);
        }
        return plan;
    }

    /** Plans for tensors from {@code source}, recording {@code id} as the input they came from. */
    public static Plan plan(TensorSource source, InputIdentity id, PlanOptions options) {
        List<Codec> codecs = options.candidates();
        double budget = options.maxMae();
        List<Plan.TensorPlan> tensors = new ArrayList<>();
        CountingChannel mixedBytes = new CountingChannel();
        ArtifactWriter mixed = ArtifactWriter.to(mixedBytes, "per-tensor candidate");
        mixed.metadata(source.metadata());
        ErrorMetrics.Accumulator mixedError = new ErrorMetrics.Accumulator();

        List<CodecSurvey.Totals> totals = CodecSurvey.run(source, codecs, (t, trials) -> {
            TensorTrial pick = options.perTensor() ? choose(trials, budget) : null;
            if (pick != null) {
                pick.encoded().writeTo(mixed);
                mixedError.add(pick.error());
            }
            tensors.add(describe(t, trials, pick, budget));
        });
        long tensorBytes = totals.isEmpty() ? 0 : totals.get(0).tensorBytes();
        List<Plan.Candidate> candidates = totals.stream()
                .map(c -> new Plan.Candidate(
                        c.codec(),
                        c.artifactBytes(),
                        c.ratio(),
                        c.bitsPerWeight(),
                        c.error().mse(),
                        c.error().mae(),
                        c.error().maxAbsError(),
                        c.error().mae() <= budget))
                .toList();

        if (options.perTensor()) {
            long size = mixed.finish();
            ErrorMetrics e = mixedError.result();
            long distinct =
                    tensors.stream().map(Plan.TensorPlan::codec).distinct().count();
            long over = tensors.stream().filter(t -> t.mae() > budget).count();
            if (over > 0 && options.failOverBudget()) {
                Plan.TensorPlan worst = tensors.stream()
                        .filter(t -> t.mae() > budget)
                        .max(Comparator.comparingDouble(Plan.TensorPlan::mae))
                        .orElseThrow();
                throw new BudgetExceededException(
                        String.format(
                                Locale.ROOT,
                                "%s: %d tensor(s) meet MAE <= %s under no candidate (worst: '%s', lowest MAE %s with %s); "
                                        + "no plan written",
                                source.description(),
                                over,
                                fmt(budget),
                                worst.name(),
                                fmt(worst.mae()),
                                worst.codec()),
                        budget,
                        worst.mae());
            }
            String reason = String.format(
                    Locale.ROOT,
                    "each tensor gets its smallest payload with MAE <= %s; %d codec(s) used%s",
                    fmt(budget),
                    distinct,
                    over == 0
                            ? ""
                            : "; " + over + " tensor(s) meet no candidate's budget and use their lowest-MAE codec");
            return new Plan(
                    Plan.FORMAT,
                    id,
                    budget,
                    Plan.MODE_PER_TENSOR,
                    candidates,
                    Plan.MODE_PER_TENSOR,
                    reason,
                    null,
                    new Plan.Outcome(size, tensorBytes, ratio(tensorBytes, size), e.mse(), e.mae(), e.maxAbsError()),
                    List.copyOf(tensors));
        }

        int best = chooseIndex(
                totals.stream()
                        .map(c -> new double[] {c.artifactBytes(), c.error().mae()})
                        .toList(),
                budget);
        CodecSurvey.Totals chosen = totals.get(best);
        if (chosen.error().mae() > budget && options.failOverBudget()) {
            throw new BudgetExceededException(
                    String.format(
                            Locale.ROOT,
                            "%s: no candidate meets MAE <= %s (lowest MAE %s with %s; candidates %s); no plan written",
                            source.description(),
                            fmt(budget),
                            fmt(chosen.error().mae()),
                            chosen.codec(),
                            String.join(", ", codecs.stream().map(Codec::name).toList())),
                    budget,
                    chosen.error().mae());
        }
        String reason = chosen.error().mae() <= budget
                ? String.format(
                        Locale.ROOT,
                        "smallest artifact with MAE <= %s (MAE %s, %d bytes)",
                        fmt(budget),
                        fmt(chosen.error().mae()),
                        chosen.artifactBytes())
                : String.format(
                        Locale.ROOT,
                        "no candidate meets MAE <= %s; chose the lowest MAE (%s)",
                        fmt(budget),
                        fmt(chosen.error().mae()));
        List<Plan.TensorPlan> assigned = new ArrayList<>(tensors.size());
        for (Plan.TensorPlan t : tensors) {
            Plan.TensorCandidate c = t.candidates().get(best);
            assigned.add(new Plan.TensorPlan(
                    t.name(),
                    t.dtype(),
                    t.shape(),
                    c.storedCodec(),
                    c.note() == null ? "artifact codec " + chosen.codec() : c.note(),
                    c.storedBytes(),
                    c.mse(),
                    c.mae(),
                    c.maxAbsError(),
                    t.candidates()));
        }
        return new Plan(
                Plan.FORMAT,
                id,
                budget,
                Plan.MODE_ARTIFACT,
                candidates,
                chosen.codec(),
                reason,
                chosen.codec(),
                new Plan.Outcome(
                        chosen.artifactBytes(),
                        tensorBytes,
                        chosen.ratio(),
                        chosen.error().mse(),
                        chosen.error().mae(),
                        chosen.error().maxAbsError()),
                List.copyOf(assigned));
    }

    /** The per-tensor rule over one tensor's trials. */
    static TensorTrial choose(List<TensorTrial> trials, double budget) {
        return trials.get(chooseIndex(
                trials.stream()
                        .map(t -> new double[] {t.storedBytes(), t.error().mae()})
                        .toList(),
                budget));
    }

    /**
     * The rule on (size, mae) pairs: smallest size with mae <= budget (ties: lower mae, then first);
     * otherwise lowest mae (ties: smaller size, then first).
     */
    static int chooseIndex(List<double[]> sizeAndMae, double budget) {
        Comparator<Integer> bySize = Comparator.comparingDouble(i -> sizeAndMae.get(i)[0]);
        Comparator<Integer> byMae = Comparator.comparingDouble(i -> sizeAndMae.get(i)[1]);
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < sizeAndMae.size(); i++) {
            idx.add(i);
        }
        List<Integer> ok =
                idx.stream().filter(i -> sizeAndMae.get(i)[1] <= budget).toList();
        if (!ok.isEmpty()) {
            return ok.stream()
                    .min(bySize.thenComparing(byMae).thenComparing(Comparator.naturalOrder()))
                    .orElseThrow();
        }
        return idx.stream()
                .min(byMae.thenComparing(bySize).thenComparing(Comparator.naturalOrder()))
                .orElseThrow();
    }

    private static Plan.TensorPlan describe(Tensor t, List<TensorTrial> trials, TensorTrial pick, double budget) {
        List<Plan.TensorCandidate> cands = trials.stream()
                .map(tr -> new Plan.TensorCandidate(
                        tr.requested().name(),
                        tr.storedCodec(),
                        tr.storedBytes(),
                        tr.error().mse(),
                        tr.error().mae(),
                        tr.error().maxAbsError(),
                        tr.fallback()))
                .toList();
        if (pick == null) {
            return new Plan.TensorPlan(t.name(), t.dtype().name(), t.shape().dims(), null, null, 0, 0, 0, 0, cands);
        }
        String reason = pick.fallback() != null
                ? pick.fallback()
                : pick.error().mae() <= budget
                        ? "smallest payload with MAE <= " + fmt(budget)
                        : "no codec meets MAE <= " + fmt(budget) + "; lowest MAE";
        return new Plan.TensorPlan(
                t.name(),
                t.dtype().name(),
                t.shape().dims(),
                pick.storedCodec(),
                reason,
                pick.storedBytes(),
                pick.error().mse(),
                pick.error().mae(),
                pick.error().maxAbsError(),
                cands);
    }

    private static double ratio(long tensorBytes, long size) {
        return size == 0 ? 0 : (double) tensorBytes / size;
    }

    static String fmt(double v) {
        return v == 0 ? "0" : String.format(Locale.ROOT, "%.3e", v);
    }
}
