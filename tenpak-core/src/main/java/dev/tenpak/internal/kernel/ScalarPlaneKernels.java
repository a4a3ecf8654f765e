package dev.tenpak.internal.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The specification of {@link PlaneKernels}: elements to byte planes and back in plain Java, eight
 * (16-bit) or four (32-bit) elements a step, one at a time for the tail.
 */
final class ScalarPlaneKernels implements PlaneKernels {
    static final ScalarPlaneKernels INSTANCE = new ScalarPlaneKernels();

    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final ValueLayout.OfLong LONG_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BA_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BA_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LO_BYTES = 0x00FF00FF00FF00FFL;

    private ScalarPlaneKernels() {}

    @Override
    public String description() {
        return "scalar";
    }

    /** Each 16-bit lane of {@code v} rotated left by one. */
    private static long rot16(long v) {
        return (v << 1) & 0xFFFEFFFEFFFEFFFEL | (v >>> 15) & 0x0001000100010001L;
    }

    /** Each 16-bit lane of {@code v} rotated right by one. */
    private static long unrot16(long v) {
        return (v >>> 1) & 0x7FFF7FFF7FFF7FFFL | (v & 0x0001000100010001L) << 15;
    }

    /** The low byte of each 16-bit lane of {@code v}, packed into the low 32 bits. */
    private static long pack(long v) {
        long x = v & LO_BYTES;
        x = (x | x >>> 8) & 0x0000FFFF0000FFFFL;
        return (x | x >>> 16) & 0xFFFFFFFFL;
    }

    /** The inverse of {@link #pack}: the low 4 bytes of {@code v}, one per 16-bit lane. */
    private static long spread(long v) {
        long x = v & 0xFFFFFFFFL;
        x = (x | x << 16) & 0x0000FFFF0000FFFFL;
        return (x | x << 8) & LO_BYTES;
    }

    @Override
    public void split(MemorySegment src, PlaneLayout layout, int planes, long from, int m, byte[] buf, int stride) {
        split(src, layout, planes, from, 0, m, buf, stride);
    }

    @Override
    public void merge(byte[] buf, int stride, PlaneLayout layout, int planes, int m, MemorySegment dst, long at) {
        merge(buf, stride, layout, planes, 0, m, dst, at);
    }

    @Override
    public void mergeRaw(
            byte[] buf, MemorySegment raw, long[] rawAt, PlaneLayout layout, int m, MemorySegment dst, long at) {
        mergeRaw(buf, raw, rawAt, layout, 0, m, dst, at);
    }

    /**
     * {@link #mergeRaw} of the block's elements {@code [i0, m)} only: the vector kernels' tail. Not
     * shared with {@link #merge} (which would be this with every plane in a heap segment over
     * {@code buf}): the loads of {@code raw} would then meet heap and native segments, and the
     * scalar decode, the whole decode where the Vector module is absent, measured 10-30% slower.
     */
    void mergeRaw(
            byte[] buf,
            MemorySegment raw,
            long[] rawAt,
            PlaneLayout layout,
            int i0,
            int m,
            MemorySegment dst,
            long at) {
        switch (layout) {
            case ROT16 -> {
                long a1 = rawAt[1];
                int i = i0;
                for (; i + 8 <= m; i += 8) {
                    long e = (long) BA_LONG.get(buf, i);
                    long f = raw.get(LONG_LE, a1 + i);
                    dst.set(LONG_LE, at + 2L * i, unrot16(spread(e) << 8 | spread(f)));
                    dst.set(LONG_LE, at + 2L * i + 8, unrot16(spread(e >>> 32) << 8 | spread(f >>> 32)));
                }
                for (; i < m; i++) {
                    int r = (buf[i] & 0xFF) << 8 | (raw.get(ValueLayout.JAVA_BYTE, a1 + i) & 0xFF);
                    dst.set(SHORT_LE, at + 2L * i, (short) ((r >>> 1) | (r << 15)));
                }
            }
            case ROT32 -> {
                long a1 = rawAt[1];
                long a2 = rawAt[2];
                long a3 = rawAt[3];
                int i = i0;
                for (; i + 4 <= m; i += 4) {
                    int e = (int) BA_INT.get(buf, i);
                    int f = raw.get(INT_LE, a1 + i);
                    int g = raw.get(INT_LE, a2 + i);
                    int h = raw.get(INT_LE, a3 + i);
                    for (int k = 0; k < 4; k++) {
                        int sh = 8 * k;
                        int r = (e >>> sh) << 24 | (f >>> sh & 0xFF) << 16 | (g >>> sh & 0xFF) << 8 | (h >>> sh & 0xFF);
                        dst.set(INT_LE, at + 4L * (i + k), Integer.rotateRight(r, 1));
                    }
                }
                for (; i < m; i++) {
                    int r = buf[i] << 24
                            | (raw.get(ValueLayout.JAVA_BYTE, a1 + i) & 0xFF) << 16
                            | (raw.get(ValueLayout.JAVA_BYTE, a2 + i) & 0xFF) << 8
                            | (raw.get(ValueLayout.JAVA_BYTE, a3 + i) & 0xFF);
                    dst.set(INT_LE, at + 4L * i, Integer.rotateRight(r, 1));
                }
            }
            case BYTES -> throw new IllegalArgumentException("mergeRaw is for ROT16 and ROT32, not BYTES");
        }
    }

    /** {@link #split} of the block's elements {@code [i0, m)} only: the vector kernels' tail. */
    void split(MemorySegment src, PlaneLayout layout, int planes, long from, int i0, int m, byte[] buf, int stride) {
        long base = from * planes;
        switch (layout) {
            case ROT16 -> {
                int p1 = stride;
                int i = i0;
                // eight elements per step: two 8-byte reads, one 8-byte store per plane (the same
                // bits as the one-element loop below, which finishes the tail)
                for (; i + 8 <= m; i += 8) {
                    long a = rot16(src.get(LONG_LE, base + 2L * i));
                    long b = rot16(src.get(LONG_LE, base + 2L * i + 8));
                    BA_LONG.set(buf, i, pack(a >>> 8) | pack(b >>> 8) << 32);
                    BA_LONG.set(buf, p1 + i, pack(a) | pack(b) << 32);
                }
                for (; i < m; i++) {
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
                int i = i0;
                for (; i + 4 <= m; i += 4) {
                    int r0 = Integer.rotateLeft(src.get(INT_LE, base + 4L * i), 1);
                    int r1 = Integer.rotateLeft(src.get(INT_LE, base + 4L * i + 4), 1);
                    int r2 = Integer.rotateLeft(src.get(INT_LE, base + 4L * i + 8), 1);
                    int r3 = Integer.rotateLeft(src.get(INT_LE, base + 4L * i + 12), 1);
                    BA_INT.set(buf, i, r0 >>> 24 | (r1 >>> 24) << 8 | (r2 >>> 24) << 16 | (r3 >>> 24) << 24);
                    BA_INT.set(
                            buf,
                            p1 + i,
                            (r0 >>> 16 & 0xFF)
                                    | (r1 >>> 16 & 0xFF) << 8
                                    | (r2 >>> 16 & 0xFF) << 16
                                    | (r3 >>> 16 & 0xFF) << 24);
                    BA_INT.set(
                            buf,
                            p2 + i,
                            (r0 >>> 8 & 0xFF)
                                    | (r1 >>> 8 & 0xFF) << 8
                                    | (r2 >>> 8 & 0xFF) << 16
                                    | (r3 >>> 8 & 0xFF) << 24);
                    BA_INT.set(buf, p3 + i, (r0 & 0xFF) | (r1 & 0xFF) << 8 | (r2 & 0xFF) << 16 | (r3 & 0xFF) << 24);
                }
                for (; i < m; i++) {
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
                    for (int i = i0; i < m; i++) {
                        buf[p + i] = src.get(ValueLayout.JAVA_BYTE, base + (long) i * planes + k);
                    }
                }
            }
        }
    }

    /** {@link #merge} of the block's elements {@code [i0, m)} only: the vector kernels' tail. */
    void merge(byte[] buf, int stride, PlaneLayout layout, int planes, int i0, int m, MemorySegment dst, long at) {
        switch (layout) {
            case ROT16 -> {
                int p1 = stride;
                int i = i0;
                for (; i + 8 <= m; i += 8) {
                    long e = (long) BA_LONG.get(buf, i);
                    long f = (long) BA_LONG.get(buf, p1 + i);
                    dst.set(LONG_LE, at + 2L * i, unrot16(spread(e) << 8 | spread(f)));
                    dst.set(LONG_LE, at + 2L * i + 8, unrot16(spread(e >>> 32) << 8 | spread(f >>> 32)));
                }
                for (; i < m; i++) {
                    int r = (buf[i] & 0xFF) << 8 | (buf[p1 + i] & 0xFF);
                    dst.set(SHORT_LE, at + 2L * i, (short) ((r >>> 1) | (r << 15)));
                }
            }
            case ROT32 -> {
                int p1 = stride;
                int p2 = 2 * stride;
                int p3 = 3 * stride;
                int i = i0;
                for (; i + 4 <= m; i += 4) {
                    int e = (int) BA_INT.get(buf, i);
                    int f = (int) BA_INT.get(buf, p1 + i);
                    int g = (int) BA_INT.get(buf, p2 + i);
                    int h = (int) BA_INT.get(buf, p3 + i);
                    for (int k = 0; k < 4; k++) {
                        int sh = 8 * k;
                        int r = (e >>> sh) << 24 | (f >>> sh & 0xFF) << 16 | (g >>> sh & 0xFF) << 8 | (h >>> sh & 0xFF);
                        dst.set(INT_LE, at + 4L * (i + k), Integer.rotateRight(r, 1));
                    }
                }
                for (; i < m; i++) {
                    int r = buf[i] << 24
                            | (buf[p1 + i] & 0xFF) << 16
                            | (buf[p2 + i] & 0xFF) << 8
                            | (buf[p3 + i] & 0xFF);
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
                    for (int i = i0; i < m; i++) {
                        dst.set(ValueLayout.JAVA_BYTE, at + (long) i * planes + k, buf[p + i]);
                    }
                }
            }
        }
    }

    @Override
    public void histogram4(byte[] src, int off, int n, int[] counts) {
        histogram4Runs(src, off, n, counts);
    }

    /**
     * {@link #histogram4}: the four runs side by side over the last (shortest) run's length, so that
     * a stretch of one value (common in exponent planes) increments four counters, not one.
     */
    static void histogram4Runs(byte[] src, int off, int n, int[] counts) {
        int[] h = counts;
        Arrays.fill(h, 0, 1024, 0);
        int q = (n + 3) >>> 2;
        int a0 = off;
        int a1 = off + Math.min(n, q);
        int a2 = off + Math.min(n, 2 * q);
        int a3 = off + Math.min(n, 3 * q);
        int end = off + n;
        int common = end - a3;
        for (int j = 0; j < common; j++) {
            h[src[a0 + j] & 0xFF]++;
            h[256 + (src[a1 + j] & 0xFF)]++;
            h[512 + (src[a2 + j] & 0xFF)]++;
            h[768 + (src[a3 + j] & 0xFF)]++;
        }
        for (int j = a0 + common; j < a1; j++) {
            h[src[j] & 0xFF]++;
        }
        for (int j = a1 + common; j < a2; j++) {
            h[256 + (src[j] & 0xFF)]++;
        }
        for (int j = a2 + common; j < a3; j++) {
            h[512 + (src[j] & 0xFF)]++;
        }
    }

    /**
     * The specification of {@link PlaneKernels#huffmanOctets}: each symbol's entry split into its
     * code (low 11 bits) and length (the next 4), the eight codes joined in 64-bit arithmetic (bits
     * past the 64th are lost, as the entry's mask then drops them anyway). A symbol outside
     * {@code [first, first + 128)} takes the entry its offset from {@code first} modulo 128 names.
     * The codes of a table are below {@code 2^length} (a code table's are).
     */
    static int octets(byte[] src, int from, int count, short[] table, int first, long[] out) {
        return octets(src, from, count, table, first, out, 0);
    }

    /** {@link #octets} into {@code out} from {@code outAt}. */
    static int octets(byte[] src, int from, int count, short[] table, int first, long[] out, int outAt) {
        if (count % HUFFMAN_OCTET_STEP != 0) {
            throw new IllegalArgumentException(
                    "symbols must be a multiple of " + HUFFMAN_OCTET_STEP + ", got " + count);
        }
        int longest = 0;
        for (int g = 0; g < count / 8; g++) {
            long joined = 0;
            int bits = 0;
            for (int k = 0; k < 8; k++) {
                int e = table[((src[from + 8 * g + k] & 0xFF) - first) & (HUFFMAN_OCTET_SPAN - 1)];
                joined |= bits < 64 ? (long) (e & OCTET_CODE_MASK) << bits : 0;
                bits += (e >>> HUFFMAN_MAX_CODE_BITS) & 0xF;
            }
            out[outAt + g] = joined & OCTET_JOIN_MASK | (long) bits << HUFFMAN_OCTET_LENGTH_AT;
            longest = Math.max(longest, bits);
        }
        return longest;
    }

    /** The code bits of an entry of a {@link PlaneKernels#huffmanOctets} table. */
    static final int OCTET_CODE_MASK = (1 << HUFFMAN_MAX_CODE_BITS) - 1;
    /** The bits of a join an entry of {@link PlaneKernels#huffmanOctets} keeps. */
    static final long OCTET_JOIN_MASK = (1L << HUFFMAN_OCTET_LENGTH_AT) - 1;

    /**
     * A block the probing and warming wrappers count with both kernels to tell whether the vector
     * histogram is compiled: {@code n} bytes of eleven common values (so the vector kernel takes its
     * vector path) with one in 61 outside them (so its path for other values runs too).
     */
    static byte[] histogramProbe(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 61 == 60 ? 100 + i % 7 : i * 5 % 11);
        }
        return b;
    }

    @Override
    public void fillHuffman(int[] single, long[] suffix, long[] multi, int from, int to) {
        int bits = Integer.numberOfTrailingZeros(single.length);
        for (int b = from; b <= to; b++) {
            fillHuffman(single, suffix, b == bits ? multi : suffix, b == bits ? 0 : 1 << b, b, 0);
        }
    }

    /** Entries {@code j0 .. (1 << b) - 1} of budget {@code b}, written to {@code into[base + j]}. */
    static void fillHuffman(int[] single, long[] suffix, long[] into, int base, int b, int j0) {
        for (int j = j0; j < 1 << b; j++) {
            int e = single[j];
            int len = e >>> 8;
            long entry;
            if (len > b) {
                entry = 0;
            } else {
                long tail = suffix[(1 << (b - len)) + (j >>> len)];
                int cnt = (int) (tail >>> 48) & 7;
                if (cnt < HUFFMAN_MAX_PER_ENTRY) {
                    entry = (e & 0xFFL)
                            | (tail & 0xFF_FFFF_FFFFL) << 8
                            | (long) (cnt + 1) << 48
                            | (long) (len + (int) (tail >>> 58)) << 58;
                } else {
                    entry = walkHuffman(single, j, b);
                }
            }
            into[base + j] = entry;
        }
    }

    /** The entry for budget {@code b} and bits {@code j}, symbol by symbol (when the tail is full). */
    static long walkHuffman(int[] single, int j, int b) {
        long syms = 0;
        int bits = 0;
        int cnt = 0;
        while (cnt < HUFFMAN_MAX_PER_ENTRY) {
            int e = single[j >>> bits];
            int len = e >>> 8;
            if (bits + len > b) {
                break;
            }
            syms |= (long) (e & 0xFF) << (8 * cnt);
            bits += len;
            cnt++;
        }
        return syms | (long) cnt << 48 | (long) bits << 58;
    }
}
