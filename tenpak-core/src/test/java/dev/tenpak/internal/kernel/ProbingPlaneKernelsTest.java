package dev.tenpak.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        short[] table = HuffmanOctetsTest.randomTable(rnd, 40, new byte[40]);
        long[] octets = new long[m / 4];
        while (System.nanoTime() < deadline
                && !(allSwitched(k, layouts) && k.fillSwitched() && k.histogramSwitched() && k.octetsSwitched())) {
            k.histogram4(plane, 0, m, counts);
            k.huffmanOctets(plane, 0, m, table, 0, octets);
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
        assertThat(k.octetsSwitched())
                .as("the Huffman code joins switched to the vector kernel")
                .isTrue();
        k.histogram4(plane, 0, m, counts); // switched: the vector kernel's counts
        assertThat(counts).isEqualTo(PlaneHistogramTest.definition(plane, 0, m));
        for (int i = 0; i < 20; i++) {
            WarmingPlaneKernelsTest.assertSameAsScalar(k, rnd);
        }
    }

    /**
     * With a deferral, nothing reaches the vector kernels (not even a probe) until that many bytes
     * of elements have been split or merged by the scalar ones; the next call probes. The bytes are
     * the scalar specification's before and after.
     */
    @Test
    void defersEveryProbeUntilTheBytesHaveMoved() {
        SplittableRandom rnd = new SplittableRandom(START);
        int[] vectorCalls = new int[1];
        PlaneKernels vector = VectorPlaneKernels.create();
        PlaneKernels counted = new PlaneKernels() {
            @Override
            public void split(MemorySegment src, PlaneLayout l, int planes, long from, int m, byte[] buf, int stride) {
                vectorCalls[0]++;
                vector.split(src, l, planes, from, m, buf, stride);
            }

            @Override
            public void merge(byte[] buf, int stride, PlaneLayout l, int planes, int m, MemorySegment dst, long at) {
                vectorCalls[0]++;
                vector.merge(buf, stride, l, planes, m, dst, at);
            }

            @Override
            public void mergeRaw(
                    byte[] buf, MemorySegment raw, long[] rawAt, PlaneLayout l, int m, MemorySegment dst, long at) {
                vectorCalls[0]++;
                vector.mergeRaw(buf, raw, rawAt, l, m, dst, at);
            }

            @Override
            public void fillHuffman(int[] single, long[] suffix, long[] multi, int from, int to) {
                vectorCalls[0]++;
                vector.fillHuffman(single, suffix, multi, from, to);
            }

            @Override
            public void histogram4(byte[] src, int off, int n, int[] counts) {
                vectorCalls[0]++;
                vector.histogram4(src, off, n, counts);
            }

            @Override
            public int huffmanOctets(byte[] src, int from, int count, short[] table, int first, long[] out) {
                vectorCalls[0]++;
                return vector.huffmanOctets(src, from, count, table, first, out);
            }

            @Override
            public boolean huffmanOctetsFast() {
                return vector.huffmanOctetsFast();
            }

            @Override
            public String description() {
                return vector.description();
            }
        };
        int m = 10_000; // F32 elements a call: 40,000 bytes
        ProbingPlaneKernels k = new ProbingPlaneKernels(ScalarPlaneKernels.INSTANCE, counted, 100_000);
        MemorySegment src = Arena.ofAuto().allocate(4L * m, 64);
        for (int i = 0; i < m; i++) {
            src.setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, i, rnd.nextInt());
        }
        byte[] want = new byte[4 * m];
        ScalarPlaneKernels.INSTANCE.split(src, PlaneLayout.ROT32, 4, 0, m, want, m);
        byte[] planes = new byte[4 * m];
        k.split(src, PlaneLayout.ROT32, 4, 0, m, planes, m); // 40,000 bytes moved
        assertThat(planes).isEqualTo(want);
        MemorySegment back = Arena.ofAuto().allocate(4L * m, 64);
        k.merge(planes, m, PlaneLayout.ROT32, 4, m, back, 0); // 80,000
        assertThat(back.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                .isEqualTo(src.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        byte[] plane = PlaneHistogramTest.plane(PlaneHistogramTest.Kind.EXPONENTS, m, 0, rnd);
        int[] counts = new int[1024];
        k.histogram4(plane, 0, m, counts); // counts no bytes moved, probes nothing
        assertThat(counts).isEqualTo(PlaneHistogramTest.definition(plane, 0, m));
        WarmingPlaneKernelsTest.assertSameHuffmanTables(k, WarmingPlaneKernelsTest.randomCode(rnd));
        assertThat(k.huffmanOctetsFast())
                .as("writers join no codes with the kernel before the probes")
                .isFalse();
        short[] table = HuffmanOctetsTest.randomTable(rnd, 40, new byte[40]);
        long[] octets = new long[m / 4];
        long[] wantOctets = new long[m / 4];
        int symbols = m / 64 * 64;
        assertThat(k.huffmanOctets(plane, 0, symbols, table, 0, octets))
                .isEqualTo(ScalarPlaneKernels.octets(plane, 0, symbols, table, 0, wantOctets));
        assertThat(octets).isEqualTo(wantOctets);
        assertThat(k.probing()).as("80,000 of 100,000 bytes moved").isFalse();
        assertThat(vectorCalls[0]).as("calls that reached the vector kernels").isZero();

        k.split(src, PlaneLayout.ROT32, 4, 0, m, planes, m); // 120,000: the probes begin
        assertThat(planes).isEqualTo(want);
        assertThat(k.probing()).isTrue();
        assertThat(k.huffmanOctetsFast()).isEqualTo(vector.huffmanOctetsFast());
        assertThat(vectorCalls[0]).isZero();
        k.split(src, PlaneLayout.ROT32, 4, 0, m, planes, m); // a probe: the vector kernel on 64 elements
        assertThat(planes).isEqualTo(want);
        assertThat(vectorCalls[0]).isEqualTo(1);
        for (int i = 0; i < 5; i++) {
            WarmingPlaneKernelsTest.assertSameAsScalar(k, rnd);
        }
    }

    @Test
    void probesFromTheStartWithoutADeferral() {
        ProbingPlaneKernels k = new ProbingPlaneKernels(ScalarPlaneKernels.INSTANCE, VectorPlaneKernels.create());
        assertThat(k.probing()).isTrue();
        assertThatThrownBy(() -> new ProbingPlaneKernels(ScalarPlaneKernels.INSTANCE, VectorPlaneKernels.create(), -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
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
