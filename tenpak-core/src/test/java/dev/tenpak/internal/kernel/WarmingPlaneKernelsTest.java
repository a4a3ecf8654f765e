package dev.tenpak.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The plane kernels that run scalar until the vector ones are compiled: every call gives the scalar
 * specification's bytes before and after the switch, the switch happens once the warm-up has run,
 * and the warm-up runs no round while calls keep the kernels busy.
 */
class WarmingPlaneKernelsTest {
    static final long START = Long.getLong("tenpak.test.seed", System.nanoTime());

    static final PlaneKernels SCALAR = PlaneKernels.scalar();

    static void assertSameAsScalar(PlaneKernels k, SplittableRandom rnd) {
        for (PlaneLayout layout : new PlaneLayout[] {PlaneLayout.ROT16, PlaneLayout.ROT32, PlaneLayout.BYTES}) {
            int planes = layout == PlaneLayout.ROT16 ? 2 : 4;
            int m = rnd.nextInt(1, 20_000);
            byte[] bits = new byte[planes * m];
            rnd.nextBytes(bits); // every bit pattern: NaNs with payloads, subnormals, signed zeros
            MemorySegment src = MemorySegment.ofArray(bits);
            byte[] want = new byte[planes * m];
            byte[] got = new byte[planes * m];
            SCALAR.split(src, layout, planes, 0, m, want, m);
            k.split(src, layout, planes, 0, m, got, m);
            assertThat(got)
                    .as("split %s m=%d random start %d", layout, m, START)
                    .isEqualTo(want);
            byte[] back = new byte[planes * m];
            k.merge(got, m, layout, planes, m, MemorySegment.ofArray(back), 0);
            assertThat(back)
                    .as("merge %s m=%d random start %d", layout, m, START)
                    .isEqualTo(bits);
        }
        assertSameHuffmanTables(k, randomCode(rnd));
        // a plane of few values (the vector histogram's vector path) and a random one (its scalar one)
        for (PlaneHistogramTest.Kind kind :
                new PlaneHistogramTest.Kind[] {PlaneHistogramTest.Kind.EXPONENTS, PlaneHistogramTest.Kind.FLAT}) {
            int n = rnd.nextInt(1, 20_000);
            byte[] p = PlaneHistogramTest.plane(kind, n, 3, rnd);
            int[] got = new int[1024];
            k.histogram4(p, 3, n, got);
            assertThat(got)
                    .as("histogram of %s n=%d random start %d", kind, n, START)
                    .isEqualTo(PlaneHistogramTest.definition(p, 3, n));
        }
        int size = rnd.nextInt(2, PlaneKernels.HUFFMAN_OCTET_SPAN + 1);
        short[] table = HuffmanOctetsTest.randomTable(rnd, size, new byte[size]);
        int count = PlaneKernels.HUFFMAN_OCTET_STEP * rnd.nextInt(1, 40);
        byte[] src = new byte[count + 5];
        for (int i = 0; i < src.length; i++) {
            src[i] = (byte) (17 + rnd.nextInt(size));
        }
        long[] want = new long[count / 4];
        long[] got = new long[count / 4];
        int wantLongest = SCALAR.huffmanOctets(src, 5, count, table, 17, want);
        assertThat(k.huffmanOctets(src, 5, count, table, 17, got))
                .as("longest joined code, random start %d", START)
                .isEqualTo(wantLongest);
        assertThat(Arrays.copyOf(got, count / 8))
                .as("joined Huffman codes, random start %d", START)
                .isEqualTo(Arrays.copyOf(want, count / 8));
    }

    /**
     * Code lengths of a random complete prefix code of at most 11 bits over up to 256 symbols: from
     * one leaf of length 0, leaves split in two until the code has its size. Splitting the newest
     * leaf each time (a third of the codes) gives lengths 1, 2, 3, ... 11, 11: one-bit codes, whose
     * table entries hold six symbols and are walked symbol by symbol.
     */
    static byte[] randomCode(SplittableRandom rnd) {
        int size = rnd.nextInt(2, 257);
        boolean chain = rnd.nextInt(3) == 0;
        java.util.List<Integer> leaves = new java.util.ArrayList<>(java.util.List.of(0));
        while (leaves.size() < size) {
            int i = chain ? leaves.size() - 1 : rnd.nextInt(leaves.size());
            int len = leaves.get(i);
            if (len == 11) {
                if (chain) {
                    break;
                }
                continue;
            }
            leaves.set(i, len + 1);
            leaves.add(len + 1);
        }
        byte[] lengths = new byte[256];
        int first = rnd.nextInt(257 - leaves.size());
        for (int i = 0; i < leaves.size(); i++) {
            lengths[first + i] = (byte) (int) leaves.get(i);
        }
        return lengths;
    }

    /** The one-symbol table of a complete code: canonical codes, bits least significant first. */
    static int[] huffmanSingle(byte[] lengths) {
        int[] single = new int[1 << 11];
        int code = 0;
        for (int len = 1; len <= 11; len++) {
            for (int sym = 0; sym < 256; sym++) {
                if (lengths[sym] == len) {
                    int rev = Integer.reverse(code) >>> (32 - len);
                    for (int j = rev; j < single.length; j += 1 << len) {
                        single[j] = sym | len << 8;
                    }
                    code++;
                }
            }
            code <<= 1;
        }
        return single;
    }

    /** {@code k} fills the multi-symbol tables of {@code lengths} entry for entry as the scalar spec does. */
    static void assertSameHuffmanTables(PlaneKernels k, byte[] lengths) {
        int[] single = huffmanSingle(lengths);
        int shortest = 11;
        for (byte len : lengths) {
            if (len != 0) {
                shortest = Math.min(shortest, len);
            }
        }
        long[] suffix = new long[single.length];
        long[] multi = new long[single.length];
        long[] wantSuffix = new long[single.length];
        long[] wantMulti = new long[single.length];
        SCALAR.fillHuffman(single, wantSuffix, wantMulti, 0, 11 - shortest);
        SCALAR.fillHuffman(single, wantSuffix, wantMulti, 11, 11);
        k.fillHuffman(single, suffix, multi, 0, 11 - shortest);
        k.fillHuffman(single, suffix, multi, 11, 11);
        assertThat(suffix).as("Huffman suffix tables, random start %d", START).isEqualTo(wantSuffix);
        assertThat(multi)
                .as("Huffman multi-symbol table, random start %d", START)
                .isEqualTo(wantMulti);
    }

    @Test
    void givesTheScalarBytesBeforeAndAfterTheSwitch() {
        SplittableRandom rnd = new SplittableRandom(START);
        PlaneKernels vector = VectorPlaneKernels.create();
        WarmingPlaneKernels k = new WarmingPlaneKernels(SCALAR, vector);
        assertThat(k.isWarm()).isFalse();
        assertThat(k.description()).isEqualTo(vector.description());
        for (int i = 0; i < 5; i++) {
            assertSameAsScalar(k, rnd);
        }
        k.warmUp();
        assertThat(k.failed()).isFalse();
        assertThat(k.isWarm()).isTrue();
        assertThat(k.rounds).isBetween(WarmingPlaneKernels.FASTER_ROUNDS, WarmingPlaneKernels.MAX_ROUNDS);
        for (int i = 0; i < 5; i++) {
            assertSameAsScalar(k, rnd);
        }
    }

    @Test
    void runsNoRoundWhileCallsKeepTheKernelsBusy() throws InterruptedException {
        SplittableRandom rnd = new SplittableRandom(START);
        WarmingPlaneKernels k = WarmingPlaneKernels.startedInBackground(SCALAR, VectorPlaneKernels.create());
        long end = System.nanoTime() + 3 * WarmingPlaneKernels.IDLE_NANOS / 2;
        while (System.nanoTime() < end) {
            assertSameAsScalar(k, rnd); // one call at least every few milliseconds
        }
        assertThat(k.rounds).isZero();
        assertThat(k.isWarm()).isFalse();
    }
}
