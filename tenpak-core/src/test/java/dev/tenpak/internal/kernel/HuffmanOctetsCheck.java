package dev.tenpak.internal.kernel;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Joins the codes of {@link HuffmanOctetsTest}'s random tables with this JVM's plane kernels and
 * prints their description, whether they call the join fast, then "ok" and the number of calls, or
 * the first call whose joins differ from the scalar specification's. {@link HuffmanOctetsTest} runs
 * it in a child JVM with 256-bit vectors, where the kernel must not take its 512-bit path.
 */
public final class HuffmanOctetsCheck {
    private HuffmanOctetsCheck() {}

    public static void main(String[] args) {
        PlaneKernels k = VectorPlaneKernels.create();
        System.out.println(k.description() + " fast=" + k.huffmanOctetsFast() + " " + check(k));
    }

    static String check(PlaneKernels k) {
        SplittableRandom rnd = new SplittableRandom(0x6f637465L);
        int calls = 0;
        for (int round = 0; round < 20; round++) {
            int size = rnd.nextInt(2, PlaneKernels.HUFFMAN_OCTET_SPAN + 1);
            short[] table = HuffmanOctetsTest.randomTable(rnd, size, new byte[size]);
            int first = rnd.nextInt(256);
            int count = PlaneKernels.HUFFMAN_OCTET_STEP * rnd.nextInt(1, 9);
            byte[] src = new byte[count + 3];
            for (int i = 0; i < src.length; i++) {
                src[i] = (byte) (first + rnd.nextInt(size));
            }
            long[] want = new long[count / 4];
            long[] got = new long[count / 4];
            int wantLongest = PlaneKernels.scalar().huffmanOctets(src, 3, count, table, first, want);
            int gotLongest = k.huffmanOctets(src, 3, count, table, first, got);
            if (gotLongest != wantLongest || !Arrays.equals(got, 0, count / 8, want, 0, count / 8)) {
                return "differs in round " + round;
            }
            calls++;
        }
        return "ok " + calls + " calls";
    }
}
