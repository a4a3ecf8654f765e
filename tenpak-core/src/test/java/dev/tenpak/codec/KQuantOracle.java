package dev.tenpak.codec;

import dev.tenpak.internal.codec.kquant.KQuantCodec;

/**
 * The K-quant-class payload computed from docs/FORMAT.md's description alone:
 * linear-scan nearest levels, straight loops, bit-by-bit packing. Slow on purpose.
 */
final class KQuantOracle {
    private KQuantOracle() {}

    static final int PER_SIDE = 4;
    static final float STEP = 0.05f;

    record Grid(float[] g, float[] mids) {
        static Grid of(KQuantCodec c) {
            float[] g = c.grid().grid();
            float[] mids = new float[g.length - 1];
            for (int k = 0; k < mids.length; k++) {
                mids[k] = (g[k] + g[k + 1]) * 0.5f;
            }
            return new Grid(g, mids);
        }

        int nearest(float y) {
            int n = 0;
            for (float m : mids) {
                if (m < y) {
                    n++;
                }
            }
            return n;
        }

        int[] codes(float[] x, int off, int len, float c) {
            int[] q = new int[len];
            float inv = c == 0f ? 0f : 1f / c;
            for (int i = 0; i < len; i++) {
                q[i] = c == 0f ? nearest(0f) : nearest(x[off + i] * inv);
            }
            return q;
        }

        double error(float[] x, int off, int[] q, float c) {
            double e = 0;
            for (int i = 0; i < q.length; i++) {
                double d = (double) x[off + i] - c * g[q[i]];
                e += d * d;
            }
            return e;
        }

        float fit(float[] x, int off, int[] q) {
            double sxl = 0;
            double sll = 0;
            for (int i = 0; i < q.length; i++) {
                double l = g[q[i]];
                sxl += x[off + i] * l;
                sll += l * l;
            }
            return sll > 0 ? (float) (sxl / sll) : 0f;
        }

        float search(float[] x, int off, int len) {
            float m = 0f;
            for (int i = off; i < off + len; i++) {
                if (Math.abs(x[i]) > Math.abs(m)) {
                    m = x[i];
                }
            }
            if (m == 0f) {
                return 0f;
            }
            float best = 0f;
            double bestGain = -1;
            for (float end : new float[] {g[0], g[g.length - 1]}) {
                for (int k = -PER_SIDE; k <= PER_SIDE; k++) {
                    float u = (end * (1 + k * STEP)) / m;
                    if (!Float.isFinite(u)) {
                        continue;
                    }
                    double sxl = 0;
                    double sll = 0;
                    for (int i = off; i < off + len; i++) {
                        double l = g[nearest(x[i] * u)];
                        sxl += x[i] * l;
                        sll += l * l;
                    }
                    if (sll > 0 && sxl * sxl / sll > bestGain) {
                        bestGain = sxl * sxl / sll;
                        best = (float) (sxl / sll);
                    }
                }
            }
            return best;
        }
    }

    /** A bit plane being written LSB-first. */
    static final class Bits {
        final byte[] out;
        long pos;

        Bits(long bits) {
            out = new byte[(int) ((bits + 7) / 8)];
        }

        void put(int v, int w) {
            for (int t = 0; t < w; t++, pos++) {
                if (((v >> t) & 1) != 0) {
                    out[(int) (pos >>> 3)] |= (byte) (1 << (pos & 7));
                }
            }
        }
    }

    /**
     * The rotation of the {@code *h_v1} codecs as docs/FORMAT.md writes it: each whole run of 16
     * from element 0 gets its signs (the top 16 bits of the run's SplitMix64 output, run {@code r}
     * the {@code (r + 1)}-th output from state 0), then butterflies at distance 1, 2, 4, 8, then
     * times 1/4; the last partial run stays.
     */
    static float[] rotate(float[] x) {
        float[] y = x.clone();
        java.util.SplittableRandom signs = new java.util.SplittableRandom(0);
        for (int o = 0; o + 16 <= y.length; o += 16) {
            long mask = signs.nextLong() >>> 48;
            for (int i = 0; i < 16; i++) {
                if ((mask & (1L << i)) != 0) {
                    y[o + i] = -y[o + i];
                }
            }
            for (int d = 1; d <= 8; d *= 2) {
                for (int i = 0; i < 16; i++) {
                    if ((i & d) == 0) {
                        float a = y[o + i];
                        float b = y[o + i + d];
                        y[o + i] = a + b;
                        y[o + i + d] = a - b;
                    }
                }
            }
            for (int i = 0; i < 16; i++) {
                y[o + i] = y[o + i] / 4;
            }
        }
        return y;
    }

    static byte[] payload(KQuantCodec c, float[] x) {
        if (c.rotated()) {
            return payload(c.unrotated(), rotate(x));
        }
        Grid g = Grid.of(c);
        int n = x.length;
        int sub = c.subBlock();
        int nsub = (n + sub - 1) / sub;
        int nsup = (n + 255) / 256;
        int[] codes = new int[n];
        Bits scales = new Bits((long) nsub * c.scaleBits());
        byte[] supers = new byte[c.superBlocks() ? 2 * nsup : 0];
        if (!c.superBlocks()) {
            for (int j = 0; j < nsub; j++) {
                int off = j * sub;
                int len = Math.min(sub, n - off);
                short sb = Float.floatToFloat16(g.search(x, off, len));
                float s = Float.float16ToFloat(sb);
                if (s == 0f) {
                    sb = 0;
                }
                int[] q = g.codes(x, off, len, s);
                if (s != 0f) {
                    short rb = Float.floatToFloat16(g.fit(x, off, q));
                    float r = Float.float16ToFloat(rb);
                    if (r != 0f && Float.isFinite(r) && rb != sb) {
                        int[] q2 = g.codes(x, off, len, r);
                        if (g.error(x, off, q2, r) < g.error(x, off, q, s)) {
                            q = q2;
                            sb = rb;
                        }
                    }
                }
                scales.put(sb & 0xFFFF, 16);
                System.arraycopy(q, 0, codes, off, len);
            }
        } else {
            int lim = 1 << (c.scaleBits() - 1);
            for (int k = 0; k < nsup; k++) {
                int base = k * 256;
                int len = Math.min(256, n - base);
                int ns = (len + sub - 1) / sub;
                float[] s = new float[ns];
                float ms = 0f;
                for (int j = 0; j < ns; j++) {
                    s[j] = g.search(x, base + j * sub, Math.min(sub, len - j * sub));
                    if (Math.abs(s[j]) > Math.abs(ms)) {
                        ms = s[j];
                    }
                }
                short dBits = Float.floatToFloat16(-ms / lim);
                float d = Float.float16ToFloat(dBits);
                int[] l = new int[ns];
                int[][] q = new int[ns][];
                if (d == 0f) {
                    dBits = 0;
                    for (int j = 0; j < ns; j++) {
                        q[j] = g.codes(x, base + j * sub, Math.min(sub, len - j * sub), 0f);
                    }
                } else {
                    for (int j = 0; j < ns; j++) {
                        l[j] = (int) Math.max(-lim, Math.min(lim - 1, Math.rint(s[j] / d)));
                    }
                    double err = codesOf(g, x, base, len, sub, d, l, q);
                    short bestD = dBits;
                    int[] bestL = l.clone();
                    int[][] bestQ = q.clone();
                    for (int r = 0; r < 2; r++) {
                        double num = 0;
                        double den = 0;
                        for (int j = 0; j < ns; j++) {
                            float sj = g.fit(x, base + j * sub, q[j]);
                            l[j] = (int) Math.max(-lim, Math.min(lim - 1, Math.rint(sj / d)));
                            for (int i = 0; i < q[j].length; i++) {
                                double v = (double) l[j] * g.g()[q[j][i]];
                                num += x[base + j * sub + i] * v;
                                den += v * v;
                            }
                        }
                        if (den > 0) {
                            short nb = Float.floatToFloat16((float) (num / den));
                            float nd = Float.float16ToFloat(nb);
                            if (nd != 0f && Float.isFinite(nd)) {
                                dBits = nb;
                                d = nd;
                            }
                        }
                        q = new int[ns][];
                        double e = codesOf(g, x, base, len, sub, d, l, q);
                        if (e < err) {
                            err = e;
                            bestD = dBits;
                            bestL = l.clone();
                            bestQ = q.clone();
                        }
                    }
                    dBits = bestD;
                    l = bestL;
                    q = bestQ;
                }
                supers[2 * k] = (byte) dBits;
                supers[2 * k + 1] = (byte) (dBits >> 8);
                for (int j = 0; j < ns; j++) {
                    scales.put(l[j], c.scaleBits());
                    System.arraycopy(q[j], 0, codes, base + j * sub, q[j].length);
                }
            }
        }
        Bits cp = new Bits((long) n * c.bits());
        for (int v : codes) {
            cp.put(v, c.bits());
        }
        byte[] out = new byte[supers.length + scales.out.length + cp.out.length];
        System.arraycopy(supers, 0, out, 0, supers.length);
        System.arraycopy(scales.out, 0, out, supers.length, scales.out.length);
        System.arraycopy(cp.out, 0, out, supers.length + scales.out.length, cp.out.length);
        return out;
    }

    private static double codesOf(Grid g, float[] x, int base, int len, int sub, float d, int[] l, int[][] q) {
        double e = 0;
        for (int j = 0; j < l.length; j++) {
            int off = base + j * sub;
            float c = d * l[j];
            q[j] = g.codes(x, off, Math.min(sub, len - j * sub), c);
            e += g.error(x, off, q[j], c);
        }
        return e;
    }

    /** The scale {@code c} each element is decoded with, read from a payload. */
    static float[] elementScales(KQuantCodec c, byte[] p, int n) {
        float[] out = new float[n];
        int sub = c.subBlock();
        int superBytes = c.superBlocks() ? 2 * ((n + 255) / 256) : 0;
        for (int e = 0; e < n; e++) {
            int j = e / sub;
            if (!c.superBlocks()) {
                out[e] = Float.float16ToFloat((short) ((p[2 * j] & 0xFF) | (p[2 * j + 1] << 8)));
            } else {
                int k = e / 256;
                float d = Float.float16ToFloat((short) ((p[2 * k] & 0xFF) | (p[2 * k + 1] << 8)));
                int w = c.scaleBits();
                int v = 0;
                for (int t = 0; t < w; t++) {
                    long bit = (long) j * w + t;
                    v |= ((p[superBytes + (int) (bit >>> 3)] >> (bit & 7)) & 1) << t;
                }
                v = (v << (32 - w)) >> (32 - w);
                out[e] = d * v;
            }
        }
        return out;
    }
}
