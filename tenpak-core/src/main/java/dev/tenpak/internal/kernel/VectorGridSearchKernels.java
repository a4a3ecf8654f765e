package dev.tenpak.internal.kernel;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link GridQuantizer#searchScaleScalar} with one trial scale per lane: the trial inverse scales
 * are {@code numerator[t] / m} (the numerators {@code end * (1 + k * STEP)} are the scalar code's
 * float values, kept per grid), each element's level under every trial comes from a compare and
 * blend per grid midpoint (the lanes whose {@code y} is above midpoint {@code k} take level
 * {@code k + 1}; the midpoints are sorted, so the last blend that applies is the nearest level),
 * and each lane sums {@code x * g} and {@code g * g} in double over the elements in order (the
 * trials that do not fill a vector run scalar, as the specification does): every
 * product is exact, every sum has the scalar code's terms in the scalar code's order, so the sums,
 * and the winner chosen from them by the scalar rule, are the same to the bit. Loaded by name by
 * {@link VectorizationProvider}.
 */
final class VectorGridSearchKernels implements GridSearchKernels {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    private static final int L = FS.length();
    private static final int PARTS = L / DS.length();

    /** Per-thread lane sums: every trial plus a vector's worth of padding lanes. */
    private static final ThreadLocal<double[][]> SUMS =
            ThreadLocal.withInitial(() -> new double[2][2 * (2 * GridQuantizer.CANDIDATES_PER_SIDE + 1) + L]);

    private VectorGridSearchKernels() {}

    /** Called reflectively by {@link VectorizationProvider}; refuses narrow vectors. */
    static GridSearchKernels create() {
        if (L < 8 || PARTS != 2) {
            throw new UnsupportedOperationException("vector grid search needs 8 or 16 float lanes, this CPU has " + L);
        }
        return new VectorGridSearchKernels();
    }

    @Override
    public String description() {
        return "vector(" + FS.vectorBitSize() + "-bit)";
    }

    @Override
    public float searchScale(GridQuantizer grid, float[] x, int off, int len) {
        float m = 0f;
        for (int i = off; i < off + len; i++) {
            if (Math.abs(x[i]) > Math.abs(m)) {
                m = x[i];
            }
        }
        if (m == 0f) {
            return 0f;
        }
        float[] numer = grid.trialNumerators();
        float[] g = grid.levelsView();
        float[] mids = grid.midsView();
        int trials = numer.length;
        double[][] sums = SUMS.get();
        double[] sxl = sums[0];
        double[] sll = sums[1];
        FloatVector g0 = FloatVector.broadcast(FS, g[0]);
        int full = trials - trials % L;
        for (int t = 0; t < full; t += L) {
            FloatVector u = FloatVector.fromArray(FS, numer, t).div(m);
            DoubleVector xl0 = DoubleVector.zero(DS);
            DoubleVector xl1 = DoubleVector.zero(DS);
            DoubleVector ll0 = DoubleVector.zero(DS);
            DoubleVector ll1 = DoubleVector.zero(DS);
            for (int i = off; i < off + len; i++) {
                float v = x[i];
                FloatVector y = u.mul(v);
                FloatVector l = g0;
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
            xl0.intoArray(sxl, t);
            xl1.intoArray(sxl, t + DS.length());
            ll0.intoArray(sll, t);
            ll1.intoArray(sll, t + DS.length());
        }
        // the trials left over (2 of 18 with 8 or 16 lanes): one scalar pass each, the same sums
        for (int t = full; t < trials; t++) {
            float u = numer[t] / m;
            double xl = 0;
            double ll = 0;
            if (Float.isFinite(u)) { // otherwise pickTrial skips the trial
                for (int i = off; i < off + len; i++) {
                    float v = x[i];
                    double l = g[grid.nearest(v * u)];
                    xl += v * l;
                    ll += l * l;
                }
            }
            sxl[t] = xl;
            sll[t] = ll;
        }
        return grid.pickTrial(m, sxl, sll);
    }
}
