package dev.tenpak.internal.kernel;

/**
 * Scalar specification of one super-block: up to {@value #SUPER} consecutive values cut into
 * sub-blocks of {@code S} (the last one shorter when the super-block is), each with its own signed
 * scale, the scales themselves quantized to {@code B}-bit signed integers under one f16 super-scale.
 * The codecs call it once per super-block; docs/FORMAT.md has the byte layout.
 *
 * <p><b>Encoding</b> (all float arithmetic unless said otherwise; {@code lim = 2^(B-1)}):
 * <ol>
 *   <li>Each sub-block's float scale {@code s_j} comes from {@link GridQuantizer#searchScale}.</li>
 *   <li>{@code ms} = the {@code s_j} of largest magnitude (first on ties). The super-scale is
 *       {@code d = f16(-ms / lim)}, so that {@code ms} maps to {@code -lim}, the longer end of the
 *       two's complement range (the signed-scale trick again, one level up). {@code ms == 0}, or
 *       {@code d} rounding to 0, gives {@code d = 0}: every sub-scale 0, every code the zero code.
 *       A {@code d} beyond the f16 range makes the super-block unencodable.</li>
 *   <li>{@code l_j = clamp(rint(s_j / d), -lim, lim - 1)}; codes from {@code c_j = d * l_j}.</li>
 *   <li>{@value #REFINE} refinement rounds, each: refit every {@code s_j} by least squares to its
 *       current codes and requantize {@code l_j} under the same {@code d}; refit
 *       {@code d = f16(sum(x l g) / sum((l g)^2))} over the super-block (kept only when finite and
 *       non-zero); recompute the codes. The state (d, l, codes) with the smallest squared error over
 *       the super-block is kept, the earliest on ties, so refinement never makes a block worse.</li>
 * </ol>
 * Decoding is {@code x = (d * l_j) * g[q]} in float, {@code d} decoded from f16.
 */
public final class SuperBlockQuantizer {
    /** Elements per super-block. */
    public static final int SUPER = 256;

    /** Refinement rounds after the first quantization of the sub-scales. */
    public static final int REFINE = 2;

    /** Returned instead of super-scale bits when the super-block cannot be encoded (f16 overflow). */
    public static final short INVALID = (short) 0x7C00;

    private final GridQuantizer grid;
    private final int sub;
    private final int scaleBits;
    private final int lim;

    /**
     * @param sub       elements per sub-block, dividing {@value #SUPER}
     * @param scaleBits bits per signed sub-scale, 2 to 8
     */
    public SuperBlockQuantizer(GridQuantizer grid, int sub, int scaleBits) {
        if (sub <= 0 || SUPER % sub != 0 || scaleBits < 2 || scaleBits > 8) {
            throw new IllegalArgumentException("sub-block " + sub + ", scale bits " + scaleBits);
        }
        this.grid = grid;
        this.sub = sub;
        this.scaleBits = scaleBits;
        this.lim = 1 << (scaleBits - 1);
    }

    public GridQuantizer grid() {
        return grid;
    }

    /** Work arrays for one super-block; one per thread. */
    public static final class Scratch {
        final float[] s = new float[SUPER];
        final byte[] bestL = new byte[SUPER];
        final byte[] bestQ = new byte[SUPER];
    }

    /**
     * Quantizes {@code x[off .. off + len)} ({@code 0 < len <= SUPER}, finite values): sub-scales
     * into {@code l[loff ..]} (one per sub-block, {@code ceil(len / S)} of them), codes into
     * {@code q[qoff ..]}. Returns the f16 bits of the super-scale or {@link #INVALID}. Runs the
     * {@link GridSearchKernels} of this JVM, which give {@link #quantizeScalar}'s super-scale, sub-scales
     * and codes bit for bit.
     */
    public short quantize(float[] x, int off, int len, byte[] l, int loff, byte[] q, int qoff, Scratch w) {
        return GridSearchKernels.get().quantizeSuperBlock(this, x, off, len, l, loff, q, qoff, w);
    }

    /** Elements per sub-block. */
    int subBlock() {
        return sub;
    }

    /** {@code 2^(B-1)}: the sub-scales run from {@code -lim} to {@code lim - 1}. */
    int scaleLimit() {
        return lim;
    }

    /**
     * The specification of {@link #quantize}, written as the class comment says, one sub-block at a
     * time. Its scale search and code-and-error passes run through {@link GridQuantizer#searchScale}
     * and {@link GridQuantizer#codesAndSquaredError}, whose kernels give their scalar specifications'
     * answers bit for bit, so this is the scalar code's answer with any kernel.
     */
    public short quantizeScalar(float[] x, int off, int len, byte[] l, int loff, byte[] q, int qoff, Scratch w) {
        int nsub = (len + sub - 1) / sub;
        float[] s = w.s;
        float ms = 0f;
        for (int j = 0; j < nsub; j++) {
            int b = j * sub;
            s[j] = grid.searchScale(x, off + b, Math.min(sub, len - b));
            if (Math.abs(s[j]) > Math.abs(ms)) {
                ms = s[j];
            }
        }
        short dBits = Float.floatToFloat16(-ms / lim);
        float d = Float.float16ToFloat(dBits);
        if (Float.isInfinite(d)) {
            return INVALID;
        }
        if (d == 0f) {
            java.util.Arrays.fill(l, loff, loff + nsub, (byte) 0);
            java.util.Arrays.fill(q, qoff, qoff + len, (byte) grid.zeroCode());
            return 0;
        }
        for (int j = 0; j < nsub; j++) {
            l[loff + j] = (byte) clampScale(s[j] / d);
        }
        double err = codesAndError(x, off, len, d, l, loff, q, qoff, nsub);
        short bestD = dBits;
        double bestErr = err;
        System.arraycopy(l, loff, w.bestL, 0, nsub);
        System.arraycopy(q, qoff, w.bestQ, 0, len);
        for (int r = 0; r < REFINE; r++) {
            double num = 0;
            double den = 0;
            for (int j = 0; j < nsub; j++) {
                int b = j * sub;
                int n = Math.min(sub, len - b);
                float sj = grid.fitScale(x, off + b, n, q, qoff + b);
                int lj = clampScale(sj / d);
                l[loff + j] = (byte) lj;
                for (int i = 0; i < n; i++) {
                    double v = (double) lj * grid.level(q[qoff + b + i]);
                    num += x[off + b + i] * v;
                    den += v * v;
                }
            }
            dBits = refitBits(num, den, dBits);
            d = Float.float16ToFloat(dBits);
            err = codesAndError(x, off, len, d, l, loff, q, qoff, nsub);
            if (err < bestErr) {
                bestErr = err;
                bestD = dBits;
                System.arraycopy(l, loff, w.bestL, 0, nsub);
                System.arraycopy(q, qoff, w.bestQ, 0, len);
            }
        }
        System.arraycopy(w.bestL, 0, l, loff, nsub);
        System.arraycopy(w.bestQ, 0, q, qoff, len);
        return bestD;
    }

    /**
     * The f16 bits of the least-squares super-scale {@code num / den}, or {@code current} where there
     * is none ({@code den} not positive) or it rounds to an unusable f16 (zero or infinite). The
     * refinement rule of {@link #quantizeScalar}, shared with the vector kernel so the two cannot drift.
     */
    static short refitBits(double num, double den, short current) {
        if (den > 0) {
            short nb = Float.floatToFloat16((float) (num / den));
            float nd = Float.float16ToFloat(nb);
            if (nd != 0f && Float.isFinite(nd)) {
                return nb;
            }
        }
        return current;
    }

    /** {@code clamp(rint(y), -lim, lim - 1)}: a sub-scale from its float quotient. */
    int clampScale(float y) {
        return (int) Math.max(-lim, Math.min(lim - 1, Math.rint(y)));
    }

    private double codesAndError(
            float[] x, int off, int len, float d, byte[] l, int loff, byte[] q, int qoff, int nsub) {
        double err = 0;
        for (int j = 0; j < nsub; j++) {
            int b = j * sub;
            int n = Math.min(sub, len - b);
            float c = d * l[loff + j];
            err += grid.codesAndSquaredError(x, off + b, n, c, q, qoff + b);
        }
        return err;
    }

    /** {@code len} values of one super-block: {@code y[yoff + i] = (d * l_j) * g[q_i]}. */
    public void dequantize(short dBits, byte[] l, int loff, byte[] q, int qoff, int len, float[] y, int yoff) {
        float d = Float.float16ToFloat(dBits);
        for (int b = 0, j = 0; b < len; b += sub, j++) {
            float c = d * l[loff + j];
            int n = Math.min(sub, len - b);
            for (int i = 0; i < n; i++) {
                y[yoff + b + i] = c * grid.level(q[qoff + b + i]);
            }
        }
    }
}
