package dev.tenpak.internal.kernel;

/** Plain-Java kernels: the specification the vector kernels are tested against. */
public final class ScalarQuantKernels implements QuantKernels {
    public static final ScalarQuantKernels INSTANCE = new ScalarQuantKernels();

    /** Adding and subtracting 1.5 * 2^23 rounds a float with |y| <= 2^22 to an integer, ties to even. */
    static final float ROUNDING_MAGIC = 12582912f;

    private ScalarQuantKernels() {}

    @Override
    public float maxAbs(float[] x, int off, int len) {
        float m = 0f;
        for (int i = off, end = off + len; i < end; i++) {
            m = Math.max(m, Math.abs(x[i]));
        }
        return m;
    }

    /** Quantizes one value: clamp to [-q, q] then round half to even. */
    static int quantize(float x, float scale, float q) {
        float y = Math.min(q, Math.max(-q, x / scale));
        return (int) ((y + ROUNDING_MAGIC) - ROUNDING_MAGIC);
    }

    @Override
    public void quantizeInt8(float[] x, int off, int len, float scale, byte[] q, int qoff) {
        for (int i = 0; i < len; i++) {
            q[qoff + i] = (byte) quantize(x[off + i], scale, 127f);
        }
    }

    @Override
    public void dequantizeInt8(byte[] q, int qoff, int len, float scale, float[] x, int off) {
        for (int i = 0; i < len; i++) {
            x[off + i] = q[qoff + i] * scale;
        }
    }

    @Override
    public void quantizeInt4(float[] x, int off, int len, float scale, byte[] packed, int poff) {
        int pairs = len >>> 1;
        for (int i = 0; i < pairs; i++) {
            int lo = quantize(x[off + 2 * i], scale, 7f);
            int hi = quantize(x[off + 2 * i + 1], scale, 7f);
            packed[poff + i] = (byte) ((lo & 0x0F) | (hi << 4));
        }
        if ((len & 1) != 0) {
            packed[poff + pairs] = (byte) (quantize(x[off + len - 1], scale, 7f) & 0x0F);
        }
    }

    @Override
    public void dequantizeInt4(byte[] packed, int poff, int len, float scale, float[] x, int off) {
        int pairs = len >>> 1;
        for (int i = 0; i < pairs; i++) {
            int b = packed[poff + i];
            x[off + 2 * i] = ((b << 28) >> 28) * scale;
            x[off + 2 * i + 1] = (b >> 4) * scale;
        }
        if ((len & 1) != 0) {
            int b = packed[poff + pairs];
            x[off + len - 1] = ((b << 28) >> 28) * scale;
        }
    }

    @Override
    public void errorSums(float[] want, float[] got, int off, int len, double[] sums) {
        double[] sq = new double[ERROR_LANES];
        double[] abs = new double[ERROR_LANES];
        finishErrorSums(want, got, off, 0, len, sq, abs, 0, sums);
    }

    /**
     * Adds elements {@code [from, len)} of the range at {@code off} into the lanes (element
     * {@code i} into lane {@code i % 8}), then combines the lanes into {@code sums}: the
     * specification of {@link QuantKernels#errorSums}, and the tail of the vector version.
     */
    static void finishErrorSums(
            float[] want,
            float[] got,
            int off,
            int from,
            int len,
            double[] sq,
            double[] abs,
            double max,
            double[] sums) {
        for (int i = from; i < len; i++) {
            double d = (double) got[off + i] - want[off + i];
            double a = Math.abs(d);
            int lane = i & (ERROR_LANES - 1);
            sq[lane] += d * d;
            abs[lane] += a;
            if (a > max) {
                max = a;
            }
        }
        sums[0] = combineLanes(sq);
        sums[1] = combineLanes(abs);
        sums[2] = max;
    }

    /** The fixed pairwise order of {@link QuantKernels#errorSums}. */
    static double combineLanes(double[] l) {
        return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
    }

    @Override
    public int directCodes(float[] x, int off, int len, float step, byte[] sym, int soff) {
        int escapes = 0;
        for (int i = 0; i < len; i++) {
            float v = x[off + i];
            int q = (int) Math.rint(v / (double) step);
            int z = (q << 1) ^ (q >> 31);
            if (Integer.compareUnsigned(z, DIRECT_CODES) < 0 && Math.abs(v) <= 0x1p126f) {
                sym[soff + i] = (byte) z;
            } else {
                sym[soff + i] = (byte) 0xFF;
                escapes++;
            }
        }
        return escapes;
    }

    @Override
    public String description() {
        return "scalar";
    }
}
