package dev.tenpak.internal.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API ({@code jdk.incubator.vector}) kernels, bit-identical to {@link ScalarQuantKernels}:
 * a vector body up to {@code SPECIES.loopBound(len)} and the scalar specification for the tail.
 * Loaded by class name from {@link VectorizationProvider}, so that nothing links against the
 * incubator module unless it is present.
 *
 * <p>Why each step matches the scalar code exactly:
 * <ul>
 *   <li><b>maxAbs</b> works on the raw bits: {@code bits & 0x7FFFFFFF} orders like {@code |x|} for
 *       non-negative floats, and every NaN sorts above +Infinity, so an integer max (one
 *       instruction, unlike the NaN-aware float max) returns NaN exactly when the range holds one.
 *       Only the NaN's payload may differ from the scalar result.</li>
 *   <li><b>quantize</b> divides (not multiplies by a reciprocal), clamps with compare-and-blend
 *       (which, like {@code Math.min/max}, keeps a NaN a NaN and {@code -0.0} as is), rounds with
 *       the same {@code 1.5 * 2^23} add-subtract and converts with Java's cast semantics
 *       (NaN becomes 0), all lane-wise in IEEE single precision like the scalar code.</li>
 *   <li><b>int4 packing</b>: the quantized ints of a float vector are viewed as longs, each holding
 *       the pair {@code (2i, 2i+1)} little-endian, so {@code (l & 0xF) | ((l >>> 28) & 0xF0)} is
 *       the packed byte; two such vectors are narrowed into the low and high halves of one byte
 *       vector. Unpacking reverses it: a sign-extended byte shifted left by 28 as a long holds the
 *       low nibble in the top of its low int and the high nibble, already sign-extended, in its high
 *       int; a per-lane arithmetic shift of {@code [28, 0, 28, 0, ...]} finishes both.</li>
 * </ul>
 *
 * <p>Needs at least 256-bit vectors (a byte vector with one lane per float lane must exist); on
 * narrower hardware {@link #create()} fails and the holder keeps the scalar kernels.
 */
public final class VectorQuantKernels implements QuantKernels {
    private static final float MAGIC = ScalarQuantKernels.ROUNDING_MAGIC;

    /**
     * The float species: the platform's preferred one, or {@code -Dtenpak.vector.bits=256} (tests
     * use it to run the 256-bit path on 512-bit hardware). Static finals, because C2 only turns
     * Vector API calls into instructions when the species is a constant.
     */
    private static final VectorSpecies<Float> FS = VectorShapes.floatSpecies("vector kernels");

    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    private static final VectorSpecies<Long> LS = VectorSpecies.of(long.class, FS.vectorShape());
    /** Bytes, one per float lane: the int8 payload of one float vector, the int4 payload of two. */
    private static final VectorSpecies<Byte> BS =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(FS.length() * Byte.SIZE));

    private static final int LANES = FS.length();
    /** Arithmetic right shifts that finish unpacking int4: 28 for low nibbles, 0 for high ones. */
    private static final IntVector INT4_SHIFTS = IntVector.fromArray(IS, int4Shifts(), 0);

    /** Error sums: one 8-lane double vector on 512-bit hardware, two 4-lane ones otherwise. */
    private static final boolean WIDE_ERRORS = FS.vectorBitSize() >= 512;

    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;
    private static final VectorSpecies<Double> D8 = DoubleVector.SPECIES_512;
    private static final VectorSpecies<Double> D4 = DoubleVector.SPECIES_256;
    private static final VectorSpecies<Long> L8 = LongVector.SPECIES_512;
    private static final VectorSpecies<Long> L4 = LongVector.SPECIES_256;

    private static final VectorQuantKernels INSTANCE = new VectorQuantKernels();

    private VectorQuantKernels() {}

    private static int[] int4Shifts() {
        int[] shifts = new int[LANES];
        for (int i = 0; i < LANES; i += 2) {
            shifts[i] = 28;
        }
        return shifts;
    }

    /**
     * The kernels for this platform's vectors; called by name from the holder. Fails (with
     * {@link ExceptionInInitializerError}) on hardware narrower than 256 bits.
     */
    public static QuantKernels create() {
        return INSTANCE;
    }

    @Override
    public float maxAbs(float[] x, int off, int len) {
        int i = 0;
        int bound = FS.loopBound(len);
        int m = 0;
        if (bound > 0) {
            IntVector acc = IntVector.zero(IS);
            for (; i < bound; i += LANES) {
                IntVector bits = FloatVector.fromArray(FS, x, off + i).reinterpretAsInts();
                acc = acc.max(bits.and(0x7FFF_FFFF));
            }
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < len; i++) {
            m = Math.max(m, Float.floatToRawIntBits(x[off + i]) & 0x7FFF_FFFF);
        }
        return Float.intBitsToFloat(m);
    }

    /** Quantized ints of one float vector; see the class comment for why this equals the scalar quantize. */
    private static IntVector quantize(FloatVector x, float scale, float q) {
        FloatVector y = x.div(scale);
        y = y.blend(-q, y.compare(VectorOperators.LT, -q));
        y = y.blend(q, y.compare(VectorOperators.GT, q));
        return (IntVector) y.add(MAGIC).sub(MAGIC).convert(VectorOperators.F2I, 0);
    }

    @Override
    public void quantizeInt8(float[] x, int off, int len, float scale, byte[] q, int qoff) {
        int i = 0;
        for (int bound = FS.loopBound(len); i < bound; i += LANES) {
            IntVector v = quantize(FloatVector.fromArray(FS, x, off + i), scale, 127f);
            ((ByteVector) v.convertShape(VectorOperators.I2B, BS, 0)).intoArray(q, qoff + i);
        }
        for (; i < len; i++) {
            q[qoff + i] = (byte) ScalarQuantKernels.quantize(x[off + i], scale, 127f);
        }
    }

    @Override
    public void dequantizeInt8(byte[] q, int qoff, int len, float scale, float[] x, int off) {
        int i = 0;
        for (int bound = FS.loopBound(len); i < bound; i += LANES) {
            FloatVector v =
                    (FloatVector) ByteVector.fromArray(BS, q, qoff + i).convertShape(VectorOperators.B2F, FS, 0);
            v.mul(scale).intoArray(x, off + i);
        }
        for (; i < len; i++) {
            x[off + i] = q[qoff + i] * scale;
        }
    }

    /** Packs the quantized pairs of one vector into the low byte of each long lane. */
    private static LongVector packPairs(IntVector q) {
        LongVector l = q.reinterpretAsLongs();
        return l.and(0xFL).or(l.lanewise(VectorOperators.LSHR, 28).and(0xF0L));
    }

    @Override
    public void quantizeInt4(float[] x, int off, int len, float scale, byte[] packed, int poff) {
        int step = 2 * LANES;
        int i = 0;
        for (int bound = len - len % step; i < bound; i += step) {
            LongVector lo = packPairs(quantize(FloatVector.fromArray(FS, x, off + i), scale, 7f));
            LongVector hi = packPairs(quantize(FloatVector.fromArray(FS, x, off + i + LANES), scale, 7f));
            ByteVector b = (ByteVector) lo.convertShape(VectorOperators.L2B, BS, 0);
            b = b.or((ByteVector) hi.convertShape(VectorOperators.L2B, BS, -1));
            b.intoArray(packed, poff + (i >>> 1));
        }
        int pairs = len >>> 1;
        for (int p = i >>> 1; p < pairs; p++) {
            int lo = ScalarQuantKernels.quantize(x[off + 2 * p], scale, 7f);
            int hi = ScalarQuantKernels.quantize(x[off + 2 * p + 1], scale, 7f);
            packed[poff + p] = (byte) ((lo & 0x0F) | (hi << 4));
        }
        if ((len & 1) != 0) {
            packed[poff + pairs] = (byte) (ScalarQuantKernels.quantize(x[off + len - 1], scale, 7f) & 0x0F);
        }
    }

    /** The floats of the packed pairs held one a long lane (sign-extended bytes). */
    private static FloatVector unpackPairs(LongVector b, float scale) {
        IntVector v = b.lanewise(VectorOperators.LSHL, 28).reinterpretAsInts();
        v = v.lanewise(VectorOperators.ASHR, INT4_SHIFTS);
        return ((FloatVector) v.convert(VectorOperators.I2F, 0)).mul(scale);
    }

    @Override
    public void dequantizeInt4(byte[] packed, int poff, int len, float scale, float[] x, int off) {
        int step = 2 * LANES;
        int i = 0;
        for (int bound = len - len % step; i < bound; i += step) {
            ByteVector b = ByteVector.fromArray(BS, packed, poff + (i >>> 1));
            unpackPairs((LongVector) b.convertShape(VectorOperators.B2L, LS, 0), scale)
                    .intoArray(x, off + i);
            unpackPairs((LongVector) b.convertShape(VectorOperators.B2L, LS, 1), scale)
                    .intoArray(x, off + i + LANES);
        }
        // i is a multiple of the vector length, so even: the tail starts on a whole byte
        ScalarQuantKernels.INSTANCE.dequantizeInt4(packed, poff + (i >>> 1), len - i, scale, x, off + i);
    }

    /**
     * Lane {@code j} of the accumulators sums exactly the elements the scalar code adds into lane
     * {@code j}, in the same order, with a separate multiply and add (the Vector API never fuses
     * them). The maximum is an integer max of the bits of {@code |d|} (non-negative doubles order
     * like their bits): a double-vector max is several times slower, since it must order NaN and
     * -0.0. On 512-bit hardware one 8-lane double vector holds all lanes; on 256-bit hardware two
     * 4-lane vectors hold lanes 0-3 and 4-7. The tail continues the scalar lanes from lane 0,
     * because the vector body covers a multiple of 8 elements.
     */
    @Override
    public void errorSums(float[] want, float[] got, int off, int len, double[] sums) {
        double[] sq = new double[ERROR_LANES];
        double[] abs = new double[ERROR_LANES];
        int bound = len & -ERROR_LANES;
        long maxBits =
                WIDE_ERRORS ? errorBody8(want, got, off, bound, sq, abs) : errorBody4x2(want, got, off, bound, sq, abs);
        ScalarQuantKernels.finishErrorSums(want, got, off, bound, len, sq, abs, Double.longBitsToDouble(maxBits), sums);
    }

    private static long errorBody8(float[] want, float[] got, int off, int bound, double[] sq, double[] abs) {
        DoubleVector s = DoubleVector.zero(D8);
        DoubleVector a = DoubleVector.zero(D8);
        LongVector m = LongVector.zero(L8);
        for (int i = 0; i < bound; i += ERROR_LANES) {
            DoubleVector d = ((DoubleVector)
                            FloatVector.fromArray(F8, got, off + i).castShape(D8, 0))
                    .sub((DoubleVector) FloatVector.fromArray(F8, want, off + i).castShape(D8, 0));
            DoubleVector ad = d.abs();
            s = s.add(d.mul(d));
            a = a.add(ad);
            m = m.max(ad.reinterpretAsLongs());
        }
        s.intoArray(sq, 0);
        a.intoArray(abs, 0);
        return m.reduceLanes(VectorOperators.MAX);
    }

    private static long errorBody4x2(float[] want, float[] got, int off, int bound, double[] sq, double[] abs) {
        DoubleVector sLo = DoubleVector.zero(D4);
        DoubleVector sHi = DoubleVector.zero(D4);
        DoubleVector aLo = DoubleVector.zero(D4);
        DoubleVector aHi = DoubleVector.zero(D4);
        LongVector mLo = LongVector.zero(L4);
        LongVector mHi = LongVector.zero(L4);
        for (int i = 0; i < bound; i += ERROR_LANES) {
            int at = off + i;
            DoubleVector dLo = ((DoubleVector)
                            FloatVector.fromArray(F4, got, at).castShape(D4, 0))
                    .sub((DoubleVector) FloatVector.fromArray(F4, want, at).castShape(D4, 0));
            DoubleVector dHi = ((DoubleVector)
                            FloatVector.fromArray(F4, got, at + 4).castShape(D4, 0))
                    .sub((DoubleVector) FloatVector.fromArray(F4, want, at + 4).castShape(D4, 0));
            DoubleVector adLo = dLo.abs();
            DoubleVector adHi = dHi.abs();
            sLo = sLo.add(dLo.mul(dLo));
            sHi = sHi.add(dHi.mul(dHi));
            aLo = aLo.add(adLo);
            aHi = aHi.add(adHi);
            mLo = mLo.max(adLo.reinterpretAsLongs());
            mHi = mHi.max(adHi.reinterpretAsLongs());
        }
        sLo.intoArray(sq, 0);
        sHi.intoArray(sq, 4);
        aLo.intoArray(abs, 0);
        aHi.intoArray(abs, 4);
        return mLo.max(mHi).reduceLanes(VectorOperators.MAX);
    }

    /** Double lanes of the float shape: the halves of a float vector, for {@link #directCodes}. */
    private static final VectorSpecies<Double> DS = VectorSpecies.of(double.class, FS.vectorShape());

    /** Added and subtracted in double: round half to even for {@code |y| < 2^51}. */
    private static final double MAGIC_D = 0x1.8p52;

    /**
     * Each half of a float vector is divided by the step in double lanes (the scalar code's IEEE
     * quotient {@code y}). A lane is direct exactly where {@code -64.5 <= y < 63.5} (then {@code
     * Math.rint(y)} is {@code -64 .. 63}, ties to even, and its zigzag {@code 0 .. 127}; below,
     * {@code rint} gives {@code -65} or less, from {@code 63.5} on {@code 64} or more) and {@code |x|
     * <= 2^126}; a NaN quotient passes both compares, as the scalar cast makes it code 0. Direct
     * lanes are rounded by the add-subtract of {@code 1.5 * 2^52} (round half to even, exact at these
     * magnitudes) and the others set to {@code -128}, whose zigzag is 255; converted to ints
     * (whole numbers: exact), zigzagged and narrowed to bytes.
     */
    @Override
    public int directCodes(float[] x, int off, int len, float step, byte[] sym, int soff) {
        DoubleVector s = DoubleVector.broadcast(DS, step);
        VectorMask<Integer> high = IS.indexInRange(DS.length(), LANES).not();
        int escapes = 0;
        int i = 0;
        for (int bound = FS.loopBound(len); i < bound; i += LANES) {
            FloatVector v = FloatVector.fromArray(FS, x, off + i);
            DoubleVector x0 = (DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector x1 = (DoubleVector) v.convertShape(VectorOperators.F2D, DS, 1);
            DoubleVector y0 = x0.div(s);
            DoubleVector y1 = x1.div(s);
            VectorMask<Double> e0 = y0.compare(VectorOperators.LT, -64.5)
                    .or(y0.compare(VectorOperators.GE, 63.5))
                    .or(x0.abs().compare(VectorOperators.GT, 0x1p126));
            VectorMask<Double> e1 = y1.compare(VectorOperators.LT, -64.5)
                    .or(y1.compare(VectorOperators.GE, 63.5))
                    .or(x1.abs().compare(VectorOperators.GT, 0x1p126));
            IntVector q0 =
                    (IntVector) y0.add(MAGIC_D).sub(MAGIC_D).blend(-128, e0).convertShape(VectorOperators.D2I, IS, 0);
            IntVector q1 =
                    (IntVector) y1.add(MAGIC_D).sub(MAGIC_D).blend(-128, e1).convertShape(VectorOperators.D2I, IS, -1);
            IntVector q = q0.blend(q1, high);
            ((ByteVector) q.lanewise(VectorOperators.LSHL, 1)
                            .lanewise(VectorOperators.XOR, q.lanewise(VectorOperators.ASHR, 31))
                            .convertShape(VectorOperators.I2B, BS, 0))
                    .intoArray(sym, soff + i);
            escapes += e0.trueCount() + e1.trueCount();
        }
        return escapes + ScalarQuantKernels.INSTANCE.directCodes(x, off + i, len - i, step, sym, soff + i);
    }

    @Override
    public String description() {
        return "vector(" + FS.vectorBitSize() + "-bit)";
    }
}
