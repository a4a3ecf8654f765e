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

    /** Per-thread work arrays: every trial plus a vector's worth of padding lanes, and one vector of terms. */
    private static final class Scratch {
        final double[] sxl = new double[TRIALS + L];
        final double[] sll = new double[TRIALS + L];
        final double[] gain = new double[TRIALS + L];
        final float[] u = new float[TRIALS + L];
        final double[] ta = new double[L];
        final double[] tb = new double[L];
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
    private record Tables(float scale, float shift, int[] rows) {}

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
        return new Tables(scale, shift, rows);
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
            // the lookup, written out here and in the two methods below (a helper taking vectors
            // would box them wherever C2 does not inline it)
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
