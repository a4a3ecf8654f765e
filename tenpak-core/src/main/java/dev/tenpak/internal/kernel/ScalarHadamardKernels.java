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
        forwardFrom(0, x, off, len, firstRun);
    }

    @Override
    public void inverse(float[] x, int off, int len, long firstRun) {
        inverseFrom(0, x, off, len, firstRun);
    }

    /** Runs {@code [startRun, len / 16)} only: also the vector kernel's tail, which must be this code. */
    static void forwardFrom(int startRun, float[] x, int off, int len, long firstRun) {
        int runs = len / RUN;
        for (int r = startRun; r < runs; r++) {
            int o = off + r * RUN;
            negate(x, o, signs(firstRun + r));
            butterflies(x, o);
            quarter(x, o);
        }
    }

    /** Runs {@code [startRun, len / 16)} only. */
    static void inverseFrom(int startRun, float[] x, int off, int len, long firstRun) {
        int runs = len / RUN;
        for (int r = startRun; r < runs; r++) {
            int o = off + r * RUN;
            butterflies(x, o);
            quarter(x, o);
            negate(x, o, signs(firstRun + r));
        }
    }

    private static void negate(float[] x, int o, int mask) {
        for (int i = 0; i < RUN; i++) {
            if ((mask >>> i & 1) != 0) {
                x[o + i] = -x[o + i];
            }
        }
    }

    /** The unnormalised Walsh-Hadamard transform of one run: stages at distance 1, 2, 4, 8. */
    private static void butterflies(float[] x, int o) {
        for (int d = 1; d < RUN; d <<= 1) {
            for (int i = 0; i < RUN; i++) {
                if ((i & d) == 0) {
                    float a = x[o + i];
                    float b = x[o + i + d];
                    x[o + i] = a + b;
                    x[o + i + d] = a - b;
                }
            }
        }
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
