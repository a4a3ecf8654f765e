package dev.tenpak.internal.kernel;

/**
 * The scalar specification of the group-wise codecs' two other variants: the clipping search
 * ({@code int4_sym_g32_search_v1}: for each group, the f16 scale among {@link #SEARCH_RATIOS} of
 * the max-abs scale with the least squared error) and the asymmetric one ({@code int4_asym_g32_v1}:
 * an f16 offset at the group's minimum, rounded down, and an f16 scale rounded up so that
 * {@code offset + 15 * scale} reaches the maximum). They have no vector version; docs/FORMAT.md
 * gives their layouts.
 */
public final class ScalarGroupVariants {
    /** The fractions of the max-abs scale the search tries, in order (ties keep the first). */
    public static final float[] SEARCH_RATIOS = {1.0f, 0.95f, 0.9f, 0.85f};

    private ScalarGroupVariants() {}

    /** the clipping-search variant ({@code int4_sym_g32_search_v1}): scalar; returns the first unencodable group or -1. */
    public static int searchGroups(float[] x, int off, int groups, int g, short[] scales, int k, byte[] codes) {
        for (int j = 0; j < groups; j++) {
            int base = off + j * g;
            float m = GroupScales.maxAbs(x, base, g);
            short first = GroupScales.symmetric(m, 7);
            if (first == GroupScales.INVALID) {
                return j;
            }
            short best = first;
            double bestErr = Double.POSITIVE_INFINITY;
            short tried = -1;
            for (float r : SEARCH_RATIOS) {
                short sb = r == 1.0f ? first : GroupScales.symmetric(m * r, 7);
                if (sb == tried) {
                    continue;
                }
                tried = sb;
                float s = Float.float16ToFloat(sb);
                float inv = GroupScales.inverse(s);
                double err = 0;
                for (int i = base; i < base + g; i++) {
                    double d = x[i] - GroupScales.quantize(x[i], inv, 7f) * s;
                    err += d * d;
                }
                if (err < bestErr) {
                    bestErr = err;
                    best = sb;
                }
            }
            scales[k + j] = best;
            float inv = GroupScales.inverse(Float.float16ToFloat(best));
            for (int i = base; i < base + g; i++) {
                codes[i] = (byte) GroupScales.quantize(x[i], inv, 7f);
            }
        }
        return -1;
    }

    /**
     * Decodes {@code groups} whole groups of 32 of the asymmetric variant: {@code packed} holds 16
     * bytes a group (element {@code j} in the low nibble of byte {@code j}, element {@code j + 16} in
     * its high nibble), and element {@code i} of group {@code k} is {@code q * s + lo}, the float
     * product then the float sum, as docs/FORMAT.md gives it.
     */
    public static void dequantizeAsymmetric(
            byte[] packed, int groups, short[] scales, short[] offsets, float[] x, int off) {
        for (int k = 0; k < groups; k++) {
            float s = Float.float16ToFloat(scales[k]);
            float lo = Float.float16ToFloat(offsets[k]);
            int xb = off + 32 * k;
            int pb = 16 * k;
            for (int j = 0; j < 16; j++) {
                int v = packed[pb + j];
                x[xb + j] = (v & 0x0F) * s + lo;
                x[xb + 16 + j] = ((v >> 4) & 0x0F) * s + lo;
            }
        }
    }

    /** the asymmetric variant ({@code int4_asym_g32_v1}): scalar; codes in [0, 15]; returns the first unencodable group or -1. */
    public static int asymmetricGroups(
            float[] x, int off, int groups, int g, short[] scales, short[] offsets, int k, byte[] codes) {
        for (int j = 0; j < groups; j++) {
            int base = off + j * g;
            if (!(GroupScales.maxAbs(x, base, g) <= Float.MAX_VALUE)) {
                return j;
            }
            float mn = x[base];
            float mx = x[base];
            for (int i = base + 1; i < base + g; i++) {
                mn = Math.min(mn, x[i]);
                mx = Math.max(mx, x[i]);
            }
            int lob = f16Floor(mn);
            if ((lob & 0x7FFF) >= 0x7C00) {
                return j;
            }
            float lo = Float.float16ToFloat((short) lob);
            int sb = 0;
            if (mx > lo) {
                sb = Float.floatToFloat16((mx - lo) / 15f) & 0xFFFF;
                while (sb < 0x7C00 && lo + 15f * Float.float16ToFloat((short) sb) < mx) {
                    sb++;
                }
                if (sb >= 0x7C00) {
                    return j;
                }
            }
            scales[k + j] = (short) sb;
            offsets[k + j] = (short) lob;
            float s = Float.float16ToFloat((short) sb);
            for (int i = base; i < base + g; i++) {
                codes[i] = (byte) quantizeUnsigned(x[i], lo, s);
            }
        }
        return -1;
    }

    /** {@code clamp(rint((x - lo) / s), 0, 15)}, 0 when {@code s == 0}. */
    static int quantizeUnsigned(float x, float lo, float s) {
        if (s == 0f) {
            return 0;
        }
        float y = Math.min(15f, Math.max(0f, (x - lo) / s));
        return (int) Math.rint(y);
    }

    /** Bits of the largest f16 {@code <= v} (v finite); magnitude {@code >= 0x7C00} when there is none. */
    static int f16Floor(float v) {
        int b = Float.floatToFloat16(v) & 0xFFFF;
        if (Float.float16ToFloat((short) b) <= v) {
            return b;
        }
        if ((b & 0x8000) == 0) {
            return b == 0 ? 0x8001 : b - 1;
        }
        return b + 1;
    }
}
