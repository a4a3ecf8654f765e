package dev.tenpak.report;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.PlanMismatchException;
import dev.tenpak.error.TenpakIOException;
import dev.tenpak.internal.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A compression plan, as written to {@code plan.json}: the input it was measured on, every candidate
 * codec's figures, the choice and the reason, and the codec of every tensor. {@code compress --plan}
 * applies {@link #tensors()} (so tensors that a codec could not hold stay raw_v1 exactly as measured)
 * and writes {@link #artifactCodec()} as the artifact codec string; the result is then exactly
 * {@link #expected()}{@code .artifactBytes()} long.
 *
 * <p>Stored bits per weight, here and in every figure named {@code storedBitsPerWeight} or
 * {@code bitsPerWeight} of a tensor, count what the artifact's index records for a tensor: its payload
 * and its codec parameters, times 8. Over a whole input they are divided by the elements of its float
 * tensors (F32, F16, BF16), so exact non-float tensors count as overhead; for one tensor, by its own
 * elements. A size budget ({@code max-bits-per-weight}) is judged on that figure. {@code sse} is the
 * squared error summed over elements.
 *
 * <p>With {@link #entropy()} {@value #ENTROPY_AUTO}, every size (payload bytes, bits per weight,
 * artifact bytes) is the size as {@code compress --entropy auto} stores it: each lossy payload
 * through the entropy stage when that makes it smaller, measured by running the stage. Compress
 * applies the plan's entropy mode, whatever its own {@code --entropy} says, so the artifact holds
 * exactly the planned bytes.
 *
 * <p>Plans written before size budgets existed have no {@code budget}, {@code maxBitsPerWeight} or
 * stored-size figures; they read as {@code max-mae} plans with those figures 0, and compress applies
 * them as before. Plans written before the entropy mode was recorded have no {@code entropy}: their
 * sizes were measured without the stage ({@value #ENTROPY_OFF}), and compress applies them with its
 * own {@code --entropy}, as before.
 *
 * @param format        {@value #FORMAT}
 * @param input         path, size and SHA-256 of the input; compress refuses any other input
 * @param budget        the kind of budget: {@value #BUDGET_MAX_MAE} or {@value #BUDGET_MAX_BITS_PER_WEIGHT}
 * @param maxMae        the error budget the plan was made under; null under a size budget
 * @param maxBitsPerWeight the size budget the plan was made under; null under an error budget
 * @param mode          {@code artifact} (one codec for every float tensor) or {@code per-tensor} (a size
 *                      budget always chooses per tensor)
 * @param candidates    every codec measured over the whole input, in registry order
 * @param choice        the chosen codec's name, or {@code per-tensor}
 * @param reason        why, in words
 * @param artifactCodec the artifact-level codec string compress writes; null lets the writer derive it
 *                      (the one codec used, or {@code mixed})
 * @param expected      figures of the artifact the plan produces
 * @param tensors       each tensor's codec, with its figures under every candidate
 * @param entropy       {@value #ENTROPY_OFF} (sizes as the codecs write them) or {@value #ENTROPY_AUTO}
 *                      (sizes as stored through the entropy stage where it pays); compress applies it.
 *                      Null in plans written before it was recorded (measured without the stage)
 */
public record Plan(
        String format,
        InputIdentity input,
        String budget,
        Double maxMae,
        Double maxBitsPerWeight,
        String mode,
        List<Candidate> candidates,
        String choice,
        String reason,
        String artifactCodec,
        Outcome expected,
        List<TensorPlan> tensors,
        String entropy) {
    public static final String FORMAT = "tenpak-plan/1";
    public static final String ENTROPY_OFF = "off";
    public static final String ENTROPY_AUTO = "auto";
    public static final String MODE_ARTIFACT = "artifact";
    public static final String MODE_PER_TENSOR = "per-tensor";
    public static final String BUDGET_MAX_MAE = "max-mae";
    public static final String BUDGET_MAX_BITS_PER_WEIGHT = "max-bits-per-weight";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Reads a plan without a budget kind (written before size budgets) as an error-budget plan. */
    public Plan {
        if (budget == null) {
            budget = BUDGET_MAX_MAE;
        }
    }

    /** A plan that records no entropy mode: measured without the stage, applied with compress's own setting. */
    public Plan(
            String format,
            InputIdentity input,
            String budget,
            Double maxMae,
            Double maxBitsPerWeight,
            String mode,
            List<Candidate> candidates,
            String choice,
            String reason,
            String artifactCodec,
            Outcome expected,
            List<TensorPlan> tensors) {
        this(
                format,
                input,
                budget,
                maxMae,
                maxBitsPerWeight,
                mode,
                candidates,
                choice,
                reason,
                artifactCodec,
                expected,
                tensors,
                null);
    }

    /** Whether the plan's sizes count the entropy stage, so that compress must apply it. */
    public boolean entropyStaged() {
        return ENTROPY_AUTO.equals(entropy);
    }

    /**
     * One codec over the whole input.
     *
     * @param artifactBytes exact size of the artifact with this codec (raw_v1 for tensors it cannot hold)
     * @param bitsPerWeight artifact bits per element, overhead included
     * @param withinBudget  {@code mae <= maxMae}, or under a size budget
     *                      {@code storedBitsPerWeight <= maxBitsPerWeight}
     * @param storedBytes   payload and parameter bytes over every tensor
     * @param storedBitsPerWeight {@code storedBytes * 8} over the float tensors' elements
     * @param sse           squared error summed over every element
     */
    public record Candidate(
            String codec,
            long artifactBytes,
            double ratio,
            double bitsPerWeight,
            double mse,
            double mae,
            double maxAbsError,
            boolean withinBudget,
            long storedBytes,
            double storedBitsPerWeight,
            double sse) {}

    /**
     * The artifact a plan produces: size, ratio against the tensors' own bytes, and error.
     *
     * @param storedBytes         payload and parameter bytes over every tensor
     * @param storedBitsPerWeight {@code storedBytes * 8} over the float tensors' elements: the figure a
     *                            size budget is held to
     * @param sse                 squared error summed over every element: the figure a size budget
     *                            minimises
     */
    public record Outcome(
            long artifactBytes,
            long tensorBytes,
            double ratio,
            double mse,
            double mae,
            double maxAbsError,
            long storedBytes,
            double storedBitsPerWeight,
            double sse) {}

    /**
     * One tensor: the codec the plan gives it and its figures under each candidate.
     *
     * @param storedBytes   payload bytes under the chosen codec
     * @param paramsBytes   codec parameter bytes under the chosen codec
     * @param bitsPerWeight {@code (storedBytes + paramsBytes) * 8} over the tensor's elements
     * @param sse           squared error summed over the tensor's elements
     */
    public record TensorPlan(
            String name,
            String dtype,
            long[] shape,
            String codec,
            String reason,
            long storedBytes,
            double mse,
            double mae,
            double maxAbsError,
            List<TensorCandidate> candidates,
            long paramsBytes,
            double bitsPerWeight,
            double sse) {}

    /**
     * One tensor under one candidate codec.
     *
     * @param storedCodec   the codec that actually holds it (raw_v1 when the candidate cannot)
     * @param note          null, or why raw_v1 stands in
     * @param paramsBytes   codec parameter bytes
     * @param bitsPerWeight {@code (storedBytes + paramsBytes) * 8} over the tensor's elements
     * @param sse           squared error summed over the tensor's elements
     */
    public record TensorCandidate(
            String codec,
            String storedCodec,
            long storedBytes,
            double mse,
            double mae,
            double maxAbsError,
            String note,
            long paramsBytes,
            double bitsPerWeight,
            double sse) {}

    /** Writes this plan as indented JSON, atomically. */
    public void write(Path file) {
        try {
            AtomicFiles.write(file, out -> {
                try {
                    JSON.writeValue(out, this);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw TenpakIOException.of(file, e.getCause());
        }
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException("cannot print plan as JSON", e);
        }
    }

    /** Reads a plan file; anything that is not a {@value #FORMAT} plan is an {@link InvalidInputException}. */
    public static Plan read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(file + ": no such plan file");
        }
        Plan p;
        try {
            p = JSON.readValue(file.toFile(), Plan.class);
        } catch (IOException e) {
            String detail = e.getMessage() == null
                    ? e.toString()
                    : e.getMessage().lines().findFirst().orElse("");
            throw new InvalidInputException(file + ": not a readable tenpak plan: " + detail, e);
        }
        if (p == null || !FORMAT.equals(p.format())) {
            throw new InvalidInputException(file + ": not a tenpak plan (format is "
                    + (p == null ? "missing" : p.format()) + ", expected " + FORMAT + ")");
        }
        if (p.input() == null || p.input().sha256() == null || p.tensors() == null) {
            throw new InvalidInputException(file + ": plan has no input identity or no tensors");
        }
        for (TensorPlan t : p.tensors()) {
            if (t == null || t.name() == null || t.codec() == null) {
                throw new InvalidInputException(file + ": plan has a tensor without a name or codec");
            }
        }
        if (p.entropy() != null && !ENTROPY_OFF.equals(p.entropy()) && !ENTROPY_AUTO.equals(p.entropy())) {
            throw new InvalidInputException(file + ": plan's entropy is '" + p.entropy() + "', expected '" + ENTROPY_OFF
                    + "' or '" + ENTROPY_AUTO + "'");
        }
        return p;
    }

    /** Throws {@link PlanMismatchException} unless {@code actual} has the SHA-256 this plan was made for. */
    public void requireInput(Path planFile, InputIdentity actual) {
        if (!input.sha256().equalsIgnoreCase(actual.sha256())) {
            throw new PlanMismatchException(planFile + " was made for " + input.path() + " (sha256 " + input.sha256()
                    + "), but " + actual.path() + " has sha256 " + actual.sha256() + "; run tenpak plan on this input");
        }
    }
}
