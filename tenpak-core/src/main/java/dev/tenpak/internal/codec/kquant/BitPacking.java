package dev.tenpak.internal.codec.kquant;

/**
 * LSB-first bit planes: value {@code i} of width {@code w} occupies bits {@code [i w, (i + 1) w)} of
 * the plane, bit {@code k} of the plane being bit {@code k mod 8} of byte {@code k / 8}. The last
 * byte's unused high bits are zero. For {@code w = 4} this is two codes per byte, the earlier
 * element in the low nibble; for {@code w = 8} one byte per value.
 */
final class BitPacking {
    private BitPacking() {}

    /** Bytes of a plane of {@code count} values of {@code bits} bits. */
    static long bytes(long count, int bits) {
        return (Math.multiplyExact(count, (long) bits) + 7) >>> 3;
    }

    /** Packs the low {@code bits} of {@code v[0 .. count)} into {@code out[0 ..]}; returns bytes written. */
    static int pack(byte[] v, int count, int bits, byte[] out) {
        int mask = (1 << bits) - 1;
        int o = 0;
        int i = 0;
        // eight values fill exactly `bits` bytes: whole groups through one long each (the same bits),
        // without the per-value byte loop and its branch
        for (; i + 8 <= count; i += 8) {
            long g = 0;
            for (int k = 0; k < 8; k++) {
                g |= (long) (v[i + k] & mask) << (k * bits);
            }
            for (int b = 0; b < bits; b++, g >>>= 8) {
                out[o++] = (byte) g;
            }
        }
        long acc = 0;
        int nacc = 0;
        for (; i < count; i++) {
            acc |= (long) (v[i] & mask) << nacc;
            nacc += bits;
            while (nacc >= 8) {
                out[o++] = (byte) acc;
                acc >>>= 8;
                nacc -= 8;
            }
        }
        if (nacc > 0) {
            out[o++] = (byte) acc;
        }
        return o;
    }

    /**
     * Unpacks {@code count} values of {@code bits} bits from {@code in[0 ..]} into {@code v},
     * sign-extending them when {@code signed}.
     */
    static void unpack(byte[] in, int count, int bits, boolean signed, byte[] v) {
        int mask = (1 << bits) - 1;
        int shift = 32 - bits;
        long acc = 0;
        int nacc = 0;
        int p = 0;
        for (int i = 0; i < count; i++) {
            while (nacc < bits) {
                acc |= (long) (in[p++] & 0xFF) << nacc;
                nacc += 8;
            }
            int x = (int) acc & mask;
            acc >>>= bits;
            nacc -= bits;
            v[i] = (byte) (signed ? (x << shift) >> shift : x);
        }
    }
}
