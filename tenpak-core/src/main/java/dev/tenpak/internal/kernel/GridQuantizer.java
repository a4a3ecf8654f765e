package dev.tenpak.internal.kernel;

import java.util.Arrays;

/**
 * Scalar specification of the grid quantizers behind the super-block codecs: values of a block
 * become indices into a fixed, sorted table of levels (the <em>grid</em>) times one signed block
 * scale, with the scale chosen to minimise the block's squared error. Vector kernels, when they
 * come, must give the same codes and scales bit for bit.
 *
 * <p><b>Nearest level.</b> Under a scale {@code c} the code of {@code x} is the number of grid
 * midpoints {@code (g[k] + g[k + 1]) * 0.5f} that are strictly below {@code y = x * (1f / c)} (the
 * reciprocal rounded to float, then one float multiply): the nearest level, ties going to the lower
 * one, values beyond either end clamping to it. A scale {@code c == 0} gives {@link #zeroCode()},
 * the level nearest 0. (The implementation finds the count through a lookup table of evenly spaced
 * cells and a one-step correction, which gives exactly the count.)
 *
 * <p><b>Scale search</b> ({@link #searchScale}). Let {@code m} be the value of largest magnitude
 * (the first on ties). For each end {@code e} of the grid (first {@code g[0]}, then
 * {@code g[n - 1]}) and each {@code k} in {@code -K..K} ({@link #CANDIDATES_PER_SIDE}), the trial
 * inverse scale {@code u = (e * (1 + k * STEP)) / m} (float arithmetic) maps {@code m} near that
 * end; it gives codes {@code q_i = count of midpoints < x_i * u}, and the least-squares scale for those codes is
 * {@code s = sum(x g[q]) / sum(g[q]^2)} with squared-error reduction
 * {@code sum(x g[q])^2 / sum(g[q]^2)} (sums in double). The candidate with the largest reduction
 * wins, earlier ones on ties. Trying both ends is the signed-scale trick of llama.cpp's Q4_0/Q3_K:
 * the largest magnitude can land on whichever end of an asymmetric grid (-8..7) is longer.
 * Unweighted squared error is the objective: weighting by {@code |x|} (llama.cpp without an
 * importance matrix) was measured and raised the MSE on MiniLM (docs/PERFORMANCE.md).
 */
public final class GridQuantizer {
    /** Trial scales per grid end on each side of the end-mapped one. */
    public static final int CANDIDATES_PER_SIDE = 4;

    /** Relative step between trial scales. */
    public static final float STEP = 0.05f;

    private final float[] grid;
    private final float[] mids;
    private final int zeroCode;
    private final float maxGap;
    private final float minEnd;
    private final float lutLo;
    private final float lutHi;
    private final float lutScale;
    private final byte[] lut;

    /** A quantizer over {@code grid}, a strictly increasing table of at least two finite levels. */
    public GridQuantizer(float[] grid) {
        if (grid.length < 2) {
            throw new IllegalArgumentException("a grid needs at least two levels");
        }
        this.grid = grid.clone();
        this.mids = new float[grid.length - 1];
        float gap = 0f;
        for (int k = 0; k < mids.length; k++) {
            if (!(grid[k] < grid[k + 1])) {
                throw new IllegalArgumentException("grid not strictly increasing at " + k);
            }
            mids[k] = (grid[k] + grid[k + 1]) * 0.5f;
            gap = Math.max(gap, grid[k + 1] - grid[k]);
        }
        this.maxGap = gap;
        this.minEnd = Math.min(Math.abs(grid[0]), Math.abs(grid[grid.length - 1]));
        float minMidGap = Float.POSITIVE_INFINITY;
        for (int k = 0; k + 1 < mids.length; k++) {
            minMidGap = Math.min(minMidGap, mids[k + 1] - mids[k]);
        }
        this.lutLo = mids[0];
        this.lutHi = mids[mids.length - 1];
        int cells = mids.length == 1 ? 1 : (int) Math.min(1 << 16, Math.ceil(2 * (lutHi - lutLo) / minMidGap) + 1);
        this.lutScale = mids.length == 1 ? 0f : cells / (lutHi - lutLo);
        this.lut = new byte[cells + 1];
        for (int c = 0; c <= cells; c++) {
            lut[c] = (byte) countBelow(lutLo + c / lutScale);
        }
        this.zeroCode = nearest(0f);
    }

    /** The definition: the count of midpoints strictly below {@code y}, by binary search. */
    private int countBelow(float y) {
        int lo = 0;
        int hi = mids.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (mids[mid] < y) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The levels, in increasing order (a copy). */
    public float[] grid() {
        return grid.clone();
    }

    public int levels() {
        return grid.length;
    }

    /** Level {@code q}. */
    public float level(int q) {
        return grid[q];
    }

    /** The code of the level nearest 0: what every element of a block with scale 0 stores. */
    public int zeroCode() {
        return zeroCode;
    }

    /** The largest distance between neighbouring levels (for error bounds). */
    public float maxGap() {
        return maxGap;
    }

    /** The smaller magnitude of the two ends (for error bounds of clamped values). */
    public float minEnd() {
        return minEnd;
    }

    /** The code of {@code y}: the count of midpoints strictly below it. */
    public int nearest(float y) {
        if (!(y > lutLo)) {
            return 0;
        }
        if (y > lutHi) {
            return mids.length;
        }
        int q = lut[Math.min(lut.length - 1, (int) ((y - lutLo) * lutScale))];
        while (q < mids.length && mids[q] < y) {
            q++;
        }
        while (q > 0 && !(mids[q - 1] < y)) {
            q--;
        }
        return q;
    }

    /** Writes the codes of {@code x[off .. off + len)} under scale {@code c} into {@code q[qoff ..]}. */
    public void codes(float[] x, int off, int len, float c, byte[] q, int qoff) {
        if (c == 0f) {
            Arrays.fill(q, qoff, qoff + len, (byte) zeroCode);
            return;
        }
        float inv = 1f / c;
        for (int i = 0; i < len; i++) {
            q[qoff + i] = (byte) nearest(x[off + i] * inv);
        }
    }

    /** {@code sum((x - c * g[q])^2)} over the block, in double. */
    public double squaredError(float[] x, int off, int len, float c, byte[] q, int qoff) {
        double e = 0;
        for (int i = 0; i < len; i++) {
            double d = (double) x[off + i] - c * grid[q[qoff + i]];
            e += d * d;
        }
        return e;
    }

    /** The least-squares scale for fixed codes, {@code sum(x g[q]) / sum(g[q]^2)} as a float; 0 when undefined. */
    public float fitScale(float[] x, int off, int len, byte[] q, int qoff) {
        double sxl = 0;
        double sll = 0;
        for (int i = 0; i < len; i++) {
            double l = grid[q[qoff + i]];
            sxl += x[off + i] * l;
            sll += l * l;
        }
        return sll > 0 ? (float) (sxl / sll) : 0f;
    }

    /**
     * The signed block scale of the search described in the class comment; 0 when every value is 0
     * or every trial scale underflows. Values must be finite.
     */
    public float searchScale(float[] x, int off, int len) {
        float m = 0f;
        for (int i = off; i < off + len; i++) {
            if (Math.abs(x[i]) > Math.abs(m)) {
                m = x[i];
            }
        }
        if (m == 0f) {
            return 0f;
        }
        float best = 0f;
        double bestGain = -1;
        for (int side = 0; side < 2; side++) {
            float end = side == 0 ? grid[0] : grid[grid.length - 1];
            for (int k = -CANDIDATES_PER_SIDE; k <= CANDIDATES_PER_SIDE; k++) {
                float u = (end * (1 + k * STEP)) / m;
                if (!Float.isFinite(u)) {
                    continue;
                }
                double sxl = 0;
                double sll = 0;
                for (int i = off; i < off + len; i++) {
                    double l = grid[nearest(x[i] * u)];
                    sxl += x[i] * l;
                    sll += l * l;
                }
                if (sll > 0) {
                    double gain = sxl * sxl / sll;
                    if (gain > bestGain) {
                        bestGain = gain;
                        best = (float) (sxl / sll);
                    }
                }
            }
        }
        return best;
    }
}
