package dev.tenpak.internal.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ScalarHadamardKernels} with one run per 512-bit vector, or two 256-bit halves. A butterfly
 * stage at distance {@code d} inside a vector is one lane swap ({@code i -> i ^ d}) and one fused
 * multiply-add: lane {@code i} gets {@code x[i] * 1 + x[i ^ d]} where bit {@code d} of {@code i}
 * is clear (the scalar {@code a + b}) and {@code x[i] * -1 + x[i ^ d]} where it is set (the scalar
 * {@code a - b}); the product by {@code ±1} is exact, so the one rounding of the fused operation is
 * the rounding of that addition. With two halves the distance-8 stage is {@code lo + hi, lo - hi}.
 * The signs are a lane mask made from the run's 16-bit pattern. Same additions on the same values as
 * the scalar code, so the same floats. {@code VectorGridDequantKernels} applies the same stages, with these
 * constants, to each decoded 16-lane step, or pair of 8-lane steps, before storing it. Loaded by
 * name by {@link VectorizationProvider}; the width follows {@link VectorShapes#floatSpecies}.
 */
final class VectorHadamardKernels implements HadamardKernels {
    private static final VectorSpecies<Float> FS = VectorShapes.floatSpecies("vector Hadamard rotation");
    private static final int L = FS.length();
    static final VectorShuffle<Float> SWAP1 = swap(1);
    static final VectorShuffle<Float> SWAP2 = swap(2);
    static final VectorShuffle<Float> SWAP4 = swap(4);
    static final VectorShuffle<Float> SWAP8 = L == 16 ? swap(8) : null;
    /** Per stage: 1 in the lanes that take {@code a + b}, -1 in those that take {@code a - b}. */
    static final FloatVector SIGN1 = upper(1);

    static final FloatVector SIGN2 = upper(2);
    static final FloatVector SIGN4 = upper(4);
    static final FloatVector SIGN8 = L == 16 ? upper(8) : null;

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

    private static FloatVector upper(int d) {
        float[] m = new float[L];
        for (int i = 0; i < L; i++) {
            m[i] = (i & d) != 0 ? -1f : 1f;
        }
        return FloatVector.fromArray(FS, m, 0);
    }

    // The stages are written out in the loops with Vector API calls only, not through a method of
    // ours that takes a vector: the JIT left such a helper out of line in some compilations, and
    // then every vector passed to it was boxed and its fused multiply-add ran in the API's Java
    // fallback (seen in a JFR profile of kq3h_v1's encode: a seventh of its samples).

    @Override
    public void forward(float[] x, int off, int len, long firstRun) {
        int runs = len / RUN;
        for (int r = 0; r < runs; r++) {
            int o = off + r * RUN;
            int s = ScalarHadamardKernels.signs(firstRun + r);
            if (L == 16) {
                FloatVector v = FloatVector.fromArray(FS, x, o);
                v = v.lanewise(VectorOperators.NEG, VectorMask.fromLong(FS, s));
                v = v.fma(SIGN1, v.rearrange(SWAP1));
                v = v.fma(SIGN2, v.rearrange(SWAP2));
                v = v.fma(SIGN4, v.rearrange(SWAP4));
                v = v.fma(SIGN8, v.rearrange(SWAP8));
                v.mul(0.25f).intoArray(x, o);
            } else {
                FloatVector lo = FloatVector.fromArray(FS, x, o)
                        .lanewise(VectorOperators.NEG, VectorMask.fromLong(FS, s & 0xFF));
                FloatVector hi = FloatVector.fromArray(FS, x, o + 8)
                        .lanewise(VectorOperators.NEG, VectorMask.fromLong(FS, s >>> 8));
                lo = lo.fma(SIGN1, lo.rearrange(SWAP1));
                hi = hi.fma(SIGN1, hi.rearrange(SWAP1));
                lo = lo.fma(SIGN2, lo.rearrange(SWAP2));
                hi = hi.fma(SIGN2, hi.rearrange(SWAP2));
                lo = lo.fma(SIGN4, lo.rearrange(SWAP4));
                hi = hi.fma(SIGN4, hi.rearrange(SWAP4));
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
                v = v.fma(SIGN1, v.rearrange(SWAP1));
                v = v.fma(SIGN2, v.rearrange(SWAP2));
                v = v.fma(SIGN4, v.rearrange(SWAP4));
                v = v.fma(SIGN8, v.rearrange(SWAP8));
                v.mul(0.25f)
                        .lanewise(VectorOperators.NEG, VectorMask.fromLong(FS, s))
                        .intoArray(x, o);
            } else {
                FloatVector lo = FloatVector.fromArray(FS, x, o);
                FloatVector hi = FloatVector.fromArray(FS, x, o + 8);
                lo = lo.fma(SIGN1, lo.rearrange(SWAP1));
                hi = hi.fma(SIGN1, hi.rearrange(SWAP1));
                lo = lo.fma(SIGN2, lo.rearrange(SWAP2));
                hi = hi.fma(SIGN2, hi.rearrange(SWAP2));
                lo = lo.fma(SIGN4, lo.rearrange(SWAP4));
                hi = hi.fma(SIGN4, hi.rearrange(SWAP4));
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
