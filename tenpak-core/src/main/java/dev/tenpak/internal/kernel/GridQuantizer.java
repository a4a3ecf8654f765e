package dev.tenpak.internal.kernel;

import java.util.Arrays;

/**
 * Scalar specification of the grid quantizers behind the super-block codecs: values of a block
 * become indices into a fixed, sorted table of levels (the <em>grid</em>) times one signed block
 * scale, with the scale chosen to minimise the block's squared error. The search and the
 * code-and-error pass run through {@link GridSearchKernels}, whose vector kernel gives {@link
 * #searchScaleScalar}'s scale and {@link #codesAndSquaredErrorScalar}'s codes and sum bit for bit;
 * the rest is scalar.
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
    /** Trial scales per block: {@code 2 K + 1} on each end of the grid. */
    public static final int TRIALS = 2 * (2 * CANDIDATES_PER_SIDE + 1);

    /** Relative step between trial scales. */
    public static final float STEP = 0.05f;

    /**
     * Lookup-table cells per half of the narrowest gap between midpoints. The table only gives
     * {@link #nearest} its starting guess (the count is then corrected to the exact one), so this
     * changes speed, never a code: with cells this fine, almost no value's cell holds a midpoint,
     * the correction loops almost never run, and their branches predict well.
     */
    private static final int LUT_REFINE = 16;

    private final float[] grid;
    private final double[] levelD;
    private final double[] levelSq;
    private final float[] mids;
    private final float[] numerators;
    /** {@code -inf, mids..., +inf}: the midpoints with sentinels, so the search needs no index tests. */
    private final float[] bounded;

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
        this.levelD = new double[grid.length];
        this.levelSq = new double[grid.length];
        for (int k = 0; k < grid.length; k++) {
            levelD[k] = grid[k];
            levelSq[k] = levelD[k] * levelD[k]; // exact: a float squared fits a double
        }
        this.mids = new float[grid.length - 1];
        float gap = 0f;
        for (int k = 0; k < mids.length; k++) {
            if (!(grid[k] < grid[k + 1])) {
                throw new IllegalArgumentException("grid not strictly increasing at " + k);
            }
            mids[k] = (grid[k] + grid[k + 1]) * 0.5f;
            gap = Math.max(gap, grid[k + 1] - grid[k]);
        }
        this.bounded = new float[mids.length + 2];
        bounded[0] = Float.NEGATIVE_INFINITY;
        System.arraycopy(mids, 0, bounded, 1, mids.length);
        bounded[mids.length + 1] = Float.POSITIVE_INFINITY;
        this.maxGap = gap;
        this.minEnd = Math.min(Math.abs(grid[0]), Math.abs(grid[grid.length - 1]));
        float minMidGap = Float.POSITIVE_INFINITY;
        for (int k = 0; k + 1 < mids.length; k++) {
            minMidGap = Math.min(minMidGap, mids[k + 1] - mids[k]);
        }
        this.lutLo = mids[0];
        this.lutHi = mids[mids.length - 1];
        int cells = mids.length == 1
                ? 1
                : (int) Math.min(1 << 16, Math.ceil(2 * LUT_REFINE * (lutHi - lutLo) / minMidGap) + 1);
        this.lutScale = mids.length == 1 ? 0f : cells / (lutHi - lutLo);
        this.lut = new byte[cells + 1];
        for (int c = 0; c <= cells; c++) {
            lut[c] = (byte) countBelow(lutLo + c / lutScale);
        }
        this.zeroCode = nearest(0f);
        this.numerators = new float[TRIALS];
        int t = 0;
        for (int side = 0; side < 2; side++) {
            float end = side == 0 ? grid[0] : grid[grid.length - 1];
            for (int k = -CANDIDATES_PER_SIDE; k <= CANDIDATES_PER_SIDE; k++) {
                numerators[t++] = end * (1 + k * STEP);
            }
        }
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
            return 0; // NaN too
        }
        // the table's guess, then exact: above lutHi the last cell's guess climbs to mids.length
        int q = lut[Math.min(lut.length - 1, (int) ((y - lutLo) * lutScale))];
        while (bounded[q + 1] < y) { // mids[q] < y; bounded[mids.length + 1] is +infinity
            q++;
        }
        while (!(bounded[q] < y)) { // !(mids[q - 1] < y); bounded[0] is -infinity, below any y here
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

    /**
     * {@link #codes} and then {@link #squaredError} in one pass over the block: the same codes and
     * the same sum (same terms, same order). Runs the {@link GridSearchKernels} of this JVM, which
     * give {@link #codesAndSquaredErrorScalar}'s codes and sum bit for bit.
     */
    public double codesAndSquaredError(float[] x, int off, int len, float c, byte[] q, int qoff) {
        return GridSearchKernels.get().codesAndSquaredError(this, x, off, len, c, q, qoff);
    }

    /** The specification of {@link #codesAndSquaredError}. */
    public double codesAndSquaredErrorScalar(float[] x, int off, int len, float c, byte[] q, int qoff) {
        if (c == 0f) {
            Arrays.fill(q, qoff, qoff + len, (byte) zeroCode);
            return squaredError(x, off, len, c, q, qoff);
        }
        float inv = 1f / c;
        double e = 0;
        for (int i = 0; i < len; i++) {
            float v = x[off + i];
            int k = nearest(v * inv);
            q[qoff + i] = (byte) k;
            double d = (double) v - c * grid[k];
            e += d * d;
        }
        return e;
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
     * or every trial scale underflows. Values must be finite. Runs the {@link GridSearchKernels} of
     * this JVM, which give {@link #searchScaleScalar}'s answer bit for bit.
     */
    public float searchScale(float[] x, int off, int len) {
        return GridSearchKernels.get().searchScale(this, x, off, len);
    }

    /**
     * Lookup tables a vector kernel derives from this grid (immutable, built once per grid by the
     * kernel, at the JVM's one vector width; a racy first build only builds them twice).
     */
    Object kernelTables;

    /** Another such table, for a second kind of kernel (see {@link #kernelTables}). */
    Object kernelSearch;

    /** The levels themselves, not a copy: for the kernels in this package, which must not write them. */
    float[] levelsView() {
        return grid;
    }

    /** The midpoints themselves, not a copy (see {@link #levelsView}). */
    float[] midsView() {
        return mids;
    }

    /**
     * The numerators of the trial inverse scales in trial order, {@code end * (1 + k * STEP)} as
     * the float arithmetic of {@link #searchScaleScalar} computes them; trial {@code t}'s inverse
     * scale is {@code numerator[t] / m}. Not a copy.
     */
    float[] trialNumerators() {
        return numerators;
    }

    /** The specification of {@link #searchScale}, written as the class comment says. */
    public float searchScaleScalar(float[] x, int off, int len) {
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
                    float v = x[i];
                    int q = nearest(v * u);
                    sxl += v * levelD[q]; // the double product of two floats: exact, as before
                    sll += levelSq[q];
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
