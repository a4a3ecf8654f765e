package dev.tenpak.options;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.InvalidInputException;
import java.util.List;
import java.util.Objects;

/**
 * How to plan: one budget (an error budget or a size budget), whether to choose per tensor, which
 * codecs compete, how to read the input, and whether sizes count the entropy stage.
 *
 * <p>Two kinds of budget, exactly one of which is given:
 *
 * <ul>
 *   <li>{@code maxMae}: a mean absolute error. The plan is the smallest artifact (or, with
 *       {@code perTensor}, the smallest payload per tensor) that meets it.
 *   <li>{@code maxBitsPerWeight}: a size. Bits per weight are the bytes the artifact's index records
 *       for every tensor (payload plus codec parameters) times 8, over the elements of the float
 *       tensors. The plan chooses a codec per tensor that minimises the total squared error within
 *       that size, which lets a large tensor that quantizes badly buy bits from one that does not.
 * </ul>
 *
 * @param maxMae           the error budget: mean absolute error, finite and >= 0; null when the budget
 *                         is a size
 * @param maxBitsPerWeight the size budget: bits per float weight, finite and > 0; null when the budget
 *                         is an error
 * @param perTensor        with {@code maxMae}: apply the budget to each tensor and choose a codec per
 *                         tensor (a size budget always chooses per tensor, so it refuses this)
 * @param codecs           registry names of the candidates; empty means every registered lossy codec
 *                         ({@code raw_v1} competes only when named: it always meets an error budget, so
 *                         by default the plan would never fall back to the lowest error)
 * @param inputFormat      how to read the input
 * @param failOverBudget   with {@code maxMae}: when no candidate meets the budget (per tensor: when a
 *                         tensor meets it under no candidate), throw
 *                         {@link dev.tenpak.error.BudgetExceededException} and write no plan, instead
 *                         of choosing the lowest error. A size budget that cannot be met always throws.
 * @param entropy          how the plan's sizes are counted, and how {@code compress --plan} will store
 *                         the payloads: {@link EntropyMode#OFF} (the default, as compress's own default)
 *                         counts every payload as its codec wrote it; {@link EntropyMode#AUTO} counts
 *                         each payload as {@code compress --entropy auto} stores it, the smaller of the
 *                         payload and its entropy-staged bytes, measured by running the stage. The plan
 *                         records the mode and compress applies it, so the artifact holds the planned
 *                         bytes. Under a size budget this lets codes that the stage shrinks (int8 codes
 *                         at about 5 bits) compete at the size they are stored at.
 */
public record PlanOptions(
        Double maxMae,
        Double maxBitsPerWeight,
        boolean perTensor,
        List<String> codecs,
        InputFormat inputFormat,
        boolean failOverBudget,
        EntropyMode entropy) {

    /** The kind of budget, with the engine's neutral spelling of its option (and of the plan's {@code budget}). */
    public enum Budget {
        MAX_MAE("max-mae"),
        MAX_BITS_PER_WEIGHT("max-bits-per-weight");

        private final String option;

        Budget(String option) {
            this.option = option;
        }

        /** {@code max-mae} or {@code max-bits-per-weight}. */
        public String option() {
            return option;
        }
    }

    public PlanOptions {
        if (maxMae == null && maxBitsPerWeight == null) {
            throw InvalidInputException.forOption(
                    Budget.MAX_MAE.option(), "give a budget: max-mae (an error) or max-bits-per-weight (a size)");
        }
        if (maxMae != null && maxBitsPerWeight != null) {
            throw InvalidInputException.forOption(
                    Budget.MAX_BITS_PER_WEIGHT.option(), "give one budget, max-mae or max-bits-per-weight, not both");
        }
        if (maxMae != null) {
            requireBudget(Budget.MAX_MAE.option(), maxMae);
        } else {
            if (!(maxBitsPerWeight > 0) || Double.isInfinite(maxBitsPerWeight)) {
                throw InvalidInputException.forOption(
                        Budget.MAX_BITS_PER_WEIGHT.option(),
                        "max-bits-per-weight must be a finite number > 0, got " + maxBitsPerWeight);
            }
            if (perTensor) {
                throw InvalidInputException.forOption(
                        "per-tensor",
                        "per-tensor goes with max-mae; max-bits-per-weight always chooses a codec per tensor");
            }
        }
        codecs = List.copyOf(codecs);
        codecs.forEach(Codecs::byName);
        Objects.requireNonNull(entropy, "entropy");
    }

    /** Without an entropy setting: sizes as the codecs write them ({@link EntropyMode#OFF}). */
    public PlanOptions(
            Double maxMae,
            Double maxBitsPerWeight,
            boolean perTensor,
            List<String> codecs,
            InputFormat inputFormat,
            boolean failOverBudget) {
        this(maxMae, maxBitsPerWeight, perTensor, codecs, inputFormat, failOverBudget, EntropyMode.OFF);
    }

    /** An error budget, as before size budgets existed. */
    public PlanOptions(
            double maxMae, boolean perTensor, List<String> codecs, InputFormat inputFormat, boolean failOverBudget) {
        this(maxMae, null, perTensor, codecs, inputFormat, failOverBudget, EntropyMode.OFF);
    }

    /** Plan under a mean-absolute-error budget, one codec for the artifact, every lossy codec competing. */
    public static PlanOptions of(double maxMae) {
        return new PlanOptions(maxMae, null, false, List.of(), InputFormat.AUTO, false, EntropyMode.OFF);
    }

    /** Plan under a size budget in bits per float weight, every lossy codec competing. */
    public static PlanOptions ofBitsPerWeight(double maxBitsPerWeight) {
        return new PlanOptions(null, maxBitsPerWeight, false, List.of(), InputFormat.AUTO, false, EntropyMode.OFF);
    }

    public PlanOptions withPerTensor(boolean p) {
        return new PlanOptions(maxMae, maxBitsPerWeight, p, codecs, inputFormat, failOverBudget, entropy);
    }

    public PlanOptions withCodecs(List<String> c) {
        return new PlanOptions(maxMae, maxBitsPerWeight, perTensor, c, inputFormat, failOverBudget, entropy);
    }

    public PlanOptions withInputFormat(InputFormat f) {
        return new PlanOptions(maxMae, maxBitsPerWeight, perTensor, codecs, f, failOverBudget, entropy);
    }

    public PlanOptions withFailOverBudget(boolean f) {
        return new PlanOptions(maxMae, maxBitsPerWeight, perTensor, codecs, inputFormat, f, entropy);
    }

    /** Counts sizes as {@code compress --entropy} with {@code e} stores them, and records it in the plan. */
    public PlanOptions withEntropy(EntropyMode e) {
        return new PlanOptions(maxMae, maxBitsPerWeight, perTensor, codecs, inputFormat, failOverBudget, e);
    }

    /** Which budget was given. */
    public Budget budget() {
        return maxMae != null ? Budget.MAX_MAE : Budget.MAX_BITS_PER_WEIGHT;
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
