package dev.tenpak.internal.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API group kernels (loaded by name from {@link VectorizationProvider}; never referenced
 * directly, so the engine runs without {@code jdk.incubator.vector}). Same results as
 * {@link ScalarGroupQuantKernels}, bit for bit:
 * <ul>
 *   <li>group maxima are integer maxima of the sign-cleared float bits, as in the scalar spec;</li>
 *   <li>the scale is chosen by the shared scalar {@link GroupScales#symmetric} once per group;</li>
 *   <li>codes use the same multiply by the reciprocal, clamp and add-{@code 1.5 * 2^23} rounding; the integer is read
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
    private static final VectorSpecies<Byte> BS =
            L == 8 || L == 16 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;
    private static final VectorSpecies<Short> SS =
            L == 8 || L == 16 ? VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16)) : null;

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

    private static IntVector codes(float[] x, int at, float inv, float q) {
        FloatVector y = FloatVector.fromArray(FS, x, at).mul(inv).max(-q).min(q).add(GroupScales.ROUNDING_MAGIC);
        return y.reinterpretAsInts().sub(GroupScales.MAGIC_BITS);
    }

    /**
     * Scales of groups {@code [k0, k0 + count)}, with their reciprocals in {@code inv[0..count)}.
     * Runs as two separate loops (maxima, then scales) so the per-group horizontal reduction and the
     * scalar f16 rounding of independent groups overlap in the CPU instead of forming one long
     * dependency chain per group. Returns the batch-relative index of the first invalid group, or -1.
     */
    private static int scaleBatch(
            float[] x,
            int off,
            int k0,
            int count,
            int g,
            int qmax,
            short[] scales,
            int soff,
            int[] mbits,
            float[] inv) {
        for (int j = 0; j < count; j++) {
            mbits[j] = maxAbsBits(x, off + (k0 + j) * g, g);
        }
        int ub = IS.loopBound(count);
        int j = 0;
        for (; j < ub; j += L) {
            if (!scaleLanes(mbits, j, qmax, scales, soff + k0 + j, inv)) {
                return scalarScales(mbits, j, count, qmax, scales, soff + k0, inv);
            }
        }
        return scalarScales(mbits, j, count, qmax, scales, soff + k0, inv);
    }

    /** {@link GroupScales#symmetric} one group at a time from {@code j}; returns the first invalid group or -1. */
    private static int scalarScales(int[] mbits, int j, int count, int qmax, short[] scales, int soff, float[] inv) {
        for (; j < count; j++) {
            short sb = GroupScales.symmetric(Float.intBitsToFloat(mbits[j]), qmax);
            if (sb == GroupScales.INVALID) {
                return j;
            }
            scales[soff + j] = sb;
            inv[j] = GroupScales.inverse(Float.float16ToFloat(sb));
        }
        return -1;
    }

    private static final float F16_MIN_NORMAL = 0x1p-14f;
    private static final float F16_MAX = 65504f;

    /**
     * {@link GroupScales#symmetric} for L groups at once, without f16 conversion instructions: the
     * f16 rounding of {@code c = m / Q} is done on the float grid. Normal range: round the float's
     * mantissa to 10 bits, ties to even ({@code bits + 0xFFF + bit13, & ~0x1FFF}); subnormal range
     * ({@code c < 2^-14}): {@code rint(c * 2^24) * 2^-24}. Then one step up when {@code Q * s < m}
     * (the scalar loop never needs more than one, see GroupScales). f16 bits: the float bits shifted
     * and rebiased for normals, {@code s * 2^24} for subnormals. Returns false (writing nothing) when a
     * lane is non-finite or overflows, so the caller redoes the lanes with the scalar code.
     */
    private static boolean scaleLanes(int[] mbits, int j, int qmax, short[] scales, int soff, float[] inv) {
        IntVector mb = IntVector.fromArray(IS, mbits, j);
        if (mb.compare(VectorOperators.GE, 0x7F800000).anyTrue()) {
            return false;
        }
        FloatVector m = mb.reinterpretAsFloats();
        FloatVector c = m.div((float) qmax);
        // nearest f16, as a float
        IntVector cb = c.reinterpretAsInts();
        FloatVector normal = cb.add(cb.lanewise(VectorOperators.LSHR, 13).and(1))
                .add(0xFFF)
                .and(~0x1FFF)
                .reinterpretAsFloats();
        FloatVector sub = c.mul(0x1p24f)
                .add(GroupScales.ROUNDING_MAGIC)
                .sub(GroupScales.ROUNDING_MAGIC)
                .mul(0x1p-24f);
        var isSub = c.compare(VectorOperators.LT, F16_MIN_NORMAL);
        FloatVector s = normal.blend(sub, isSub);
        // one f16 step up where Q * s < m
        var bump = s.mul((float) qmax).compare(VectorOperators.LT, m);
        FloatVector upNormal = s.reinterpretAsInts().add(0x2000).reinterpretAsFloats();
        FloatVector upSub = s.add(0x1p-24f);
        FloatVector up = upNormal.blend(upSub, s.compare(VectorOperators.LT, F16_MIN_NORMAL));
        s = s.blend(up, bump);
        if (s.compare(VectorOperators.GT, F16_MAX).anyTrue()) {
            return false;
        }
        var zero = m.compare(VectorOperators.LE, GroupScales.ZERO_THRESHOLD);
        s = s.blend(0f, zero);
        IntVector sb = s.reinterpretAsInts();
        IntVector normalBits = sb.lanewise(VectorOperators.LSHR, 13).sub(112 << 10);
        IntVector subBits = s.mul(0x1p24f)
                .add(GroupScales.ROUNDING_MAGIC)
                .reinterpretAsInts()
                .sub(GroupScales.MAGIC_BITS);
        IntVector bits = normalBits.blend(
                subBits, s.compare(VectorOperators.LT, F16_MIN_NORMAL).cast(IS));
        ((ShortVector) bits.convertShape(VectorOperators.I2S, SS, 0)).intoArray(scales, soff);
        FloatVector iv = FloatVector.broadcast(FS, 1f).div(s).blend(0f, zero);
        iv.intoArray(inv, j);
        return true;
    }

    /** Groups per batch: about 8 KiB of floats, so a batch is still in L1 when it is quantized. */
    private static int batchGroups(int groups, int g) {
        return Math.max(1, Math.min(groups, 2048 / Math.max(g, 1)));
    }

    @Override
    public int quantizeGroups(
            float[] x, int off, int groups, int g, int qmax, short[] scales, int soff, byte[] q, int qoff) {
        float fq = qmax;
        int ub = FS.loopBound(g);
        int batch = batchGroups(groups, g);
        int[] mbits = new int[batch];
        float[] invs = new float[batch];
        for (int k0 = 0; k0 < groups; k0 += batch) {
            int count = Math.min(batch, groups - k0);
            int bad = scaleBatch(x, off, k0, count, g, qmax, scales, soff, mbits, invs);
            int ok = bad < 0 ? count : bad;
            for (int j = 0; j < ok; j++) {
                int k = k0 + j;
                int base = off + k * g;
                float inv = invs[j];
                int qb = qoff + k * g;
                int i = 0;
                for (; i < ub; i += L) {
                    ((ByteVector) codes(x, base + i, inv, fq).convertShape(VectorOperators.I2B, BS, 0))
                            .intoArray(q, qb + i);
                }
                for (; i < g; i++) {
                    q[qb + i] = (byte) GroupScales.quantize(x[base + i], inv, fq);
                }
            }
            if (bad >= 0) {
                return k0 + bad;
            }
        }
        return -1;
    }

    /** f16 scales of groups {@code [k0, k0 + count)} as floats, converted in a loop of their own. */
    private static void scaleFloats(short[] scales, int soff, int k0, int count, float[] out) {
        for (int j = 0; j < count; j++) {
            out[j] = Float.float16ToFloat(scales[soff + k0 + j]);
        }
    }

    @Override
    public void dequantizeGroups(byte[] q, int qoff, int groups, int g, short[] scales, int soff, float[] x, int off) {
        int ub = FS.loopBound(g);
        int batch = batchGroups(groups, g);
        float[] sf = new float[batch];
        for (int k0 = 0; k0 < groups; k0 += batch) {
            int count = Math.min(batch, groups - k0);
            scaleFloats(scales, soff, k0, count, sf);
            for (int jg = 0; jg < count; jg++) {
                int k = k0 + jg;
                float s = sf[jg];
                int qb = qoff + k * g;
                int xb = off + k * g;
                int i = 0;
                for (; i < ub; i += L) {
                    ((FloatVector) ByteVector.fromArray(BS, q, qb + i).convertShape(VectorOperators.B2F, FS, 0))
                            .mul(s)
                            .intoArray(x, xb + i);
                }
                for (; i < g; i++) {
                    x[xb + i] = q[qb + i] * s;
                }
            }
        }
    }

    @Override
    public int quantizeGroupsInt4(
            float[] x, int off, int groups, int g, short[] scales, int soff, byte[] packed, int poff) {
        int batch = batchGroups(groups, g);
        int[] mbits = new int[batch];
        float[] invs = new float[batch];
        for (int k0 = 0; k0 < groups; k0 += batch) {
            int count = Math.min(batch, groups - k0);
            int bad = scaleBatch(x, off, k0, count, g, 7, scales, soff, mbits, invs);
            int ok = bad < 0 ? count : bad;
            for (int jg = 0; jg < ok; jg++) {
                int k = k0 + jg;
                int base = off + k * g;
                float inv = invs[jg];
                int pg = poff + k * g / 2;
                for (int b = 0; b < g; b += 32) {
                    int xb = base + b;
                    int pb = pg + b / 2;
                    for (int j = 0; j < 16; j += L) {
                        IntVector lo = codes(x, xb + j, inv, 7f);
                        IntVector hi = codes(x, xb + 16 + j, inv, 7f);
                        IntVector both = lo.and(0x0F).or(hi.lanewise(VectorOperators.LSHL, 4));
                        ((ByteVector) both.convertShape(VectorOperators.I2B, BS, 0)).intoArray(packed, pb + j);
                    }
                }
            }
            if (bad >= 0) {
                return k0 + bad;
            }
        }
        return -1;
    }

    @Override
    public void dequantizeGroupsInt4(
            byte[] packed, int poff, int groups, int g, short[] scales, int soff, float[] x, int off) {
        int batch = batchGroups(groups, g);
        float[] sf = new float[batch];
        for (int k0 = 0; k0 < groups; k0 += batch) {
            int count = Math.min(batch, groups - k0);
            scaleFloats(scales, soff, k0, count, sf);
            for (int jg = 0; jg < count; jg++) {
                int k = k0 + jg;
                float s = sf[jg];
                for (int b = 0; b < g; b += 32) {
                    int xb = off + k * g + b;
                    int pb = poff + (k * g + b) / 2;
                    for (int j = 0; j < 16; j += L) {
                        IntVector v = (IntVector)
                                ByteVector.fromArray(BS, packed, pb + j).convertShape(VectorOperators.B2I, IS, 0);
                        IntVector lo = v.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28);
                        IntVector hi = v.lanewise(VectorOperators.ASHR, 4);
                        ((FloatVector) lo.convert(VectorOperators.I2F, 0))
                                .mul(s)
                                .intoArray(x, xb + j);
                        ((FloatVector) hi.convert(VectorOperators.I2F, 0))
                                .mul(s)
                                .intoArray(x, xb + 16 + j);
                    }
                }
            }
        }
    }

    @Override
    public String description() {
        return "vector(" + FS.vectorBitSize() + "-bit)";
    }
}
