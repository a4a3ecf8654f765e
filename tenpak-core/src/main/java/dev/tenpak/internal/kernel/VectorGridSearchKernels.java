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
    private static final int TRIALS = 2 * (2 * GridQuantizer.CANDIDATES_PER_SIDE + 1);

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
        for (int t = 0; t < full; t += L) {
            FloatVector u = FloatVector.fromArray(FS, numer, t).div(m);
            u.intoArray(w.u, t);
            trialsBlend(g, mids, x, off, len, u, sxl, sll, t);
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

    /** Adds one element's {@code x * g} and {@code g * g} to the lane sums of trials {@code [t, t + L)}. */
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

    @Override
    public double codesAndSquaredError(GridQuantizer grid, float[] x, int off, int len, float c, byte[] q, int qoff) {
        if (c == 0f) {
            return grid.codesAndSquaredErrorScalar(x, off, len, c, q, qoff);
        }
        float inv = 1f / c;
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
