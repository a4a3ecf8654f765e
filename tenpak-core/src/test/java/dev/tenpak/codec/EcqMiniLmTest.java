package dev.tenpak.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.internal.format.safetensors.SafetensorsReader;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Size and error of the entropy-coded quantizers on the real all-MiniLM-L6-v2 weights, the same
 * 39 tensors as {@link KQuantMiniLmTest} (every 2-D float tensor with at least 4096 elements,
 * 22.7M weights). Bits per weight are the bytes stored: payload and index parameters. Each codec
 * must stay within its size and under its error ceiling: the target where there is one,
 * otherwise the ggml type it beats (docs/PERFORMANCE.md). The SHA-256 of each codec's 39
 * parameter blocks and payloads, in file order, is pinned too.
 */
class EcqMiniLmTest {
    static SafetensorsReader reader;
    static List<Tensor> weights;

    @BeforeAll
    static void load() throws Exception {
        reader = MiniLmWeights.open();
        weights = MiniLmWeights.matrices(reader);
        assertThat(weights).hasSize(39);
    }

    @AfterAll
    static void close() {
        reader.close();
    }

    @ParameterizedTest(name = "{0}: at most {1} bits/weight, MSE under {2} ({3})")
    @CsvSource({
        "ecq1_v1, 1.35, 9.0e-4, 'regression ceiling (made for delta residuals; no ggml type this small)', 59b2480ed708a15f3aadb64cb310a170b190b195286e482a257945ff4c78b0bd",
        "ecq2_v1, 2.70, 3.042e-4, 'below ggml Q2_K (2.625 bits), the issue''s <= 2.7 bits', 87901bc2c036d30cd32f338ddca7a4ce0c3538e2c10b703284125b65d16a55a3",
        "ecq3_v1, 3.50, 7.919e-5, 'below ggml Q3_K (3.4375 bits), the issue''s <= 3.5 bits', f0e78fa3f2caa40118250f9e1250e187a7b330a12d365d81025b0c1ab8946c6c",
        "ecq4_v1, 4.25, 1.50e-5, 'issue targets: <= 1.77e-5 at <= 4.25 bits and <= 1.50e-5 at <= 4.5', d5a0b770894c0e42c65aa1c5b031b6a11886a8218aa48b58dbad3cd18941a986",
        "ecq5_v1, 5.50, 3.90e-6, 'issue target at <= 5.5 bits (Q5_K 4.54e-6)', e8e5a0629861823b14c387c908a05a707acd6a4a6c5ead0635c94d3de0f21cce",
        "ecq6_v1, 6.60, 9.40e-7, 'issue target at <= 6.6 bits (Q6_K 1.11e-6)', c5d2cee481b031f9428c4b0acdec8628a730598ec289c648e669ecb507c5b4c5",
        "ecq7_v1, 7.25, 2.30e-7, 'regression ceiling (no ggml type between Q6_K and Q8_0)', ec041ee822dfe3c01bcfb6b45737638c37ed3a62dcd7c592ecd04dfc5d1a0997",
        "ecq8_v1, 8.50, 1.024e-7, 'below ggml Q8_0 at 8.5 bits', 9684bd36c11b4647f5508ea2010ed0d3d54bea53558f77c3f2e083a1a0338f4d",
    })
    void staysWithinItsSizeAndUnderItsCeiling(String name, double maxBits, double ceiling, String why, String sha256)
            throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        Codec c = Codecs.byName(name);
        double sq = 0;
        long n = 0;
        long bytes = 0;
        for (Tensor t : weights) {
            MemorySegment dst = MemorySegment.ofArray(new byte[(int) c.encodedSize(t.dtype(), t.shape())]);
            Codec.Encoded e = c.encodeSized(t, dst);
            MemorySegment p = dst.asSlice(0, e.length());
            assertThat(c.validate(t.dtype(), t.shape(), e.params(), e.length())).isNull();
            md.update(e.params());
            md.update(p.toArray(ValueLayout.JAVA_BYTE));
            float[] x = t.toFloatArray();
            float[] y = new float[x.length];
            c.decodeFloats(t.dtype(), t.shape(), e.params(), p, 0, y, 0, y.length);
            for (int i = 0; i < x.length; i++) {
                double d = (double) x[i] - y[i];
                sq += d * d;
            }
            n += x.length;
            bytes += e.length() + e.params().length;
        }
        double mse = sq / n;
        double bpw = bytes * 8.0 / n;
        System.out.printf(
                Locale.ROOT,
                "MiniLM %s: %.4f bits/weight stored, MSE %.4e (at most %.2f bits, ceiling %.3e: %s)%n",
                name,
                bpw,
                mse,
                maxBits,
                ceiling,
                why);
        assertThat(bpw).as("bits per weight stored").isLessThanOrEqualTo(maxBits);
        assertThat(mse).as("MSE").isLessThan(ceiling);
        assertThat(HexFormat.of().formatHex(md.digest()))
                .as("parameter and payload bytes")
                .isEqualTo(sha256);
    }
}
