package dev.tenpak.cli;

import static dev.tenpak.PlanDeltaFixtures.gaussian;
import static dev.tenpak.PlanDeltaFixtures.nudge;
import static dev.tenpak.PlanDeltaFixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.tensor.Tensor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanDeltaCliTest {
    @TempDir
    Path dir;

    Path base;
    Path variant;

    record Run(int code, String out, String err) {}

    static Run run(Object... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] a = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            a[i] = String.valueOf(args[i]);
        }
        int code = TenpakCli.execute(a, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeEach
    void bundles() {
        SplittableRandom rnd = new SplittableRandom(42);
        float[] w = gaussian(rnd, 48 * 32, 5.0);
        float[] b = gaussian(rnd, 32, 0.1);
        base = write(
                dir.resolve("base.json"),
                List.of(
                        Tensor.ofFloats("w", w, 48, 32),
                        Tensor.ofFloats("b", b, 32),
                        Tensor.ofFloats("head", gaussian(rnd, 64, 1.0), 2, 32)));
        variant = write(
                dir.resolve("ft.json"),
                List.of(
                        Tensor.ofFloats("w", nudge(w, rnd, 0.3), 48, 32),
                        Tensor.ofFloats("b", b, 32),
                        Tensor.ofFloats("extra", gaussian(rnd, 16, 1.0), 16)));
    }

    @Test
    void planPrintsEveryCodecAndTheChoiceAndCompressAppliesIt() throws Exception {
        Path plan = dir.resolve("plan.json");
        Run r = run("plan", "--input", base, "--output", plan, "--max-mae", "0.05");
        assertThat(r.code()).as(r.err()).isZero();
        for (Codec c : Codecs.all()) {
            if (c.lossless()) { // exact codecs compete only when named
                assertThat(r.out()).doesNotContainPattern("(?m)^[ *] +" + c.name() + " ");
            } else {
                assertThat(r.out()).containsPattern("(?m)^[ *] +" + c.name() + " ");
            }
        }
        assertThat(r.out()).containsPattern("(?m)^\\* +int8_sym_v1 ");
        assertThat(r.out()).contains("choice:  int8_sym_v1: smallest artifact with MAE <= 5.000e-02");
        assertThat(Files.readString(plan)).contains("\"format\" : \"tenpak-plan/1\"", "\"sha256\"", "\"candidates\"");

        Path out = dir.resolve("a.tenpak");
        Run c = run("compress", "--input", base, "--output", out, "--plan", plan);
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(c.out()).contains("codec int8_sym_v1");
        assertThat(r.out()).contains("expect:  " + Format.bytes(Files.size(out)) + " (" + Files.size(out) + " bytes)");
    }

    @Test
    void perTensorPlanListsTensors() {
        Run r = run("plan", "--input", base, "--output", dir.resolve("p.json"), "--max-mae", "0.05", "--per-tensor");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("(?m)^\\* +per-tensor ");
        assertThat(r.out()).containsPattern("(?m)^head +\\[2, 32\\] +\\S+_v1 ");
    }

    @Test
    void planErrorsAreOneLineAndLeaveNoFile() throws Exception {
        Path plan = dir.resolve("plan.json");
        Run neg = run("plan", "--input", base, "--output", plan, "--max-mae", "-0.5");
        assertThat(neg.code()).isEqualTo(3);
        assertThat(neg.err())
                .isEqualTo("tenpak: error: max-mae must be a finite number >= 0, got -0.5 (--max-mae)"
                        + System.lineSeparator());
        Run nan = run("plan", "--input", base, "--output", plan, "--max-mae", "NaN");
        assertThat(nan.code()).isEqualTo(3);
        assertThat(plan).doesNotExist();

        assertThat(run("plan", "--input", base, "--output", plan, "--max-mae", "0.01")
                        .code())
                .isZero();
        Path out = dir.resolve("v.tenpak");
        Run wrong = run("compress", "--input", variant, "--output", out, "--plan", plan);
        assertThat(wrong.code()).isEqualTo(3);
        assertThat(wrong.err().lines().toList()).hasSize(1);
        assertThat(wrong.err()).contains("was made for", "sha256");
        assertThat(out).doesNotExist();
    }

    /** --fail-over-budget makes an unmet budget exit 7, one line, and no plan file. */
    @Test
    void failOverBudgetExitsSevenAndWritesNoPlan() throws Exception {
        Path plan = dir.resolve("plan.json");
        // large enough that every lossy codec quantizes it (small tensors stay raw under the group-wise codecs)
        Path big = write(
                dir.resolve("big.json"),
                List.of(Tensor.ofFloats("w", gaussian(new SplittableRandom(7), 64 * 128, 1.0), 64, 128)));
        Run over = run("plan", "--input", big, "--output", plan, "--max-mae", "0", "--fail-over-budget");
        assertThat(over.code()).as(over.err()).isEqualTo(7);
        assertThat(over.err().lines().toList()).hasSize(1);
        assertThat(over.err()).startsWith("tenpak: error: " + big + ": no candidate meets MAE <= 0 (lowest MAE ");
        assertThat(plan).doesNotExist();
        Run perTensor =
                run("plan", "--input", big, "--output", plan, "--max-mae", "0", "--per-tensor", "--fail-over-budget");
        assertThat(perTensor.code()).as(perTensor.err()).isEqualTo(7);
        assertThat(perTensor.err()).contains("meet MAE <= 0 under no candidate");
        assertThat(plan).doesNotExist();

        Run lenient = run("plan", "--input", big, "--output", plan, "--max-mae", "0");
        assertThat(lenient.code()).as(lenient.err()).isZero();
        assertThat(lenient.out()).contains("no candidate meets MAE <= 0; chose the lowest MAE");
        assertThat(plan).exists();
        Run ok = run(
                "plan",
                "--input",
                big,
                "--output",
                dir.resolve("ok.json"),
                "--max-mae",
                "0",
                "--codecs",
                "raw_v1,int8_sym_v1",
                "--fail-over-budget");
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("choice:  raw_v1");
    }

    @Test
    void benchPrintsAnAlignedRowPerCodec() {
        Run r = run("bench", "--input", base);
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        int header = lines.indexOf(
                lines.stream().filter(l -> l.startsWith("codec ")).findFirst().orElseThrow());
        assertThat(lines.get(header))
                .contains("artifact", "ratio", "bits/weight", "MSE", "MAE", "max abs", "encode MB/s", "decode MB/s");
        List<String> rows = lines.subList(header + 2, lines.size());
        assertThat(rows).hasSize(Codecs.names().size());
        assertThat(rows)
                .allSatisfy(
                        l -> assertThat(l.length()).isEqualTo(lines.get(header).length()));
        Run j = run("bench", "--input", base, "--json");
        assertThat(j.out()).contains("\"rows\"", "\"encodeMBps\"");
    }

    @Test
    void deltaAndMaterializeReportWhatTheyDid() throws Exception {
        Path baseArtifact = dir.resolve("base.tenpak");
        assertThat(run("compress", "--input", base, "--output", baseArtifact).code())
                .isZero();
        Path delta = dir.resolve("ft.delta.tenpak");
        Run d = run("delta", "--base", baseArtifact, "--variant", variant, "--output", delta, "--epsilon", "0.1");
        assertThat(d.code()).as(d.err()).isZero();
        assertThat(d.out()).contains("tensors:  1 changed, 1 new, 1 removed, 1 unchanged");
        assertThat(d.out()).containsPattern("size: +\\d+\\.\\d% of the full variant artifact");
        assertThat(d.out()).containsPattern("(?m)^w +changed +\\[48, 32\\] +residual +int8_sym_v1 ");
        assertThat(d.out()).containsPattern("(?m)^extra +new +\\[16\\] +full ");
        assertThat(d.out()).containsPattern("(?m)^head +removed ");
        assertThat(d.out()).contains(", " + Files.size(delta) + " bytes, codec int8_sym_v1");

        Path out = dir.resolve("ft.tenpak");
        Run m = run("materialize", "--base", baseArtifact, "--delta", delta, "--output", out);
        assertThat(m.code()).as(m.err()).isZero();
        assertThat(m.out())
                .contains(
                        "tensors:  3: 1 copied from base, 1 copied from delta, 1 rebuilt from residuals (raw_v1), 1 removed");
        Run i = run("inspect", "--input", delta);
        assertThat(i.code()).isZero();
        assertThat(i.out()).contains("tenpak.delta.base=sha256:");
    }

    @Test
    void anExactDeltaMaterializesTheVariantBitForBit() throws Exception {
        Path baseArtifact = dir.resolve("base.tenpak");
        assertThat(run("compress", "--input", base, "--output", baseArtifact).code())
                .isZero();
        Path delta = dir.resolve("exact.delta.tenpak");
        Run d = run("delta", "--base", baseArtifact, "--variant", variant, "--output", delta, "--exact");
        assertThat(d.code()).as(d.err()).isZero();
        assertThat(d.out()).contains(", " + Files.size(delta) + " bytes, codec lossless_v1, exact)");
        assertThat(d.out()).containsPattern("(?m)^w +changed +\\[48, 32\\] +(ulp|full) +lossless_v1 ");
        assertThat(d.out()).containsPattern("size: .*; \\d+\\.\\d% of the variant's .* of tensor data");

        Path out = dir.resolve("ft.tenpak");
        Run m = run("materialize", "--base", baseArtifact, "--delta", delta, "--output", out);
        assertThat(m.code()).as(m.err()).isZero();
        // the variant's values, not the int8 base's: decompressing both gives the same bundle
        Path fromDelta = dir.resolve("from-delta.json");
        Path direct = dir.resolve("direct.tenpak");
        Path fromVariant = dir.resolve("from-variant.json");
        assertThat(run("decompress", "--input", out, "--output", fromDelta).code())
                .isZero();
        assertThat(run("compress", "--input", variant, "--output", direct, "--codec", "raw_v1")
                        .code())
                .isZero();
        assertThat(run("decompress", "--input", direct, "--output", fromVariant).code())
                .isZero();
        assertThat(Files.readString(fromDelta)).isEqualTo(Files.readString(fromVariant));

        Run both = run(
                "delta", "--base", baseArtifact, "--variant", variant, "--output", delta, "--exact", "--epsilon", "0");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("--exact compares bits and takes no --epsilon");
        Run lossy = run(
                "delta",
                "--base",
                baseArtifact,
                "--variant",
                variant,
                "--output",
                delta,
                "--exact",
                "-c",
                "int8_sym_v1");
        assertThat(lossy.code()).isEqualTo(3);
        assertThat(lossy.err()).contains("int8_sym_v1 is lossy").contains("(--codec)");
    }

    @Test
    void deltaAndMaterializeWithSyncWriteTheSameBytes() throws Exception {
        Path baseArtifact = dir.resolve("base.tenpak");
        assertThat(run("compress", "--input", base, "--output", baseArtifact).code())
                .isZero();
        Path plain = dir.resolve("plain.delta.tenpak");
        Path synced = dir.resolve("synced.delta.tenpak");
        assertThat(run("delta", "--base", baseArtifact, "--variant", variant, "--output", plain, "--epsilon", "0.1")
                        .code())
                .isZero();
        Run d = run(
                "delta",
                "--sync",
                "--base",
                baseArtifact,
                "--variant",
                variant,
                "--output",
                synced,
                "--epsilon",
                "0.1");
        assertThat(d.code()).as(d.err()).isZero();
        assertThat(Files.readAllBytes(synced)).isEqualTo(Files.readAllBytes(plain));
        Path a = dir.resolve("a.tenpak");
        Path b = dir.resolve("b.tenpak");
        assertThat(run("materialize", "--base", baseArtifact, "--delta", plain, "--output", a)
                        .code())
                .isZero();
        Run m = run("materialize", "--sync", "--base", baseArtifact, "--delta", plain, "--output", b);
        assertThat(m.code()).as(m.err()).isZero();
        assertThat(Files.readAllBytes(b)).isEqualTo(Files.readAllBytes(a));
    }

    @Test
    void deltaErrorsAreOneLineWithAnExitCodeAndNoFile() throws Exception {
        Path baseArtifact = dir.resolve("base.tenpak");
        Path otherBase = dir.resolve("other.tenpak");
        run("compress", "--input", base, "--output", baseArtifact);
        run("compress", "--input", base, "--output", otherBase, "--codec", "int4_sym_v1");
        Path delta = dir.resolve("ft.delta.tenpak");
        Path out = dir.resolve("out.tenpak");

        Run neg = run("delta", "--base", baseArtifact, "--variant", variant, "--output", delta, "--epsilon", "-1");
        assertThat(neg.code()).isEqualTo(3);
        assertThat(neg.err()).startsWith("tenpak: error: epsilon must be a finite number >= 0");
        assertThat(delta).doesNotExist();

        assertThat(run("delta", "--base", baseArtifact, "--variant", variant, "--output", delta, "--epsilon", "0.1")
                        .code())
                .isZero();
        for (Run r : List.of(
                run("materialize", "--base", otherBase, "--delta", delta, "--output", out),
                run("materialize", "--base", delta, "--delta", delta, "--output", out),
                run("materialize", "--base", baseArtifact, "--delta", baseArtifact, "--output", out),
                run("delta", "--base", delta, "--variant", variant, "--output", out, "--epsilon", "0.1"))) {
            assertThat(r.code()).as(r.err()).isEqualTo(3);
            assertThat(r.err().lines().toList()).as(r.err()).hasSize(1);
            assertThat(r.err()).startsWith("tenpak: error: ");
        }
        Run wrong = run("materialize", "--base", otherBase, "--delta", delta, "--output", out);
        assertThat(wrong.err())
                .contains("was made against a base with content hash sha256:", "but " + otherBase + " has sha256:");
        assertThat(out).doesNotExist();
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }
}
