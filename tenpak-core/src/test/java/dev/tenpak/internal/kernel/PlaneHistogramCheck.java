package dev.tenpak.internal.kernel;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Counts the planes of {@link PlaneHistogramTest} (every kind, lengths around the vector and run
 * boundaries, odd offsets) with this JVM's plane kernels and prints their description, then "ok",
 * the number of planes and how many took the vector path, or the first plane whose counts differ
 * from the definition. {@link PlaneHistogramTest} runs it in a child JVM with 256-bit vectors.
 */
public final class PlaneHistogramCheck {
    private PlaneHistogramCheck() {}

    public static void main(String[] args) {
        PlaneKernels k = VectorPlaneKernels.create();
        System.out.println(k.description() + " " + check(k));
    }

    static String check(PlaneKernels k) {
        SplittableRandom rnd = new SplittableRandom(0x68697374L);
        int planes = 0;
        int byVector = 0;
        for (PlaneHistogramTest.Kind kind : PlaneHistogramTest.Kind.values()) {
            for (int n : new int[] {0, 1, 255, 256, 257, 511, 512, 1023, 4096 + 13, 40_000, 131_072 + 5}) {
                int off = rnd.nextInt(70);
                byte[] p = PlaneHistogramTest.plane(kind, n, off, rnd);
                int[] got = new int[1024];
                Arrays.fill(got, -7);
                k.histogram4(p, off, n, got);
                if (!Arrays.equals(got, PlaneHistogramTest.definition(p, off, n))) {
                    return "differs on " + kind + " n=" + n + " off=" + off;
                }
                planes++;
                if (k != ScalarPlaneKernels.INSTANCE && VectorPlaneKernels.histogramByVector(p, off, n)) {
                    byVector++;
                }
            }
        }
        return "ok " + planes + " planes, " + byVector + " by the vector path";
    }
}
