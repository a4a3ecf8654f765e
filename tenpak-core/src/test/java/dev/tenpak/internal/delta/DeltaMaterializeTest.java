package dev.tenpak.internal.delta;

import static dev.tenpak.PlanDeltaFixtures.decodeAll;
import static dev.tenpak.PlanDeltaFixtures.gaussian;
import static dev.tenpak.PlanDeltaFixtures.mae;
import static dev.tenpak.PlanDeltaFixtures.maxAbs;
import static dev.tenpak.PlanDeltaFixtures.nudge;
import static dev.tenpak.PlanDeltaFixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.Tenpak;
import dev.tenpak.error.ArtifactKindException;
import dev.tenpak.error.BaseMismatchException;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.internal.codec.pertensor.SymmetricPerTensorCodec;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.DeltaOptions;
import dev.tenpak.options.EntropyMode;
import dev.tenpak.options.MaterializeOptions;
import dev.tenpak.report.ArtifactSummary;
import dev.tenpak.report.DeltaReport;
import dev.tenpak.report.MaterializeReport;
import dev.tenpak.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeltaMaterializeTest {
    private static final long SEED = 0xDE17AL;
    private static final double EPS = 0.1; // above int8's own MAE on fc2 (std 10): about 0.07

    @TempDir
    Path dir;

    Map<String, Tensor> base = new LinkedHashMap<>();
    Map<String, Tensor> variant = new LinkedHashMap<>();
    Path baseJson;
    Path baseArtifact;
    Path variantJson;

    @BeforeEach
    void fixtures() {
        System.out.println("DeltaMaterializeTest seed " + SEED);
        SplittableRandom rnd = new SplittableRandom(SEED);
        float[] fc2 = gaussian(rnd, 32 * 16, 10.0);
        add(base, Tensor.ofFloats("emb", gaussian(rnd, 64 * 32, 1.0), 64, 32));
        add(base, Tensor.ofFloats("fc1", gaussian(rnd, 32 * 32, 1.0), 32, 32));
        add(base, Tensor.ofFloats("fc2", fc2, 32, 16));
        add(base, Tensor.ofFloats("bias", gaussian(rnd, 16, 0.1), 16));
        add(base, Tensor.ofFloats("head", gaussian(rnd, 8 * 16, 1.0), 8, 16));
        baseJson = write(dir.resolve("base.json"), List.copyOf(base.values()));
        baseArtifact = dir.resolve("base.tenpak");
        Tenpak.compress(baseJson, baseArtifact, CompressOptions.defaults());

        // emb unchanged; fc1 retrained (full); fc2 fine-tuned by small steps on large weights (residual);
        // adapter new, in the middle; head reshaped; bias removed
        add(variant, base.get("emb"));
        add(variant, Tensor.ofFloats("fc1", gaussian(rnd, 32 * 32, 1.0), 32, 32));
        add(variant, Tensor.ofFloats("adapter", gaussian(rnd, 4 * 16, 0.5), 4, 16));
        add(variant, Tensor.ofFloats("fc2", nudge(fc2, rnd, 0.5), 32, 16));
        add(variant, Tensor.ofFloats("head", gaussian(rnd, 4 * 16, 1.0), 4, 16));
        variantJson = write(dir.resolve("variant.json"), List.copyOf(variant.values()));
    }

    private static void add(Map<String, Tensor> m, Tensor t) {
        m.put(t.name(), t);
    }

    @Test
    void deltaAndMaterializeGiveBackTheVariant() {
        Path delta = dir.resolve("ft.delta.tenpak");
        DeltaReport r = Tenpak.delta(baseArtifact, variantJson, delta, DeltaOptions.of(EPS));
        Map<String, DeltaReport.Entry> byName =
                r.tensors().stream().collect(Collectors.toMap(DeltaReport.Entry::name, e -> e));
        assertThat(byName.get("emb").status()).isEqualTo("unchanged");
        assertThat(byName.get("fc1").status()).isEqualTo("changed");
        assertThat(byName.get("fc1").mode()).isEqualTo("full");
        assertThat(byName.get("fc2").status()).isEqualTo("changed");
        assertThat(byName.get("fc2").mode()).isEqualTo("residual");
        assertThat(byName.get("fc2").mae()).isLessThan(byName.get("fc2").fullMae() / 10);
        assertThat(byName.get("adapter").status()).isEqualTo("new");
        assertThat(byName.get("head").status()).isEqualTo("shape changed");
        assertThat(byName.get("bias").status()).isEqualTo("removed");
        assertThat(List.of(r.changed(), r.added(), r.removed(), r.unchanged())).containsExactly(3, 1, 1, 1);
        assertThat(r.deltaBytes()).isEqualTo(size(delta));
        assertThat(r.fraction()).isLessThan(1.0);
        // the full variant artifact the fraction is measured against is what compress writes
        Path full = dir.resolve("variant.tenpak");
        assertThat(Tenpak.compress(variantJson, full, CompressOptions.defaults())
                        .artifactBytes())
                .isEqualTo(r.fullVariantBytes());

        // a delta is an ordinary artifact that inspect reads, with its bookkeeping in the metadata
        ArtifactSummary s = Tenpak.inspect(delta);
        assertThat(s.checksumsOk()).isTrue();
        assertThat(s.tensors())
                .extracting(ArtifactSummary.Entry::name)
                .containsExactly("fc1", "adapter", "fc2", "head");
        assertThat(s.metadata())
                .containsEntry(DeltaFormat.KEY_BASE, r.baseHash())
                .containsEntry(DeltaFormat.KEY_REMOVED, "[\"bias\"]")
                .containsEntry(DeltaFormat.KEY_ORDER, "[\"emb\",\"fc1\",\"adapter\",\"fc2\",\"head\"]")
                .containsEntry(DeltaFormat.KEY_MODE_PREFIX + "fc2", "residual")
                .containsEntry(DeltaFormat.KEY_MODE_PREFIX + "fc1", "full");

        Path out = dir.resolve("ft.tenpak");
        MaterializeReport m = Tenpak.materialize(baseArtifact, delta, out, MaterializeOptions.defaults());
        assertThat(List.of(m.fromBase(), m.fromDelta(), m.rebuilt(), m.removed()))
                .containsExactly(1, 3, 1, 1);
        try (ArtifactReader a = ArtifactReader.open(out)) {
            assertThat(a.entries()).extracting(TensorEntry::name).containsExactlyElementsOf(variant.keySet());
            for (TensorEntry e : a.entries()) {
                assertThat(e.shape()).isEqualTo(variant.get(e.name()).shape());
                assertThat(e.dtype()).isEqualTo(variant.get(e.name()).dtype());
            }
            assertThat(a.metadata().keySet()).noneMatch(k -> k.startsWith(DeltaFormat.PREFIX));
        }
        Map<String, float[]> got = decodeAll(out);
        for (Tensor v : variant.values()) {
            float[] want = v.toFloatArray();
            float[] have = got.get(v.name());
            DeltaReport.Entry e = byName.get(v.name());
            // what materialize gives is exactly what delta measured and reported
            assertThat(mae(want, have)).as(v.name()).isCloseTo(e.mae(), org.assertj.core.data.Offset.offset(1e-12));
            if (e.status().equals("unchanged")) {
                assertThat(mae(want, have)).as(v.name()).isLessThanOrEqualTo(EPS);
            } else {
                // full: int8 bound scale/2; residual: the residual's own (much finer) scale/2
                float peak = 0;
                float[] ref = e.mode().equals("residual")
                        ? diff(want, decodeAll(baseArtifact).get(v.name()))
                        : want;
                for (float x : ref) {
                    peak = Math.max(peak, Math.abs(x));
                }
                float scale = SymmetricPerTensorCodec.INT8.scaleFor(peak);
                assertThat(maxAbs(want, have)).as(v.name()).isLessThanOrEqualTo(scale / 2 * 1.0001 + 1e-6);
            }
        }
        // payloads of unchanged and full tensors are copied, not re-encoded
        try (ArtifactReader a = ArtifactReader.open(out);
                ArtifactReader b = ArtifactReader.open(baseArtifact);
                ArtifactReader d = ArtifactReader.open(delta)) {
            assertThat(a.entry("emb").crc32c()).isEqualTo(b.entry("emb").crc32c());
            assertThat(a.entry("fc1").crc32c()).isEqualTo(d.entry("fc1").crc32c());
            assertThat(a.entry("fc2").codec()).isEqualTo("raw_v1");
        }
    }

    @Test
    void residualsCanBeRequantizedAtMaterializeForASmallerArtifact() {
        Path delta = dir.resolve("ft.delta.tenpak");
        DeltaReport r = Tenpak.delta(baseArtifact, variantJson, delta, DeltaOptions.of(EPS));
        Path exact = dir.resolve("exact.tenpak");
        Path small = dir.resolve("small.tenpak");
        Tenpak.materialize(
                baseArtifact, delta, exact, MaterializeOptions.defaults().withResidualCodec("raw_v1"));
        MaterializeReport m = Tenpak.materialize(
                baseArtifact, delta, small, MaterializeOptions.defaults().withResidualCodec("int8_sym_v1"));
        assertThat(m.residualCodec()).isEqualTo("int8_sym_v1");
        assertThat(size(small)).isLessThan(size(exact));
        float[] want = variant.get("fc2").toFloatArray();
        float[] rebuilt = decodeAll(exact).get("fc2");
        float[] requantized = decodeAll(small).get("fc2");
        float m2 = 0;
        for (float x : rebuilt) {
            m2 = Math.max(m2, Math.abs(x));
        }
        double fc2Mae = r.tensors().stream()
                .filter(e -> e.name().equals("fc2"))
                .findFirst()
                .orElseThrow()
                .mae();
        // documented bound: the residual's error plus the output codec's rounding
        assertThat(maxAbs(want, requantized))
                .isLessThanOrEqualTo(maxAbs(want, rebuilt) + SymmetricPerTensorCodec.INT8.scaleFor(m2) / 2 * 1.0001);
        assertThat(mae(want, requantized)).isGreaterThan(fc2Mae);
    }

    @Test
    void aBaseStoredThroughTheEntropyStageMaterializesTheSameTensors() {
        Path stagedBase = dir.resolve("base-staged.tenpak");
        Tenpak.compress(baseJson, stagedBase, CompressOptions.defaults().withEntropy(EntropyMode.AUTO));
        try (ArtifactReader r = ArtifactReader.open(stagedBase)) {
            assertThat(r.entry("emb").staged()).isTrue();
        }
        Path plainDelta = dir.resolve("plain.delta.tenpak");
        Path stagedDelta = dir.resolve("staged.delta.tenpak");
        Tenpak.delta(baseArtifact, variantJson, plainDelta, DeltaOptions.of(EPS));
        Tenpak.delta(stagedBase, variantJson, stagedDelta, DeltaOptions.of(EPS));
        Path plainOut = dir.resolve("plain.tenpak");
        Path stagedOut = dir.resolve("staged.tenpak");
        Tenpak.materialize(baseArtifact, plainDelta, plainOut, MaterializeOptions.defaults());
        Tenpak.materialize(stagedBase, stagedDelta, stagedOut, MaterializeOptions.defaults());
        Map<String, float[]> want = decodeAll(plainOut);
        Map<String, float[]> got = decodeAll(stagedOut);
        assertThat(got.keySet()).containsExactlyElementsOf(want.keySet());
        want.forEach((k, v) -> assertThat(got.get(k)).as(k).isEqualTo(v));
        try (ArtifactReader r = ArtifactReader.open(stagedOut)) {
            assertThat(r.version()).isEqualTo(2);
            assertThat(r.entry("emb").staged())
                    .as("copied from the base as stored")
                    .isTrue();
        }
    }

    @Test
    void anUnchangedVariantGivesAnEmptyDelta() {
        Path delta = dir.resolve("same.delta.tenpak");
        DeltaReport r = Tenpak.delta(baseArtifact, baseJson, delta, DeltaOptions.of(EPS));
        assertThat(List.of(r.changed(), r.added(), r.removed(), r.unchanged())).containsExactly(0, 0, 0, base.size());
        assertThat(size(delta)).isLessThan(1024);
        try (ArtifactReader d = ArtifactReader.open(delta)) {
            assertThat(d.entries()).isEmpty();
        }
        Path out = dir.resolve("same.tenpak");
        Tenpak.materialize(baseArtifact, delta, out, MaterializeOptions.defaults());
        try (ArtifactReader a = ArtifactReader.open(out);
                ArtifactReader b = ArtifactReader.open(baseArtifact)) {
            assertThat(a.entries()).extracting(TensorEntry::name).containsExactlyElementsOf(base.keySet());
            assertThat(DeltaFormat.baseHash(a)).isEqualTo(DeltaFormat.baseHash(b));
        }
    }

    @Test
    void theWrongBaseIsRefusedNamingBothHashes() {
        Path delta = dir.resolve("ft.delta.tenpak");
        DeltaReport r = Tenpak.delta(baseArtifact, variantJson, delta, DeltaOptions.of(EPS));
        Path otherBase = dir.resolve("base4.tenpak");
        Tenpak.compress(baseJson, otherBase, CompressOptions.defaults().withCodec("int4_sym_v1"));
        String otherHash;
        try (ArtifactReader o = ArtifactReader.open(otherBase)) {
            otherHash = DeltaFormat.baseHash(o);
        }
        Path out = dir.resolve("ft.tenpak");
        assertThatThrownBy(() -> Tenpak.materialize(otherBase, delta, out, MaterializeOptions.defaults()))
                .isInstanceOf(BaseMismatchException.class)
                .hasMessageContaining(r.baseHash())
                .hasMessageContaining(otherHash);
        assertThat(out).doesNotExist();
        assertThat(dir).isDirectoryNotContaining("glob:**.tmp");
    }

    @Test
    void deltasAndFullArtifactsCannotBeSwapped() {
        Path delta = dir.resolve("ft.delta.tenpak");
        Tenpak.delta(baseArtifact, variantJson, delta, DeltaOptions.of(EPS));
        Path out = dir.resolve("x.tenpak");
        assertThatThrownBy(() -> Tenpak.materialize(delta, delta, out, MaterializeOptions.defaults()))
                .isInstanceOf(ArtifactKindException.class)
                .hasMessageContaining("is a delta artifact");
        assertThatThrownBy(() -> Tenpak.materialize(baseArtifact, baseArtifact, out, MaterializeOptions.defaults()))
                .isInstanceOf(ArtifactKindException.class)
                .hasMessageContaining("is not a delta artifact");
        assertThatThrownBy(() -> Tenpak.delta(delta, variantJson, out, DeltaOptions.of(EPS)))
                .isInstanceOf(ArtifactKindException.class)
                .hasMessageContaining("is a delta artifact");
        assertThat(out).doesNotExist();
    }

    @Test
    void rejectsBadEpsilons() {
        for (double bad : new double[] {-0.1, Double.NaN, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> DeltaOptions.of(bad))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("epsilon must be a finite number >= 0");
        }
    }

    @Test
    void epsilonZeroStoresEveryTensorThatTheBaseCodecChanged() {
        Path delta = dir.resolve("zero.delta.tenpak");
        DeltaReport r =
                Tenpak.delta(baseArtifact, baseJson, delta, DeltaOptions.of(0).withCodec("raw_v1"));
        // int8 moved every tensor of the base a little, so at epsilon 0 each is "changed"; raw_v1 stores it exactly
        assertThat(r.changed()).isEqualTo(base.size());
        Path out = dir.resolve("exact.tenpak");
        Tenpak.materialize(baseArtifact, delta, out, MaterializeOptions.defaults());
        Map<String, float[]> got = decodeAll(out);
        for (Tensor t : base.values()) {
            assertThat(got.get(t.name())).as(t.name()).containsExactly(t.toFloatArray());
        }
    }

    @Test
    void aCraftedDeltaWithMismatchedShapesOrBadMetadataIsRefused() {
        String hash;
        try (ArtifactReader b = ArtifactReader.open(baseArtifact)) {
            hash = DeltaFormat.baseHash(b);
        }
        Path out = dir.resolve("out.tenpak");
        // residual for fc1 ([32, 32] in the base) with shape [16, 64]
        Path shapes = crafted(
                "shapes.delta.tenpak",
                hash,
                "[\"fc1\"]",
                Map.of(DeltaFormat.KEY_MODE_PREFIX + "fc1", "residual"),
                Tensor.ofFloats("fc1", new float[32 * 32], 16, 64));
        assertThatThrownBy(() -> Tenpak.materialize(baseArtifact, shapes, out, MaterializeOptions.defaults()))
                .isInstanceOf(dev.tenpak.error.ShapeMismatchException.class)
                .hasMessageContaining("residual tensor 'fc1' is [16, 64] but the base's is [32, 32]");
        Path order = crafted("order.delta.tenpak", hash, "not json", Map.of());
        assertThatThrownBy(() -> Tenpak.materialize(baseArtifact, order, out, MaterializeOptions.defaults()))
                .isInstanceOf(dev.tenpak.error.CorruptArtifactException.class)
                .hasMessageContaining("tenpak.delta.order is not a JSON list of names");
        Path ghost = crafted("ghost.delta.tenpak", hash, "[\"nowhere\"]", Map.of());
        assertThatThrownBy(() -> Tenpak.materialize(baseArtifact, ghost, out, MaterializeOptions.defaults()))
                .isInstanceOf(dev.tenpak.error.CorruptArtifactException.class)
                .hasMessageContaining("neither in the delta nor in the base");
        assertThat(out).doesNotExist();
    }

    private Path crafted(String name, String hash, String order, Map<String, String> extra, Tensor... tensors) {
        Path p = dir.resolve(name);
        try (dev.tenpak.internal.format.artifact.ArtifactWriter w =
                dev.tenpak.internal.format.artifact.ArtifactWriter.create(p)) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put(DeltaFormat.KEY_VERSION, "1");
            meta.put(DeltaFormat.KEY_BASE, hash);
            meta.put(DeltaFormat.KEY_ORDER, order);
            meta.put(DeltaFormat.KEY_REMOVED, "[]");
            meta.putAll(extra);
            w.metadata(meta);
            for (Tensor t : tensors) {
                w.write(t, SymmetricPerTensorCodec.INT8);
            }
            w.finish();
        }
        return p;
    }

    private static float[] diff(float[] a, float[] b) {
        float[] d = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
