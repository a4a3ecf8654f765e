package dev.tenpak.internal.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The specification of {@link GridDequantKernels}. A group of 8 codes is {@code bits} whole bytes
 * (it starts on a byte), so one little-endian long read gives all 8; the codes after the last
 * whole group are read two bytes at a time. Same products as unpacking every code first.
 */
public final class ScalarGridDequantKernels implements GridDequantKernels {
    public static final ScalarGridDequantKernels INSTANCE = new ScalarGridDequantKernels();

    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private ScalarGridDequantKernels() {}

    @Override
    public void dequantize(
            byte[] packed, int bits, float[] levels, float[] scales, int sub, int m, float[] y, int yoff) {
        dequantizeRange(0, m, packed, bits, levels, scales, sub, y, yoff);
    }

    /**
     * Elements {@code [start, end)} only ({@code start} a multiple of 8): what {@link #dequantize}
     * writes there for any {@code m >= end}, as each element depends only on its own code and scale.
     * Also the vector kernel's tail, which must be this code.
     */
    static void dequantizeRange(
            int start, int end, byte[] packed, int bits, float[] levels, float[] scales, int sub, float[] y, int yoff) {
        float[] lv = levels;
        int mask = (1 << bits) - 1;
        int w = bits;
        int whole = end - end % 8;
        for (int i = start; i < whole; i += 8) {
            float ci = scales[i / sub];
            long g = (long) LONG_LE.get(packed, i / 8 * w);
            int o = yoff + i;
            y[o] = ci * lv[(int) g & mask];
            y[o + 1] = ci * lv[(int) (g >>> w) & mask];
            y[o + 2] = ci * lv[(int) (g >>> 2 * w) & mask];
            y[o + 3] = ci * lv[(int) (g >>> 3 * w) & mask];
            y[o + 4] = ci * lv[(int) (g >>> 4 * w) & mask];
            y[o + 5] = ci * lv[(int) (g >>> 5 * w) & mask];
            y[o + 6] = ci * lv[(int) (g >>> 6 * w) & mask];
            y[o + 7] = ci * lv[(int) (g >>> 7 * w) & mask];
        }
        for (int i = Math.max(whole, start); i < end; i++) {
            long bit = (long) i * w;
            int pair = (packed[(int) (bit >>> 3)] & 0xFF) | (packed[(int) (bit >>> 3) + 1] & 0xFF) << 8;
            y[yoff + i] = scales[i / sub] * lv[(pair >>> (int) (bit & 7)) & mask];
        }
    }

    /** Output elements per block of {@link #dequantizeRotated}: 4 KB of floats, well inside L1. */
    static final int ROTATE_BLOCK = 1024;

    /**
     * A block of {@link #ROTATE_BLOCK} values at a time: decoded, then rotated back while they are in
     * the first-level cache. Blocks start on runs, so the whole runs of the blocks are those of
     * {@code [0, m)}, with the same run numbers.
     */
    @Override
    public void dequantizeRotated(
            byte[] packed,
            int bits,
            float[] levels,
            float[] scales,
            int sub,
            int m,
            float[] y,
            int yoff,
            long firstRun) {
        for (int b = 0; b < m; b += ROTATE_BLOCK) {
            int e = Math.min(m, b + ROTATE_BLOCK);
            dequantizeRange(b, e, packed, bits, levels, scales, sub, y, yoff);
            ScalarHadamardKernels.INSTANCE.inverse(y, yoff + b, e - b, firstRun + b / HadamardKernels.RUN);
        }
    }

    @Override
    public void subScales(byte[] packed, int bits, short[] superScales, int perSuper, int nsub, float[] c) {
        subScalesFrom(0, packed, bits, superScales, perSuper, nsub, c);
    }

    /**
     * Sub-scales {@code [start, nsub)} ({@code start} a multiple of 8). Eight values are {@code bits}
     * whole bytes and lie in one super-block, so one little-endian long read gives them; the rest
     * are read two bytes at a time. No divide per value: {@code perSuper} is a power of two.
     */
    static void subScalesFrom(
            int start, byte[] packed, int bits, short[] superScales, int perSuper, int nsub, float[] c) {
        int w = bits;
        int superShift = Integer.numberOfTrailingZeros(perSuper);
        int whole = nsub - nsub % 8;
        int j = start;
        for (; j < whole; j += 8) {
            float ds = Float.float16ToFloat(superScales[j >>> superShift]);
            long g = (long) LONG_LE.get(packed, j / 8 * w);
            for (int t = 0; t < 8; t++) {
                // value t is bits [t w, (t + 1) w) of g: move it to the top, then arithmetic shift down
                c[j + t] = ds * (int) (g << (64 - (t + 1) * w) >> (64 - w));
            }
        }
        int mask = (1 << w) - 1;
        for (; j < nsub; j++) {
            int bit = j * w;
            int pair = (packed[bit >>> 3] & 0xFF) | (packed[(bit >>> 3) + 1] & 0xFF) << 8;
            int x = (pair >>> (bit & 7)) & mask;
            c[j] = Float.float16ToFloat(superScales[j >>> superShift]) * ((x << (32 - w)) >> (32 - w));
        }
    }

    @Override
    public int lookup(byte[] sym, float[] table, int m, float[] y, int yoff) {
        int any = 0;
        for (int i = 0; i < m; i++) {
            int v = sym[i] & 0xFF;
            y[yoff + i] = table[v];
            any |= v;
        }
        return any;
    }

    @Override
    public String description() {
        return "scalar";
    }
}
