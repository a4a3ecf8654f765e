package dev.tenpak.bench;

import dev.tenpak.internal.kernel.GroupQuantKernels;
import dev.tenpak.internal.kernel.ScalarGroupQuantKernels;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Kernel-level throughput of the group-wise kernels on one thread, next to {@code System.arraycopy}
 * of the same float data measured in the same run (the target: int4 g32 encode >= 0.40x and
 * decode >= 0.80x of the copy). Not a test; run with {@code scripts/bench-groupwise.sh}.
 *
 * <p>Throughput is float bytes per second: encode reads {@code 4n} bytes of floats, decode writes
 * them; the copy moves {@code 4n} bytes. Each figure is the best of several timed rounds after a
 * warm-up, so JIT compilation and other processes on the machine bias it as little as possible.
 * Arguments: {@code [elements] [rounds]} (default 1M floats = 4 MiB, which fits in L2/L3 like the
 * codec's 64K-element chunks do not need to; use a larger size to measure from memory).
 */
public final class GroupKernelBench {
    private static volatile Object sink;

    private GroupKernelBench() {}

    interface Body {
        void run();
    }

    public static void main(String[] args) {
        int requested = args.length > 0 ? Integer.parseInt(args[0]) : 1 << 20;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        int n = Math.max(128, requested - requested % 128);
        float[] x = new float[n];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * 0.02);
        }
        float[] copy = new float[n];
        float[] y = new float[n];
        byte[] q8 = new byte[n];
        byte[] q4 = new byte[n / 2];
        short[] scales = new short[n / 32];
        GroupQuantKernels vec = GroupQuantKernels.get();
        GroupQuantKernels sca = ScalarGroupQuantKernels.INSTANCE;
        double bytes = 4.0 * n;
        int reps = Math.max(1, (64 << 20) / n);

        System.out.printf(
                Locale.ROOT,
                "group kernels, one thread, %d floats (%.1f MiB), kernels: %s, JDK %s%n",
                n,
                bytes / (1 << 20),
                vec.description(),
                System.getProperty("java.vm.version"));
        System.out.printf(Locale.ROOT, "%-26s %12s %16s %7s%n", "kernel", "GB/s", "arraycopy GB/s", "ratio");
        Body copyBody = () -> System.arraycopy(x, 0, copy, 0, n);
        for (int g : new int[] {32, 64, 128}) {
            int groups = n / g;
            pair(
                    "int4 g" + g + " encode vector",
                    bytes,
                    reps,
                    rounds,
                    copyBody,
                    () -> vec.quantizeGroupsInt4(x, 0, groups, g, scales, 0, q4, 0));
            pair(
                    "int4 g" + g + " decode vector",
                    bytes,
                    reps,
                    rounds,
                    copyBody,
                    () -> vec.dequantizeGroupsInt4(q4, 0, groups, g, scales, 0, y, 0));
            pair(
                    "int8 g" + g + " encode vector",
                    bytes,
                    reps,
                    rounds,
                    copyBody,
                    () -> vec.quantizeGroups(x, 0, groups, g, 127, scales, 0, q8, 0));
            pair(
                    "int8 g" + g + " decode vector",
                    bytes,
                    reps,
                    rounds,
                    copyBody,
                    () -> vec.dequantizeGroups(q8, 0, groups, g, scales, 0, y, 0));
        }
        int groups = n / 32;
        pair(
                "int4 g32 encode scalar",
                bytes,
                reps,
                rounds,
                copyBody,
                () -> sca.quantizeGroupsInt4(x, 0, groups, 32, scales, 0, q4, 0));
        pair(
                "int4 g32 decode scalar",
                bytes,
                reps,
                rounds,
                copyBody,
                () -> sca.dequantizeGroupsInt4(q4, 0, groups, 32, scales, 0, y, 0));
        pair(
                "int8 g32 encode scalar",
                bytes,
                reps,
                rounds,
                copyBody,
                () -> sca.quantizeGroups(x, 0, groups, 32, 127, scales, 0, q8, 0));
        pair(
                "int8 g32 decode scalar",
                bytes,
                reps,
                rounds,
                copyBody,
                () -> sca.dequantizeGroups(q8, 0, groups, 32, scales, 0, y, 0));
        sink = new Object[] {copy, y, q8, q4, scales};
    }

    /**
     * Times {@code body} and the arraycopy baseline alternately, round by round, and reports the best
     * of each: on a shared machine the load drifts, and alternating keeps both figures in the same
     * window so their ratio stays meaningful.
     */
    private static void pair(String what, double bytes, int reps, int rounds, Body copy, Body body) {
        long bestCopy = Long.MAX_VALUE;
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 2 * rounds; round++) {
            long c = time(copy, reps);
            long t = time(body, reps);
            if (round >= rounds / 2) {
                bestCopy = Math.min(bestCopy, c);
                best = Math.min(best, t);
            }
        }
        double gbs = bytes * reps / best;
        double copyGbs = bytes * reps / bestCopy;
        System.out.printf(Locale.ROOT, "%-26s %12.2f %16.2f %6.2fx%n", what, gbs, copyGbs, gbs / copyGbs);
    }

    private static long time(Body body, int reps) {
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            body.run();
        }
        return System.nanoTime() - t0;
    }
}
