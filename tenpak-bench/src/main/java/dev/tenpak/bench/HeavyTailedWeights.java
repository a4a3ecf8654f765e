package dev.tenpak.bench;

import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A second weight set, heavier-tailed than all-MiniLM-L6-v2, so that the quantizers' ranking is
 * not fitted to one model. Each tensor has a MiniLM shape ({@code [out, in]}) and values
 * {@code w[r][c] = base * rowScale[r] * colScale[c] * t}, where
 * <ul>
 *   <li>{@code t} is Student-t with {@code nu} degrees of freedom (3, 4 or 5 by tensor; {@code nu =
 *       3} has no fourth moment, so blocks meet values far beyond their spread), normalised to unit
 *       variance: a standard normal over the root of a chi-squared draw over {@code nu};</li>
 *   <li>{@code rowScale} is log-normal, {@code exp(0.6 N(0, 1))}: output channels whose spread
 *       differs by up to about 10x within one matrix, as in trained attention and FFN weights;</li>
 *   <li>{@code colScale} is 1 except for a few outlier columns (one in 128 input channels, at least
 *       two) scaled by 6 to 20: the input channels that trained transformers amplify, which put one
 *       large value in every row's block;</li>
 *   <li>{@code base} = 0.04, MiniLM's typical weight spread.</li>
 * </ul>
 * The set is fixed: one {@link SplittableRandom} stream per tensor from a constant, so every run
 * (and every JVM) gets the same floats. Synthetic, not a model's weights: it is a stress set for the
 * codecs' error ordering, never a stand-in for real-model quality.
 */
public final class HeavyTailedWeights {
    private HeavyTailedWeights() {}

    /** The stream every tensor's generator splits from: changing it changes the set. */
    private static final long STREAM = 0x243F6A8885A308D3L;

    /** MiniLM's typical weight spread. */
    static final double BASE = 0.04;

    /** One tensor of the set: name, {@code [out, in]}, degrees of freedom. */
    record Spec(String name, int rows, int cols, int nu) {}

    /** The set: MiniLM's attention, FFN and embedding shapes, 3.3M weights. */
    static final List<Spec> SPECS = List.of(
            new Spec("attention.query.weight", 384, 384, 3),
            new Spec("attention.key.weight", 384, 384, 4),
            new Spec("attention.value.weight", 384, 384, 5),
            new Spec("attention.output.dense.weight", 384, 384, 3),
            new Spec("intermediate.dense.weight", 1536, 384, 4),
            new Spec("output.dense.weight", 384, 1536, 3),
            new Spec("embeddings.word_embeddings.weight", 4096, 384, 5));

    /** Every tensor of the set, F32, in a fixed order. */
    public static List<Tensor> tensors() {
        List<Tensor> out = new ArrayList<>();
        for (int k = 0; k < SPECS.size(); k++) {
            out.add(tensor(SPECS.get(k), k));
        }
        return out;
    }

    private static Tensor tensor(Spec s, int index) {
        SplittableRandom r = new SplittableRandom(STREAM + 0x9E3779B97F4A7C15L * index);
        double[] rowScale = new double[s.rows()];
        for (int i = 0; i < s.rows(); i++) {
            rowScale[i] = Math.exp(0.6 * r.nextGaussian());
        }
        double[] colScale = new double[s.cols()];
        java.util.Arrays.fill(colScale, 1.0);
        int outliers = Math.max(2, s.cols() / 128);
        for (int k = 0; k < outliers; k++) {
            colScale[r.nextInt(s.cols())] = 6 + 14 * r.nextDouble();
        }
        double norm = Math.sqrt((s.nu() - 2.0) / s.nu());
        float[] x = new float[s.rows() * s.cols()];
        for (int i = 0; i < s.rows(); i++) {
            for (int j = 0; j < s.cols(); j++) {
                x[i * s.cols() + j] = (float) (BASE * rowScale[i] * colScale[j] * studentT(r, s.nu()) * norm);
            }
        }
        return Tensor.ofFloats(s.name(), Shape.of(s.rows(), s.cols()), x);
    }

    /** Student-t with {@code nu} (an integer) degrees of freedom: {@code N(0,1) / sqrt(chi2(nu) / nu)}. */
    static double studentT(SplittableRandom r, int nu) {
        double z = r.nextGaussian();
        double chi2 = 0;
        for (int k = 0; k < nu; k++) {
            double g = r.nextGaussian();
            chi2 += g * g;
        }
        return z / Math.sqrt(chi2 / nu);
    }
}
