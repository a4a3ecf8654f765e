package dev.tenpak.internal.kernel;

/**
 * The specification of {@link HadamardKernels}: plain loops over each run, in the order the
 * interface fixes (signs, butterflies at distance 1, 2, 4, 8, then times 0.25f, and the reverse
 * order for the inverse).
 */
public final class ScalarHadamardKernels implements HadamardKernels {
    public static final ScalarHadamardKernels INSTANCE = new ScalarHadamardKernels();

    private ScalarHadamardKernels() {}

    /**
     * The sign mask of run {@code run}: the top 16 bits of SplitMix64's output number
     * {@code run + 1} from state 0, that is {@code mix64((run + 1) * 0x9E3779B97F4A7C15)} with
     * Stafford's variant 13 finalizer (what {@code new java.util.SplittableRandom(0).nextLong()}
     * returns on its {@code run + 1}-th call). Bit {@code i} set: element {@code i} of the run is
     * negated. A fixed hash, so the signs vary from run to run without anything stored.
     */
    public static int signs(long run) {
        long z = (run + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (int) (z >>> 48);
    }

    @Override
    public void forward(float[] x, int off, int len, long firstRun) {
        int runs = len / RUN;
        for (int r = 0; r < runs; r++) {
            int o = off + r * RUN;
            negate(x, o, signs(firstRun + r));
            butterflies(x, o);
            quarter(x, o);
        }
    }

    @Override
    public void inverse(float[] x, int off, int len, long firstRun) {
        int runs = len / RUN;
        for (int r = 0; r < runs; r++) {
            int o = off + r * RUN;
            butterflies(x, o);
            quarter(x, o);
            negate(x, o, signs(firstRun + r));
        }
    }

    private static void negate(float[] x, int o, int mask) {
        for (int i = 0; i < RUN; i++) { // flips the sign bit where the mask says: -x, without a branch
            x[o + i] = Float.intBitsToFloat(Float.floatToRawIntBits(x[o + i]) ^ ((mask >>> i & 1) << 31));
        }
    }

    /**
     * The unnormalised Walsh-Hadamard transform of one run: stages at distance 1, 2, 4, 8, each
     * replacing the pair {@code (a, b) = (x[i], x[i + d])}, {@code i & d == 0}, by
     * {@code (a + b, a - b)}; written out on locals (the pairs of a stage are independent, so their
     * order within it does not matter).
     */
    private static void butterflies(float[] x, int o) {
        float v0 = x[o + 0];
        float v1 = x[o + 1];
        float v2 = x[o + 2];
        float v3 = x[o + 3];
        float v4 = x[o + 4];
        float v5 = x[o + 5];
        float v6 = x[o + 6];
        float v7 = x[o + 7];
        float v8 = x[o + 8];
        float v9 = x[o + 9];
        float v10 = x[o + 10];
        float v11 = x[o + 11];
        float v12 = x[o + 12];
        float v13 = x[o + 13];
        float v14 = x[o + 14];
        float v15 = x[o + 15];
        // distance 1
        float t0_1 = v0 + v1;
        v1 = v0 - v1;
        v0 = t0_1;
        float t2_1 = v2 + v3;
        v3 = v2 - v3;
        v2 = t2_1;
        float t4_1 = v4 + v5;
        v5 = v4 - v5;
        v4 = t4_1;
        float t6_1 = v6 + v7;
        v7 = v6 - v7;
        v6 = t6_1;
        float t8_1 = v8 + v9;
        v9 = v8 - v9;
        v8 = t8_1;
        float t10_1 = v10 + v11;
        v11 = v10 - v11;
        v10 = t10_1;
        float t12_1 = v12 + v13;
        v13 = v12 - v13;
        v12 = t12_1;
        float t14_1 = v14 + v15;
        v15 = v14 - v15;
        v14 = t14_1;
        // distance 2
        float t0_2 = v0 + v2;
        v2 = v0 - v2;
        v0 = t0_2;
        float t1_2 = v1 + v3;
        v3 = v1 - v3;
        v1 = t1_2;
        float t4_2 = v4 + v6;
        v6 = v4 - v6;
        v4 = t4_2;
        float t5_2 = v5 + v7;
        v7 = v5 - v7;
        v5 = t5_2;
        float t8_2 = v8 + v10;
        v10 = v8 - v10;
        v8 = t8_2;
        float t9_2 = v9 + v11;
        v11 = v9 - v11;
        v9 = t9_2;
        float t12_2 = v12 + v14;
        v14 = v12 - v14;
        v12 = t12_2;
        float t13_2 = v13 + v15;
        v15 = v13 - v15;
        v13 = t13_2;
        // distance 4
        float t0_4 = v0 + v4;
        v4 = v0 - v4;
        v0 = t0_4;
        float t1_4 = v1 + v5;
        v5 = v1 - v5;
        v1 = t1_4;
        float t2_4 = v2 + v6;
        v6 = v2 - v6;
        v2 = t2_4;
        float t3_4 = v3 + v7;
        v7 = v3 - v7;
        v3 = t3_4;
        float t8_4 = v8 + v12;
        v12 = v8 - v12;
        v8 = t8_4;
        float t9_4 = v9 + v13;
        v13 = v9 - v13;
        v9 = t9_4;
        float t10_4 = v10 + v14;
        v14 = v10 - v14;
        v10 = t10_4;
        float t11_4 = v11 + v15;
        v15 = v11 - v15;
        v11 = t11_4;
        // distance 8
        float t0_8 = v0 + v8;
        v8 = v0 - v8;
        v0 = t0_8;
        float t1_8 = v1 + v9;
        v9 = v1 - v9;
        v1 = t1_8;
        float t2_8 = v2 + v10;
        v10 = v2 - v10;
        v2 = t2_8;
        float t3_8 = v3 + v11;
        v11 = v3 - v11;
        v3 = t3_8;
        float t4_8 = v4 + v12;
        v12 = v4 - v12;
        v4 = t4_8;
        float t5_8 = v5 + v13;
        v13 = v5 - v13;
        v5 = t5_8;
        float t6_8 = v6 + v14;
        v14 = v6 - v14;
        v6 = t6_8;
        float t7_8 = v7 + v15;
        v15 = v7 - v15;
        v7 = t7_8;
        x[o + 0] = v0;
        x[o + 1] = v1;
        x[o + 2] = v2;
        x[o + 3] = v3;
        x[o + 4] = v4;
        x[o + 5] = v5;
        x[o + 6] = v6;
        x[o + 7] = v7;
        x[o + 8] = v8;
        x[o + 9] = v9;
        x[o + 10] = v10;
        x[o + 11] = v11;
        x[o + 12] = v12;
        x[o + 13] = v13;
        x[o + 14] = v14;
        x[o + 15] = v15;
    }

    private static void quarter(float[] x, int o) {
        for (int i = 0; i < RUN; i++) {
            x[o + i] *= 0.25f;
        }
    }

    @Override
    public String description() {
        return "scalar";
    }
}
