package dev.tenpak.internal.kernel;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Runs a rotation kernel against {@link ScalarHadamardKernels} and prints the kernel's description
 * and "ok" with the number of cases, or the first difference. {@link HadamardKernelsTest} calls it
 * in its own JVM and in child JVMs with 256-bit vectors and with the scalar kernels forced. Cases:
 * lengths 0 to 48 and around a super-block and a chunk (so partial runs that must stay untouched),
 * offsets 0 to 3, run numbers small, large and near the top of the range, and values that are
 * Gaussian, huge (sums overflow to infinity, and infinities of both signs meet), tiny, subnormal,
 * zeros of both signs, or a mix per element; forward and inverse. Floats are compared with
 * {@link Float#floatToIntBits}: the same bits, every NaN (from infinities that cancel) being NaN.
 */
public final class HadamardCheck {
    static final long START = 0x3C6EF372FE94F82BL;

    private HadamardCheck() {}

    public static void main(String[] args) {
        HadamardKernels k = HadamardKernels.get();
        System.out.println(k.description() + " " + check(k));
    }

    /** "ok N" after N cases, or the first element that differs from the scalar kernel's. */
    static String check(HadamardKernels k) {
        SplittableRandom r = new SplittableRandom(START);
        int[] lengths = new int[49 + 7];
        for (int i = 0; i <= 48; i++) {
            lengths[i] = i;
        }
        int[] more = {255, 256, 257, 271, 4096, 4103, 65536};
        System.arraycopy(more, 0, lengths, 49, more.length);
        long[] runs = {0, 1, 2, 17, 1L << 31, (1L << 40) + 5, Long.MAX_VALUE / 16 - 70_000, -1};
        int cases = 0;
        for (int len : lengths) {
            for (int kind = 0; kind < KINDS; kind++) {
                for (boolean inverse : new boolean[] {false, true}) {
                    int off = r.nextInt(4);
                    long first = runs[r.nextInt(runs.length)];
                    if (first < 0) {
                        first = r.nextLong(1L << 50);
                    }
                    float[] x = new float[off + len + 5];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = value(r, kind);
                    }
                    float[] want = x.clone();
                    float[] got = x.clone();
                    if (inverse) {
                        ScalarHadamardKernels.INSTANCE.inverse(want, off, len, first);
                        k.inverse(got, off, len, first);
                    } else {
                        ScalarHadamardKernels.INSTANCE.forward(want, off, len, first);
                        k.forward(got, off, len, first);
                    }
                    for (int i = 0; i < want.length; i++) {
                        if (Float.floatToIntBits(got[i]) != Float.floatToIntBits(want[i])) {
                            return (inverse ? "inverse" : "forward") + " len " + len + " kind " + kind + " off " + off
                                    + " run " + first + ": element " + (i - off) + " is " + got[i]
                                    + ", scalar gives " + want[i];
                        }
                    }
                    int whole = len / 16 * 16;
                    for (int i = 0; i < want.length; i++) {
                        boolean inside = i >= off && i < off + whole;
                        if (!inside && Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(x[i])) {
                            return "element " + (i - off) + " outside the whole runs of len " + len + " changed";
                        }
                    }
                    cases++;
                }
            }
        }
        return "ok " + cases;
    }

    private static final int KINDS = 6;

    private static final float[] SPECIAL = {
        0f,
        -0f,
        Float.MIN_VALUE,
        -Float.MIN_VALUE,
        Float.MIN_NORMAL,
        -1e-40f,
        3e-39f,
        1e-30f,
        Float.MAX_VALUE,
        -Float.MAX_VALUE,
        3e38f,
        -1e38f,
        65504f,
        1f,
        -1f,
        Math.nextUp(1f)
    };

    private static float value(SplittableRandom r, int kind) {
        return switch (kind) {
            case 0 -> (float) r.nextGaussian() * 0.02f;
            case 1 -> (r.nextBoolean() ? 1 : -1) * (float) (1e37 + r.nextDouble() * 3.3e38);
            case 2 -> Float.intBitsToFloat(r.nextInt(0x00800000)) * (r.nextBoolean() ? 1 : -1); // subnormals
            case 3 -> r.nextBoolean() ? 0f : -0f;
            case 4 -> (float) (r.nextGaussian() * 1e-36);
            default -> r.nextInt(3) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : (float) r.nextGaussian();
        };
    }

    static float[] copy(float[] x) {
        return Arrays.copyOf(x, x.length);
    }
}
