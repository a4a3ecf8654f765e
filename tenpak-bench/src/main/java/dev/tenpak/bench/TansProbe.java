package dev.tenpak.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A measurement probe, not a codec: a table-driven ANS coder (tANS, as in FSE) over one byte plane,
 * four interleaved states, 12-bit tables, to weigh ANS against tenpak's Huffman on the same planes
 * (docs/PERFORMANCE.md, "Choice of entropy coder"). It trusts its input: no hostile-stream checks,
 * no format promise. Size counts the streams and 2 bytes per coded symbol's frequency.
 */
final class TansProbe {
    static final int LOG = 12;
    static final int R = 1 << LOG;
    private static final VarHandle BA_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    final int[] norm = new int[256];
    final int[] cumul = new int[257];
    final int[] stateTable = new int[R];
    final int[] deltaNbBits = new int[256];
    final int[] deltaFindState = new int[256];
    final int[] dtable = new int[R]; // symbol | nbBits << 8 | newStateBase << 16
    final byte[] spread = new byte[R];

    /** Normalizes {@code counts} to sum R, every present symbol at least 1 (largest absorbs the rest). */
    void normalize(int[] counts, int total) {
        int sum = 0;
        int maxS = 0;
        for (int s = 0; s < 256; s++) {
            if (counts[s] == 0) {
                norm[s] = 0;
                continue;
            }
            norm[s] = Math.max(1, (int) ((long) counts[s] * R / total));
            sum += norm[s];
            if (counts[s] > counts[maxS]) {
                maxS = s;
            }
        }
        norm[maxS] += R - sum;
        while (norm[maxS] < 1) { // many rare symbols forced up to 1: take from the next largest
            int best = -1;
            for (int s = 0; s < 256; s++) {
                if (s != maxS && norm[s] > 1 && (best < 0 || norm[s] > norm[best])) {
                    best = s;
                }
            }
            norm[best]--;
            norm[maxS]++;
        }
    }

    void build() {
        cumul[0] = 0;
        for (int s = 0; s < 256; s++) {
            cumul[s + 1] = cumul[s] + norm[s];
        }
        int step = (R >>> 1) + (R >>> 3) + 3;
        int pos = 0;
        for (int s = 0; s < 256; s++) {
            for (int i = 0; i < norm[s]; i++) {
                spread[pos] = (byte) s;
                pos = (pos + step) & (R - 1);
            }
        }
        int[] next = new int[256];
        int[] cum = cumul.clone();
        for (int u = 0; u < R; u++) {
            int s = spread[u] & 0xFF;
            stateTable[cum[s]++] = R + u;
        }
        for (int s = 0; s < 256; s++) {
            int f = norm[s];
            if (f == 0) {
                continue;
            }
            int maxBitsOut = f == 1 ? LOG : LOG - (31 - Integer.numberOfLeadingZeros(f - 1));
            deltaNbBits[s] = (maxBitsOut << 16) - (f << maxBitsOut);
            deltaFindState[s] = cumul[s] - f;
            next[s] = f;
        }
        for (int u = 0; u < R; u++) {
            int s = spread[u] & 0xFF;
            int x = next[s]++;
            int nb = LOG - (31 - Integer.numberOfLeadingZeros(x));
            dtable[u] = s | nb << 8 | ((x << nb) - R) << 16;
        }
    }

    /** Encodes src[off..off+n) as 4 streams into dst; returns bytes (streams + 4 sizes + table estimate). */
    int encode(byte[] src, int off, int n, byte[] dst, int[] streamBytes, int[] streamStart) {
        int q = (n + 3) >>> 2;
        int o = 0;
        for (int k = 0; k < 4; k++) {
            int from = off + Math.min(n, k * q);
            int to = off + Math.min(n, Math.min(n, k * q) + q);
            streamStart[k] = o;
            long acc = 0;
            int bits = 0;
            int state = R;
            for (int i = to - 1; i >= from; i--) {
                int s = src[i] & 0xFF;
                int nb = (state + deltaNbBits[s]) >>> 16;
                acc |= (long) (state & ((1 << nb) - 1)) << bits;
                bits += nb;
                state = stateTable[(state >>> nb) + deltaFindState[s]];
                if (bits >= 32) {
                    BA_LONG.set(dst, o, acc);
                    o += 4;
                    acc >>>= 32;
                    bits -= 32;
                }
            }
            acc |= (long) (state - R) << bits; // final state, read first
            bits += LOG;
            BA_LONG.set(dst, o, acc);
            o += (bits + 7) >>> 3;
            streamBytes[k] = o - streamStart[k];
            lastBits[k] = (streamBytes[k] - ((bits + 7) >>> 3)) * 8 + bits;
        }
        int table = 0;
        for (int s = 0; s < 256; s++) {
            if (norm[s] != 0) {
                table += 2;
            }
        }
        return o + 16 + 2 + table;
    }

    final int[] lastBits = new int[4];

    /** Decodes what {@link #encode} wrote (same tables), interleaving the four streams. */
    void decode(byte[] src, int[] streamStart, byte[] dst, int off, int n) {
        int q = (n + 3) >>> 2;
        long[] p = new long[4];
        int[] st = new int[4];
        int[] o = new int[4];
        int[] end = new int[4];
        for (int k = 0; k < 4; k++) {
            p[k] = (long) streamStart[k] * 8 + lastBits[k] - LOG;
            st[k] = read(src, p[k], LOG);
            o[k] = off + Math.min(n, k * q);
            end[k] = off + Math.min(n, Math.min(n, k * q) + q);
        }
        final int[] t = dtable;
        long p0 = p[0], p1 = p[1], p2 = p[2], p3 = p[3];
        int s0 = st[0], s1 = st[1], s2 = st[2], s3 = st[3];
        int o0 = o[0], o1 = o[1], o2 = o[2], o3 = o[3];
        int common = end[3] - o[3];
        for (int j = 0; j < common; j++) {
            int e0 = t[s0], e1 = t[s1], e2 = t[s2], e3 = t[s3];
            dst[o0++] = (byte) e0;
            dst[o1++] = (byte) e1;
            dst[o2++] = (byte) e2;
            dst[o3++] = (byte) e3;
            int n0 = (e0 >>> 8) & 0xFF, n1 = (e1 >>> 8) & 0xFF, n2 = (e2 >>> 8) & 0xFF, n3 = (e3 >>> 8) & 0xFF;
            p0 -= n0;
            p1 -= n1;
            p2 -= n2;
            p3 -= n3;
            s0 = (e0 >>> 16) + read(src, p0, n0);
            s1 = (e1 >>> 16) + read(src, p1, n1);
            s2 = (e2 >>> 16) + read(src, p2, n2);
            s3 = (e3 >>> 16) + read(src, p3, n3);
        }
        long[] pp = {p0, p1, p2, p3};
        int[] ss = {s0, s1, s2, s3};
        int[] oo = {o0, o1, o2, o3};
        for (int k = 0; k < 3; k++) {
            long pk = pp[k];
            int sk = ss[k];
            for (int i = oo[k]; i < end[k]; i++) {
                int e = t[sk];
                dst[i] = (byte) e;
                int nb = (e >>> 8) & 0xFF;
                pk -= nb;
                sk = (e >>> 16) + read(src, pk, nb);
            }
        }
    }

    private static int read(byte[] src, long bitPos, int nb) {
        if (bitPos < 0) {
            return 0; // past the start: only the last symbol's read, whose state is unused
        }
        long x = (long) BA_LONG.get(src, (int) (bitPos >>> 3)) >>> (bitPos & 7);
        return (int) x & ((1 << nb) - 1);
    }
}
