package dev.tenpak.internal.codec.kquant;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link BitPacking#pack} against the layout's definition written out bit by bit (value {@code i}'s
 * bit {@code b} is bit {@code (i w + b) mod 8} of byte {@code (i w + b) / 8}), for every width, counts
 * around whole groups of eight and values with bits above the width set; and {@link
 * BitPacking#unpack} back.
 */
class BitPackingTest {
    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void packWritesTheDefinedBitsAndUnpackReadsThemBack(int bits) {
        SplittableRandom r = new SplittableRandom(0x3C6EF372FE94F82BL ^ bits);
        for (int count = 0; count <= 70; count++) {
            byte[] v = new byte[count];
            for (int i = 0; i < count; i++) {
                v[i] = (byte) r.nextInt(256);
            }
            int bytes = (int) BitPacking.bytes(count, bits);
            byte[] want = new byte[bytes + 4];
            for (int i = 0; i < count; i++) {
                for (int b = 0; b < bits; b++) {
                    if ((v[i] >> b & 1) != 0) {
                        int k = i * bits + b;
                        want[k / 8] |= (byte) (1 << (k % 8));
                    }
                }
            }
            byte[] got = new byte[bytes + 4];
            assertThat(BitPacking.pack(v, count, bits, got)).isEqualTo(bytes);
            assertThat(got).as("%d values of %d bits", count, bits).isEqualTo(want);
            byte[] back = new byte[count];
            BitPacking.unpack(got, count, bits, false, back);
            for (int i = 0; i < count; i++) {
                assertThat(back[i]).isEqualTo((byte) (v[i] & ((1 << bits) - 1)));
            }
        }
    }
}
