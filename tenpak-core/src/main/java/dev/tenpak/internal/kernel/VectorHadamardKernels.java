package dev.tenpak.internal.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ScalarHadamardKernels} with one run per 512-bit vector, or two 256-bit halves. A butterfly
 * stage at distance {@code d} inside a vector is one lane swap ({@code i -> i ^ d}) and one add:
 * lane {@code i} gets {@code x[i ^ d] + x[i]} where bit {@code d} of {@code i} is clear (the
 * scalar {@code a + b}) and {@code x[i ^ d] + (-x[i])} where it is set (the scalar {@code a - b});
 * with two halves the distance-8 stage is {@code lo + hi, lo - hi}. The signs are a lane mask made
 * from the run's 16-bit pattern. Same additions on the same values as the scalar code, so the same
 * floats. Loaded by name by {@link VectorizationProvider}; the width follows
 * {@link VectorShapes#floatSpecies}.
 */
final class VectorHadamardKernels implements HadamardKernels {
    private static final VectorSpecies<Float> FS = VectorShapes.floatSpecies("vector Hadamard rotation");
    private static final int L = FS.length();
    private static final VectorShuffle<Float> SWAP1 = swap(1);
    private static final VectorShuffle<Float> SWAP2 = swap(2);
    private static final VectorShuffle<Float> SWAP4 = swap(4);
    private static final VectorShuffle<Float> SWAP8 = L == 16 ? swap(8) : null;
    private static final VectorMask<Float> UPPER1 = upper(1);
    private static final VectorMask<Float> UPPER2 = upper(2);
    private static final VectorMask<Float> UPPER4 = upper(4);
    private static final VectorMask<Float> UPPER8 = L == 16 ? upper(8) : null;

    private VectorHadamardKernels() {}

    /** Called reflectively by {@link VectorizationProvider}. */
    static HadamardKernels create() {
        if (L != 8 && L != 16) {
            throw new UnsupportedOperationException(
                    "vector Hadamard rotation needs 8 or 16 float lanes, this CPU has " + L);
        }
        return new VectorHadamardKernels();
    }

    private static VectorShuffle<Float> swap(int d) {
        int[] idx = new int[L];
        for (int i = 0; i < L; i++) {
            idx[i] = i ^ d;
        }
        return VectorShuffle.fromArray(FS, idx, 0);
    }

    private static VectorMask<Float> upper(int d) {
        boolean[] m = new boolean[L];
        for (int i = 0; i < L; i++) {
            m[i] = (i & d) != 0;
        }
        return VectorMask.fromArray(FS, m, 0);
    }

    private static FloatVector stage(FloatVector v, VectorShuffle<Float> swap, VectorMask<Float> upper) {
        return v.rearrange(swap).add(v.lanewise(VectorOperators.NEG, upper));
    }

    /** The stages at distance 1, 2 and 4, inside one vector. */
    private static FloatVector stages124(FloatVector v) {
        return stage(stage(stage(v, SWAP1, UPPER1), SWAP2, UPPER2), SWAP4, UPPER4);
    }

    @Override
    public void forward(float[] x, int off, int len, long firstRun) {
        int runs = len / RUN;
        for (int r = 0; r < runs; r++) {
            int o = off + r * RUN;
            int s = ScalarHadamardKernels.signs(firstRun + r);
            if (L == 16) {
                FloatVector v = FloatVector.fromArray(FS, x, o);
                v = v.lanewise(VectorOperators.NEG, VectorMask.fromLong(FS, s));
                v = stage(stages124(v), SWAP8, UPPER8);
                v.mul(0.25f).intoArray(x, o);
            } else {
                FloatVector lo = FloatVector.fromArray(FS, x, o);
                FloatVector hi = FloatVector.fromArray(FS, x, o + 8);
                lo = stages124(lo.lanewise(VectorOperators.NEG, VectorMask.fromLong(FS, s & 0xFF)));
                hi = stages124(hi.lanewise(VectorOperators.NEG, VectorMask.fromLong(FS, s >>> 8)));
                lo.add(hi).mul(0.25f).intoArray(x, o);
                lo.sub(hi).mul(0.25f).intoArray(x, o + 8);
            }
        }
    }

    @Override
    public void inverse(float[] x, int off, int len, long firstRun) {
        int runs = len / RUN;
        for (int r = 0; r < runs; r++) {
            int o = off + r * RUN;
            int s = ScalarHadamardKernels.signs(firstRun + r);
            if (L == 16) {
                FloatVector v = FloatVector.fromArray(FS, x, o);
                v = stage(stages124(v), SWAP8, UPPER8).mul(0.25f);
                v.lanewise(VectorOperators.NEG, VectorMask.fromLong(FS, s)).intoArray(x, o);
            } else {
                FloatVector lo = stages124(FloatVector.fromArray(FS, x, o));
                FloatVector hi = stages124(FloatVector.fromArray(FS, x, o + 8));
                FloatVector a = lo.add(hi).mul(0.25f);
                FloatVector b = lo.sub(hi).mul(0.25f);
                a.lanewise(VectorOperators.NEG, VectorMask.fromLong(FS, s & 0xFF))
                        .intoArray(x, o);
                b.lanewise(VectorOperators.NEG, VectorMask.fromLong(FS, s >>> 8))
                        .intoArray(x, o + 8);
            }
        }
    }

    @Override
    public String description() {
        return "vector(" + FS.vectorBitSize() + "-bit)";
    }
}
