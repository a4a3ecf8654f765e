package dev.tenpak;

import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.json.JsonBundleWriter;
import dev.tenpak.internal.io.AtomicFiles;
import dev.tenpak.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Test data for plan, bench, delta and materialize: seeded Gaussian tensors written as JSON bundles. */
public final class PlanDeltaFixtures {
    private PlanDeltaFixtures() {}

    /** {@code n} values from N(mean, std^2), from {@code rnd}. */
    public static float[] gaussian(SplittableRandom rnd, int n, double std, double mean) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (mean + std * normal(rnd));
        }
        return v;
    }

    public static float[] gaussian(SplittableRandom rnd, int n, double std) {
        return gaussian(rnd, n, std, 0);
    }

    static double normal(SplittableRandom rnd) {
        double u = rnd.nextDouble();
        double w = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w);
    }

    /** {@code base} plus N(0, std^2) noise. */
    public static float[] nudge(float[] base, SplittableRandom rnd, double std) {
        float[] v = base.clone();
        for (int i = 0; i < v.length; i++) {
            v[i] += (float) (std * normal(rnd));
        }
        return v;
    }

    /** Writes {@code tensors} as a JSON bundle at {@code file}. */
    public static Path write(Path file, List<Tensor> tensors) {
        AtomicFiles.write(file, out -> {
            JsonBundleWriter w = new JsonBundleWriter(out, file.toString());
            tensors.forEach(w::write);
            w.close();
        });
        return file;
    }

    /** Every tensor of an artifact decoded to floats, in index order. */
    public static Map<String, float[]> decodeAll(Path artifact) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (ArtifactReader r = ArtifactReader.open(artifact)) {
            r.entries().forEach(e -> out.put(e.name(), r.read(e.name()).toFloatArray()));
        }
        return out;
    }

    /** Mean absolute difference of two equal-length arrays, in double. */
    public static double mae(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs((double) a[i] - b[i]);
        }
        return a.length == 0 ? 0 : s / a.length;
    }

    public static double maxAbs(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }
}
