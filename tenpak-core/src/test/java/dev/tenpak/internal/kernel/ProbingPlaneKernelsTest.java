package dev.tenpak.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The plane kernels that probe the vector kernels on part of each block until they are compiled:
 * every call gives the scalar specification's bytes, probing or switched, and every layout
 * switches to the vector kernels once the JIT has compiled them.
 */
class ProbingPlaneKernelsTest {
    static final long START = Long.getLong("tenpak.test.seed", System.nanoTime());

    @Test
    void givesTheScalarBytesWhileProbingAndAfterTheSwitch() {
        SplittableRandom rnd = new SplittableRandom(START);
        PlaneKernels vector = VectorPlaneKernels.create();
        ProbingPlaneKernels k = new ProbingPlaneKernels(ScalarPlaneKernels.INSTANCE, vector);
        assertThat(k.description()).isEqualTo(vector.description());
        for (int i = 0; i < 20; i++) {
            WarmingPlaneKernelsTest.assertSameAsScalar(k, rnd);
        }
        if (vector == ScalarPlaneKernels.INSTANCE) {
            return; // no vector kernels on this machine: nothing switches
        }
        // blocks the size the codec uses, until every layout has switched (the JIT compiles the
        // vector kernels after some hundreds of calls); then the bytes once more
        int m = 64 * 1024;
        MemorySegment src = Arena.ofAuto().allocate(4L * m, 64);
        for (int i = 0; i < m; i++) {
            src.setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, i, rnd.nextInt());
        }
        byte[] planes = new byte[4 * m];
        MemorySegment back = Arena.ofAuto().allocate(4L * m, 64);
        long deadline = System.nanoTime() + 60_000_000_000L;
        PlaneLayout[] layouts = {PlaneLayout.ROT16, PlaneLayout.ROT32};
        byte[] code = WarmingPlaneKernelsTest.randomCode(rnd);
        int[] single = WarmingPlaneKernelsTest.huffmanSingle(code);
        long[] suffix = new long[single.length];
        long[] multi = new long[single.length];
        byte[] plane = PlaneHistogramTest.plane(PlaneHistogramTest.Kind.EXPONENTS, m, 0, rnd);
        int[] counts = new int[1024];
        while (System.nanoTime() < deadline
                && !(allSwitched(k, layouts) && k.fillSwitched() && k.histogramSwitched())) {
            k.histogram4(plane, 0, m, counts);
            k.fillHuffman(single, suffix, multi, 0, 10);
            k.fillHuffman(single, suffix, multi, 11, 11);
            for (PlaneLayout layout : layouts) {
                int p = layout == PlaneLayout.ROT16 ? 2 : 4;
                k.split(src, layout, p, 0, 4 * m / p / 2, planes, 4 * m / p / 2);
                k.merge(planes, 4 * m / p / 2, layout, p, 4 * m / p / 2, back, 0);
            }
        }
        assertThat(allSwitched(k, layouts))
                .as("every layout switched to the vector kernels")
                .isTrue();
        assertThat(k.fillSwitched())
                .as("the Huffman table fill switched to the vector kernel")
                .isTrue();
        assertThat(k.histogramSwitched())
                .as("the histogram switched to the vector kernel")
                .isTrue();
        k.histogram4(plane, 0, m, counts); // switched: the vector kernel's counts
        assertThat(counts).isEqualTo(PlaneHistogramTest.definition(plane, 0, m));
        for (int i = 0; i < 20; i++) {
            WarmingPlaneKernelsTest.assertSameAsScalar(k, rnd);
        }
    }

    static boolean allSwitched(ProbingPlaneKernels k, PlaneLayout[] layouts) {
        for (PlaneLayout layout : layouts) {
            if (!k.switched(0, layout) || !k.switched(1, layout)) {
                return false;
            }
        }
        return true;
    }
}
