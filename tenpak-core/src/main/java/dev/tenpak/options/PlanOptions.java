package dev.tenpak.options;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.InvalidInputException;
import java.util.List;

/**
 * How to plan: the error budget, whether to choose per tensor, which codecs compete, and how to read
 * the input.
 *
 * @param maxMae      the budget: mean absolute error, finite and >= 0
 * @param perTensor   apply the budget to each tensor and choose a codec per tensor
 * @param codecs      registry names of the candidates; empty means every registered lossy codec
 *                    ({@code raw_v1} competes only when named: it always meets the budget, so by
 *                    default the plan would never fall back to the lowest error)
 * @param inputFormat how to read the input
 * @param failOverBudget when no candidate meets the budget (per tensor: when a tensor meets it under
 *                    no candidate), throw {@link dev.tenpak.error.BudgetExceededException} and write
 *                    no plan, instead of choosing the lowest error
 */
public record PlanOptions(
        double maxMae, boolean perTensor, List<String> codecs, InputFormat inputFormat, boolean failOverBudget) {
    public PlanOptions {
        requireBudget("max-mae", maxMae);
        codecs = List.copyOf(codecs);
        codecs.forEach(Codecs::byName);
    }

    public static PlanOptions of(double maxMae) {
        return new PlanOptions(maxMae, false, List.of(), InputFormat.AUTO, false);
    }

    public PlanOptions withPerTensor(boolean p) {
        return new PlanOptions(maxMae, p, codecs, inputFormat, failOverBudget);
    }

    public PlanOptions withCodecs(List<String> c) {
        return new PlanOptions(maxMae, perTensor, c, inputFormat, failOverBudget);
    }

    public PlanOptions withInputFormat(InputFormat f) {
        return new PlanOptions(maxMae, perTensor, codecs, f, failOverBudget);
    }

    public PlanOptions withFailOverBudget(boolean f) {
        return new PlanOptions(maxMae, perTensor, codecs, inputFormat, f);
    }

    /** The candidate codecs, resolved: the named ones, or every registered lossy codec. */
    public List<Codec> candidates() {
        return codecs.isEmpty()
                ? Codecs.all().stream().filter(c -> !c.lossless()).toList()
                : codecs.stream().map(Codecs::byName).distinct().toList();
    }

    /** Throws {@link InvalidInputException} unless {@code value} is finite and >= 0. */
    public static void requireBudget(String flag, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw InvalidInputException.forOption(flag, flag + " must be a finite number >= 0, got " + value);
        }
    }
}
