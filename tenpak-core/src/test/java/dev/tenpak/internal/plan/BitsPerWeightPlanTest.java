package dev.tenpak.internal.plan;

import static dev.tenpak.PlanDeltaFixtures.gaussian;
import static dev.tenpak.PlanDeltaFixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tenpak.Tenpak;
import dev.tenpak.error.BudgetExceededException;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.TenpakException;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.InputFormat;
import dev.tenpak.options.PlanOptions;
import dev.tenpak.report.CompressReport;
import dev.tenpak.report.Plan;
import dev.tenpak.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.assertj.core.data.Offset;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code plan --max-bits-per-weight}: the size budget, its plan file, and compress applying it. */
class BitsPerWeightPlanTest {
    private static final List<String> CODECS =
            List.of("int8_sym_g32_v1", "int4_sym_g32_v1", "int4_sym_g128_v1", "int8_sym_v1", "kq3_v1");

    @TempDir
    Path dir;

    Path bundle;

    @BeforeEach
    void writeBundle() {
        SplittableRandom rnd = new SplittableRandom(0xB1_75L);
        // tensors of different spread, so that bits buy more in some than in others
        bundle = write(
                dir.resolve("model.json"),
                List.of(
                        Tensor.ofFloats("wide", gaussian(rnd, 64 * 128, 0.05), 64, 128),
                        Tensor.ofFloats("narrow", gaussian(rnd, 64 * 64, 0.002), 64, 64),
                        Tensor.ofFloats("mid", gaussian(rnd, 32 * 256, 0.02), 32, 256),
                        Tensor.ofFloats("bias", gaussian(rnd, 256, 0.01), 256)));
    }

    private static long floatElements(Plan p) {
        long n = 0;
        for (Plan.TensorPlan t : p.tensors()) {
            long c = 1;
            for (long d : t.shape()) {
                c *= d;
            }
            n += c;
        }
        return n;
    }

    @Test
    void meetsTheBudgetBeatsEverySingleCodecWithinItAndCompressReproducesIt() throws Exception {
        double budget = 5.0;
        Path planFile = dir.resolve("p.json");
        Plan p = Tenpak.plan(
                bundle, planFile, PlanOptions.ofBitsPerWeight(budget).withCodecs(CODECS));
        assertThat(p.budget()).isEqualTo(Plan.BUDGET_MAX_BITS_PER_WEIGHT);
        assertThat(p.maxBitsPerWeight()).isEqualTo(budget);
        assertThat(p.maxMae()).isNull();
        assertThat(p.mode()).isEqualTo(Plan.MODE_PER_TENSOR);
        Plan.Outcome e = p.expected();
        assertThat(e.storedBitsPerWeight()).isLessThanOrEqualTo(budget);
        assertThat(e.storedBitsPerWeight()).isEqualTo(e.storedBytes() * 8.0 / floatElements(p));
        assertThat(e.sse())
                .isEqualTo(
                        p.tensors().stream().mapToDouble(Plan.TensorPlan::sse).sum());
        assertThat(e.mse() * floatElements(p)).isCloseTo(e.sse(), Percentage.withPercentage(1e-9));
        for (Plan.Candidate c : p.candidates()) {
            assertThat(c.withinBudget()).as(c.codec()).isEqualTo(c.storedBitsPerWeight() <= budget);
            if (c.withinBudget()) {
                assertThat(e.sse()).as(c.codec()).isLessThanOrEqualTo(c.sse());
            }
        }
        assertThat(p.candidates()).anyMatch(Plan.Candidate::withinBudget).anyMatch(c -> !c.withinBudget());
        assertThat(p.tensors().stream().map(Plan.TensorPlan::codec).distinct().count())
                .isGreaterThanOrEqualTo(2);
        assertThat(Plan.read(planFile)).usingRecursiveComparison().isEqualTo(p);

        Path out = dir.resolve("planned.tenpak");
        CompressReport r =
                Tenpak.compress(bundle, out, CompressOptions.defaults().withPlan(planFile));
        assertThat(r.artifactBytes()).isEqualTo(e.artifactBytes()).isEqualTo(Files.size(out));
        assertThat(r.error().mse()).isEqualTo(e.mse());
        Map<String, Plan.TensorPlan> byName =
                p.tensors().stream().collect(Collectors.toMap(Plan.TensorPlan::name, t -> t));
        long stored = 0;
        try (ArtifactReader a = ArtifactReader.open(out)) {
            for (TensorEntry en : a.entries()) {
                Plan.TensorPlan t = byName.get(en.name());
                assertThat(en.codec()).isEqualTo(t.codec());
                assertThat(en.length()).isEqualTo(t.storedBytes());
                assertThat((long) en.params().length).isEqualTo(t.paramsBytes());
                stored += en.length() + en.params().length;
            }
        }
        // bits per weight are what the index records, payload and parameters
        assertThat(stored).isEqualTo(e.storedBytes());
    }

    @Test
    void everyBudgetIsMetAndAGenerousOneGivesEachTensorItsMostPreciseOption() {
        double[] budgets = {3.6, 4.2, 4.6, 5.0, 6.0, 8.0, 9.0, 64.0};
        double[] sse = new double[budgets.length];
        for (int i = 0; i < budgets.length; i++) {
            Plan p = Tenpak.plan(
                    bundle, null, PlanOptions.ofBitsPerWeight(budgets[i]).withCodecs(CODECS));
            sse[i] = p.expected().sse();
            System.out.printf(
                    "budget %.2f: %.4f bits/weight stored, SSE %.4e%n",
                    budgets[i], p.expected().storedBitsPerWeight(), sse[i]);
            assertThat(p.expected().storedBitsPerWeight()).isLessThanOrEqualTo(budgets[i]);
            if (budgets[i] == 64.0) {
                double least = p.tensors().stream()
                        .mapToDouble(t -> t.candidates().stream()
                                .mapToDouble(Plan.TensorCandidate::sse)
                                .min()
                                .orElseThrow())
                        .sum();
                assertThat(sse[i]).isCloseTo(least, Percentage.withPercentage(1e-9));
            }
        }
        assertThat(sse[0]).isGreaterThan(sse[3]).isGreaterThan(sse[budgets.length - 1]);
    }

    @Test
    void aBudgetUnderTheSmallestChoiceFailsNamingTheSmallestAchievable() {
        Plan loose = Tenpak.plan(bundle, null, PlanOptions.ofBitsPerWeight(100).withCodecs(CODECS));
        double smallest = 0;
        for (Plan.TensorPlan t : loose.tensors()) {
            smallest += t.candidates().stream()
                    .mapToLong(c -> c.storedBytes() + c.paramsBytes())
                    .min()
                    .orElseThrow();
        }
        double minBpw = smallest * 8 / floatElements(loose);
        Path planFile = dir.resolve("never.json");
        assertThatThrownBy(() -> Tenpak.plan(
                        bundle,
                        planFile,
                        PlanOptions.ofBitsPerWeight(minBpw * 0.99).withCodecs(CODECS)))
                .isInstanceOfSatisfying(BudgetExceededException.class, ex -> {
                    assertThat(ex.exitCode()).isEqualTo(TenpakException.EXIT_BUDGET);
                    assertThat(ex.budget()).isEqualTo(minBpw * 0.99);
                    assertThat(ex.best()).isCloseTo(minBpw, Offset.offset(1e-12));
                    assertThat(ex.getMessage())
                            .startsWith(bundle + ": the smallest choice for every tensor takes ")
                            .contains(String.format(Locale.ROOT, "%.4f bits per weight", minBpw))
                            .contains("max-bits-per-weight");
                });
        assertThat(planFile).doesNotExist();
        // exactly at the minimum it plans: every tensor at its smallest
        Plan atMin =
                Tenpak.plan(bundle, null, PlanOptions.ofBitsPerWeight(minBpw).withCodecs(CODECS));
        assertThat(atMin.expected().storedBitsPerWeight()).isEqualTo(minBpw);
    }

    @Test
    void exactlyOneBudgetIsGivenAndEachBadValueNamesItsOption() {
        assertThatThrownBy(() -> new PlanOptions(null, null, false, List.of(), InputFormat.AUTO, false))
                .isInstanceOfSatisfying(
                        InvalidInputException.class, e -> assertThat(e.option()).isEqualTo("max-mae"));
        assertThatThrownBy(() -> new PlanOptions(0.01, 4.5, false, List.of(), InputFormat.AUTO, false))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.option()).isEqualTo("max-bits-per-weight");
                    assertThat(e.getMessage()).contains("not both");
                });
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> PlanOptions.ofBitsPerWeight(bad))
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                        assertThat(e.option()).isEqualTo("max-bits-per-weight");
                        assertThat(e.getMessage()).contains("finite number > 0");
                    });
        }
        assertThatThrownBy(() -> PlanOptions.ofBitsPerWeight(4).withPerTensor(true))
                .isInstanceOfSatisfying(
                        InvalidInputException.class, e -> assertThat(e.option()).isEqualTo("per-tensor"));
        assertThat(PlanOptions.of(0.01).budget()).isEqualTo(PlanOptions.Budget.MAX_MAE);
        assertThat(PlanOptions.ofBitsPerWeight(4).budget()).isEqualTo(PlanOptions.Budget.MAX_BITS_PER_WEIGHT);
    }

    /** A plan file from before size budgets (no budget kind, no stored-size figures) still applies. */
    @Test
    void aPlanWrittenBeforeSizeBudgetsIsReadAndApplied() throws Exception {
        Path planFile = dir.resolve("old.json");
        Plan p = Tenpak.plan(
                bundle, planFile, PlanOptions.of(1e-3).withPerTensor(true).withCodecs(CODECS));
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(planFile.toFile());
        root.remove(List.of("budget", "maxBitsPerWeight"));
        ((ObjectNode) root.get("expected")).remove(List.of("storedBytes", "storedBitsPerWeight", "sse"));
        root.get("candidates")
                .forEach(c -> ((ObjectNode) c).remove(List.of("storedBytes", "storedBitsPerWeight", "sse")));
        root.get("tensors").forEach(t -> {
            ((ObjectNode) t).remove(List.of("paramsBytes", "bitsPerWeight", "sse"));
            t.get("candidates").forEach(c -> ((ObjectNode) c).remove(List.of("paramsBytes", "bitsPerWeight", "sse")));
        });
        Files.writeString(planFile, json.writeValueAsString(root));
        assertThat(Files.readString(planFile)).doesNotContain("budget\"", "sse", "paramsBytes");

        Plan old = Plan.read(planFile);
        assertThat(old.budget()).isEqualTo(Plan.BUDGET_MAX_MAE);
        assertThat(old.maxMae()).isEqualTo(1e-3);
        assertThat(old.maxBitsPerWeight()).isNull();
        assertThat(old.expected().storedBitsPerWeight()).isZero();
        CompressReport r = Tenpak.compress(
                bundle, dir.resolve("old.tenpak"), CompressOptions.defaults().withPlan(planFile));
        assertThat(r.artifactBytes()).isEqualTo(p.expected().artifactBytes());
        assertThat(r.tensors())
                .extracting(t -> t.codec())
                .containsExactlyElementsOf(
                        p.tensors().stream().map(Plan.TensorPlan::codec).toList());
    }
}
