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
        dequantizeFrom(0, packed, bits, levels, scales, sub, m, y, yoff);
    }

    /**
     * Elements {@code [start, m)} only ({@code start} a multiple of 8): the vector kernel's tail,
     * which must be this code.
     */
    static void dequantizeFrom(
            int start, byte[] packed, int bits, float[] levels, float[] scales, int sub, int m, float[] y, int yoff) {
        float[] lv = levels;
        int mask = (1 << bits) - 1;
        int w = bits;
        int whole = m - m % 8;
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
        for (int i = Math.max(whole, start); i < m; i++) {
            long bit = (long) i * w;
            int pair = (packed[(int) (bit >>> 3)] & 0xFF) | (packed[(int) (bit >>> 3) + 1] & 0xFF) << 8;
            y[yoff + i] = scales[i / sub] * lv[(pair >>> (int) (bit & 7)) & mask];
        }
    }

    @Override
    public String description() {
        return "scalar";
    }
}
