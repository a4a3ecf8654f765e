package dev.tenpak.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import jdk.incubator.vector.ShortVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link PlaneKernels#huffmanOctets}: the vector kernel gives the scalar specification's joins and
 * longest length, entry for entry, over random prefix codes of up to 128 symbols at any first
 * symbol, runs of long codes whose eight take more than 57 bits, symbols outside the table's span
 * and odd offsets; and the specification follows its definition on a worked example.
 */
class HuffmanOctetsTest {
    static final long START = Long.getLong("tenpak.test.seed", System.nanoTime());

    static final PlaneKernels SCALAR = PlaneKernels.scalar();
    static final PlaneKernels VECTOR = VectorPlaneKernels.create();

    /**
     * The kernel table of a complete prefix code over {@code size} symbols from {@code first}:
     * random lengths of 1 to 11 bits, canonical codes, bits least significant first.
     */
    static short[] randomTable(SplittableRandom rnd, int size, byte[] lengths) {
        java.util.List<Integer> leaves = new java.util.ArrayList<>(java.util.List.of(0));
        while (leaves.size() < size) {
            int i = rnd.nextInt(leaves.size());
            if (leaves.get(i) < 11) {
                leaves.set(i, leaves.get(i) + 1);
                leaves.add(leaves.get(i));
            }
        }
        for (int i = 0; i < size; i++) {
            lengths[i] = (byte) (int) leaves.get(i);
        }
        short[] table = new short[PlaneKernels.HUFFMAN_OCTET_SPAN];
        int code = 0;
        for (int len = 1; len <= 11; len++) {
            for (int s = 0; s < size; s++) {
                if (lengths[s] == len) {
                    table[s] = (short) ((Integer.reverse(code) >>> (32 - len)) | len << 11);
                    code++;
                }
            }
            code <<= 1;
        }
        return table;
    }

    @ParameterizedTest(name = "round {0}")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
    void vectorJoinsAreTheScalarOnes(int round) {
        SplittableRandom rnd = new SplittableRandom(START + round);
        int size = round % 3 == 0 ? rnd.nextInt(65, 129) : rnd.nextInt(2, 65); // one or both halves of the table
        byte[] lengths = new byte[size];
        short[] table = randomTable(rnd, size, lengths);
        int first = rnd.nextInt(256);
        int count = PlaneKernels.HUFFMAN_OCTET_STEP * rnd.nextInt(1, 17);
        int off = rnd.nextInt(40);
        byte[] src = new byte[off + count];
        int longest = 0;
        for (int i = off; i < src.length; i++) {
            if (round % 4 == 3 && rnd.nextInt(50) == 0) {
                src[i] = (byte) rnd.nextInt(256); // any byte: outside the span too, taken modulo 128
            } else if (rnd.nextInt(8) == 0) {
                // a run of the longest codes: groups of eight over 57 bits
                int s = 0;
                for (int t = 0; t < size; t++) {
                    s = lengths[t] > lengths[s] ? t : s;
                }
                src[i] = (byte) (first + s);
            } else {
                src[i] = (byte) (first + rnd.nextInt(size));
            }
        }
        long[] want = new long[count / 4];
        long[] got = new long[count / 4];
        int wantLongest = SCALAR.huffmanOctets(src, off, count, table, first, want);
        int gotLongest = VECTOR.huffmanOctets(src, off, count, table, first, got);
        String what = VECTOR.description() + ", " + size + " symbols from " + first + ", " + count + " at " + off
                + ", random start " + START;
        assertThat(Arrays.copyOf(got, count / 8)).as(what).isEqualTo(Arrays.copyOf(want, count / 8));
        assertThat(gotLongest).as(what).isEqualTo(wantLongest);
    }

    @Test
    void joinsFollowTheirDefinition() {
        // symbol 200: code 1 of 1 bit; 201: 01 (written 0 then 1, so the value 0b10) of 2 bits;
        // 202: 3 bits 011 written as 0b110; 203: 11 bits, all ones (not a prefix code: the kernel
        // only joins what the table holds)
        short[] table = new short[PlaneKernels.HUFFMAN_OCTET_SPAN];
        table[0] = (short) (0b1 | 1 << 11);
        table[1] = (short) (0b10 | 2 << 11);
        table[2] = (short) (0b110 | 3 << 11);
        table[3] = (short) (0x7FF | 11 << 11);
        byte[] src = new byte[64];
        Arrays.fill(src, (byte) 203); // groups 1..7: eight 11-bit codes, 88 bits
        byte[] group0 = {(byte) 200, (byte) 201, (byte) 202, (byte) 200, (byte) 200, (byte) 201, (byte) 202, (byte) 203
        };
        System.arraycopy(group0, 0, src, 0, 8);
        for (PlaneKernels k : new PlaneKernels[] {SCALAR, VECTOR}) {
            long[] out = new long[16];
            int longest = k.huffmanOctets(src, 0, 64, table, 200, out);
            // 1 | 10 | 110 | 1 | 1 | 10 | 110 | 11111111111, lowest first: 1+2+3+1+1+2+3+11 = 24 bits
            long join =
                    0b1L | 0b10L << 1 | 0b110L << 3 | 0b1L << 6 | 0b1L << 7 | 0b10L << 8 | 0b110L << 10 | 0x7FFL << 13;
            assertThat(out[0]).as(k.description()).isEqualTo(join | 24L << 57);
            assertThat(out[1])
                    .as(k.description() + ": 88 bits, the low 57 kept")
                    .isEqualTo((1L << 57) - 1 | 88L << 57);
            assertThat(longest).as(k.description()).isEqualTo(88);
        }
    }

    @Test
    void countsOutsideTheStepAreRefused() {
        for (PlaneKernels k : new PlaneKernels[] {SCALAR, VECTOR}) {
            assertThatThrownBy(() -> k.huffmanOctets(new byte[100], 0, 96, new short[128], 0, new long[24]))
                    .as(k.description())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("multiple of 64");
        }
    }

    @Test
    void theVectorKernelIsFastWithFiveHundredTwelveBitVectorsOnly() throws Exception {
        assertThat(SCALAR.huffmanOctetsFast()).isFalse();
        assertThat(VECTOR.huffmanOctetsFast())
                .as(VECTOR.description())
                .isEqualTo(ShortVector.SPECIES_PREFERRED.vectorBitSize() == 512);
        assertThat(HuffmanOctetsCheck.check(VECTOR)).isEqualTo("ok 20 calls");
        // 256-bit vectors: the kernels are vector ones, the join is the specification's, and not fast
        Process child = ChildJvm.start(
                HuffmanOctetsCheck.class, List.of("--add-modules", "jdk.incubator.vector", "-XX:MaxVectorSize=32"));
        assertThat(ChildJvm.answer(child)).isEqualTo("vector(256-bit) fast=false ok 20 calls");
    }
}
