package dev.tenpak.internal.kernel;

/**
 * The f16 scale of one group, shared by the scalar and vector group kernels so both pick the same
 * scale bit for bit.
 *
 * <p>For a group whose largest magnitude is {@code m} and a code bound {@code Q} (127 or 7), the
 * scale {@code s} is {@code m / Q} rounded to the nearest f16, then moved up one f16 step while
 * {@code Q * s < m}. Moving up makes {@code Q * s >= m} hold for the decoded scale, so no value needs
 * clamping (beyond float rounding of {@code x / s}) and every element's error is at most {@code s / 2}.
 * One step always suffices, because nearest rounding is off by at most half an f16 ulp; subnormal
 * f16 scales (down to {@code 2^-24}) are allowed and follow the same rule.
 *
 * <p>Two cases leave the normal path:
 * <ul>
 *   <li>{@code m <= 2^-25}: the scale is 0 and every code is 0. With the smallest f16 scale
 *       {@code 2^-24} every such value would round to code 0 anyway (ties to even), so this only
 *       makes the result canonical: re-encoding decoded zeros gives the same bytes. The error is
 *       {@code |x| <= 2^-25}.</li>
 *   <li>{@code m} is NaN or infinite, or {@code m / Q} needs a scale above the largest f16 (65504,
 *       i.e. {@code m > ~65504 * Q}): the group cannot be encoded and {@link #INVALID} is returned;
 *       codecs turn it into a typed error naming the tensor and element.</li>
 * </ul>
 *
 * <p>Quantizing one value: {@code y = clamp(x * inv, -Q, Q)} with {@code inv = 1 / s} rounded to
 * float (0 when {@code s == 0}, so every code is 0), then rounded to an integer with ties to even by
 * adding and subtracting {@code 1.5 * 2^23} (exact for {@code |y| <= 2^22}). Multiplying by the
 * reciprocal instead of dividing by {@code s} is what makes the vector encoder fast (a 512-bit
 * divide costs as much as a dozen multiplies); it moves {@code y} by at most about
 * {@code 1.5 * 2^-24 * |y|}, so the error bound becomes {@code s / 2 + 2^-17 s} for int8 and
 * {@code s / 2 + 2^-21 s} for int4, and re-encoding decoded values still gives back the same codes.
 */
public final class GroupScales {
    /** Returned instead of a scale when the group holds a non-finite value or its scale overflows f16. */
    public static final short INVALID = (short) 0x7C00;

    /** Largest magnitude that is encoded with scale 0 (every code 0). */
    public static final float ZERO_THRESHOLD = 0x1p-25f;

    /** Adding and subtracting 1.5 * 2^23 rounds a float with |y| <= 2^22 to an integer, ties to even. */
    static final float ROUNDING_MAGIC = 12582912f;

    /** Raw bits of {@link #ROUNDING_MAGIC}: {@code bits(y + MAGIC) - MAGIC_BITS} is the rounded integer. */
    static final int MAGIC_BITS = 0x4B400000;

    private GroupScales() {}

    /**
     * The f16 bits of the symmetric scale for a group with largest magnitude {@code m} and code bound
     * {@code qmax}, or {@link #INVALID}.
     */
    public static short symmetric(float m, int qmax) {
        if (!(m <= Float.MAX_VALUE)) {
            return INVALID;
        }
        if (m <= ZERO_THRESHOLD) {
            return 0;
        }
        int b = Float.floatToFloat16(m / qmax) & 0xFFFF;
        while (b < 0x7C00 && Float.float16ToFloat((short) b) * qmax < m) {
            b++;
        }
        return b >= 0x7C00 ? INVALID : (short) b;
    }

    /** The multiplier codes are computed with: {@code 1 / s} as a float, 0 when {@code s == 0}. */
    public static float inverse(float s) {
        return s == 0f ? 0f : 1f / s;
    }

    /** One value's code: {@code clamp(rint(x * inv), -q, q)} with {@code inv = }{@link #inverse}{@code (s)}. */
    public static int quantize(float x, float inv, float q) {
        float y = Math.min(q, Math.max(-q, x * inv));
        return (int) ((y + ROUNDING_MAGIC) - ROUNDING_MAGIC);
    }

    /** The largest {@code |x[i]|} of a range, computed on the raw bits (NaN compares above infinity). */
    public static float maxAbs(float[] x, int off, int len) {
        int m = 0;
        for (int i = off, end = off + len; i < end; i++) {
            m = Math.max(m, Float.floatToRawIntBits(x[i]) & 0x7FFFFFFF);
        }
        return Float.intBitsToFloat(m);
    }
}
