package dev.tenpak.codec.kernel;

import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API group kernels (loaded by name from {@link GroupQuantKernels.Holder}; never referenced
 * directly, so the engine runs without {@code jdk.incubator.vector}). Same results as
 * {@link ScalarGroupQuantKernels}, bit for bit:
 * <ul>
 *   <li>group maxima are integer maxima of the sign-cleared float bits, as in the scalar spec;</li>
 *   <li>the scale is chosen by the shared scalar {@link GroupScales#symmetric} once per group;</li>
 *   <li>codes use the same divide, clamp and add-{@code 1.5 * 2^23} rounding; the integer is read
 *       from the sum's low mantissa bits ({@code bits - 0x4B400000}) instead of a float-to-int
 *       conversion, which gives the same value for every clamped input;</li>
 *   <li>decoding multiplies the exact integer-as-float code by the scale, as the scalar loop does.</li>
 * </ul>
 * Bodies run up to {@code loopBound}, tails are scalar. Needs 8 or 16 float lanes (AVX2, AVX-512,
 * or 256/512-bit SVE); {@link #create()} refuses other widths so the holder falls back to scalar.
 */
final class VectorGroupQuantKernels implements GroupQuantKernels {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = IntVector.SPECIES_PREFERRED;
    private static final int L = FS.length();
    private static final VectorSpecies<Byte> BS = L == 8 || L == 16
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;

    private VectorGroupQuantKernels() {}

    /** Called reflectively by the holder. */
    static GroupQuantKernels create() {
        if (BS == null || IS.length() != L) {
            throw new UnsupportedOperationException("vector group kernels need 8 or 16 float lanes, this CPU has " + L);
        }
        return new VectorGroupQuantKernels();
    }

    private static int maxAbsBits(float[] x, int base, int g) {
        IntVector m = IntVector.zero(IS);
        int ub = FS.loopBound(g);
        int i = 0;
        for (; i < ub; i += L) {
            m = m.max(FloatVector.fromArray(FS, x, base + i).reinterpretAsInts().and(0x7FFFFFFF));
        }
        int mb = m.reduceLanes(VectorOperators.MAX);
        for (; i < g; i++) {
            mb = Math.max(mb, Float.floatToRawIntBits(x[base + i]) & 0x7FFFFFFF);
        }
        return mb;
    }

    private static IntVector codes(float[] x, int at, float s, float q) {
        FloatVector y = FloatVector.fromArray(FS, x, at).div(s).max(-q).min(q).add(GroupScales.ROUNDING_MAGIC);
        return y.reinterpretAsInts().sub(GroupScales.MAGIC_BITS);
    }

    @Override
    public int quantizeGroups(float[] x, int off, int groups, int g, int qmax, short[] scales, int soff, byte[] q, int qoff) {
        float fq = qmax;
        int ub = FS.loopBound(g);
        for (int k = 0; k < groups; k++) {
            int base = off + k * g;
            short sb = GroupScales.symmetric(Float.intBitsToFloat(maxAbsBits(x, base, g)), qmax);
            if (sb == GroupScales.INVALID) {
                return k;
            }
            scales[soff + k] = sb;
            float s = Float.float16ToFloat(sb);
            int qb = qoff + k * g;
            if (s == 0f) {
                Arrays.fill(q, qb, qb + g, (byte) 0);
                continue;
            }
            int i = 0;
            for (; i < ub; i += L) {
                ((ByteVector) codes(x, base + i, s, fq).convertShape(VectorOperators.I2B, BS, 0)).intoArray(q, qb + i);
            }
            for (; i < g; i++) {
                q[qb + i] = (byte) GroupScales.quantize(x[base + i], s, fq);
            }
        }
        return -1;
    }

    @Override
    public void dequantizeGroups(byte[] q, int qoff, int groups, int g, short[] scales, int soff, float[] x, int off) {
        int ub = FS.loopBound(g);
        for (int k = 0; k < groups; k++) {
            float s = Float.float16ToFloat(scales[soff + k]);
            int qb = qoff + k * g;
            int xb = off + k * g;
            int i = 0;
            for (; i < ub; i += L) {
                ((FloatVector) ByteVector.fromArray(BS, q, qb + i).convertShape(VectorOperators.B2F, FS, 0))
                        .mul(s).intoArray(x, xb + i);
            }
            for (; i < g; i++) {
                x[xb + i] = q[qb + i] * s;
            }
        }
    }

    @Override
    public int quantizeGroupsInt4(float[] x, int off, int groups, int g, short[] scales, int soff, byte[] packed, int poff) {
        for (int k = 0; k < groups; k++) {
            int base = off + k * g;
            short sb = GroupScales.symmetric(Float.intBitsToFloat(maxAbsBits(x, base, g)), 7);
            if (sb == GroupScales.INVALID) {
                return k;
            }
            scales[soff + k] = sb;
            float s = Float.float16ToFloat(sb);
            int pg = poff + k * g / 2;
            if (s == 0f) {
                Arrays.fill(packed, pg, pg + g / 2, (byte) 0);
                continue;
            }
            for (int b = 0; b < g; b += 32) {
                int xb = base + b;
                int pb = pg + b / 2;
                for (int j = 0; j < 16; j += L) {
                    IntVector lo = codes(x, xb + j, s, 7f);
                    IntVector hi = codes(x, xb + 16 + j, s, 7f);
                    IntVector both = lo.and(0x0F).or(hi.lanewise(VectorOperators.LSHL, 4));
                    ((ByteVector) both.convertShape(VectorOperators.I2B, BS, 0)).intoArray(packed, pb + j);
                }
            }
        }
        return -1;
    }

    @Override
    public void dequantizeGroupsInt4(byte[] packed, int poff, int groups, int g, short[] scales, int soff, float[] x, int off) {
        for (int k = 0; k < groups; k++) {
            float s = Float.float16ToFloat(scales[soff + k]);
            for (int b = 0; b < g; b += 32) {
                int xb = off + k * g + b;
                int pb = poff + (k * g + b) / 2;
                for (int j = 0; j < 16; j += L) {
                    IntVector v = (IntVector) ByteVector.fromArray(BS, packed, pb + j)
                            .convertShape(VectorOperators.B2I, IS, 0);
                    IntVector lo = v.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28);
                    IntVector hi = v.lanewise(VectorOperators.ASHR, 4);
                    ((FloatVector) lo.convert(VectorOperators.I2F, 0)).mul(s).intoArray(x, xb + j);
                    ((FloatVector) hi.convert(VectorOperators.I2F, 0)).mul(s).intoArray(x, xb + 16 + j);
                }
            }
        }
    }

    @Override
    public String description() {
        return "vector(" + FS.vectorBitSize() + "-bit)";
    }
}
