package dev.tenpak.internal.codec.lossless;

import dev.tenpak.internal.codec.lossless.LosslessCodec.Layout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Elements to byte planes and back, for each {@link Layout}. Plane {@code k} of a block lives at
 * {@code buf[k * stride ..]}. The transforms are bijections on bits, so any bit pattern (NaN
 * payloads, signed zeros, subnormals) comes back as it went in.
 */
final class Planes {
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Planes() {}

    /** Splits elements {@code [from, from + m)} of {@code src} into {@code planes} planes of {@code buf}. */
    static void split(MemorySegment src, Layout layout, int planes, long from, int m, byte[] buf, int stride) {
        long base = from * planes;
        switch (layout) {
            case ROT16 -> {
                int p1 = stride;
                for (int i = 0; i < m; i++) {
                    int v = src.get(SHORT_LE, base + 2L * i);
                    // rotate left by 1 within 16 bits: exponent to the high byte, sign to bit 0
                    int r = (v << 1) | ((v >>> 15) & 1);
                    buf[i] = (byte) (r >>> 8);
                    buf[p1 + i] = (byte) r;
                }
            }
            case ROT32 -> {
                int p1 = stride;
                int p2 = 2 * stride;
                int p3 = 3 * stride;
                for (int i = 0; i < m; i++) {
                    int r = Integer.rotateLeft(src.get(INT_LE, base + 4L * i), 1);
                    buf[i] = (byte) (r >>> 24);
                    buf[p1 + i] = (byte) (r >>> 16);
                    buf[p2 + i] = (byte) (r >>> 8);
                    buf[p3 + i] = (byte) r;
                }
            }
            case BYTES -> {
                if (planes == 1) {
                    MemorySegment.copy(src, ValueLayout.JAVA_BYTE, base, buf, 0, m);
                    return;
                }
                for (int k = 0; k < planes; k++) {
                    int p = k * stride;
                    for (int i = 0; i < m; i++) {
                        buf[p + i] = src.get(ValueLayout.JAVA_BYTE, base + (long) i * planes + k);
                    }
                }
            }
        }
    }

    /** The inverse of {@link #split}: writes {@code m} elements to {@code dst} at byte {@code at}. */
    static void merge(byte[] buf, int stride, Layout layout, int planes, int m, MemorySegment dst, long at) {
        switch (layout) {
            case ROT16 -> {
                int p1 = stride;
                for (int i = 0; i < m; i++) {
                    int r = (buf[i] & 0xFF) << 8 | (buf[p1 + i] & 0xFF);
                    dst.set(SHORT_LE, at + 2L * i, (short) ((r >>> 1) | (r << 15)));
                }
            }
            case ROT32 -> {
                int p1 = stride;
                int p2 = 2 * stride;
                int p3 = 3 * stride;
                for (int i = 0; i < m; i++) {
                    int r = buf[i] << 24 | (buf[p1 + i] & 0xFF) << 16 | (buf[p2 + i] & 0xFF) << 8 | (buf[p3 + i] & 0xFF);
                    dst.set(INT_LE, at + 4L * i, Integer.rotateRight(r, 1));
                }
            }
            case BYTES -> {
                if (planes == 1) {
                    MemorySegment.copy(buf, 0, dst, ValueLayout.JAVA_BYTE, at, m);
                    return;
                }
                for (int k = 0; k < planes; k++) {
                    int p = k * stride;
                    for (int i = 0; i < m; i++) {
                        dst.set(ValueLayout.JAVA_BYTE, at + (long) i * planes + k, buf[p + i]);
                    }
                }
            }
        }
    }
}
