package dev.tenpak.internal.plan;

import dev.tenpak.codec.Codec;
import dev.tenpak.error.BudgetExceededException;
import dev.tenpak.internal.entropy.EntropyStage;
import dev.tenpak.internal.format.Inputs;
import dev.tenpak.internal.format.artifact.ArtifactFormat;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.internal.io.CountingChannel;
import dev.tenpak.internal.pipeline.TensorTrial;
import dev.tenpak.options.EntropyMode;
import dev.tenpak.options.PlanOptions;
import dev.tenpak.report.ErrorMetrics;
import dev.tenpak.report.InputIdentity;
import dev.tenpak.report.Plan;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Chooses codecs under a budget: a mean absolute error {@code E} ({@code max-mae}) or a size in bits
 * per weight {@code B} ({@code max-bits-per-weight}).
 *
 * <h2>Error budget</h2>
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
 * <h2>Size budget</h2>
 *
 * <p>A codec per tensor that minimises the total squared error (the sum over tensors of MSE times
 * elements) while the stored bits (payload and codec parameters of every tensor, what the artifact's
 * index records) stay within {@code B} times the elements of the float tensors. Each candidate gives
 * each tensor one (bits, squared error) option, measured by really encoding and decoding it; a tensor
 * the candidate cannot hold (non-float, small or 1-D under a group-wise codec, non-finite values) gets
 * the raw_v1 option compress would give it, so it counts at its stored size. {@link RateAllocator}
 * chooses among the options (convex-hull greedy, optimal on the hull). When even the smallest option of
 * every tensor is over {@code B}, a {@link BudgetExceededException} names the smallest achievable bits
 * per weight and no plan is written.
 *
 * <p>All figures come from one {@link CodecSurvey} pass: each tensor is read once and encoded and
 * decoded once per candidate. The per-tensor artifact's size under an error budget is measured
 * exactly by writing the chosen payloads to a counting writer during that same pass; under a size
 * budget the choice comes after the pass, so the chosen entries are written again afterwards with
 * their recorded parameters and a zero payload of their recorded length (the writer only counts, and
 * the size of an artifact does not depend on its payload bytes). Memory: one tensor's encodings at a
 * time, plus a few numbers per tensor and candidate.
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
        if (options.budget() == PlanOptions.Budget.MAX_BITS_PER_WEIGHT) {
            return planBitsPerWeight(source, id, options);
        }
        List<Codec> codecs = options.candidates();
        double budget = options.maxMae();
        boolean stage = options.entropy() == EntropyMode.AUTO;
        List<Plan.TensorPlan> tensors = new ArrayList<>();
        CountingChannel mixedBytes = new CountingChannel();
        ArtifactWriter mixed = ArtifactWriter.to(mixedBytes, "per-tensor candidate");
        mixed.metadata(source.metadata());
        ErrorMetrics.Accumulator mixedError = new ErrorMetrics.Accumulator();

        long[] floatElements = {0};
        List<CodecSurvey.Totals> totals = CodecSurvey.run(source, codecs, 1, stage, (t, trials, stored) -> {
            int pick = options.perTensor() ? chooseIndex(sizeAndMae(trials, stored), budget) : -1;
            if (pick >= 0) {
                trials.get(pick).encoded().writeStaged(mixed, stored.get(pick).staged());
                mixedError.add(trials.get(pick).error());
            }
            tensors.add(describe(t, trials, stored, pick, budget));
            floatElements[0] += floatElements(t);
        });
        long tensorBytes = totals.isEmpty() ? 0 : totals.get(0).tensorBytes();
        List<Plan.Candidate> candidates = candidates(
                totals, tensors, floatElements[0], stage, (c, bpw) -> c.error().mae() <= budget);

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
                    Plan.BUDGET_MAX_MAE,
                    budget,
                    null,
                    Plan.MODE_PER_TENSOR,
                    candidates,
                    Plan.MODE_PER_TENSOR,
                    reason,
                    null,
                    outcome(size, tensorBytes, e, tensors, floatElements[0]),
                    List.copyOf(tensors),
                    entropy(options));
        }

        int best = chooseIndex(
                totals.stream()
                        .map(c ->
                                new double[] {artifactBytes(c, stage), c.error().mae()})
                        .toList(),
                budget);
        CodecSurvey.Totals chosen = totals.get(best);
        long chosenBytes = artifactBytes(chosen, stage);
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
                        chosenBytes)
                : String.format(
                        Locale.ROOT,
                        "no candidate meets MAE <= %s; chose the lowest MAE (%s)",
                        fmt(budget),
                        fmt(chosen.error().mae()));
        List<Plan.TensorPlan> assigned = new ArrayList<>(tensors.size());
        for (Plan.TensorPlan t : tensors) {
            Plan.TensorCandidate c = t.candidates().get(best);
            assigned.add(assign(t, c, c.note() == null ? "artifact codec " + chosen.codec() : c.note()));
        }
        return new Plan(
                Plan.FORMAT,
                id,
                Plan.BUDGET_MAX_MAE,
                budget,
                null,
                Plan.MODE_ARTIFACT,
                candidates,
                chosen.codec(),
                reason,
                chosen.codec(),
                outcome(chosenBytes, tensorBytes, chosen.error(), assigned, floatElements[0]),
                List.copyOf(assigned),
                entropy(options));
    }

    /**
     * One tensor as the size budget sees it, with what is needed to write its chosen entry again:
     * each candidate's codec parameters and, where the candidate's payload is stored through the
     * entropy stage, the stage's header (the writer reads the codec's length from it), else null.
     */
    private record Measured(
            Plan.TensorPlan plan, DType dtype, Shape shape, List<byte[]> params, List<byte[]> stageHeaders) {}

    /** The size budget (see the class comment). */
    private static Plan planBitsPerWeight(TensorSource source, InputIdentity id, PlanOptions options) {
        List<Codec> codecs = options.candidates();
        double maxBpw = options.maxBitsPerWeight();
        boolean stage = options.entropy() == EntropyMode.AUTO;
        List<Measured> measured = new ArrayList<>();
        long[] floatElements = {0};
        List<CodecSurvey.Totals> totals = CodecSurvey.run(source, codecs, 1, stage, (t, trials, stored) -> {
            List<byte[]> headers = new ArrayList<>(stored.size());
            for (CodecSurvey.Stored st : stored) {
                headers.add(
                        st.staged() == null
                                ? null
                                : st.staged()
                                        .asSlice(0, EntropyStage.HEADER_BYTES)
                                        .toArray(ValueLayout.JAVA_BYTE));
            }
            measured.add(new Measured(
                    describe(t, trials, stored, -1, 0),
                    t.dtype(),
                    t.shape(),
                    trials.stream().map(tr -> tr.encoded().params()).toList(),
                    headers));
            floatElements[0] += floatElements(t);
        });
        long weights = floatElements[0];
        List<Plan.TensorPlan> described = measured.stream().map(Measured::plan).toList();
        List<Plan.Candidate> candidates = candidates(totals, described, weights, stage, (c, bpw) -> bpw <= maxBpw);

        List<List<RateAllocator.Option>> table = new ArrayList<>(described.size());
        for (Plan.TensorPlan t : described) {
            table.add(t.candidates().stream()
                    .map(c -> new RateAllocator.Option(8 * (c.storedBytes() + c.paramsBytes()), c.sse()))
                    .toList());
        }
        // no float weights: nothing to hold the size to, every tensor is stored as its smallest option
        double budgetBits = weights == 0 ? Double.POSITIVE_INFINITY : maxBpw * weights;
        long minimum = RateAllocator.minimumBits(table);
        if (minimum > budgetBits) {
            double smallest = (double) minimum / weights;
            throw new BudgetExceededException(
                    String.format(
                            Locale.ROOT,
                            "%s: the smallest choice for every tensor takes %.4f bits per weight, over "
                                    + "max-bits-per-weight %s (candidates %s); no plan written",
                            source.description(),
                            smallest,
                            fmtBpw(maxBpw),
                            String.join(", ", codecs.stream().map(Codec::name).toList())),
                    maxBpw,
                    smallest);
        }
        RateAllocator.Allocation a = RateAllocator.allocate(table, budgetBits);

        List<Plan.TensorPlan> assigned = new ArrayList<>(described.size());
        ErrorMetrics.Accumulator error = new ErrorMetrics.Accumulator();
        CountingChannel bytes = new CountingChannel();
        ArtifactWriter writer = ArtifactWriter.to(bytes, "bits-per-weight candidate");
        writer.metadata(source.metadata());
        long largest = 0;
        for (int i = 0; i < described.size(); i++) {
            largest = Math.max(
                    largest, described.get(i).candidates().get(a.choice()[i]).storedBytes());
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zeros = arena.allocate(Math.max(1, largest));
            for (int i = 0; i < described.size(); i++) {
                Plan.TensorPlan t = described.get(i);
                Plan.TensorCandidate c = t.candidates().get(a.choice()[i]);
                String reason = switch (a.steps()[i]) {
                    case SMALLEST -> "smallest of the candidates";
                    case HULL -> "convex-hull step: most error removed per added bit";
                    case FILL -> "upgrade paid from the bits left after the hull steps";
                    case FIXED -> "fixed here, the other tensors allocated around it: the least error found";
                    case UNIFORM -> "one codec for every tensor fits with less error than the hull steps";
                };
                if (c.note() != null) {
                    reason += " (as " + c.codec() + " stores it: " + c.note() + ")";
                }
                assigned.add(assign(t, c, reason));
                error.add(new ErrorMetrics(elements(t.shape()), c.mse(), c.mae(), c.maxAbsError()));
                Measured m = measured.get(i);
                byte[] header = m.stageHeaders().get(a.choice()[i]);
                MemorySegment payload = zeros.asSlice(0, c.storedBytes());
                if (header == null) {
                    writer.writeEncoded(
                            t.name(),
                            m.dtype(),
                            m.shape(),
                            c.storedCodec(),
                            m.params().get(a.choice()[i]),
                            payload,
                            0);
                } else {
                    MemorySegment.copy(header, 0, payload, ValueLayout.JAVA_BYTE, 0, header.length);
                    writer.writeEncoded(
                            t.name(),
                            m.dtype(),
                            m.shape(),
                            c.storedCodec(),
                            m.params().get(a.choice()[i]),
                            payload,
                            0,
                            ArtifactFormat.STAGE_ENTROPY);
                    payload.asSlice(0, header.length).fill((byte) 0);
                }
            }
        }
        long size = writer.finish();
        long tensorBytes = totals.isEmpty() ? 0 : totals.get(0).tensorBytes();
        Plan.Outcome outcome = outcome(size, tensorBytes, error.result(), assigned, weights);
        long distinct = assigned.stream().map(Plan.TensorPlan::codec).distinct().count();
        String reason = String.format(
                Locale.ROOT,
                "least total squared error (%s) within %s bits per weight: %.4f bits per weight stored%s, "
                        + "%d codec(s) used; convex-hull allocation, %s",
                fmt(outcome.sse()),
                fmtBpw(maxBpw),
                outcome.storedBitsPerWeight(),
                stage ? " (entropy stage included)" : "",
                distinct,
                a.sse() <= a.lowerBound()
                        ? "optimal (a hull point)"
                        : String.format(
                                Locale.ROOT,
                                "at most %.2f%% above the optimum (no choice goes under %s)",
                                100 * (a.sse() / a.lowerBound() - 1),
                                fmt(a.lowerBound())));
        return new Plan(
                Plan.FORMAT,
                id,
                Plan.BUDGET_MAX_BITS_PER_WEIGHT,
                null,
                maxBpw,
                Plan.MODE_PER_TENSOR,
                candidates,
                Plan.MODE_PER_TENSOR,
                reason,
                null,
                outcome,
                List.copyOf(assigned),
                entropy(options));
    }

    /** The plan's record of the entropy mode its sizes were measured under. */
    private static String entropy(PlanOptions options) {
        return options.entropy() == EntropyMode.AUTO ? Plan.ENTROPY_AUTO : Plan.ENTROPY_OFF;
    }

    /** A codec's whole-artifact size: as its codec writes it, or with the entropy stage where it pays. */
    private static long artifactBytes(CodecSurvey.Totals c, boolean stage) {
        return stage ? c.entropyArtifactBytes() : c.artifactBytes();
    }

    /** Each trial's stored size and MAE, for {@link #chooseIndex}. */
    private static List<double[]> sizeAndMae(List<TensorTrial> trials, List<CodecSurvey.Stored> stored) {
        List<double[]> out = new ArrayList<>(trials.size());
        for (int i = 0; i < trials.size(); i++) {
            out.add(new double[] {stored.get(i).bytes(), trials.get(i).error().mae()});
        }
        return out;
    }

    /** Whether a candidate, by its figures over the whole input, meets the budget on its own. */
    @FunctionalInterface
    private interface WithinBudget {
        boolean test(CodecSurvey.Totals totals, double storedBitsPerWeight);
    }

    /** Every codec's figures over the whole input, stored sizes and squared error included. */
    private static List<Plan.Candidate> candidates(
            List<CodecSurvey.Totals> totals,
            List<Plan.TensorPlan> tensors,
            long floatElements,
            boolean stage,
            WithinBudget withinBudget) {
        List<Plan.Candidate> out = new ArrayList<>(totals.size());
        for (int j = 0; j < totals.size(); j++) {
            CodecSurvey.Totals c = totals.get(j);
            long stored = 0;
            double sse = 0;
            for (Plan.TensorPlan t : tensors) {
                Plan.TensorCandidate tc = t.candidates().get(j);
                stored += tc.storedBytes() + tc.paramsBytes();
                sse += tc.sse();
            }
            double bpw = storedBitsPerWeight(stored, floatElements);
            long artifact = artifactBytes(c, stage);
            out.add(new Plan.Candidate(
                    c.codec(),
                    artifact,
                    ratio(c.tensorBytes(), artifact),
                    bitsPerWeight(artifact, c.elements()),
                    c.error().mse(),
                    c.error().mae(),
                    c.error().maxAbsError(),
                    withinBudget.test(c, bpw),
                    stored,
                    bpw,
                    sse));
        }
        return out;
    }

    private static Plan.Outcome outcome(
            long artifactBytes, long tensorBytes, ErrorMetrics e, List<Plan.TensorPlan> chosen, long floatElements) {
        long stored = 0;
        double sse = 0;
        for (Plan.TensorPlan t : chosen) {
            stored += t.storedBytes() + t.paramsBytes();
            sse += t.sse();
        }
        return new Plan.Outcome(
                artifactBytes,
                tensorBytes,
                ratio(tensorBytes, artifactBytes),
                e.mse(),
                e.mae(),
                e.maxAbsError(),
                stored,
                storedBitsPerWeight(stored, floatElements),
                sse);
    }

    /** {@code t} with the candidate {@code c} as its codec. */
    private static Plan.TensorPlan assign(Plan.TensorPlan t, Plan.TensorCandidate c, String reason) {
        return new Plan.TensorPlan(
                t.name(),
                t.dtype(),
                t.shape(),
                c.storedCodec(),
                reason,
                c.storedBytes(),
                c.mse(),
                c.mae(),
                c.maxAbsError(),
                t.candidates(),
                c.paramsBytes(),
                c.bitsPerWeight(),
                c.sse());
    }

    static double storedBitsPerWeight(long storedBytes, long floatElements) {
        return bitsPerWeight(storedBytes, floatElements);
    }

    private static long floatElements(Tensor t) {
        return t.dtype().isCompressible() ? t.elementCount() : 0;
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    private static double sse(ErrorMetrics e) {
        return e.mse() * e.count();
    }

    private static double bitsPerWeight(long bytes, long elements) {
        return elements == 0 ? 0 : bytes * 8.0 / elements;
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

    /** A tensor's figures under every candidate and, unless {@code pickIndex} is -1, its chosen codec. */
    private static Plan.TensorPlan describe(
            Tensor t, List<TensorTrial> trials, List<CodecSurvey.Stored> stored, int pickIndex, double budget) {
        List<Plan.TensorCandidate> cands = new ArrayList<>(trials.size());
        for (int i = 0; i < trials.size(); i++) {
            TensorTrial tr = trials.get(i);
            long bytes = stored.get(i).bytes();
            cands.add(new Plan.TensorCandidate(
                    tr.requested().name(),
                    tr.storedCodec(),
                    bytes,
                    tr.error().mse(),
                    tr.error().mae(),
                    tr.error().maxAbsError(),
                    tr.fallback(),
                    tr.encoded().params().length,
                    bitsPerWeight(bytes + tr.encoded().params().length, t.elementCount()),
                    sse(tr.error())));
        }
        if (pickIndex < 0) {
            return new Plan.TensorPlan(
                    t.name(), t.dtype().name(), t.shape().dims(), null, null, 0, 0, 0, 0, List.copyOf(cands), 0, 0, 0);
        }
        TensorTrial pick = trials.get(pickIndex);
        long pickBytes = stored.get(pickIndex).bytes();
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
                pickBytes,
                pick.error().mse(),
                pick.error().mae(),
                pick.error().maxAbsError(),
                List.copyOf(cands),
                pick.encoded().params().length,
                bitsPerWeight(pickBytes + pick.encoded().params().length, t.elementCount()),
                sse(pick.error()));
    }

    private static double ratio(long tensorBytes, long size) {
        return size == 0 ? 0 : (double) tensorBytes / size;
    }

    static String fmt(double v) {
        return v == 0 ? "0" : String.format(Locale.ROOT, "%.3e", v);
    }

    private static String fmtBpw(double v) {
        return String.format(Locale.ROOT, "%s", (float) v);
    }
}
