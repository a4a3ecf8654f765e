package dev.tenpak.internal.delta;

import static dev.tenpak.PlanDeltaFixtures.decodeAll;
import static dev.tenpak.PlanDeltaFixtures.mae;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.Tenpak;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.internal.format.json.JsonBundleReader;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.DeltaOptions;
import dev.tenpak.options.MaterializeOptions;
import dev.tenpak.report.DeltaReport;
import dev.tenpak.tensor.Bundle;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet example of examples/fleet: one base and three fine-tunes stored as base + deltas. Checks
 * the storage economics and that every materialized fine-tune is its variant, and that the README's
 * storage table shows these real sizes (examples/fleet/storage_table.py prints the same table from
 * the CLI).
 */
class FleetExampleTest {
    static final Path FLEET = Path.of("..", "examples", "fleet");
    static final List<String> VARIANTS = List.of("ft-sentiment", "ft-topic", "ft-adapter");
    static final double EPSILON = 0.005;
    static final String CODEC = "int8_sym_v1";

    @TempDir
    Path dir;

    @Test
    void basePlusThreeDeltasIsMuchSmallerThanFourFullArtifacts() throws Exception {
        Path base = dir.resolve("base.tenpak");
        long baseBytes = Tenpak.compress(FLEET.resolve("base.json"), base, CompressOptions.defaults())
                .artifactBytes();
        long jsonBytes = Files.size(FLEET.resolve("base.json"));
        long rawBytes = Tenpak.compress(
                        FLEET.resolve("base.json"),
                        dir.resolve("base.raw.tenpak"),
                        CompressOptions.defaults().withCodec("raw_v1"))
                .artifactBytes();
        long fullBytes = baseBytes;
        long deltaBytes = 0;
        StringBuilder perVariant = new StringBuilder();
        perVariant.append(
                "| variant | changed | new | removed | unchanged | residual mode | delta bytes | full int8 artifact bytes | delta / full |\n");
        perVariant.append("|---|---:|---:|---:|---:|---|---:|---:|---:|\n");
        for (String v : VARIANTS) {
            Path json = FLEET.resolve(v + ".json");
            Path delta = dir.resolve(v + ".delta.tenpak");
            DeltaReport r =
                    Tenpak.delta(base, json, delta, DeltaOptions.of(EPSILON).withCodec(CODEC));
            long full = Tenpak.compress(json, dir.resolve(v + ".tenpak"), CompressOptions.defaults())
                    .artifactBytes();
            assertThat(r.fullVariantBytes()).isEqualTo(full);
            assertThat(r.deltaBytes()).as(v).isLessThan(full / 3);
            jsonBytes += Files.size(json);
            rawBytes += Tenpak.compress(
                            json,
                            dir.resolve(v + ".raw.tenpak"),
                            CompressOptions.defaults().withCodec("raw_v1"))
                    .artifactBytes();
            fullBytes += full;
            deltaBytes += r.deltaBytes();
            List<String> residual = r.tensors().stream()
                    .filter(e -> "residual".equals(e.mode()))
                    .map(DeltaReport.Entry::name)
                    .toList();
            perVariant.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %d | %d | %s | %,d | %,d | %.1f%% |%n",
                    v,
                    r.changed(),
                    r.added(),
                    r.removed(),
                    r.unchanged(),
                    residual.isEmpty() ? "-" : String.join(", ", residual),
                    r.deltaBytes(),
                    full,
                    100.0 * r.deltaBytes() / full));

            checkMaterialized(base, delta, json, r);
        }
        long basePlusDeltas = baseBytes + deltaBytes;
        assertThat(basePlusDeltas).isLessThan(fullBytes / 2);

        String layout = "| layout | bytes | vs 4 full int8 artifacts |\n"
                + "|---|---:|---:|\n"
                + row("4 JSON bundles (the inputs)", jsonBytes, fullBytes)
                + row("4 raw_v1 artifacts (lossless FP32)", rawBytes, fullBytes)
                + row("4 int8_sym_v1 artifacts", fullBytes, fullBytes)
                + row("int8_sym_v1 base + 3 deltas", basePlusDeltas, fullBytes);
        String table = perVariant + "\n" + layout;
        Path rendered = Path.of("target", "fleet-storage.md");
        Files.createDirectories(rendered.getParent());
        Files.writeString(rendered, table);
        System.out.println(table);
        assertThat(Files.readString(Path.of("..", "README.md")))
                .as(
                        "README's fleet storage table is stale: replace it with %s (or the output of "
                                + "python3 examples/fleet/storage_table.py)",
                        rendered.toAbsolutePath())
                .contains(table);
    }

    private static String row(String what, long bytes, long reference) {
        return String.format(Locale.ROOT, "| %s | %,d | %.1f%% |%n", what, bytes, 100.0 * bytes / reference);
    }

    /** The materialized artifact has the variant's names, order and shapes, and values within the reported error. */
    private void checkMaterialized(Path base, Path delta, Path json, DeltaReport r) {
        Path out = dir.resolve(json.getFileName() + ".materialized.tenpak");
        Tenpak.materialize(base, delta, out, MaterializeOptions.defaults());
        Map<String, float[]> got = decodeAll(out);
        try (TensorSource src = JsonBundleReader.open(json);
                ArtifactReader a = ArtifactReader.open(out)) {
            Bundle variant = Bundle.readAll(src);
            assertThat(a.entries()).extracting(TensorEntry::name).containsExactlyElementsOf(variant.names());
            List<String> problems = new ArrayList<>();
            for (Tensor t : variant) {
                assertThat(a.entry(t.name()).shape()).isEqualTo(t.shape());
                DeltaReport.Entry e = r.tensors().stream()
                        .filter(x -> x.name().equals(t.name()))
                        .findFirst()
                        .orElseThrow();
                double err = mae(t.toFloatArray(), got.get(t.name()));
                if (Math.abs(err - e.mae()) > 1e-12 || ("unchanged".equals(e.status()) && err > EPSILON)) {
                    problems.add(t.name() + ": MAE " + err + ", delta reported " + e.mae());
                }
            }
            assertThat(problems).isEmpty();
        }
    }
}
