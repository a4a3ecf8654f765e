package dev.tenpak.cli;

import static dev.tenpak.PlanDeltaFixtures.gaussian;
import static dev.tenpak.PlanDeltaFixtures.write;
import static dev.tenpak.cli.PlanDeltaCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.cli.PlanDeltaCliTest.Run;
import dev.tenpak.report.Plan;
import dev.tenpak.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tenpak plan --max-bits-per-weight}: the tables, the plan file, compress applying it, the refusals. */
class PlanBitsPerWeightCliTest {
    private static final String CODECS = "int8_sym_g32_v1,int4_sym_g32_v1,int4_sym_g128_v1,kq3_v1";

    @TempDir
    Path dir;

    Path model;

    @BeforeEach
    void bundle() {
        SplittableRandom rnd = new SplittableRandom(11);
        model = write(
                dir.resolve("model.json"),
                List.of(
                        Tensor.ofFloats("wide", gaussian(rnd, 64 * 128, 0.05), 64, 128),
                        Tensor.ofFloats("narrow", gaussian(rnd, 64 * 64, 0.002), 64, 64),
                        Tensor.ofFloats("bias", gaussian(rnd, 64, 0.01), 64)));
    }

    @Test
    void printsEachTensorsCodecBitsAndErrorAndCompressAppliesThePlan() throws Exception {
        Path plan = dir.resolve("plan.json");
        Run r = run("plan", "--input", model, "--output", plan, "--max-bits-per-weight", "5", "--codecs", CODECS);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("budget:  stored bits per weight <= 5.0 (a codec per tensor, least total squared error)");
        assertThat(r.out()).containsPattern("(?m)^ +int4_sym_g32_v1 .* yes$");
        assertThat(r.out()).containsPattern("(?m)^ +int8_sym_g32_v1 .* no$");
        assertThat(r.out()).containsPattern("(?m)^\\* +per-tensor ");
        assertThat(r.out()).containsPattern("(?m)^wide +\\[64, 128\\] +\\S+_v1 +\\d+\\.\\d{3} +\\d");
        assertThat(r.out()).containsPattern("(?m)^bias +\\[64\\] +raw_v1 +32\\.000 +0 ");
        assertThat(r.out()).containsPattern("expect: .* \\d\\.\\d{4} stored bits per weight, MSE \\S+, SSE \\S+");
        Plan p = Plan.read(plan);
        assertThat(p.budget()).isEqualTo("max-bits-per-weight");
        assertThat(p.expected().storedBitsPerWeight()).isLessThanOrEqualTo(5.0);

        Run j = run(
                "plan", "--input", model, "--output", plan, "--max-bits-per-weight", "5", "--codecs", CODECS, "--json");
        assertThat(j.out())
                .contains(
                        "\"budget\" : \"max-bits-per-weight\"",
                        "\"maxBitsPerWeight\" : 5.0",
                        "\"storedBitsPerWeight\"",
                        "\"sse\"");

        Path out = dir.resolve("m.tenpak");
        Run c = run("compress", "--input", model, "--output", out, "--plan", plan);
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(Files.size(out)).isEqualTo(p.expected().artifactBytes());
    }

    @Test
    void entropyAutoCountsTheStageRecordsItAndCompressAppliesIt() throws Exception {
        Path plan = dir.resolve("plan.json");
        String codecs = "int8_sym_v1,int4_sym_g32_v1";
        Run off = run("plan", "--input", model, "--output", plan, "--max-bits-per-weight", "7.5", "--codecs", codecs);
        assertThat(off.code()).as(off.err()).isZero();
        assertThat(off.out()).contains("sizes:   payloads as their codecs write them (--entropy off)");
        Plan offPlan = Plan.read(plan);
        assertThat(offPlan.entropy()).isEqualTo(Plan.ENTROPY_OFF);

        Run r = run(
                "plan",
                "--input",
                model,
                "--output",
                plan,
                "--max-bits-per-weight",
                "7.5",
                "--codecs",
                codecs,
                "--entropy",
                "auto");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("sizes:   as stored with the entropy stage (--entropy auto");
        assertThat(r.out()).containsPattern("choice: .* bits per weight stored \\(entropy stage included\\)");
        Plan p = Plan.read(plan);
        assertThat(p.entropy()).isEqualTo(Plan.ENTROPY_AUTO);
        assertThat(p.expected().storedBitsPerWeight()).isLessThanOrEqualTo(7.5);
        // gaussian int8 codes cost about 7.1 bits through the stage: both matrices afford int8, not one
        assertThat(p.expected().sse()).isLessThan(offPlan.expected().sse());

        Run j = run(
                "plan",
                "--input",
                model,
                "--output",
                dir.resolve("mae.json"),
                "--max-mae",
                "0.01",
                "--codecs",
                codecs,
                "--entropy",
                "AUTO",
                "--json");
        assertThat(j.code()).as(j.err()).isZero();
        assertThat(j.out()).contains("\"entropy\" : \"auto\"");

        // compress's --entropy defaults to off; the plan's auto applies
        Path out = dir.resolve("m.tenpak");
        Run c = run("compress", "--input", model, "--output", out, "--plan", plan);
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(Files.size(out)).isEqualTo(p.expected().artifactBytes());

        Run bad =
                run("plan", "--input", model, "--output", dir.resolve("x.json"), "--max-mae", "1", "--entropy", "zstd");
        assertThat(bad.code()).isEqualTo(3);
        assertThat(bad.err()).contains("entropy must be 'auto' or 'off', got 'zstd'");
    }

    @Test
    void exactlyOneBudgetAndValidValuesOrExitThreeNamingTheFlag() {
        Path plan = dir.resolve("plan.json");
        Run none = run("plan", "--input", model, "--output", plan);
        assertThat(none.code()).isEqualTo(3);
        assertThat(none.err())
                .startsWith("tenpak: error: give a budget")
                .endsWith("(--max-mae)" + System.lineSeparator());
        Run both = run("plan", "--input", model, "--output", plan, "--max-mae", "0.01", "--max-bits-per-weight", "4");
        assertThat(both.code()).isEqualTo(3);
        assertThat(both.err()).contains("not both").contains("(--max-bits-per-weight)");
        Run zero = run("plan", "--input", model, "--output", plan, "--max-bits-per-weight", "0");
        assertThat(zero.code()).isEqualTo(3);
        assertThat(zero.err()).contains("finite number > 0, got 0.0 (--max-bits-per-weight)");
        Run perTensor = run("plan", "--input", model, "--output", plan, "--max-bits-per-weight", "4", "--per-tensor");
        assertThat(perTensor.code()).isEqualTo(3);
        assertThat(perTensor.err()).contains("(--per-tensor)");
        assertThat(plan).doesNotExist();
    }

    @Test
    void aBudgetUnderTheSmallestChoiceExitsSevenNamingTheSmallestAchievable() {
        Path plan = dir.resolve("plan.json");
        Run r = run("plan", "--input", model, "--output", plan, "--max-bits-per-weight", "1", "--codecs", CODECS);
        assertThat(r.code()).as(r.err()).isEqualTo(7);
        assertThat(r.err().lines().toList()).hasSize(1);
        assertThat(r.err())
                .startsWith("tenpak: error: " + model + ": the smallest choice for every tensor takes ")
                .containsPattern("takes \\d\\.\\d{4} bits per weight, over max-bits-per-weight 1.0");
        assertThat(plan).doesNotExist();
    }
}
