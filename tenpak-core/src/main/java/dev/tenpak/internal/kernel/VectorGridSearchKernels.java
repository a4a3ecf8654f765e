package dev.tenpak.internal.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link GridQuantizer#searchScaleScalar} and {@link GridQuantizer#codesAndSquaredErrorScalar} in
 * vectors, bit for bit. Loaded by name by {@link VectorizationProvider}; the width follows {@link
 * VectorShapes#floatSpecies}.
 *
 * <p><b>Scale search, one trial scale per lane.</b> The trial inverse scales are {@code
 * numerator[t] / m} (the numerators {@code end * (1 + k * STEP)} are the scalar code's float
 * values, kept per grid). Each element's level under every trial is the count of midpoints below
 * {@code y}, by a compare and blend per midpoint (the lanes whose {@code y} is above midpoint
 * {@code k} take level {@code k + 1}; the midpoints are sorted, so the last blend that applies is
 * the nearest level), the scalar code's level. Each lane sums {@code x * g} and {@code g * g} in
 * double over the elements in order: every product is exact and every
 * sum has the scalar code's terms in the scalar code's order. The trials that do not fill a vector
 * run with one element per lane instead (the same levels by the same count), their products
 * written out and summed in element order by scalar adds. The winner is picked by the scalar rule
 * (that of {@link GridQuantizer#searchScaleScalar}: trials whose inverse scale is not finite
 * skipped, then the largest gain with {@code sll > 0}, the earliest on ties) from gains {@code
 * sxl^2 / sll} divided in vectors (the same IEEE quotient as the scalar division) and the trial
 * scales' finiteness read from the vector quotients.
 *
 * <p><b>The count by lookup, for grids of 16 to 64 levels.</b> Comparing against every midpoint
 * costs two operations per midpoint and element (126 for 64 levels). Instead, a monotone cell
 * function of {@code y} (a fused multiply-add, the float add of {@code 2^23}, the bits as an int,
 * clamped: {@link #cell}) picks one of {@code 2L} cells; per cell a table gives the count of
 * midpoints below every value of the cell and up to {@value #SLOTS} midpoints the cell straddles,
 * which are compared; the level comes from the count. Every table is one or two two-vector
 * {@code selectFrom}s (a {@code vpermi2d} on AVX-512). The count is exact by construction (see
 * {@link #buildTables}), not a guess that is corrected: a grid whose cells need more compares than
 * that keeps the compare and blend. 2.1x the whole {@code kq6_v1} quantizer (docs/PERFORMANCE.md).
 * The tables hold at most {@code 4L} levels, so at 8 lanes (256-bit vectors) grids of 33 to 64
 * levels have none; their lanes paths count by a binary search of six steps instead ({@link Wide}).
 *
 * <p><b>A whole super-block, one sub-block per lane</b> ({@link #quantizeSuperBlock}, full
 * super-blocks of every grid: the count by compare and blend under 5 levels, by a branch-free binary
 * search from 5 to 8 ({@link #searchLanesSearch}: three steps, each a compare against a midpoint
 * read by a one-vector {@code selectFrom}, then the level by one more; 1.14x {@code kq3_v1}, see
 * docs/PERFORMANCE.md), by the compare and blend again from 9 to 15, by the lookup above from 16
 * to 64 where its tables fit this width, and by a six-step binary search ({@link #searchLanesWide}:
 * the same idea, midpoints read by one- and two-vector {@code selectFrom}s) for 33 to 64 levels
 * where they do not, every such grid at 8 lanes (1.7x {@code kq6_v1} at 256 bits, see
 * docs/PERFORMANCE.md)). With 16 elements per sub-block and 18 trials, one trial per lane
 * leaves two trials per sub-block to a slow one-element-per-lane pass, and every sum in element
 * order of a sub-block's 16 values is a chain of dependent scalar adds. With a sub-block per lane
 * instead (the super-block transposed once), every trial fills the vector, and each
 * lane's sums, in double, run over its own sub-block's elements in element order: the scalar
 * code's terms in the scalar code's order, by fused multiply-adds where the product is exact (a
 * product of two floats) and by a multiply and an add where it is not. The trials' winners, the
 * code-and-error passes, the least-squares refits of the sub-scales and the terms of the
 * super-scale's refit run the same way; what is summed over the whole super-block (the error over
 * the sub-blocks, the refit's two sums over its 256 terms) is added by scalar code in the scalar
 * code's order. 2.1x {@code kq3_v1}'s super-block, 2.1x {@code kq4_v1}'s and {@code kq5_v1}'s
 * (docs/PERFORMANCE.md). The f16-scaled blocks of {@code int4_sym16_g32_v1} run the same way, one
 * block of 32 per lane ({@link #quantizeF16Blocks}: 1.9x), and then write their codes under the
 * chosen scales in element order, a vector per run of one block ({@link #codesInOrder}). The lookup
 * in these lanes compares only as many midpoints per cell, and reads only as many rows of levels, as
 * the grid's tables need at this width (one and one for 16 and 32 levels at 16 lanes): the other
 * rows are {@code +inf} and past the last code, so leaving them out changes no count.
 *
 * <p><b>Codes and squared error, one element per lane.</b> The codes by the compare count above,
 * the terms {@code ((double) x - (float) (c * g[q]))^2} in double lanes (the scalar code's exact
 * operations), written out and summed in element order by scalar adds: the same codes, the same
 * double.
 */
final class VectorGridSearchKernels implements GridSearchKernels {
    private static final VectorSpecies<Float> FS = VectorShapes.floatSpecies("vector grid search");
    private static final VectorSpecies<Double> DS = VectorSpecies.of(double.class, FS.vectorShape());
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    private static final int L = FS.length();
    private static final int HALF = DS.length();
    private static final VectorSpecies<Byte> BS = VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L));
    private static final int TRIALS = GridQuantizer.TRIALS;
    private static final int SUPER = SuperBlockQuantizer.SUPER;
    /** The most values one transposed group of blocks holds: {@code L} blocks of 32 at 16 lanes. */
    private static final int LANES_MAX = 2 * SUPER;

    /** Per-thread work arrays: every trial plus a vector's worth of padding lanes, and one vector of terms. */
    private static final class Scratch {
        final double[] sxl = new double[TRIALS + L];
        final double[] sll = new double[TRIALS + L];
        final double[] gain = new double[TRIALS + L];
        final float[] u = new float[TRIALS + L];
        final double[] ta = new double[L];
        final double[] tb = new double[L];

        // a super-block with one sub-block per lane ("sub-block major" below: element i of
        // sub-block j at (j / L) * sub * L + i * L + j % L)
        // (or a group of L blocks of an f16-scaled codec, at most LANES_MAX values, the same way)
        final float[] xt = new float[LANES_MAX];
        final double[] xd = new double[LANES_MAX];
        final float[] lt = new float[LANES_MAX];
        final byte[] qt = new byte[LANES_MAX];
        final byte[] bestQt = new byte[LANES_MAX];
        /** The sub-scales a refinement round started from. */
        final byte[] prevL = new byte[SUPER];

        final double[] tn = new double[SUPER];
        final double[] td = new double[SUPER];
        final float[] s = new float[SUPER];
        final float[] c = new float[SUPER];
        /** Each lane's (sub-)block error from the last {@link #codesLanes}. */
        final double[] le = new double[SUPER];

        final double[] le1 = new double[L];
        final short[] sb = new short[L];
        final short[] rb = new short[L];
        final float[] m = new float[L];
        final double[] e = new double[2 * L];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Cells of the lookup: one two-vector {@code selectFrom} table of int lanes. */
    private static final int CELLS = 2 * L;

    /** Midpoints compared per cell; cells with fewer compare against {@code +inf}. */
    private static final int SLOTS = 3;

    /** Tables of {@link #CELLS} levels; codes past the grid's last level are never produced. */
    private static final int PAIRS = 2;

    /** Where the rows of levels start. */
    private static final int LEVELS = (1 + SLOTS) * CELLS;

    /** {@code 2^23}: a float in {@code [0, 2^23)} plus this leaves its rounded integer in the low mantissa bits. */
    private static final float MAGIC = 0x1p23f;

    /** The bits of {@link #MAGIC}, a multiple of {@link #CELLS}, so that {@code selectFrom}'s wrap removes it. */
    private static final int MAGIC_BITS = Float.floatToRawIntBits(MAGIC);

    /**
     * One grid's lookup at this width (see the class comment): the cell function's constants and,
     * in rows of {@link #CELLS} int lanes, the count of midpoints below every value of each cell
     * ({@code base}), {@link #SLOTS} rows of the midpoints to compare in each cell, and {@link
     * #PAIRS} rows of the levels as float bits.
     */
    private record Tables(float scale, float shift, int[] rows, int slots, int pairs) {}

    private static final Object NO_TABLES = new Object();

    /**
     * The cell of {@code y} as the vector lanes compute it (the scalar form, for building the
     * tables): monotone non-decreasing in {@code y}, since the fused multiply-add and the add round
     * monotonically, non-negative floats order as their bits do, and negative ones (bits negative as
     * ints) all clamp to cell 0.
     */
    static int cell(float y, float scale, float shift) {
        int b = Float.floatToRawIntBits(Math.fma(y, scale, shift) + MAGIC);
        return Math.min(Math.max(b, MAGIC_BITS), MAGIC_BITS + CELLS - 1) - MAGIC_BITS;
    }

    /** The grid's tables, built once per grid; null where they do not apply (the compare and blend runs then). */
    private static Tables tables(GridQuantizer grid) {
        Object t = grid.kernelTables;
        if (t == null) {
            Tables built = buildTables(grid.midsView(), grid.levelsView());
            t = built == null ? NO_TABLES : built;
            grid.kernelTables = t;
        }
        return t instanceof Tables tb ? tb : null;
    }

    /**
     * The tables of a grid, or null for fewer than 16 levels (where comparing every midpoint costs
     * about as much as the lookups), more than {@link #PAIRS} rows of levels, or a cell with more
     * than {@link #SLOTS} midpoints to compare. Exact by construction: for a cell {@code c} and
     * a midpoint {@code m}, if {@code cell(nextUp(m)) < c} every {@code y} of the cell is above
     * {@code nextUp(m)}, so above {@code m} (counted in {@code base}); if {@code cell(m) > c} every
     * such {@code y} is below {@code m} (not counted); the others are the cell's slots, compared.
     */
    static Tables buildTables(float[] mids, float[] g) {
        int n = mids.length;
        if (g.length < 16 || g.length > PAIRS * CELLS) {
            return null;
        }
        float scale = (CELLS - 1f) / (mids[n - 1] - mids[0]);
        float shift = -mids[0] * scale;
        if (!(scale > 0f) || !Float.isFinite(scale) || !Float.isFinite(shift)) {
            return null;
        }
        int[] rows = new int[(1 + SLOTS + PAIRS) * CELLS];
        int[] used = new int[CELLS];
        java.util.Arrays.fill(rows, CELLS, (1 + SLOTS) * CELLS, Float.floatToRawIntBits(Float.POSITIVE_INFINITY));
        for (float m : mids) {
            int lo = cell(m, scale, shift);
            int hi = cell(Math.nextUp(m), scale, shift);
            for (int c = 0; c < CELLS; c++) {
                if (hi < c) {
                    rows[c]++;
                } else if (lo <= c) {
                    if (used[c] == SLOTS) {
                        return null;
                    }
                    rows[(1 + used[c]++) * CELLS + c] = Float.floatToRawIntBits(m);
                }
            }
        }
        for (int i = 0; i < PAIRS * CELLS; i++) {
            rows[(1 + SLOTS) * CELLS + i] = Float.floatToRawIntBits(g[Math.min(i, g.length - 1)]);
        }
        int slots = 0;
        for (int u : used) {
            slots = Math.max(slots, u);
        }
        return new Tables(scale, shift, rows, slots, (g.length + CELLS - 1) / CELLS);
    }

    /**
     * A grid of 5 to 8 levels at 8 or 16 lanes, for the lanes' binary search: the midpoint the
     * first step compares ({@code mids[3]}), then in rows of {@code L} int lanes the midpoints as
     * float bits shifted by one ({@code mids[k + 1]} at {@code k}, for the second step), the
     * midpoints ({@code mids[k]} at {@code k}, for the third) and the levels, each padded with
     * {@code +inf} or the last level.
     */
    private record Search(float first, int[] rows) {}

    /**
     * The grid's {@link Search} or {@link Wide}, built once per grid; {@link #NO_TABLES} where
     * neither applies (the compare and blend runs then).
     */
    private static Object search(GridQuantizer grid) {
        Object t = grid.kernelSearch;
        if (t == null) {
            float[] mids = grid.midsView();
            float[] g = grid.levelsView();
            Object built = g.length <= 8 ? buildSearch(mids, g) : buildWide(mids, g);
            t = built == null ? NO_TABLES : built;
            grid.kernelSearch = t;
        }
        return t;
    }

    /**
     * The binary search's rows, or null outside 5 to 8 levels (with 4 or fewer, three compares and
     * blends cost no more than the search's steps; from 16 the lookup above runs).
     */
    static Search buildSearch(float[] mids, float[] g) {
        if (g.length < 5 || g.length > 8) {
            return null;
        }
        int[] rows = new int[3 * L];
        int inf = Float.floatToRawIntBits(Float.POSITIVE_INFINITY);
        for (int k = 0; k < L; k++) {
            rows[k] = k + 1 < mids.length ? Float.floatToRawIntBits(mids[k + 1]) : inf;
            rows[L + k] = k < mids.length ? Float.floatToRawIntBits(mids[k]) : inf;
            rows[2 * L + k] = Float.floatToRawIntBits(g[Math.min(k, g.length - 1)]);
        }
        return new Search(mids.length > 3 ? mids[3] : Float.POSITIVE_INFINITY, rows);
    }

    /** Pairs of vectors that hold the 32 midpoints of {@link Wide}'s last step. */
    private static final int WIDE_MIDS = Math.max(1, 32 / (2 * L));

    /** Pairs of vectors that hold {@link Wide}'s 64 levels. */
    private static final int WIDE_LEVELS = Math.max(1, 64 / (2 * L));

    /** Where {@link Wide}'s rows of the fifth step, the sixth step and the levels start. */
    private static final int WIDE5 = 3 * L;

    private static final int WIDE6 = 5 * L;
    private static final int WIDE_G = WIDE6 + WIDE_MIDS * 2 * L;

    /**
     * A grid of 33 to 64 levels for the lanes' binary search of six steps (where the lookup has no
     * tables at this width: every such grid at 8 lanes). The count of midpoints below {@code y} is
     * built one bit at a time from the top: after step {@code s} the lanes hold the prefix {@code p}
     * of {@code s} bits, and step {@code s + 1} compares {@code y} against midpoint {@code (2p + 1)
     * 2^(5 - s) - 1}, the midpoint that splits the prefix's range of counts in two. {@code first}
     * is step 1's midpoint ({@code mids[31]}); {@code rows} holds, in int lanes as float bits, step
     * 2's to step 6's midpoints indexed by the prefix (steps 2 to 4 in one vector each, step 5 in
     * two, step 6 in {@link #WIDE_MIDS} pairs), then the levels by count ({@link #WIDE_LEVELS}
     * pairs); midpoints past the grid's are {@code +inf}, levels past it the last level.
     */
    private record Wide(float first, int[] rows) {}

    /** The six-step search's rows, or null outside 33 to 64 levels. */
    static Wide buildWide(float[] mids, float[] g) {
        if (g.length < 33 || g.length > 64) {
            return null;
        }
        int[] rows = new int[WIDE_G + WIDE_LEVELS * 2 * L];
        java.util.Arrays.fill(rows, Float.floatToRawIntBits(Float.POSITIVE_INFINITY));
        int[] at = {0, L, 2 * L, WIDE5, WIDE6};
        for (int s = 2; s <= 6; s++) {
            int span = 64 >> (s - 1); // the counts a prefix of s - 1 bits leaves open
            for (int p = 0; p < 1 << (s - 1); p++) {
                int m = p * span + span / 2 - 1;
                rows[at[s - 2] + p] = Float.floatToRawIntBits(m < mids.length ? mids[m] : Float.POSITIVE_INFINITY);
            }
        }
        for (int k = 0; k < WIDE_LEVELS * 2 * L; k++) {
            rows[WIDE_G + k] = Float.floatToRawIntBits(g[Math.min(k, g.length - 1)]);
        }
        return new Wide(mids[31], rows);
    }

    /**
     * For the tests: whether {@link #codesLanes} counts by a search or compare chain (exact for
     * every {@code y}, NaN included), not by the lookup (exact for every non-NaN {@code y}).
     */
    static boolean lanesExactForNaN(GridQuantizer grid) {
        return tables(grid) == null;
    }

    /**
     * For the tests: the codes {@link #codesLanes} gives the values {@code y} (a multiple of {@code
     * L} of them, at most {@link #LANES_MAX}) at scale 1 in every lane, so that each code is the
     * count of midpoints below that exact {@code y}; NaN and infinite values allowed.
     */
    static byte[] laneCodes(GridQuantizer grid, float[] y) {
        Scratch w = SCRATCH.get();
        int sub = y.length / L;
        for (int i = 0; i < y.length; i++) {
            w.xt[i] = y[i];
            w.xd[i] = y[i];
        }
        java.util.Arrays.fill(w.c, 0, L, 1f);
        codesLanes(grid, w, sub, 1);
        return java.util.Arrays.copyOf(w.qt, y.length);
    }

    private VectorGridSearchKernels() {}

    /** Called reflectively by {@link VectorizationProvider}. */
    static GridSearchKernels create() {
        if (2 * HALF != L || L < 8) {
            throw new UnsupportedOperationException("vector grid search needs 8 or 16 float lanes, this JVM has " + L);
        }
        return new VectorGridSearchKernels();
    }

    @Override
    public String description() {
        return "vector(" + FS.vectorBitSize() + "-bit)";
    }

    /**
     * The value of largest magnitude, the first on ties (the scalar loop's answer): the largest
     * magnitude by a vector max, then the first element that has it.
     */
    private static float largest(float[] x, int off, int len) {
        FloatVector mx = FloatVector.zero(FS);
        int i = 0;
        for (; i + L <= len; i += L) {
            mx = mx.max(FloatVector.fromArray(FS, x, off + i).abs());
        }
        if (i < len) {
            mx = mx.max(FloatVector.fromArray(FS, x, off + i, FS.indexInRange(i, len))
                    .abs());
        }
        float a = mx.reduceLanes(VectorOperators.MAX);
        if (a == 0f) {
            return 0f;
        }
        for (int k = off; k < off + len; k++) {
            if (Math.abs(x[k]) == a) {
                return x[k];
            }
        }
        // not finite (outside the contract): the scalar loop
        float m = 0f;
        for (int k = off; k < off + len; k++) {
            if (Math.abs(x[k]) > Math.abs(m)) {
                m = x[k];
            }
        }
        return m;
    }

    @Override
    public float searchScale(GridQuantizer grid, float[] x, int off, int len) {
        float m = largest(x, off, len);
        if (m == 0f) {
            return 0f;
        }
        float[] numer = grid.trialNumerators();
        float[] g = grid.levelsView();
        float[] mids = grid.midsView();
        int trials = numer.length;
        Scratch w = SCRATCH.get();
        double[] sxl = w.sxl;
        double[] sll = w.sll;
        int full = trials - trials % L;
        Tables tb = tables(grid);
        for (int t = 0; t < full; t += L) {
            FloatVector u = FloatVector.fromArray(FS, numer, t).div(m);
            u.intoArray(w.u, t);
            if (tb != null) {
                trialsLookup(tb, x, off, len, w.u, sxl, sll, t);
            } else {
                trialsBlend(g, mids, x, off, len, u, sxl, sll, t);
            }
        }
        if (tb != null) {
            leftoverLookup(tb, x, off, len, m, numer, w, full, trials);
            return pick(w, trials);
        }
        // the trials left over (2 of 18 with 8 or 16 lanes): one element per lane, the same sums
        for (int t = full; t < trials; t++) {
            float u = numer[t] / m;
            w.u[t] = u;
            double xl = 0;
            double ll = 0;
            if (Float.isFinite(u)) { // otherwise the trial is skipped
                double[] a = w.ta;
                double[] b = w.tb;
                for (int i = 0; i < len; i += L) {
                    FloatVector v = i + L <= len
                            ? FloatVector.fromArray(FS, x, off + i)
                            : FloatVector.fromArray(FS, x, off + i, FS.indexInRange(i, len));
                    FloatVector y = v.mul(u);
                    FloatVector l = FloatVector.broadcast(FS, g[0]);
                    for (int k = 0; k < mids.length; k++) {
                        l = l.blend(g[k + 1], y.compare(VectorOperators.GT, mids[k]));
                    }
                    DoubleVector v0 = (DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0);
                    DoubleVector v1 = (DoubleVector) v.convertShape(VectorOperators.F2D, DS, 1);
                    DoubleVector l0 = (DoubleVector) l.convertShape(VectorOperators.F2D, DS, 0);
                    DoubleVector l1 = (DoubleVector) l.convertShape(VectorOperators.F2D, DS, 1);
                    v0.mul(l0).intoArray(a, 0);
                    v1.mul(l1).intoArray(a, HALF);
                    l0.mul(l0).intoArray(b, 0);
                    l1.mul(l1).intoArray(b, HALF);
                    int n = Math.min(L, len - i);
                    for (int k = 0; k < n; k++) {
                        xl += a[k];
                        ll += b[k];
                    }
                }
            }
            sxl[t] = xl;
            sll[t] = ll;
        }
        return pick(w, trials);
    }

    /** The scalar code's rule for the winner, on the sums in {@code w}, without a scalar division per trial. */
    private static float pick(Scratch w, int trials) {
        double[] sxl = w.sxl;
        double[] sll = w.sll;
        double[] gain = w.gain;
        float[] u = w.u;
        for (int t = 0; t < trials; t += HALF) {
            DoubleVector xl = DoubleVector.fromArray(DS, sxl, t);
            xl.mul(xl).div(DoubleVector.fromArray(DS, sll, t)).intoArray(gain, t);
        }
        int best = -1;
        double bestGain = -1;
        for (int t = 0; t < trials; t++) {
            if (Float.isFinite(u[t]) && sll[t] > 0 && gain[t] > bestGain) {
                bestGain = gain[t];
                best = t;
            }
        }
        return best < 0 ? 0f : (float) (sxl[best] / sll[best]);
    }

    /** Stores the lane sums of {@code x * g} and {@code g * g} of trials {@code [t, t + L)}. */
    private static void store(
            DoubleVector xl0, DoubleVector xl1, DoubleVector ll0, DoubleVector ll1, double[] sxl, double[] sll, int t) {
        xl0.intoArray(sxl, t);
        xl1.intoArray(sxl, t + HALF);
        ll0.intoArray(sll, t);
        ll1.intoArray(sll, t + HALF);
    }

    /**
     * Trials {@code [t, t + L)}. (A branch-free binary search over the midpoints, each step an
     * in-register {@code selectFrom} of the midpoint to compare against, was tried for 16 to 64
     * levels and ran slower than these compares and blends on JDK 25, even for 64 levels.)
     */
    private static void trialsBlend(
            float[] g, float[] mids, float[] x, int off, int len, FloatVector u, double[] sxl, double[] sll, int t) {
        DoubleVector xl0 = DoubleVector.zero(DS);
        DoubleVector xl1 = DoubleVector.zero(DS);
        DoubleVector ll0 = DoubleVector.zero(DS);
        DoubleVector ll1 = DoubleVector.zero(DS);
        for (int i = off; i < off + len; i++) {
            float v = x[i];
            FloatVector y = u.mul(v);
            FloatVector l = FloatVector.broadcast(FS, g[0]);
            for (int k = 0; k < mids.length; k++) {
                l = l.blend(g[k + 1], y.compare(VectorOperators.GT, mids[k]));
            }
            DoubleVector xd = DoubleVector.broadcast(DS, (double) v);
            DoubleVector l0 = (DoubleVector) l.convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector l1 = (DoubleVector) l.convertShape(VectorOperators.F2D, DS, 1);
            xl0 = xl0.add(xd.mul(l0));
            xl1 = xl1.add(xd.mul(l1));
            ll0 = ll0.add(l0.mul(l0));
            ll1 = ll1.add(l1.mul(l1));
        }
        store(xl0, xl1, ll0, ll1, sxl, sll, t);
    }

    /**
     * {@link #trialsBlend} by the lookup, the inverse scales read from {@code us[t ..]} (not passed as
     * a vector: this method is too large to be inlined, and a vector argument would be boxed). The
     * sums by fused multiply-adds: each product (of two floats, or a float squared) is exact in
     * double, so {@code fma(a, b, s)} rounds {@code s + a b} once, as the scalar add of the exact
     * product does.
     */
    private static void trialsLookup(
            Tables tb, float[] x, int off, int len, float[] us, double[] sxl, double[] sll, int t) {
        FloatVector u = FloatVector.fromArray(FS, us, t);
        float scale = tb.scale();
        float shift = tb.shift();
        int[] r = tb.rows();
        DoubleVector xl0 = DoubleVector.zero(DS);
        DoubleVector xl1 = DoubleVector.zero(DS);
        DoubleVector ll0 = DoubleVector.zero(DS);
        DoubleVector ll1 = DoubleVector.zero(DS);
        for (int i = off; i < off + len; i++) {
            float v = x[i];
            FloatVector y = u.mul(v);
            // the lookup, written out here, in the two methods below, in the lanes' search and code
            // pass and in codesInOrder (a helper taking vectors would box them wherever C2 does not
            // inline it)
            IntVector c = y.fma(scale, shift)
                    .add(MAGIC)
                    .reinterpretAsInts()
                    .max(MAGIC_BITS)
                    .min(MAGIC_BITS + CELLS - 1);
            IntVector q = c.selectFrom(IntVector.fromArray(IS, r, 0), IntVector.fromArray(IS, r, L));
            for (int j = 1; j <= SLOTS; j++) {
                FloatVector s = c.selectFrom(
                                IntVector.fromArray(IS, r, j * CELLS), IntVector.fromArray(IS, r, j * CELLS + L))
                        .reinterpretAsFloats();
                q = q.add(1, y.compare(VectorOperators.GT, s).cast(IS));
            }
            IntVector li = q.selectFrom(IntVector.fromArray(IS, r, LEVELS), IntVector.fromArray(IS, r, LEVELS + L));
            for (int p = 1; p < PAIRS; p++) {
                int at = LEVELS + p * CELLS;
                li = li.blend(
                        q.selectFrom(IntVector.fromArray(IS, r, at), IntVector.fromArray(IS, r, at + L)),
                        q.compare(VectorOperators.GE, p * CELLS));
            }
            FloatVector l = li.reinterpretAsFloats();
            DoubleVector xd = DoubleVector.broadcast(DS, (double) v);
            DoubleVector l0 = (DoubleVector) l.convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector l1 = (DoubleVector) l.convertShape(VectorOperators.F2D, DS, 1);
            xl0 = xd.fma(l0, xl0);
            xl1 = xd.fma(l1, xl1);
            ll0 = l0.fma(l0, ll0);
            ll1 = l1.fma(l1, ll1);
        }
        // written out, not through store(): this method is large enough that C2 stops inlining before
        // the end, and a call taking the sums as vectors would box them on every iteration
        xl0.intoArray(sxl, t);
        xl1.intoArray(sxl, t + HALF);
        ll0.intoArray(sll, t);
        ll1.intoArray(sll, t + HALF);
    }

    /**
     * The trials {@code [full, trials)} by the lookup, one element per lane: each element's {@code x
     * g} and {@code g g} written out and summed in element order by scalar adds, as the compare and
     * blend version in {@link #searchScale} does.
     */
    private static void leftoverLookup(
            Tables tb, float[] x, int off, int len, float m, float[] numer, Scratch w, int full, int trials) {
        float scale = tb.scale();
        float shift = tb.shift();
        int[] r = tb.rows();
        double[] a = w.ta;
        double[] b = w.tb;
        for (int t = full; t < trials; t++) {
            float u = numer[t] / m;
            w.u[t] = u;
            double xl = 0;
            double ll = 0;
            if (Float.isFinite(u)) { // otherwise the trial is skipped
                for (int i = 0; i < len; i += L) {
                    FloatVector v = i + L <= len
                            ? FloatVector.fromArray(FS, x, off + i)
                            : FloatVector.fromArray(FS, x, off + i, FS.indexInRange(i, len));
                    FloatVector y = v.mul(u);
                    IntVector c = y.fma(scale, shift)
                            .add(MAGIC)
                            .reinterpretAsInts()
                            .max(MAGIC_BITS)
                            .min(MAGIC_BITS + CELLS - 1);
                    IntVector q = c.selectFrom(IntVector.fromArray(IS, r, 0), IntVector.fromArray(IS, r, L));
                    for (int j = 1; j <= SLOTS; j++) {
                        FloatVector s = c.selectFrom(
                                        IntVector.fromArray(IS, r, j * CELLS),
                                        IntVector.fromArray(IS, r, j * CELLS + L))
                                .reinterpretAsFloats();
                        q = q.add(1, y.compare(VectorOperators.GT, s).cast(IS));
                    }
                    IntVector li =
                            q.selectFrom(IntVector.fromArray(IS, r, LEVELS), IntVector.fromArray(IS, r, LEVELS + L));
                    for (int p = 1; p < PAIRS; p++) {
                        int at = LEVELS + p * CELLS;
                        li = li.blend(
                                q.selectFrom(IntVector.fromArray(IS, r, at), IntVector.fromArray(IS, r, at + L)),
                                q.compare(VectorOperators.GE, p * CELLS));
                    }
                    FloatVector l = li.reinterpretAsFloats();
                    DoubleVector v0 = (DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0);
                    DoubleVector v1 = (DoubleVector) v.convertShape(VectorOperators.F2D, DS, 1);
                    DoubleVector l0 = (DoubleVector) l.convertShape(VectorOperators.F2D, DS, 0);
                    DoubleVector l1 = (DoubleVector) l.convertShape(VectorOperators.F2D, DS, 1);
                    v0.mul(l0).intoArray(a, 0);
                    v1.mul(l1).intoArray(a, HALF);
                    l0.mul(l0).intoArray(b, 0);
                    l1.mul(l1).intoArray(b, HALF);
                    int n = Math.min(L, len - i);
                    for (int k = 0; k < n; k++) {
                        xl += a[k];
                        ll += b[k];
                    }
                }
            }
            w.sxl[t] = xl;
            w.sll[t] = ll;
        }
    }

    /**
     * {@link #codesAndSquaredError} by the lookup, for a finite {@code 1 / c} (so that a finite
     * {@code x} gives no NaN); a NaN {@code y} (from a value that is not finite, outside the
     * contract) sends the block to the scalar code, whose answer the specification is.
     */
    private static double codesLookup(
            GridQuantizer grid, Tables tb, float[] x, int off, int len, float c, float inv, byte[] q, int qoff) {
        float scale = tb.scale();
        float shift = tb.shift();
        int[] r = tb.rows();
        double[] a = SCRATCH.get().ta;
        double e = 0;
        for (int i = 0; i < len; i += L) {
            boolean whole = i + L <= len;
            VectorMask<Float> in = whole ? FS.maskAll(true) : FS.indexInRange(i, len);
            FloatVector v = whole ? FloatVector.fromArray(FS, x, off + i) : FloatVector.fromArray(FS, x, off + i, in);
            FloatVector y = v.mul(inv);
            if (y.test(VectorOperators.IS_NAN).anyTrue()) {
                return grid.codesAndSquaredErrorScalar(x, off, len, c, q, qoff);
            }
            IntVector cl = y.fma(scale, shift)
                    .add(MAGIC)
                    .reinterpretAsInts()
                    .max(MAGIC_BITS)
                    .min(MAGIC_BITS + CELLS - 1);
            IntVector k = cl.selectFrom(IntVector.fromArray(IS, r, 0), IntVector.fromArray(IS, r, L));
            for (int j = 1; j <= SLOTS; j++) {
                FloatVector s = cl.selectFrom(
                                IntVector.fromArray(IS, r, j * CELLS), IntVector.fromArray(IS, r, j * CELLS + L))
                        .reinterpretAsFloats();
                k = k.add(1, y.compare(VectorOperators.GT, s).cast(IS));
            }
            IntVector li = k.selectFrom(IntVector.fromArray(IS, r, LEVELS), IntVector.fromArray(IS, r, LEVELS + L));
            for (int p = 1; p < PAIRS; p++) {
                int at = LEVELS + p * CELLS;
                li = li.blend(
                        k.selectFrom(IntVector.fromArray(IS, r, at), IntVector.fromArray(IS, r, at + L)),
                        k.compare(VectorOperators.GE, p * CELLS));
            }
            FloatVector l = li.reinterpretAsFloats();
            ByteVector codes = (ByteVector) k.convertShape(VectorOperators.I2B, BS, 0);
            if (whole) {
                codes.intoArray(q, qoff + i);
            } else {
                codes.intoArray(q, qoff + i, in.cast(BS));
            }
            FloatVector cg = l.mul(c);
            DoubleVector d0 = ((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0))
                    .sub((DoubleVector) cg.convertShape(VectorOperators.F2D, DS, 0));
            DoubleVector d1 = ((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 1))
                    .sub((DoubleVector) cg.convertShape(VectorOperators.F2D, DS, 1));
            d0.mul(d0).intoArray(a, 0);
            d1.mul(d1).intoArray(a, HALF);
            int n = Math.min(L, len - i);
            for (int j = 0; j < n; j++) {
                e += a[j];
            }
        }
        return e;
    }

    @Override
    public short quantizeSuperBlock(
            SuperBlockQuantizer sq,
            float[] x,
            int off,
            int len,
            byte[] l,
            int loff,
            byte[] q,
            int qoff,
            SuperBlockQuantizer.Scratch scratch) {
        GridQuantizer grid = sq.grid();
        int sub = sq.subBlock();
        if (len != SUPER || (SUPER / sub) % L != 0) {
            return sq.quantizeScalar(x, off, len, l, loff, q, qoff, scratch);
        }
        Scratch w = SCRATCH.get();
        int nsub = SUPER / sub;
        int groups = nsub / L;
        int lim = sq.scaleLimit();
        float[] xt = w.xt;
        double[] xd = w.xd;
        float[] s = w.s;
        Tables tb = tables(grid);
        for (int gi = 0; gi < groups; gi++) {
            int base = gi * sub * L;
            transpose(x, off + base, w, base, sub);
            if (tb != null) {
                searchLanesLookup(grid, tb, w, base, sub, gi * L);
            } else if (search(grid) instanceof Search sr) {
                searchLanesSearch(sr, grid, w, base, sub, gi * L);
            } else if (search(grid) instanceof Wide wd) {
                searchLanesWide(wd, grid, w, base, sub, gi * L);
            } else {
                searchLanes(grid, w, base, sub, gi * L);
            }
        }
        // from here the specification's steps (SuperBlockQuantizer.quantizeScalar), in its order
        float ms = 0f;
        for (int j = 0; j < nsub; j++) {
            if (Math.abs(s[j]) > Math.abs(ms)) {
                ms = s[j];
            }
        }
        short dBits = Float.floatToFloat16(-ms / lim);
        float d = Float.float16ToFloat(dBits);
        if (Float.isInfinite(d)) {
            return SuperBlockQuantizer.INVALID;
        }
        if (d == 0f) {
            java.util.Arrays.fill(l, loff, loff + nsub, (byte) 0);
            java.util.Arrays.fill(q, qoff, qoff + SUPER, (byte) grid.zeroCode());
            return 0;
        }
        for (int j = 0; j < nsub; j++) {
            l[loff + j] = (byte) sq.clampScale(s[j] / d);
        }
        double err = codesLanes(grid, w, sub, groups, d, l, loff);
        short bestD = dBits;
        double bestErr = err;
        byte[] bestL = scratch.bestL;
        System.arraycopy(l, loff, bestL, 0, nsub);
        System.arraycopy(w.qt, 0, w.bestQt, 0, SUPER);
        // A round whose refit gives back the super-scale and sub-scales it started from would
        // recompute the codes and error it started from (not below the best, so nothing kept) and
        // hand the next round the same state: the rounds left change nothing and are skipped. In
        // MiniLM's kq3_v1 super-blocks that is 8% of first rounds and 59% of second ones.
        for (int r = 0; r < SuperBlockQuantizer.REFINE; r++) {
            short prevD = dBits;
            System.arraycopy(l, loff, w.prevL, 0, nsub);
            refitLanes(sq, w, sub, groups, d, l, loff);
            double num = 0;
            double den = 0;
            for (int j = 0; j < nsub; j++) {
                for (int i = 0, p = (j / L) * sub * L + j % L; i < sub; i++, p += L) {
                    num += w.tn[p];
                    den += w.td[p];
                }
            }
            dBits = SuperBlockQuantizer.refitBits(num, den, dBits);
            if (dBits == prevD && java.util.Arrays.equals(w.prevL, 0, nsub, l, loff, loff + nsub)) {
                break;
            }
            d = Float.float16ToFloat(dBits);
            err = codesLanes(grid, w, sub, groups, d, l, loff);
            if (err < bestErr) {
                bestErr = err;
                bestD = dBits;
                System.arraycopy(l, loff, bestL, 0, nsub);
                System.arraycopy(w.qt, 0, w.bestQt, 0, SUPER);
            }
        }
        System.arraycopy(bestL, 0, l, loff, nsub);
        byte[] bq = w.bestQt;
        for (int j = 0; j < nsub; j++) {
            int o = qoff + j * sub;
            for (int i = 0, p = (j / L) * sub * L + j % L; i < sub; i++, p += L) {
                q[o + i] = bq[p];
            }
        }
        return bestD;
    }

    /**
     * {@link GridQuantizer#searchScaleScalar} of the {@code L} sub-blocks at {@code base} of the
     * transposed super-block, one per lane, into {@code w.s[soff ..]}; their values of largest
     * magnitude in {@code w.m} (an array, not a vector argument, which would be boxed if this method
     * is not inlined). Each trial's {@code u = numerator / m}, levels, and sums {@code x g}, {@code g
     * g} in element order are the scalar code's; the winner is the scalar rule's, kept per lane: a
     * trial replaces it when {@code u} is finite, {@code sll > 0} and its gain {@code sxl^2 / sll}
     * (the same IEEE quotient) is larger, so the earliest on ties; no winner gives {@code 0 / 1}.
     */
    private static void searchLanes(GridQuantizer grid, Scratch w, int base, int sub, int soff) {
        float[] numer = grid.trialNumerators();
        float[] g = grid.levelsView();
        float[] mids = grid.midsView();
        float[] xt = w.xt;
        double[] xd = w.xd;
        FloatVector m = FloatVector.fromArray(FS, w.m, 0);
        DoubleVector bg0 = DoubleVector.broadcast(DS, -1);
        DoubleVector bg1 = DoubleVector.broadcast(DS, -1);
        DoubleVector bx0 = DoubleVector.zero(DS);
        DoubleVector bx1 = DoubleVector.zero(DS);
        DoubleVector bl0 = DoubleVector.broadcast(DS, 1);
        DoubleVector bl1 = DoubleVector.broadcast(DS, 1);
        for (int t = 0; t < numer.length; t++) {
            FloatVector u = FloatVector.broadcast(FS, numer[t]).div(m);
            DoubleVector xl0 = DoubleVector.zero(DS);
            DoubleVector xl1 = DoubleVector.zero(DS);
            DoubleVector ll0 = DoubleVector.zero(DS);
            DoubleVector ll1 = DoubleVector.zero(DS);
            for (int i = 0; i < sub; i++) {
                int p = base + i * L;
                FloatVector y = FloatVector.fromArray(FS, xt, p).mul(u);
                FloatVector l = FloatVector.broadcast(FS, g[0]);
                for (int k = 0; k < mids.length; k++) {
                    l = l.blend(g[k + 1], y.compare(VectorOperators.GT, mids[k]));
                }
                DoubleVector l0 = (DoubleVector) l.convertShape(VectorOperators.F2D, DS, 0);
                DoubleVector l1 = (DoubleVector) l.convertShape(VectorOperators.F2D, DS, 1);
                xl0 = DoubleVector.fromArray(DS, xd, p).fma(l0, xl0);
                xl1 = DoubleVector.fromArray(DS, xd, p + HALF).fma(l1, xl1);
                ll0 = l0.fma(l0, ll0);
                ll1 = l1.fma(l1, ll1);
            }
            DoubleVector u0 = (DoubleVector) u.convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector u1 = (DoubleVector) u.convertShape(VectorOperators.F2D, DS, 1);
            DoubleVector g0 = xl0.mul(xl0).div(ll0);
            DoubleVector g1 = xl1.mul(xl1).div(ll1);
            VectorMask<Double> w0 = u0.compare(VectorOperators.LT, Double.POSITIVE_INFINITY)
                    .and(u0.compare(VectorOperators.GT, Double.NEGATIVE_INFINITY))
                    .and(ll0.compare(VectorOperators.GT, 0))
                    .and(g0.compare(VectorOperators.GT, bg0));
            VectorMask<Double> w1 = u1.compare(VectorOperators.LT, Double.POSITIVE_INFINITY)
                    .and(u1.compare(VectorOperators.GT, Double.NEGATIVE_INFINITY))
                    .and(ll1.compare(VectorOperators.GT, 0))
                    .and(g1.compare(VectorOperators.GT, bg1));
            bg0 = bg0.blend(g0, w0);
            bg1 = bg1.blend(g1, w1);
            bx0 = bx0.blend(xl0, w0);
            bx1 = bx1.blend(xl1, w1);
            bl0 = bl0.blend(ll0, w0);
            bl1 = bl1.blend(ll1, w1);
        }
        // (float) (sxl / sll) of each lane's winner: the quotient in double lanes, rounded to float
        FloatVector r0 = (FloatVector) bx0.div(bl0).convertShape(VectorOperators.D2F, FS, 0);
        FloatVector r1 = (FloatVector) bx1.div(bl1).convertShape(VectorOperators.D2F, FS, -1);
        r0.blend(r1, FS.indexInRange(HALF, L).not()).intoArray(w.s, soff);
    }

    /**
     * {@link #searchLanes} with each level found by a branch-free binary search instead of the
     * compare and blend: the same count, so the same levels, sums and winners. The predicate {@code
     * y > mids[k]} goes from true to false as {@code k} grows (the midpoints are sorted), so the
     * count of midpoints below {@code y} takes three steps (compare midpoint 3, then 1 or 5, then 0,
     * 2, 4 or 6; padding midpoints are {@code +inf}, above every {@code y}), each step's midpoint
     * read by a one-vector {@code selectFrom} ({@code vpermd}). A NaN {@code y} compares false at
     * every step, count 0, as in the compare chain.
     */
    private static void searchLanesSearch(Search sr, GridQuantizer grid, Scratch w, int base, int sub, int soff) {
        float[] numer = grid.trialNumerators();
        float first = sr.first();
        int[] r = sr.rows();
        float[] xt = w.xt;
        double[] xd = w.xd;
        FloatVector m = FloatVector.fromArray(FS, w.m, 0);
        DoubleVector bg0 = DoubleVector.broadcast(DS, -1);
        DoubleVector bg1 = DoubleVector.broadcast(DS, -1);
        DoubleVector bx0 = DoubleVector.zero(DS);
        DoubleVector bx1 = DoubleVector.zero(DS);
        DoubleVector bl0 = DoubleVector.broadcast(DS, 1);
        DoubleVector bl1 = DoubleVector.broadcast(DS, 1);
        // Two trials per pass over the elements (t and t + 1): each trial's sums are its own, in
        // element order, and the winner is updated for t, then for t + 1, as one trial at a time
        // would; the two chains of additions give the core independent work (kq3_v1 1.03-1.08x).
        for (int t = 0; t < TRIALS; t += 2) { // TRIALS is even
            FloatVector u = FloatVector.broadcast(FS, numer[t]).div(m);
            FloatVector v = FloatVector.broadcast(FS, numer[t + 1]).div(m);
            DoubleVector xl0 = DoubleVector.zero(DS);
            DoubleVector xl1 = DoubleVector.zero(DS);
            DoubleVector ll0 = DoubleVector.zero(DS);
            DoubleVector ll1 = DoubleVector.zero(DS);
            DoubleVector xm0 = DoubleVector.zero(DS);
            DoubleVector xm1 = DoubleVector.zero(DS);
            DoubleVector mm0 = DoubleVector.zero(DS);
            DoubleVector mm1 = DoubleVector.zero(DS);
            for (int i = 0; i < sub; i++) {
                int p = base + i * L;
                FloatVector x = FloatVector.fromArray(FS, xt, p);
                DoubleVector x0 = DoubleVector.fromArray(DS, xd, p);
                DoubleVector x1 = DoubleVector.fromArray(DS, xd, p + HALF);
                FloatVector y = x.mul(u);
                IntVector k = IntVector.zero(IS)
                        .blend(4, y.compare(VectorOperators.GT, first).cast(IS));
                k = k.add(
                        2,
                        y.compare(
                                        VectorOperators.GT,
                                        k.selectFrom(IntVector.fromArray(IS, r, 0))
                                                .reinterpretAsFloats())
                                .cast(IS));
                k = k.add(
                        1,
                        y.compare(
                                        VectorOperators.GT,
                                        k.selectFrom(IntVector.fromArray(IS, r, L))
                                                .reinterpretAsFloats())
                                .cast(IS));
                FloatVector l = k.selectFrom(IntVector.fromArray(IS, r, 2 * L)).reinterpretAsFloats();
                // trial t + 1: the same search written out again, not a method taking vectors
                // (one left out of line boxes them; see searchLanesWide)
                FloatVector z = x.mul(v);
                IntVector j = IntVector.zero(IS)
                        .blend(4, z.compare(VectorOperators.GT, first).cast(IS));
                j = j.add(
                        2,
                        z.compare(
                                        VectorOperators.GT,
                                        j.selectFrom(IntVector.fromArray(IS, r, 0))
                                                .reinterpretAsFloats())
                                .cast(IS));
                j = j.add(
                        1,
                        z.compare(
                                        VectorOperators.GT,
                                        j.selectFrom(IntVector.fromArray(IS, r, L))
                                                .reinterpretAsFloats())
                                .cast(IS));
                FloatVector n = j.selectFrom(IntVector.fromArray(IS, r, 2 * L)).reinterpretAsFloats();
                DoubleVector l0 = (DoubleVector) l.convertShape(VectorOperators.F2D, DS, 0);
                DoubleVector l1 = (DoubleVector) l.convertShape(VectorOperators.F2D, DS, 1);
                DoubleVector n0 = (DoubleVector) n.convertShape(VectorOperators.F2D, DS, 0);
                DoubleVector n1 = (DoubleVector) n.convertShape(VectorOperators.F2D, DS, 1);
                xl0 = x0.fma(l0, xl0);
                xl1 = x1.fma(l1, xl1);
                ll0 = l0.fma(l0, ll0);
                ll1 = l1.fma(l1, ll1);
                xm0 = x0.fma(n0, xm0);
                xm1 = x1.fma(n1, xm1);
                mm0 = n0.fma(n0, mm0);
                mm1 = n1.fma(n1, mm1);
            }
            DoubleVector u0 = (DoubleVector) u.convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector u1 = (DoubleVector) u.convertShape(VectorOperators.F2D, DS, 1);
            DoubleVector g0 = xl0.mul(xl0).div(ll0);
            DoubleVector g1 = xl1.mul(xl1).div(ll1);
            VectorMask<Double> w0 = u0.compare(VectorOperators.LT, Double.POSITIVE_INFINITY)
                    .and(u0.compare(VectorOperators.GT, Double.NEGATIVE_INFINITY))
                    .and(ll0.compare(VectorOperators.GT, 0))
                    .and(g0.compare(VectorOperators.GT, bg0));
            VectorMask<Double> w1 = u1.compare(VectorOperators.LT, Double.POSITIVE_INFINITY)
                    .and(u1.compare(VectorOperators.GT, Double.NEGATIVE_INFINITY))
                    .and(ll1.compare(VectorOperators.GT, 0))
                    .and(g1.compare(VectorOperators.GT, bg1));
            bg0 = bg0.blend(g0, w0);
            bg1 = bg1.blend(g1, w1);
            bx0 = bx0.blend(xl0, w0);
            bx1 = bx1.blend(xl1, w1);
            bl0 = bl0.blend(ll0, w0);
            bl1 = bl1.blend(ll1, w1);
            DoubleVector v0 = (DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector v1 = (DoubleVector) v.convertShape(VectorOperators.F2D, DS, 1);
            DoubleVector h0 = xm0.mul(xm0).div(mm0);
            DoubleVector h1 = xm1.mul(xm1).div(mm1);
            VectorMask<Double> z0 = v0.compare(VectorOperators.LT, Double.POSITIVE_INFINITY)
                    .and(v0.compare(VectorOperators.GT, Double.NEGATIVE_INFINITY))
                    .and(mm0.compare(VectorOperators.GT, 0))
                    .and(h0.compare(VectorOperators.GT, bg0));
            VectorMask<Double> z1 = v1.compare(VectorOperators.LT, Double.POSITIVE_INFINITY)
                    .and(v1.compare(VectorOperators.GT, Double.NEGATIVE_INFINITY))
                    .and(mm1.compare(VectorOperators.GT, 0))
                    .and(h1.compare(VectorOperators.GT, bg1));
            bg0 = bg0.blend(h0, z0);
            bg1 = bg1.blend(h1, z1);
            bx0 = bx0.blend(xm0, z0);
            bx1 = bx1.blend(xm1, z1);
            bl0 = bl0.blend(mm0, z0);
            bl1 = bl1.blend(mm1, z1);
        }
        // (float) (sxl / sll) of each lane's winner: the quotient in double lanes, rounded to float
        FloatVector r0 = (FloatVector) bx0.div(bl0).convertShape(VectorOperators.D2F, FS, 0);
        FloatVector r1 = (FloatVector) bx1.div(bl1).convertShape(VectorOperators.D2F, FS, -1);
        r0.blend(r1, FS.indexInRange(HALF, L).not()).intoArray(w.s, soff);
    }

    /**
     * {@link #searchLanesSearch} by {@link Wide}'s six steps: the same counts, so the same levels.
     * The predicate {@code y > mids[k]} goes from true to false as {@code k} grows (the midpoints
     * are sorted; padding ones are {@code +inf}), so each step's compare settles one bit of the
     * count; a NaN {@code y} compares false at every step, count 0, as in the compare chain. The
     * two-vector {@code selectFrom}s wrap their index, so a prefix past a pair's {@code 2L} lanes
     * reads that pair's lanes and the blend on the prefix takes the right pair. (Written out here
     * and in {@link #codesLanesWide}: as a method of its own it was not inlined and its vectors were
     * boxed, 1.7x slower.)
     */
    private static void searchLanesWide(Wide sr, GridQuantizer grid, Scratch w, int base, int sub, int soff) {
        float[] numer = grid.trialNumerators();
        float first = sr.first();
        int[] r = sr.rows();
        float[] xt = w.xt;
        double[] xd = w.xd;
        FloatVector m = FloatVector.fromArray(FS, w.m, 0);
        DoubleVector bg0 = DoubleVector.broadcast(DS, -1);
        DoubleVector bg1 = DoubleVector.broadcast(DS, -1);
        DoubleVector bx0 = DoubleVector.zero(DS);
        DoubleVector bx1 = DoubleVector.zero(DS);
        DoubleVector bl0 = DoubleVector.broadcast(DS, 1);
        DoubleVector bl1 = DoubleVector.broadcast(DS, 1);
        for (int t = 0; t < numer.length; t++) {
            FloatVector u = FloatVector.broadcast(FS, numer[t]).div(m);
            DoubleVector xl0 = DoubleVector.zero(DS);
            DoubleVector xl1 = DoubleVector.zero(DS);
            DoubleVector ll0 = DoubleVector.zero(DS);
            DoubleVector ll1 = DoubleVector.zero(DS);
            for (int i = 0; i < sub; i++) {
                int p = base + i * L;
                FloatVector y = FloatVector.fromArray(FS, xt, p).mul(u);
                // the count of midpoints below y by Wide's six steps (see Wide), one bit per step
                IntVector pf = IntVector.zero(IS).sub((IntVector)
                        y.compare(VectorOperators.GT, first).cast(IS).toVector());
                for (int st = 0; st < 3; st++) {
                    FloatVector ms =
                            pf.selectFrom(IntVector.fromArray(IS, r, st * L)).reinterpretAsFloats();
                    pf = pf.add(pf).sub((IntVector)
                            y.compare(VectorOperators.GT, ms).cast(IS).toVector());
                }
                IntVector m5 = pf.selectFrom(IntVector.fromArray(IS, r, WIDE5), IntVector.fromArray(IS, r, WIDE5 + L));
                pf = pf.add(pf).sub((IntVector) y.compare(VectorOperators.GT, m5.reinterpretAsFloats())
                        .cast(IS)
                        .toVector());
                IntVector m6 = pf.selectFrom(IntVector.fromArray(IS, r, WIDE6), IntVector.fromArray(IS, r, WIDE6 + L));
                for (int pp = 1; pp < WIDE_MIDS; pp++) {
                    int at = WIDE6 + pp * 2 * L;
                    m6 = m6.blend(
                            pf.selectFrom(IntVector.fromArray(IS, r, at), IntVector.fromArray(IS, r, at + L)),
                            pf.compare(VectorOperators.GE, pp * 2 * L));
                }
                IntVector k = pf.add(pf).sub((IntVector) y.compare(VectorOperators.GT, m6.reinterpretAsFloats())
                        .cast(IS)
                        .toVector());
                IntVector li = k.selectFrom(IntVector.fromArray(IS, r, WIDE_G), IntVector.fromArray(IS, r, WIDE_G + L));
                for (int pp = 1; pp < WIDE_LEVELS; pp++) {
                    int at = WIDE_G + pp * 2 * L;
                    li = li.blend(
                            k.selectFrom(IntVector.fromArray(IS, r, at), IntVector.fromArray(IS, r, at + L)),
                            k.compare(VectorOperators.GE, pp * 2 * L));
                }
                FloatVector l = li.reinterpretAsFloats();
                DoubleVector l0 = (DoubleVector) l.convertShape(VectorOperators.F2D, DS, 0);
                DoubleVector l1 = (DoubleVector) l.convertShape(VectorOperators.F2D, DS, 1);
                xl0 = DoubleVector.fromArray(DS, xd, p).fma(l0, xl0);
                xl1 = DoubleVector.fromArray(DS, xd, p + HALF).fma(l1, xl1);
                ll0 = l0.fma(l0, ll0);
                ll1 = l1.fma(l1, ll1);
            }
            DoubleVector u0 = (DoubleVector) u.convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector u1 = (DoubleVector) u.convertShape(VectorOperators.F2D, DS, 1);
            DoubleVector g0 = xl0.mul(xl0).div(ll0);
            DoubleVector g1 = xl1.mul(xl1).div(ll1);
            VectorMask<Double> w0 = u0.compare(VectorOperators.LT, Double.POSITIVE_INFINITY)
                    .and(u0.compare(VectorOperators.GT, Double.NEGATIVE_INFINITY))
                    .and(ll0.compare(VectorOperators.GT, 0))
                    .and(g0.compare(VectorOperators.GT, bg0));
            VectorMask<Double> w1 = u1.compare(VectorOperators.LT, Double.POSITIVE_INFINITY)
                    .and(u1.compare(VectorOperators.GT, Double.NEGATIVE_INFINITY))
                    .and(ll1.compare(VectorOperators.GT, 0))
                    .and(g1.compare(VectorOperators.GT, bg1));
            bg0 = bg0.blend(g0, w0);
            bg1 = bg1.blend(g1, w1);
            bx0 = bx0.blend(xl0, w0);
            bx1 = bx1.blend(xl1, w1);
            bl0 = bl0.blend(ll0, w0);
            bl1 = bl1.blend(ll1, w1);
        }
        // (float) (sxl / sll) of each lane's winner: the quotient in double lanes, rounded to float
        FloatVector r0 = (FloatVector) bx0.div(bl0).convertShape(VectorOperators.D2F, FS, 0);
        FloatVector r1 = (FloatVector) bx1.div(bl1).convertShape(VectorOperators.D2F, FS, -1);
        r0.blend(r1, FS.indexInRange(HALF, L).not()).intoArray(w.s, soff);
    }

    /**
     * {@link GridQuantizer#codesAndSquaredErrorScalar} of every sub-block under {@code c_j = d l_j},
     * one per lane: codes into {@code w.qt} and their levels into {@code w.lt} (transposed), each
     * lane's error summed over its elements in element order ({@code d * d}, then the add: the
     * square is rounded), then the sub-blocks' errors added in sub-block order. A lane with {@code
     * c_j == 0} takes the zero code, as the scalar code does; the compare count gives the scalar
     * code's count for every {@code y}, infinite and NaN included.
     */
    private static double codesLanes(GridQuantizer grid, Scratch w, int sub, int groups, float d, byte[] l, int loff) {
        float[] cs = w.c;
        for (int j = 0; j < groups * L; j++) {
            cs[j] = d * l[loff + j];
        }
        return codesLanes(grid, w, sub, groups);
    }

    /** {@link #codesLanes} under the scales {@code c_j} already in {@code w.c}. */
    private static double codesLanes(GridQuantizer grid, Scratch w, int sub, int groups) {
        Tables tb = tables(grid);
        if (tb != null) {
            return codesLanesLookup(grid, tb, w, sub, groups);
        }
        Object sr = search(grid);
        if (sr instanceof Search se) {
            return codesLanesSearch(se, grid, w, sub, groups);
        }
        if (sr instanceof Wide wd) {
            return codesLanesWide(wd, grid, w, sub, groups);
        }
        return codesLanesBlend(grid, w, sub, groups);
    }

    /** {@link #codesLanes} under the scales {@code c_j} in {@code w.c}, by the compare and blend. */
    private static double codesLanesBlend(GridQuantizer grid, Scratch w, int sub, int groups) {
        float[] g = grid.levelsView();
        float[] mids = grid.midsView();
        int zero = grid.zeroCode();
        float[] cs = w.c;
        double err = 0;
        for (int gi = 0; gi < groups; gi++) {
            int base = gi * sub * L;
            FloatVector c = FloatVector.fromArray(FS, cs, gi * L);
            VectorMask<Float> cz = c.compare(VectorOperators.EQ, 0f);
            FloatVector inv = FloatVector.broadcast(FS, 1f).div(c);
            DoubleVector e0 = DoubleVector.zero(DS);
            DoubleVector e1 = DoubleVector.zero(DS);
            for (int i = 0; i < sub; i++) {
                int p = base + i * L;
                FloatVector v = FloatVector.fromArray(FS, w.xt, p);
                FloatVector y = v.mul(inv);
                FloatVector lv = FloatVector.broadcast(FS, g[0]);
                IntVector k = IntVector.zero(IS);
                for (int t = 0; t < mids.length; t++) {
                    VectorMask<Float> gt = y.compare(VectorOperators.GT, mids[t]);
                    lv = lv.blend(g[t + 1], gt);
                    k = k.add(1, gt.cast(IS));
                }
                lv = lv.blend(g[zero], cz);
                k = k.blend(zero, cz.cast(IS));
                lv.intoArray(w.lt, p);
                ((ByteVector) k.convertShape(VectorOperators.I2B, BS, 0)).intoArray(w.qt, p);
                FloatVector cg = lv.mul(c);
                DoubleVector d0 = DoubleVector.fromArray(DS, w.xd, p)
                        .sub((DoubleVector) cg.convertShape(VectorOperators.F2D, DS, 0));
                DoubleVector d1 = DoubleVector.fromArray(DS, w.xd, p + HALF)
                        .sub((DoubleVector) cg.convertShape(VectorOperators.F2D, DS, 1));
                e0 = e0.add(d0.mul(d0));
                e1 = e1.add(d1.mul(d1));
            }
            e0.intoArray(w.le, gi * L);
            e1.intoArray(w.le, gi * L + HALF);
            for (int j = 0; j < L; j++) {
                err += w.le[gi * L + j];
            }
        }
        return err;
    }

    /** {@link #codesLanesBlend} by the binary search of {@link #searchLanesSearch}: the same counts, so the same codes. */
    private static double codesLanesSearch(Search sr, GridQuantizer grid, Scratch w, int sub, int groups) {
        float first = sr.first();
        int[] r = sr.rows();
        int zero = grid.zeroCode();
        float[] cs = w.c;
        double err = 0;
        for (int gi = 0; gi < groups; gi++) {
            int base = gi * sub * L;
            FloatVector c = FloatVector.fromArray(FS, cs, gi * L);
            VectorMask<Float> cz = c.compare(VectorOperators.EQ, 0f);
            FloatVector inv = FloatVector.broadcast(FS, 1f).div(c);
            DoubleVector e0 = DoubleVector.zero(DS);
            DoubleVector e1 = DoubleVector.zero(DS);
            for (int i = 0; i < sub; i++) {
                int p = base + i * L;
                FloatVector v = FloatVector.fromArray(FS, w.xt, p);
                FloatVector y = v.mul(inv);
                IntVector k = IntVector.zero(IS)
                        .blend(4, y.compare(VectorOperators.GT, first).cast(IS));
                k = k.add(
                        2,
                        y.compare(
                                        VectorOperators.GT,
                                        k.selectFrom(IntVector.fromArray(IS, r, 0))
                                                .reinterpretAsFloats())
                                .cast(IS));
                k = k.add(
                        1,
                        y.compare(
                                        VectorOperators.GT,
                                        k.selectFrom(IntVector.fromArray(IS, r, L))
                                                .reinterpretAsFloats())
                                .cast(IS));
                k = k.blend(zero, cz.cast(IS));
                FloatVector lv = k.selectFrom(IntVector.fromArray(IS, r, 2 * L)).reinterpretAsFloats();
                lv.intoArray(w.lt, p);
                ((ByteVector) k.convertShape(VectorOperators.I2B, BS, 0)).intoArray(w.qt, p);
                FloatVector cg = lv.mul(c);
                DoubleVector d0 = DoubleVector.fromArray(DS, w.xd, p)
                        .sub((DoubleVector) cg.convertShape(VectorOperators.F2D, DS, 0));
                DoubleVector d1 = DoubleVector.fromArray(DS, w.xd, p + HALF)
                        .sub((DoubleVector) cg.convertShape(VectorOperators.F2D, DS, 1));
                e0 = e0.add(d0.mul(d0));
                e1 = e1.add(d1.mul(d1));
            }
            e0.intoArray(w.le, gi * L);
            e1.intoArray(w.le, gi * L + HALF);
            for (int j = 0; j < L; j++) {
                err += w.le[gi * L + j];
            }
        }
        return err;
    }

    /** {@link #codesLanesBlend} by {@link Wide}'s six steps: the same counts, so the same codes. */
    private static double codesLanesWide(Wide sr, GridQuantizer grid, Scratch w, int sub, int groups) {
        float first = sr.first();
        int[] r = sr.rows();
        int zero = grid.zeroCode();
        float[] cs = w.c;
        double err = 0;
        for (int gi = 0; gi < groups; gi++) {
            int base = gi * sub * L;
            FloatVector c = FloatVector.fromArray(FS, cs, gi * L);
            VectorMask<Float> cz = c.compare(VectorOperators.EQ, 0f);
            FloatVector inv = FloatVector.broadcast(FS, 1f).div(c);
            DoubleVector e0 = DoubleVector.zero(DS);
            DoubleVector e1 = DoubleVector.zero(DS);
            for (int i = 0; i < sub; i++) {
                int p = base + i * L;
                FloatVector v = FloatVector.fromArray(FS, w.xt, p);
                FloatVector y = v.mul(inv);
                // the count of midpoints below y by Wide's six steps (see Wide), one bit per step
                IntVector pf = IntVector.zero(IS).sub((IntVector)
                        y.compare(VectorOperators.GT, first).cast(IS).toVector());
                for (int st = 0; st < 3; st++) {
                    FloatVector ms =
                            pf.selectFrom(IntVector.fromArray(IS, r, st * L)).reinterpretAsFloats();
                    pf = pf.add(pf).sub((IntVector)
                            y.compare(VectorOperators.GT, ms).cast(IS).toVector());
                }
                IntVector m5 = pf.selectFrom(IntVector.fromArray(IS, r, WIDE5), IntVector.fromArray(IS, r, WIDE5 + L));
                pf = pf.add(pf).sub((IntVector) y.compare(VectorOperators.GT, m5.reinterpretAsFloats())
                        .cast(IS)
                        .toVector());
                IntVector m6 = pf.selectFrom(IntVector.fromArray(IS, r, WIDE6), IntVector.fromArray(IS, r, WIDE6 + L));
                for (int pp = 1; pp < WIDE_MIDS; pp++) {
                    int at = WIDE6 + pp * 2 * L;
                    m6 = m6.blend(
                            pf.selectFrom(IntVector.fromArray(IS, r, at), IntVector.fromArray(IS, r, at + L)),
                            pf.compare(VectorOperators.GE, pp * 2 * L));
                }
                IntVector k0 = pf.add(pf).sub((IntVector) y.compare(VectorOperators.GT, m6.reinterpretAsFloats())
                        .cast(IS)
                        .toVector());
                IntVector k = k0.blend(zero, cz.cast(IS));
                IntVector li = k.selectFrom(IntVector.fromArray(IS, r, WIDE_G), IntVector.fromArray(IS, r, WIDE_G + L));
                for (int pp = 1; pp < WIDE_LEVELS; pp++) {
                    int at = WIDE_G + pp * 2 * L;
                    li = li.blend(
                            k.selectFrom(IntVector.fromArray(IS, r, at), IntVector.fromArray(IS, r, at + L)),
                            k.compare(VectorOperators.GE, pp * 2 * L));
                }
                FloatVector lv = li.reinterpretAsFloats();
                lv.intoArray(w.lt, p);
                ((ByteVector) k.convertShape(VectorOperators.I2B, BS, 0)).intoArray(w.qt, p);
                FloatVector cg = lv.mul(c);
                DoubleVector d0 = DoubleVector.fromArray(DS, w.xd, p)
                        .sub((DoubleVector) cg.convertShape(VectorOperators.F2D, DS, 0));
                DoubleVector d1 = DoubleVector.fromArray(DS, w.xd, p + HALF)
                        .sub((DoubleVector) cg.convertShape(VectorOperators.F2D, DS, 1));
                e0 = e0.add(d0.mul(d0));
                e1 = e1.add(d1.mul(d1));
            }
            e0.intoArray(w.le, gi * L);
            e1.intoArray(w.le, gi * L + HALF);
            for (int j = 0; j < L; j++) {
                err += w.le[gi * L + j];
            }
        }
        return err;
    }

    /**
     * One refit of the specification, one sub-block per lane: each sub-block's least-squares scale
     * for its current codes ({@link GridQuantizer#fitScale}: sums in element order, exact products
     * by fused multiply-adds, {@code (float) (sxl / sll)} or 0 when {@code sll} is not positive),
     * its new sub-scale {@code l_j} into {@code l}, and the terms {@code x v} and {@code v v} of the
     * super-scale's refit, {@code v = l_j g[q]} (exact), into {@code w.tn} and {@code w.td} (each
     * product rounded once, as the scalar code's), for the caller to add in the scalar code's order.
     */
    private static void refitLanes(
            SuperBlockQuantizer sq, Scratch w, int sub, int groups, float d, byte[] l, int loff) {
        float[] lt = w.lt;
        double[] xd = w.xd;
        float[] lf = w.s;
        double[] e = w.e;
        for (int gi = 0; gi < groups; gi++) {
            int base = gi * sub * L;
            DoubleVector xl0 = DoubleVector.zero(DS);
            DoubleVector xl1 = DoubleVector.zero(DS);
            DoubleVector ll0 = DoubleVector.zero(DS);
            DoubleVector ll1 = DoubleVector.zero(DS);
            for (int i = 0; i < sub; i++) {
                int p = base + i * L;
                FloatVector lv = FloatVector.fromArray(FS, lt, p);
                DoubleVector l0 = (DoubleVector) lv.convertShape(VectorOperators.F2D, DS, 0);
                DoubleVector l1 = (DoubleVector) lv.convertShape(VectorOperators.F2D, DS, 1);
                xl0 = DoubleVector.fromArray(DS, xd, p).fma(l0, xl0);
                xl1 = DoubleVector.fromArray(DS, xd, p + HALF).fma(l1, xl1);
                ll0 = l0.fma(l0, ll0);
                ll1 = l1.fma(l1, ll1);
            }
            xl0.div(ll0).intoArray(e, 0);
            xl1.div(ll1).intoArray(e, HALF);
            ll0.intoArray(e, L);
            ll1.intoArray(e, L + HALF);
            for (int j = 0; j < L; j++) {
                float sj = e[L + j] > 0 ? (float) e[j] : 0f;
                int lj = sq.clampScale(sj / d);
                l[loff + gi * L + j] = (byte) lj;
                lf[j] = lj;
            }
            FloatVector lj = FloatVector.fromArray(FS, lf, 0);
            DoubleVector lj0 = (DoubleVector) lj.convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector lj1 = (DoubleVector) lj.convertShape(VectorOperators.F2D, DS, 1);
            for (int i = 0; i < sub; i++) {
                int p = base + i * L;
                FloatVector lv = FloatVector.fromArray(FS, lt, p);
                DoubleVector v0 = lj0.mul((DoubleVector) lv.convertShape(VectorOperators.F2D, DS, 0));
                DoubleVector v1 = lj1.mul((DoubleVector) lv.convertShape(VectorOperators.F2D, DS, 1));
                DoubleVector.fromArray(DS, xd, p).mul(v0).intoArray(w.tn, p);
                DoubleVector.fromArray(DS, xd, p + HALF).mul(v1).intoArray(w.tn, p + HALF);
                v0.mul(v0).intoArray(w.td, p);
                v1.mul(v1).intoArray(w.td, p + HALF);
            }
        }
    }

    /**
     * Transposes {@code L} consecutive blocks of {@code sub} values at {@code x[xoff ..]} into
     * {@code w.xt} and {@code w.xd} at {@code base} (element {@code i} of lane {@code j} at {@code
     * base + i * L + j}), and keeps each lane's value of largest magnitude (the first on ties) in
     * {@code w.m}. The transposition is scalar moves: a gather ({@code fromArray} with an index map)
     * fell back to boxed Java code in some compilations (thread allocation counter: 21 bytes per
     * weight, and no faster where it did not).
     */
    private static void transpose(float[] x, int xoff, Scratch w, int base, int sub) {
        float[] xt = w.xt;
        double[] xd = w.xd;
        for (int j = 0; j < L; j++) {
            int src = xoff + j * sub;
            for (int i = 0, p = base + j; i < sub; i++, p += L) {
                xt[p] = x[src + i];
            }
        }
        FloatVector m = FloatVector.zero(FS);
        FloatVector ma = FloatVector.zero(FS);
        for (int i = 0; i < sub; i++) {
            int p = base + i * L;
            FloatVector v = FloatVector.fromArray(FS, xt, p);
            ((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0)).intoArray(xd, p);
            ((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 1)).intoArray(xd, p + HALF);
            // |v| by clearing the sign bit (Math.abs exactly)
            FloatVector va = v.reinterpretAsInts().and(0x7FFFFFFF).reinterpretAsFloats();
            VectorMask<Float> gt = va.compare(VectorOperators.GT, ma);
            m = m.blend(v, gt);
            ma = ma.blend(va, gt);
        }
        m.intoArray(w.m, 0);
    }

    /**
     * {@link #searchLanes} with each level found by the lookup of {@link #trialsLookup} instead of
     * the compare and blend: the same count, so the same levels, sums and winners.
     */
    private static void searchLanesLookup(GridQuantizer grid, Tables tb, Scratch w, int base, int sub, int soff) {
        float[] numer = grid.trialNumerators();
        float scale = tb.scale();
        float shift = tb.shift();
        int[] r = tb.rows();
        // one midpoint to compare per cell and one row of levels (the 16- and 32-level grids at 16
        // lanes): the other rows are +inf and past the last code, so leaving them out changes no count
        boolean narrow = tb.slots() <= 1 && tb.pairs() == 1;
        float[] xt = w.xt;
        double[] xd = w.xd;
        FloatVector m = FloatVector.fromArray(FS, w.m, 0);
        DoubleVector bg0 = DoubleVector.broadcast(DS, -1);
        DoubleVector bg1 = DoubleVector.broadcast(DS, -1);
        DoubleVector bx0 = DoubleVector.zero(DS);
        DoubleVector bx1 = DoubleVector.zero(DS);
        DoubleVector bl0 = DoubleVector.broadcast(DS, 1);
        DoubleVector bl1 = DoubleVector.broadcast(DS, 1);
        for (int t = 0; t < numer.length; t++) {
            FloatVector u = FloatVector.broadcast(FS, numer[t]).div(m);
            DoubleVector xl0 = DoubleVector.zero(DS);
            DoubleVector xl1 = DoubleVector.zero(DS);
            DoubleVector ll0 = DoubleVector.zero(DS);
            DoubleVector ll1 = DoubleVector.zero(DS);
            for (int i = 0; i < sub; i++) {
                int p = base + i * L;
                FloatVector y = FloatVector.fromArray(FS, xt, p).mul(u);
                IntVector c = y.fma(scale, shift)
                        .add(MAGIC)
                        .reinterpretAsInts()
                        .max(MAGIC_BITS)
                        .min(MAGIC_BITS + CELLS - 1);
                IntVector q = c.selectFrom(IntVector.fromArray(IS, r, 0), IntVector.fromArray(IS, r, L));
                q = q.add(
                        1,
                        y.compare(
                                        VectorOperators.GT,
                                        c.selectFrom(
                                                        IntVector.fromArray(IS, r, CELLS),
                                                        IntVector.fromArray(IS, r, CELLS + L))
                                                .reinterpretAsFloats())
                                .cast(IS));
                if (!narrow) { // constant bounds: C2 unrolls them
                    for (int j = 2; j <= SLOTS; j++) {
                        FloatVector sl = c.selectFrom(
                                        IntVector.fromArray(IS, r, j * CELLS),
                                        IntVector.fromArray(IS, r, j * CELLS + L))
                                .reinterpretAsFloats();
                        q = q.add(1, y.compare(VectorOperators.GT, sl).cast(IS));
                    }
                }
                IntVector li = q.selectFrom(IntVector.fromArray(IS, r, LEVELS), IntVector.fromArray(IS, r, LEVELS + L));
                if (!narrow) {
                    for (int pp = 1; pp < PAIRS; pp++) {
                        int at = LEVELS + pp * CELLS;
                        li = li.blend(
                                q.selectFrom(IntVector.fromArray(IS, r, at), IntVector.fromArray(IS, r, at + L)),
                                q.compare(VectorOperators.GE, pp * CELLS));
                    }
                }
                FloatVector l = li.reinterpretAsFloats();
                DoubleVector l0 = (DoubleVector) l.convertShape(VectorOperators.F2D, DS, 0);
                DoubleVector l1 = (DoubleVector) l.convertShape(VectorOperators.F2D, DS, 1);
                xl0 = DoubleVector.fromArray(DS, xd, p).fma(l0, xl0);
                xl1 = DoubleVector.fromArray(DS, xd, p + HALF).fma(l1, xl1);
                ll0 = l0.fma(l0, ll0);
                ll1 = l1.fma(l1, ll1);
            }
            DoubleVector u0 = (DoubleVector) u.convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector u1 = (DoubleVector) u.convertShape(VectorOperators.F2D, DS, 1);
            DoubleVector g0 = xl0.mul(xl0).div(ll0);
            DoubleVector g1 = xl1.mul(xl1).div(ll1);
            VectorMask<Double> w0 = u0.compare(VectorOperators.LT, Double.POSITIVE_INFINITY)
                    .and(u0.compare(VectorOperators.GT, Double.NEGATIVE_INFINITY))
                    .and(ll0.compare(VectorOperators.GT, 0))
                    .and(g0.compare(VectorOperators.GT, bg0));
            VectorMask<Double> w1 = u1.compare(VectorOperators.LT, Double.POSITIVE_INFINITY)
                    .and(u1.compare(VectorOperators.GT, Double.NEGATIVE_INFINITY))
                    .and(ll1.compare(VectorOperators.GT, 0))
                    .and(g1.compare(VectorOperators.GT, bg1));
            bg0 = bg0.blend(g0, w0);
            bg1 = bg1.blend(g1, w1);
            bx0 = bx0.blend(xl0, w0);
            bx1 = bx1.blend(xl1, w1);
            bl0 = bl0.blend(ll0, w0);
            bl1 = bl1.blend(ll1, w1);
        }
        FloatVector r0 = (FloatVector) bx0.div(bl0).convertShape(VectorOperators.D2F, FS, 0);
        FloatVector r1 = (FloatVector) bx1.div(bl1).convertShape(VectorOperators.D2F, FS, -1);
        r0.blend(r1, FS.indexInRange(HALF, L).not()).intoArray(w.s, soff);
    }

    /**
     * {@link #codesLanesBlend} by the lookup. A lane with {@code c_j == 0} has an infinite {@code
     * 1 / c_j} and may look up a NaN or infinite {@code y}: any cell, any count, then replaced by
     * the zero code. Every other {@code c_j} here is at least the smallest f16 subnormal in
     * magnitude, so {@code y} is finite or infinite, never NaN, and its count is exact.
     */
    private static double codesLanesLookup(GridQuantizer grid, Tables tb, Scratch w, int sub, int groups) {
        float[] g = grid.levelsView();
        int zero = grid.zeroCode();
        float scale = tb.scale();
        float shift = tb.shift();
        int[] r = tb.rows();
        // one midpoint to compare per cell and one row of levels (the 16- and 32-level grids at 16
        // lanes): the other rows are +inf and past the last code, so leaving them out changes no count
        boolean narrow = tb.slots() <= 1 && tb.pairs() == 1;
        float[] cs = w.c;
        double err = 0;
        for (int gi = 0; gi < groups; gi++) {
            int base = gi * sub * L;
            FloatVector c = FloatVector.fromArray(FS, cs, gi * L);
            VectorMask<Float> cz = c.compare(VectorOperators.EQ, 0f);
            FloatVector inv = FloatVector.broadcast(FS, 1f).div(c);
            DoubleVector e0 = DoubleVector.zero(DS);
            DoubleVector e1 = DoubleVector.zero(DS);
            for (int i = 0; i < sub; i++) {
                int p = base + i * L;
                FloatVector v = FloatVector.fromArray(FS, w.xt, p);
                FloatVector y = v.mul(inv);
                IntVector cl = y.fma(scale, shift)
                        .add(MAGIC)
                        .reinterpretAsInts()
                        .max(MAGIC_BITS)
                        .min(MAGIC_BITS + CELLS - 1);
                IntVector k = cl.selectFrom(IntVector.fromArray(IS, r, 0), IntVector.fromArray(IS, r, L));
                k = k.add(
                        1,
                        y.compare(
                                        VectorOperators.GT,
                                        cl.selectFrom(
                                                        IntVector.fromArray(IS, r, CELLS),
                                                        IntVector.fromArray(IS, r, CELLS + L))
                                                .reinterpretAsFloats())
                                .cast(IS));
                if (!narrow) { // constant bounds: C2 unrolls them
                    for (int j = 2; j <= SLOTS; j++) {
                        FloatVector sl = cl.selectFrom(
                                        IntVector.fromArray(IS, r, j * CELLS),
                                        IntVector.fromArray(IS, r, j * CELLS + L))
                                .reinterpretAsFloats();
                        k = k.add(1, y.compare(VectorOperators.GT, sl).cast(IS));
                    }
                }
                k = k.blend(zero, cz.cast(IS));
                IntVector li = k.selectFrom(IntVector.fromArray(IS, r, LEVELS), IntVector.fromArray(IS, r, LEVELS + L));
                if (!narrow) {
                    for (int pp = 1; pp < PAIRS; pp++) {
                        int at = LEVELS + pp * CELLS;
                        li = li.blend(
                                k.selectFrom(IntVector.fromArray(IS, r, at), IntVector.fromArray(IS, r, at + L)),
                                k.compare(VectorOperators.GE, pp * CELLS));
                    }
                }
                FloatVector lv = li.reinterpretAsFloats();
                lv.intoArray(w.lt, p);
                ((ByteVector) k.convertShape(VectorOperators.I2B, BS, 0)).intoArray(w.qt, p);
                FloatVector cg = lv.mul(c);
                DoubleVector d0 = DoubleVector.fromArray(DS, w.xd, p)
                        .sub((DoubleVector) cg.convertShape(VectorOperators.F2D, DS, 0));
                DoubleVector d1 = DoubleVector.fromArray(DS, w.xd, p + HALF)
                        .sub((DoubleVector) cg.convertShape(VectorOperators.F2D, DS, 1));
                e0 = e0.add(d0.mul(d0));
                e1 = e1.add(d1.mul(d1));
            }
            e0.intoArray(w.le, gi * L);
            e1.intoArray(w.le, gi * L + HALF);
            for (int j = 0; j < L; j++) {
                err += w.le[gi * L + j];
            }
        }
        return err;
    }

    /**
     * The codes of {@code blocks} consecutive blocks of {@code block} values at {@code x[xoff ..]},
     * block {@code j} under the scale {@code c[j]}, into {@code q[qoff ..]} in element order: {@link
     * GridQuantizer#codes}, and so {@link #codesLanesLookup}'s codes (the same {@code 1 / c} and
     * product, the same lookup, the zero code for {@code c == 0}), with a vector per run of {@code
     * L} elements of one block instead of a lane per block, so no scalar moves out of transposed
     * lanes (the lookup written out, as in {@link #trialsLookup}). Returns false, writing nothing,
     * where the grid has no lookup tables at this width or {@code block} is not a multiple of
     * {@code L}.
     */
    static boolean codesInOrder(
            GridQuantizer grid, float[] x, int xoff, float[] c, int blocks, int block, byte[] q, int qoff) {
        Tables tb = tables(grid);
        if (!inOrder(tb, block)) {
            return false;
        }
        int zero = grid.zeroCode();
        float scale = tb.scale();
        float shift = tb.shift();
        int[] r = tb.rows();
        boolean narrow = tb.slots() <= 1 && tb.pairs() == 1;
        for (int j = 0; j < blocks; j++) {
            int o = j * block;
            float cj = c[j];
            if (cj == 0f) {
                java.util.Arrays.fill(q, qoff + o, qoff + o + block, (byte) zero);
                continue;
            }
            FloatVector inv = FloatVector.broadcast(FS, 1f / cj);
            for (int i = 0; i < block; i += L) {
                FloatVector y = FloatVector.fromArray(FS, x, xoff + o + i).mul(inv);
                IntVector cl = y.fma(scale, shift)
                        .add(MAGIC)
                        .reinterpretAsInts()
                        .max(MAGIC_BITS)
                        .min(MAGIC_BITS + CELLS - 1);
                IntVector k = cl.selectFrom(IntVector.fromArray(IS, r, 0), IntVector.fromArray(IS, r, L));
                k = k.add(
                        1,
                        y.compare(
                                        VectorOperators.GT,
                                        cl.selectFrom(
                                                        IntVector.fromArray(IS, r, CELLS),
                                                        IntVector.fromArray(IS, r, CELLS + L))
                                                .reinterpretAsFloats())
                                .cast(IS));
                if (!narrow) { // constant bounds: C2 unrolls them
                    for (int s = 2; s <= SLOTS; s++) {
                        FloatVector sl = cl.selectFrom(
                                        IntVector.fromArray(IS, r, s * CELLS),
                                        IntVector.fromArray(IS, r, s * CELLS + L))
                                .reinterpretAsFloats();
                        k = k.add(1, y.compare(VectorOperators.GT, sl).cast(IS));
                    }
                }
                ((ByteVector) k.convertShape(VectorOperators.I2B, BS, 0)).intoArray(q, qoff + o + i);
            }
        }
        return true;
    }

    /** Whether {@link #codesInOrder} applies: the grid has lookup tables here, and every block whole vectors. */
    private static boolean inOrder(Tables tb, int block) {
        return tb != null && block % L == 0;
    }

    /**
     * Each lane's least-squares scale for its codes' levels in {@code w.lt} ({@link
     * GridQuantizer#fitScale}: sums in element order, exact products by fused multiply-adds), as
     * {@code sxl / sll} in {@code w.e[0 .. L)} and {@code sll} in {@code w.e[L .. 2L)}. A method of
     * its own, taking no vectors: written into its caller, its vectors were boxed.
     */
    private static void fitLanes(Scratch w, int block) {
        double[] e = w.e;
        DoubleVector xl0 = DoubleVector.zero(DS);
        DoubleVector xl1 = DoubleVector.zero(DS);
        DoubleVector ll0 = DoubleVector.zero(DS);
        DoubleVector ll1 = DoubleVector.zero(DS);
        for (int i = 0; i < block; i++) {
            int p = i * L;
            FloatVector lv = FloatVector.fromArray(FS, w.lt, p);
            DoubleVector l0 = (DoubleVector) lv.convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector l1 = (DoubleVector) lv.convertShape(VectorOperators.F2D, DS, 1);
            xl0 = DoubleVector.fromArray(DS, w.xd, p).fma(l0, xl0);
            xl1 = DoubleVector.fromArray(DS, w.xd, p + HALF).fma(l1, xl1);
            ll0 = l0.fma(l0, ll0);
            ll1 = l1.fma(l1, ll1);
        }
        xl0.div(ll0).intoArray(e, 0);
        xl1.div(ll1).intoArray(e, HALF);
        ll0.intoArray(e, L);
        ll1.intoArray(e, L + HALF);
    }

    /**
     * Groups of {@code L} whole blocks, one block per lane (transposed as a super-block
     * is): the scale search of {@link #searchLanes}, then {@link F16BlockQuantizer#quantize}'s steps
     * per lane: the f16 scale, the codes and error under it ({@link #codesLanes}' sums), the
     * least-squares refit ({@link GridQuantizer#fitScale}'s sums in element order, exact products
     * by fused multiply-adds), the codes and error under the refitted f16 scale, and the scalar
     * code's choice between them. Blocks after the last whole group take the specification.
     */
    @Override
    public int quantizeF16Blocks(
            F16BlockQuantizer bq,
            float[] x,
            int off,
            int len,
            int block,
            byte[] q,
            int qoff,
            short[] scales,
            int soff,
            byte[] tmp) {
        int span = block * L;
        if (block <= 0 || span > LANES_MAX) {
            return bq.quantizeBlocksScalar(x, off, len, block, q, qoff, scales, soff, tmp);
        }
        GridQuantizer grid = bq.grid();
        Tables tb = tables(grid);
        Scratch w = SCRATCH.get();
        float[] cs = w.c;
        short[] sb = w.sb;
        short[] rb = w.rb;
        double[] e = w.e;
        int whole = len / span;
        // the codes under each block's chosen scale written in element order by codesInOrder,
        // instead of moved one by one out of the lanes' transposed codes: 6% of the
        // int4_sym16_g32_v1 encoder (docs/PERFORMANCE.md)
        boolean inOrder = inOrder(tb, block);
        for (int gi = 0; gi < whole; gi++) {
            int b0 = gi * span;
            transpose(x, off + b0, w, 0, block);
            if (tb != null) {
                searchLanesLookup(grid, tb, w, 0, block, 0);
            } else if (search(grid) instanceof Search sr) {
                searchLanesSearch(sr, grid, w, 0, block, 0);
            } else if (search(grid) instanceof Wide wd) {
                searchLanesWide(wd, grid, w, 0, block, 0);
            } else {
                searchLanes(grid, w, 0, block, 0);
            }
            for (int j = 0; j < L; j++) {
                short b = Float.floatToFloat16(w.s[j]);
                float sf = Float.float16ToFloat(b);
                if (Float.isInfinite(sf)) {
                    return gi * L + j;
                }
                sb[j] = sf == 0f ? 0 : b;
                cs[j] = sf;
            }
            codesLanes(grid, w, block, 1);
            fitLanes(w, block);
            boolean any = false;
            for (int j = 0; j < L; j++) {
                float sj = e[L + j] > 0 ? (float) e[j] : 0f;
                short b = Float.floatToFloat16(sj);
                float rf = Float.float16ToFloat(b);
                boolean tries = cs[j] != 0f && rf != 0f && Float.isFinite(rf) && b != sb[j];
                rb[j] = tries ? b : sb[j];
                cs[j] = tries ? rf : 0f;
                any |= tries;
                w.le1[j] = w.le[j];
            }
            if (any) {
                if (!inOrder) {
                    System.arraycopy(w.qt, 0, w.bestQt, 0, span);
                }
                codesLanes(grid, w, block, 1);
            }
            for (int j = 0; j < L; j++) {
                boolean second = any && rb[j] != sb[j] && w.le[j] < w.le1[j];
                scales[soff + gi * L + j] = second ? rb[j] : sb[j];
                if (inOrder) { // the scale the codes are written under below
                    w.s[j] = second ? cs[j] : Float.float16ToFloat(sb[j]);
                    continue;
                }
                byte[] src = second ? w.qt : any ? w.bestQt : w.qt;
                int o = qoff + b0 + j * block;
                for (int i = 0, p = j; i < block; i++, p += L) {
                    q[o + i] = src[p];
                }
            }
            if (inOrder) {
                codesInOrder(grid, x, off + b0, w.s, L, block, q, qoff + b0);
            }
        }
        int done = whole * span;
        if (done < len) {
            int bad = bq.quantizeBlocksScalar(
                    x, off + done, len - done, block, q, qoff + done, scales, soff + whole * L, tmp);
            if (bad >= 0) {
                return whole * L + bad;
            }
        }
        return -1;
    }

    @Override
    public double codesAndSquaredError(GridQuantizer grid, float[] x, int off, int len, float c, byte[] q, int qoff) {
        if (c == 0f) {
            return grid.codesAndSquaredErrorScalar(x, off, len, c, q, qoff);
        }
        float inv = 1f / c;
        Tables tb = tables(grid);
        if (tb != null && Float.isFinite(inv)) {
            return codesLookup(grid, tb, x, off, len, c, inv, q, qoff);
        }
        float[] g = grid.levelsView();
        float[] mids = grid.midsView();
        double[] a = SCRATCH.get().ta;
        double e = 0;
        for (int i = 0; i < len; i += L) {
            boolean whole = i + L <= len;
            VectorMask<Float> in = whole ? FS.maskAll(true) : FS.indexInRange(i, len);
            FloatVector v = whole ? FloatVector.fromArray(FS, x, off + i) : FloatVector.fromArray(FS, x, off + i, in);
            FloatVector y = v.mul(inv);
            FloatVector l = FloatVector.broadcast(FS, g[0]);
            IntVector k = IntVector.zero(IS);
            for (int j = 0; j < mids.length; j++) {
                VectorMask<Float> gt = y.compare(VectorOperators.GT, mids[j]);
                l = l.blend(g[j + 1], gt);
                k = k.add(1, gt.cast(IS));
            }
            ByteVector codes = (ByteVector) k.convertShape(VectorOperators.I2B, BS, 0);
            if (whole) {
                codes.intoArray(q, qoff + i);
            } else {
                codes.intoArray(q, qoff + i, in.cast(BS));
            }
            FloatVector cl = l.mul(c);
            DoubleVector d0 = ((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0))
                    .sub((DoubleVector) cl.convertShape(VectorOperators.F2D, DS, 0));
            DoubleVector d1 = ((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 1))
                    .sub((DoubleVector) cl.convertShape(VectorOperators.F2D, DS, 1));
            d0.mul(d0).intoArray(a, 0);
            d1.mul(d1).intoArray(a, HALF);
            int n = Math.min(L, len - i);
            for (int j = 0; j < n; j++) {
                e += a[j];
            }
        }
        return e;
    }
}
