package dev.tenpak.internal.kernel;

/**
 * The inner loops of the quantizing codecs over float and byte arrays. {@link ScalarQuantKernels}
 * is the specification; a Vector API implementation is loaded by class name when the
 * {@code jdk.incubator.vector} module is present (Lucene's VectorizationProvider pattern) and must
 * give identical bytes and floats. Set {@code -Dtenpak.vector=false} to force the scalar kernels.
 *
 * <p>Quantization of one value with scale {@code s} and bound {@code Q}: {@code y = x / s},
 * clamped to {@code [-Q, Q]}, then rounded to the nearest integer with ties to even. Both
 * implementations round with the float add-subtract of {@code 1.5 * 2^23}, which is exact
 * round-half-to-even for {@code |y| <= 2^22} and so for every clamped value.
 */
public interface QuantKernels {
    /** Largest {@code |x[i]|} over the range; NaN when the range holds a NaN, 0 when it is empty. */
    float maxAbs(float[] x, int off, int len);

    /** {@code q[qoff + i] = clamp(rint(x[off + i] / scale), -127, 127)}. */
    void quantizeInt8(float[] x, int off, int len, float scale, byte[] q, int qoff);

    /** {@code x[off + i] = q[qoff + i] * scale}. */
    void dequantizeInt8(byte[] q, int qoff, int len, float scale, float[] x, int off);

    /**
     * Quantizes to {@code [-7, 7]} and packs two values a byte: element {@code 2i} in the low
     * nibble of {@code packed[poff + i]}, element {@code 2i + 1} in the high nibble. An odd
     * {@code len} leaves the last high nibble zero.
     */
    void quantizeInt4(float[] x, int off, int len, float scale, byte[] packed, int poff);

    /** Unpacks {@code len} nibbles (sign-extended) and multiplies by {@code scale}. */
    void dequantizeInt4(byte[] packed, int poff, int len, float scale, float[] x, int off);

    /** Lanes of the error sums: element {@code i} of a range adds into lane {@code i % 8}. */
    int ERROR_LANES = 8;

    /**
     * Reconstruction error of {@code got} against {@code want} over {@code [off, off + len)}, in
     * double precision: {@code sums[0] = }&Sigma;{@code d}&sup2;, {@code sums[1] = }&Sigma;{@code |d|},
     * {@code sums[2] = max |d|} with {@code d = (double) got[i] - want[i]}. The order of the
     * additions is part of the contract, so that every implementation (and every thread count)
     * reports the same bits: element {@code off + i} is added into lane {@code i % 8} (each lane a
     * running sum from 0 in element order, {@code d * d} rounded before the add, no fused
     * multiply-add), and the lanes are combined as
     * {@code ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))}. Both arrays hold finite values.
     */
    void errorSums(float[] want, float[] got, int off, int len, double[] sums);

    /** The zigzag codes below this are the entropy-coded quantizers' direct symbols. */
    int DIRECT_CODES = 128;

    /**
     * The direct symbols of the entropy-coded quantizers ({@code ecq*}) with step {@code step > 0}:
     * for every {@code i < len}, {@code q = (int) Math.rint(x[off + i] / (double) step)} and its
     * zigzag code {@code z = (q << 1) ^ (q >> 31)}; {@code sym[soff + i] = (byte) z} where {@code z
     * < }{@link #DIRECT_CODES} and {@code |x[off + i]| <= 2^126}, else {@code (byte) 0xFF} (the codec
     * codes those elements with its escape rules). Returns how many got {@code 0xFF}.
     */
    int directCodes(float[] x, int off, int len, float step, byte[] sym, int soff);

    /** Short name for reports: "scalar" or "vector(256-bit)". */
    String description();

    /** The kernels this JVM uses: chosen once by {@link VectorizationProvider}. */
    static QuantKernels get() {
        return VectorizationProvider.get().quantKernels();
    }
}
