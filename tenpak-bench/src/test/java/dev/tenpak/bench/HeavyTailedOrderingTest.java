package dev.tenpak.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Whether the K-quant-class codecs' lead is fitted to MiniLM: on the synthetic heavy-tailed set
 * ({@link HeavyTailedWeights}) the codecs keep the order they have on the real weights, and where
 * they beat ggml's reference quantizer of the same size there, they must keep doing so (ggml's
 * figures measured on the same set by {@code KQuantSideBySide heavy-tailed} with {@code GGML_SRC},
 * docs/PERFORMANCE.md). Not asserted because not true: {@code kq5_v1} (1.84e-5) loses to Q5_K
 * (1.65e-5) here, and {@code kq2_v1} (1.09e-3) to the larger Q2_K (6.53e-4); their Hadamard-rotated
 * variants ({@code *h_v1}) beat both, and cut every grid codec's error by 40 to 75%. The entropy-coded
 * {@code ecq*} codecs beat them all with fewer bits.
 */
class HeavyTailedOrderingTest {
    static final List<String> CODECS = List.of(
            "kq2_v1",
            "kq3_v1",
            "kq4_v1",
            "kq5_v1",
            "kq6_v1",
            "int4_sym16_g32_v1",
            "kq2h_v1",
            "kq3h_v1",
            "kq4h_v1",
            "kq5h_v1",
            "kq6h_v1",
            "int4_sym16_g32h_v1",
            "int4_sym_g32_v1",
            "ecq2_v1",
            "ecq3_v1",
            "ecq4_v1",
            "ecq5_v1",
            "ecq6_v1",
            "ecq7_v1",
            "ecq8_v1");

    static List<Tensor> set;
    static final Map<String, Double> MSE = new HashMap<>();
    /** Bits per weight stored: payload bytes written (variable for the entropy-coded codecs) and parameters. */
    static final Map<String, Double> BITS = new HashMap<>();

    @BeforeAll
    static void measure() {
        set = HeavyTailedWeights.tensors();
        for (String name : CODECS) {
            Codec c = Codecs.byName(name);
            double sq = 0;
            long n = 0;
            long bytes = 0;
            for (Tensor t : set) {
                long size = c.encodedSize(t.dtype(), t.shape());
                MemorySegment dst = MemorySegment.ofArray(new byte[(int) size]);
                Codec.Encoded e = c.encodeSized(t, dst);
                byte[] params = e.params();
                MemorySegment p = dst.asSlice(0, e.length());
                float[] x = t.toFloatArray();
                float[] y = new float[x.length];
                c.decodeFloats(t.dtype(), t.shape(), params, p, 0, y, 0, y.length);
                for (int i = 0; i < x.length; i++) {
                    double d = (double) x[i] - y[i];
                    sq += d * d;
                }
                n += x.length;
                bytes += e.length() + params.length;
            }
            MSE.put(name, sq / n);
            BITS.put(name, bytes * 8.0 / n);
            System.out.printf(
                    Locale.ROOT, "heavy-tailed %s: %.4f bits/weight, MSE %.4e%n", name, bytes * 8.0 / n, sq / n);
        }
    }

    @Test
    void theSetIsFixedAndHeavierTailedThanAGaussian() {
        List<Tensor> again = HeavyTailedWeights.tensors();
        assertThat(again).hasSize(set.size());
        long weights = 0;
        for (int k = 0; k < set.size(); k++) {
            assertThat(again.get(k).toFloatArray()).isEqualTo(set.get(k).toFloatArray());
            weights += set.get(k).elementCount();
        }
        assertThat(weights).isEqualTo(3_342_336);
        // kurtosis of the first tensor (Student-t with 3 degrees of freedom, row scales, outlier
        // columns): far above a Gaussian's 3
        float[] x = set.get(0).toFloatArray();
        double m2 = 0;
        double m4 = 0;
        for (float v : x) {
            m2 += (double) v * v;
            m4 += (double) v * v * v * v;
        }
        m2 /= x.length;
        m4 /= x.length;
        assertThat(m4 / (m2 * m2)).isGreaterThan(10);
    }

    @Test
    void atTheSameBitsTheGridCodecsKeepTheirOrder() {
        // 4.5 bits/weight, three ways
        assertThat(MSE.get("kq4_v1")).isLessThan(MSE.get("int4_sym16_g32_v1"));
        assertThat(MSE.get("int4_sym16_g32_v1")).isLessThan(MSE.get("int4_sym_g32_v1"));
        // more bits, less error, at every step
        assertThat(MSE.get("kq6_v1")).isLessThan(MSE.get("kq5_v1"));
        assertThat(MSE.get("kq5_v1")).isLessThan(MSE.get("kq4_v1"));
        assertThat(MSE.get("kq4_v1")).isLessThan(MSE.get("kq3_v1"));
        assertThat(MSE.get("kq3_v1")).isLessThan(MSE.get("kq2_v1"));
    }

    @Test
    void whereTheyBeatGgmlOnThisSetTheyStayAhead() {
        assertThat(MSE.get("kq3_v1")).as("Q3_K, 3.4375 bits").isLessThan(1.983e-4);
        assertThat(MSE.get("kq4_v1")).as("Q4_K, 4.5 bits").isLessThan(6.208e-5);
        assertThat(MSE.get("int4_sym16_g32_v1")).as("Q4_0, 4.5 bits").isLessThan(1.265e-4);
        assertThat(MSE.get("kq6_v1")).as("Q6_K, 6.5625 bits").isLessThan(6.117e-6);
    }

    /**
     * The rotation spreads the outlier columns and the Student-t tails over runs of 16, so the
     * block scales fit the bulk: every rotated grid codec must keep most of its measured gain over
     * its sibling at the same bits (measured MSE ratios 0.380, 0.598, 0.384, 0.262, 0.247 for
     * {@code kq2h_v1} .. {@code kq6h_v1} and 0.274 for {@code int4_sym16_g32h_v1}), and the two
     * grid codecs that lose to ggml here unrotated win rotated.
     */
    @Test
    void rotationCutsTheErrorOfEveryGridCodec() {
        Map<String, Double> ceiling = Map.of(
                "kq2_v1", 0.45,
                "kq3_v1", 0.70,
                "kq4_v1", 0.45,
                "kq5_v1", 0.32,
                "kq6_v1", 0.30,
                "int4_sym16_g32_v1", 0.33);
        ceiling.forEach((plain, ratio) -> {
            String rotated = plain.replace("_v1", "h_v1");
            assertThat(BITS.get(rotated)).as(rotated).isEqualTo(BITS.get(plain));
            assertThat(MSE.get(rotated)).as("%s against %s", rotated, plain).isLessThan(MSE.get(plain) * ratio);
        });
        assertBeats("kq5h_v1", "Q5_K", 5.5, 1.650e-5);
        assertBeats("kq2h_v1", "Q2_K", 2.625, 6.529e-4);
    }

    /**
     * The entropy-coded quantizers beat every K-quant here with fewer bits, Q2_K and Q5_K included
     * (where {@code kq2_v1} and {@code kq5_v1} lose): one step per tensor spends no bits on scales,
     * and the entropy coder gives the heavy tails' rare large codes long code words instead of
     * levels. Their bits per weight are far under their names here (the Student-t bulk is narrow
     * against the rms), so each is held against the ggml type of the next size up.
     */
    @Test
    void theEntropyCodedCodecsBeatGgmlWithFewerBits() {
        assertBeats("ecq2_v1", "Q2_K", 2.625, 6.529e-4);
        assertBeats("ecq3_v1", "Q2_K", 2.625, 6.529e-4);
        assertBeats("ecq4_v1", "Q3_K", 3.4375, 1.983e-4);
        assertBeats("ecq5_v1", "Q4_K", 4.5, 6.208e-5);
        assertBeats("ecq5_v1", "Q5_K", 5.5, 1.650e-5);
        assertBeats("ecq6_v1", "Q5_K", 5.5, 1.650e-5);
        assertBeats("ecq7_v1", "Q6_K", 6.5625, 6.117e-6);
        assertBeats("ecq8_v1", "Q8_0", 8.5, 7.354e-7);
        // and the grid codecs of the same size
        assertThat(MSE.get("ecq5_v1")).isLessThan(MSE.get("kq4_v1"));
        assertThat(BITS.get("ecq5_v1")).isLessThan(BITS.get("kq4_v1"));
        for (int b = 3; b <= 8; b++) {
            assertThat(MSE.get("ecq" + b + "_v1")).isLessThan(MSE.get("ecq" + (b - 1) + "_v1"));
            assertThat(BITS.get("ecq" + b + "_v1")).isGreaterThan(BITS.get("ecq" + (b - 1) + "_v1"));
        }
    }

    static void assertBeats(String codec, String ggmlType, double ggmlBits, double ggmlMse) {
        assertThat(BITS.get(codec))
                .as("%s bits/weight, against %s's %s", codec, ggmlType, ggmlBits)
                .isLessThanOrEqualTo(ggmlBits);
        assertThat(MSE.get(codec))
                .as("%s MSE, against %s's %s", codec, ggmlType, ggmlMse)
                .isLessThan(ggmlMse);
    }
}
