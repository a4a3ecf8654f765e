package dev.tenpak.internal.plan;

import static dev.tenpak.PlanDeltaFixtures.gaussian;
import static dev.tenpak.PlanDeltaFixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.Tenpak;
import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.BudgetExceededException;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.PlanMismatchException;
import dev.tenpak.error.TenpakException;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.internal.format.json.JsonBundleReader;
import dev.tenpak.options.BenchOptions;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.options.InputFormat;
import dev.tenpak.options.OutputFormat;
import dev.tenpak.options.PlanOptions;
import dev.tenpak.report.BenchReport;
import dev.tenpak.report.CompressReport;
import dev.tenpak.report.InputIdentity;
import dev.tenpak.report.Plan;
import dev.tenpak.report.TensorReport;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlannerTest {
    private static final long SEED = 0x7E4A_9A11L;

    @TempDir
    Path dir;

    Path bundle;

    @BeforeEach
    void writeBundle() {
        System.out.println("PlannerTest seed " + SEED);
        SplittableRandom rnd = new SplittableRandom(SEED);
        bundle = write(
                dir.resolve("model.json"),
                List.of(
                        Tensor.ofFloats("layer0.weight", gaussian(rnd, 64 * 64, 0.02), 64, 64),
                        Tensor.ofFloats("layer1.weight", gaussian(rnd, 32 * 96, 0.05), 32, 96),
                        Tensor.ofFloats("layer1.bias", gaussian(rnd, 96, 0.01), 96)));
    }

    @Test
    void measuresEveryRegisteredCodecWithExactArtifactSizes() {
        Plan p = Tenpak.plan(bundle, dir.resolve("plan.json"), PlanOptions.of(1).withCodecs(Codecs.names()));
        assertThat(p.candidates()).extracting(Plan.Candidate::codec).containsExactlyElementsOf(Codecs.names());
        for (Plan.Candidate c : p.candidates()) {
            Path out = dir.resolve(c.codec() + ".tenpak");
            CompressReport r =
                    Tenpak.compress(bundle, out, CompressOptions.defaults().withCodec(c.codec()));
            assertThat(c.artifactBytes())
                    .as(c.codec())
                    .isEqualTo(r.artifactBytes())
                    .isEqualTo(size(out));
            assertThat(c.mae()).as(c.codec()).isEqualTo(r.error().mae());
            assertThat(c.mse()).as(c.codec()).isEqualTo(r.error().mse());
            assertThat(c.maxAbsError()).as(c.codec()).isEqualTo(r.error().maxAbsError());
        }
        assertThat(p.input().sha256()).hasSize(64);
        assertThat(p.input().bytes()).isEqualTo(size(bundle));
    }

    @Test
    void theBudgetSelectsEachCodecInTurn() {
        List<Plan.Candidate> all = Tenpak.plan(bundle, null, PlanOptions.of(1).withCodecs(Codecs.names()))
                .candidates();
        Set<String> chosen = new HashSet<>();
        for (Plan.Candidate c : all) {
            Plan p = Tenpak.plan(bundle, null, PlanOptions.of(c.mae()).withCodecs(Codecs.names()));
            Plan.Candidate expected = all.stream()
                    .filter(x -> x.mae() <= c.mae())
                    .min((a, b) -> a.artifactBytes() != b.artifactBytes()
                            ? Long.compare(a.artifactBytes(), b.artifactBytes())
                            : Double.compare(a.mae(), b.mae()))
                    .orElseThrow();
            assertThat(p.choice()).as("budget %s", c.mae()).isEqualTo(expected.codec());
            assertThat(p.reason()).startsWith("smallest artifact with MAE <=");
            assertThat(p.expected().artifactBytes()).isEqualTo(expected.artifactBytes());
            chosen.add(p.choice());
        }
        // at MAE 0 the smallest exact codec (lossless_v1, never larger than raw_v1 on floats), and
        // several lossy ones as the budget grows
        assertThat(chosen).contains("lossless_v1", "int8_sym_v1").hasSizeGreaterThanOrEqualTo(3);
    }

    @Test
    void fallsBackToTheLowestMaeWhenNothingQualifies() {
        Plan p = Tenpak.plan(bundle, null, PlanOptions.of(0).withCodecs(List.of("int8_sym_v1", "int4_sym_v1")));
        assertThat(p.candidates()).noneMatch(Plan.Candidate::withinBudget);
        assertThat(p.choice()).isEqualTo("int8_sym_v1");
        assertThat(p.reason()).startsWith("no candidate meets MAE <= 0; chose the lowest MAE");
    }

    /** raw_v1 (MAE 0) competes only when named, so the lowest-MAE rule can fire by default. */
    @Test
    void defaultCandidatesAreTheLossyCodecs() {
        List<String> lossy = Codecs.all().stream()
                .filter(c -> !c.lossless())
                .map(Codec::name)
                .toList();
        assertThat(lossy).isNotEmpty().doesNotContain("raw_v1");
        Plan p = Tenpak.plan(bundle, null, PlanOptions.of(0));
        assertThat(p.candidates()).extracting(Plan.Candidate::codec).containsExactlyElementsOf(lossy);
        assertThat(p.choice()).isNotEqualTo("raw_v1");
        assertThat(p.reason()).startsWith("no candidate meets MAE <= 0; chose the lowest MAE");
        Plan named = Tenpak.plan(bundle, null, PlanOptions.of(0).withCodecs(List.of("int4_sym_v1", "raw_v1")));
        assertThat(named.choice()).isEqualTo("raw_v1");
    }

    /** exit code 7 is raised when asked for and no candidate meets the budget; no plan is written. */
    @Test
    void failOverBudgetRaisesBudgetExceededAndWritesNoPlan() {
        Path planFile = dir.resolve("over.plan.json");
        for (boolean perTensor : new boolean[] {false, true}) {
            assertThatThrownBy(() -> Tenpak.plan(
                            bundle,
                            planFile,
                            PlanOptions.of(1e-9).withPerTensor(perTensor).withFailOverBudget(true)))
                    .isInstanceOfSatisfying(BudgetExceededException.class, e -> {
                        assertThat(e.exitCode())
                                .isEqualTo(TenpakException.EXIT_BUDGET)
                                .isEqualTo(7);
                        assertThat(e.budget()).isEqualTo(1e-9);
                        assertThat(e.best()).isGreaterThan(1e-9);
                        assertThat(e.getMessage())
                                .startsWith(bundle.toString() + ": ")
                                .contains("MAE <= 1.000e-09")
                                .doesNotContain("\n");
                    });
            assertThat(planFile).doesNotExist();
        }
        // within budget, the flag changes nothing
        Plan ok = Tenpak.plan(bundle, planFile, PlanOptions.of(1).withFailOverBudget(true));
        assertThat(ok.candidates()).anyMatch(Plan.Candidate::withinBudget);
        assertThat(planFile).exists();
    }

    @Test
    void perTensorPlanMixesCodecsAndCompressReproducesItExactly() {
        SplittableRandom rnd = new SplittableRandom(SEED + 1);
        Path mixed = write(
                dir.resolve("mixed.json"),
                List.of(
                        Tensor.ofFloats("tiny", gaussian(rnd, 4096, 0.001), 64, 64), // int4 error ~1e-4
                        Tensor.ofFloats("unit", gaussian(rnd, 4096, 1.0), 64, 64), // int8 error ~8e-3
                        Tensor.ofFloats("huge", gaussian(rnd, 1024, 100.0), 1024))); // only exact codecs meet 1e-2
        double budget = 1e-2;
        Plan p =
                Tenpak.plan(mixed, dir.resolve("p.json"), PlanOptions.of(budget).withPerTensor(true));
        Map<String, String> codecs =
                p.tensors().stream().collect(Collectors.toMap(Plan.TensorPlan::name, Plan.TensorPlan::codec));
        // only exact storage meets 1e-2: the group-wise candidates keep this 1-D tensor raw (small-tensor rule)
        assertThat(codecs).containsEntry("huge", "raw_v1");
        assertThat(p.tensors()).allSatisfy(t -> assertThat(t.mae()).as(t.name()).isLessThanOrEqualTo(budget));
        assertThat(p.tensors()).allSatisfy(t -> {
            // the chosen payload is the smallest among candidates within budget
            long smallest = t.candidates().stream()
                    .filter(c -> c.mae() <= budget)
                    .mapToLong(Plan.TensorCandidate::storedBytes)
                    .min()
                    .orElseThrow();
            assertThat(t.storedBytes()).as(t.name()).isEqualTo(smallest);
        });
        assertThat(codecs.values().stream().distinct().count()).isGreaterThanOrEqualTo(2);

        Path out = dir.resolve("mixed.tenpak");
        CompressReport r =
                Tenpak.compress(mixed, out, CompressOptions.defaults().withPlan(dir.resolve("p.json")));
        assertThat(r.artifactBytes()).isEqualTo(p.expected().artifactBytes()).isEqualTo(size(out));
        assertThat(r.error().mae()).isEqualTo(p.expected().mae()).isLessThanOrEqualTo(budget);
        try (ArtifactReader a = ArtifactReader.open(out)) {
            Set<String> used = a.entries().stream().map(TensorEntry::codec).collect(Collectors.toSet());
            assertThat(used).hasSizeGreaterThanOrEqualTo(2);
            assertThat(a.codec()).isEqualTo("mixed");
            for (TensorEntry e : a.entries()) {
                assertThat(e.codec()).isEqualTo(codecs.get(e.name()));
            }
        }
        for (TensorReport tr : r.tensors()) {
            assertThat(tr.error().mae()).isLessThanOrEqualTo(budget);
        }
    }

    @Test
    void artifactPlanAppliedByCompressGivesThePredictedArtifact() {
        Path planFile = dir.resolve("plan.json");
        Plan p = Tenpak.plan(bundle, planFile, PlanOptions.of(1e-3));
        assertThat(Plan.read(planFile)).usingRecursiveComparison().isEqualTo(p);
        Path out = dir.resolve("planned.tenpak");
        CompressReport r =
                Tenpak.compress(bundle, out, CompressOptions.defaults().withPlan(planFile));
        assertThat(r.artifactBytes()).isEqualTo(p.expected().artifactBytes());
        assertThat(r.error().mae()).isEqualTo(p.expected().mae()).isLessThanOrEqualTo(1e-3);
        try (ArtifactReader a = ArtifactReader.open(out)) {
            assertThat(a.codec()).isEqualTo(p.choice());
        }
    }

    @Test
    void aPlanForAnotherInputIsRefusedNamingBothHashes() throws Exception {
        Path planFile = dir.resolve("plan.json");
        Plan p = Tenpak.plan(bundle, planFile, PlanOptions.of(1e-3));
        Path other = dir.resolve("other.json");
        Files.writeString(other, Files.readString(bundle).replaceFirst("layer0", "layerX"));
        String otherHash = InputIdentity.of(other).sha256();
        Path out = dir.resolve("x.tenpak");
        assertThatThrownBy(() ->
                        Tenpak.compress(other, out, CompressOptions.defaults().withPlan(planFile)))
                .isInstanceOf(PlanMismatchException.class)
                .hasMessageContaining(p.input().sha256())
                .hasMessageContaining(otherHash);
        assertThat(out).doesNotExist();
        assertThat(dir).isDirectoryNotContaining("glob:**.tmp");
    }

    @Test
    void readsTheInputOnceForAllCodecs() {
        int[] nexts = {0};
        try (TensorSource src = JsonBundleReader.open(bundle)) {
            TensorSource counting = new TensorSource() {
                public Tensor next() {
                    nexts[0]++;
                    return src.next();
                }

                public Map<String, String> metadata() {
                    return src.metadata();
                }

                public String description() {
                    return src.description();
                }

                public void close() {}
            };
            Plan p = Planner.plan(
                    counting, InputIdentity.of(bundle), PlanOptions.of(1e-3).withCodecs(Codecs.names()));
            assertThat(p.candidates()).hasSize(Codecs.all().size());
        }
        assertThat(nexts[0]).isEqualTo(3 + 1);
    }

    @Test
    void nonFiniteTensorsStayRawInEveryCandidate() throws Exception {
        Path nan = dir.resolve("nan.json");
        Files.writeString(
                nan,
                "{\"tensors\":[{\"name\":\"w\",\"shape\":[4],\"data\":[0.5,-0.25,0.125,1]},"
                        + "{\"name\":\"mask\",\"shape\":[2],\"data\":[NaN,1]}]}");
        Path planFile = dir.resolve("nan.plan.json");
        Plan p = Tenpak.plan(nan, planFile, PlanOptions.of(1).withCodecs(List.of("int4_sym_v1")));
        Plan.TensorPlan mask = p.tensors().get(1);
        assertThat(mask.codec()).isEqualTo("raw_v1");
        assertThat(mask.reason()).contains("non-finite");
        CompressReport r = Tenpak.compress(
                nan, dir.resolve("nan.tenpak"), CompressOptions.defaults().withPlan(planFile));
        assertThat(r.tensors()).extracting(TensorReport::codec).containsExactly("int4_sym_v1", "raw_v1");
        assertThat(r.artifactBytes()).isEqualTo(p.expected().artifactBytes());
    }

    @Test
    void rejectsBadBudgetsAndUnknownCodecs() {
        for (double bad : new double[] {-1e-9, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> PlanOptions.of(bad))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("max-mae must be a finite number >= 0");
        }
        assertThatThrownBy(() -> PlanOptions.of(1).withCodecs(List.of("int3"))).hasMessageContaining("known codecs");
    }

    /** a safetensors input is mapped read-only; repeating raw_v1's encode must not write to it. */
    @Test
    void benchRepeatsOnASafetensorsInputLeaveTheInputUntouched() throws Exception {
        Path artifact = dir.resolve("model.tenpak");
        Tenpak.compress(bundle, artifact, CompressOptions.defaults().withCodec("raw_v1"));
        Path st = dir.resolve("model.safetensors");
        Tenpak.decompress(artifact, st, DecompressOptions.defaults().withFormat(OutputFormat.SAFETENSORS));
        byte[] before = Files.readAllBytes(st);
        BenchReport b = Tenpak.bench(st, BenchOptions.defaults().withRepeats(3));
        assertThat(b.rows()).extracting(BenchReport.Row::codec).containsExactlyElementsOf(Codecs.names());
        assertThat(b.rows().stream()
                        .filter(r -> r.codec().equals("raw_v1"))
                        .findFirst()
                        .orElseThrow()
                        .mae())
                .isZero();
        assertThat(Files.readAllBytes(st)).isEqualTo(before);
    }

    @Test
    void benchHasOneRowPerCodecWithTheSameFiguresAsThePlan() {
        BenchReport b = Tenpak.bench(
                bundle,
                BenchOptions.defaults()
                        .withInputFormat(InputFormat.AUTO)
                        .withCodecs(List.of())
                        .withRepeats(2));
        Plan p = Tenpak.plan(bundle, null, PlanOptions.of(1).withCodecs(Codecs.names()));
        assertThat(b.rows()).extracting(BenchReport.Row::codec).containsExactlyElementsOf(Codecs.names());
        for (int i = 0; i < b.rows().size(); i++) {
            BenchReport.Row row = b.rows().get(i);
            Plan.Candidate c = p.candidates().get(i);
            assertThat(row.artifactBytes()).isEqualTo(c.artifactBytes());
            assertThat(row.mae()).isEqualTo(c.mae());
            assertThat(row.bitsPerWeight()).isEqualTo(row.artifactBytes() * 8.0 / b.elements());
            assertThat(row.encodeMBps()).isPositive();
            assertThat(row.decodeMBps()).isPositive();
        }
        List<Codec> lossy = new ArrayList<>(Codecs.all());
        lossy.removeIf(Codec::lossless);
        assertThat(b.rows().stream().filter(r -> r.mae() > 0).count()).isEqualTo(lossy.size());
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
