package dev.tenpak.internal.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ScalarGridDequantKernels} with {@code L} codes (8 or 16) per step. The step's codes are
 * {@code L * bits / 8} whole bytes; one byte rearrange puts the two bytes that hold code {@code j}
 * in the low half of int lane {@code j}, a per-lane shift and mask leave the code, and the levels,
 * kept in registers as int vectors of their float bits, are looked up with {@code selectFrom} (one
 * table of {@code L} entries, or pairs of tables with a blend on the higher code bits when the grid
 * has more levels than lanes). The level times the sub-block's scale (a step never spans a
 * sub-block: {@code sub} is a power of two no smaller than {@code L}) is the scalar code's float product, so the floats are
 * the same bit for bit. Steps whose byte load would pass the end of {@code packed}, and the codes
 * after the last whole step, run the scalar code. Loaded by name by {@link VectorizationProvider};
 * the width follows {@link VectorShapes#floatSpecies}.
 */
final class VectorGridDequantKernels implements GridDequantKernels {
    private static final VectorSpecies<Float> FS = VectorShapes.floatSpecies("vector grid decoding");
    private static final int L = FS.length();
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    private static final VectorSpecies<Byte> BS = VectorSpecies.of(byte.class, FS.vectorShape());
    /** Bytes of {@link #lookup}'s symbols, one per float lane: a quarter of the float shape. */
    private static final VectorSpecies<Byte> LOOKUP_BYTES = L == 16 ? ByteVector.SPECIES_128 : null;

    private static final int MIN_BITS = 2;
    private static final int MAX_BITS = 6;
    /** Sub-scales are up to 8 bits wide. */
    private static final int MAX_SCALE_BITS = 8;

    /** The rotation of the blocks that are not rotated step by step (null where {@link #create} refuses). */
    private static final HadamardKernels HADAMARD = L == 8 || L == 16 ? VectorHadamardKernels.create() : null;

    /** Per width: the byte rearrange that spreads a step's bytes over the int lanes. */
    private static final VectorShuffle<Byte>[] SPREAD = spreads(0);
    /** Per width: {@link #SPREAD} for the second step of a run of 16, from the run's first byte. */
    private static final VectorShuffle<Byte>[] SPREAD_HI = spreads(L);

    /** Per width: each lane's bit offset within its two bytes. */
    private static final IntVector[] SHIFT = shifts();

    private VectorGridDequantKernels() {}

    /** Called reflectively by {@link VectorizationProvider}. */
    static GridDequantKernels create() {
        if (IS.length() != L || (L != 8 && L != 16)) {
            throw new UnsupportedOperationException(
                    "vector grid decoding needs 8 or 16 float lanes, this CPU has " + L);
        }
        return new VectorGridDequantKernels();
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Byte>[] spreads(int first) {
        VectorShuffle<Byte>[] s = new VectorShuffle[MAX_SCALE_BITS + 1];
        for (int bits = MIN_BITS; bits <= MAX_SCALE_BITS; bits++) {
            int[] idx = new int[BS.length()];
            for (int j = 0; j < L; j++) {
                for (int k = 0; k < 4; k++) {
                    // bytes 2 and 3 of the lane are shifted out or masked off; any in-range index will do
                    idx[4 * j + k] = ((first + j) * bits >>> 3) + k;
                }
            }
            s[bits] = VectorShuffle.fromArray(BS, idx, 0);
        }
        return s;
    }

    private static IntVector[] shifts() {
        IntVector[] s = new IntVector[MAX_SCALE_BITS + 1];
        for (int bits = MIN_BITS; bits <= MAX_SCALE_BITS; bits++) {
            int[] sh = new int[L];
            for (int j = 0; j < L; j++) {
                sh[j] = j * bits & 7;
            }
            s[bits] = IntVector.fromArray(IS, sh, 0);
        }
        return s;
    }

    /** Per width: the left shift that puts each lane's value at the top of the int. */
    private static final IntVector[] TO_TOP = toTop();

    private static IntVector[] toTop() {
        IntVector[] s = new IntVector[MAX_SCALE_BITS + 1];
        for (int bits = MIN_BITS; bits <= MAX_SCALE_BITS; bits++) {
            int[] sh = new int[L];
            for (int j = 0; j < L; j++) {
                sh[j] = 32 - bits - (j * bits & 7);
            }
            s[bits] = IntVector.fromArray(IS, sh, 0);
        }
        return s;
    }

    /** Steps of {@code L} values of {@code bits} bits from 0 whose byte load fits in {@code packed}, at most {@code count / L}. */
    private static int steps(byte[] packed, int bits, int count) {
        // step i loads bytes [i * bits / 8, i * bits / 8 + BS.length())
        int room = packed.length - BS.length();
        return room < 0 ? 0 : (int) Math.min(count / L, (long) room * 8 / bits / L + 1);
    }

    /**
     * One step of sub-scales per {@code L} of them (never spanning a super-block: {@code perSuper}
     * is a power of two no smaller than {@code L}): the byte spread of the codes, a per-lane left
     * shift that puts each value at the top of its int, an arithmetic shift down (the sign
     * extension), the exact int-to-float conversion and the scalar code's product with the
     * super-scale.
     */
    @Override
    public void subScales(byte[] packed, int bits, short[] superScales, int perSuper, int nsub, float[] c) {
        if (bits < MIN_BITS || bits > MAX_SCALE_BITS || Integer.bitCount(perSuper) != 1 || perSuper < L) {
            ScalarGridDequantKernels.INSTANCE.subScales(packed, bits, superScales, perSuper, nsub, c);
            return;
        }
        int end = steps(packed, bits, nsub) * L;
        int superShift = Integer.numberOfTrailingZeros(perSuper);
        VectorShuffle<Byte> spread = SPREAD[bits];
        IntVector top = TO_TOP[bits];
        int down = 32 - bits;
        for (int j = 0; j < end; j += L) {
            IntVector v = ByteVector.fromArray(BS, packed, j / 8 * bits)
                    .rearrange(spread)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.LSHL, top)
                    .lanewise(VectorOperators.ASHR, down);
            ((FloatVector) v.convert(VectorOperators.I2F, 0))
                    .mul(Float.float16ToFloat(superScales[j >>> superShift]))
                    .intoArray(c, j);
        }
        ScalarGridDequantKernels.subScalesFrom(end, packed, bits, superScales, perSuper, nsub, c);
    }

    @Override
    public String description() {
        return "vector(" + FS.vectorBitSize() + "-bit)";
    }

    /**
     * {@code table[0 .. 128)} held in eight vectors of 16 lanes and picked by two-vector selects on
     * the index's bits 0-4, then blended on bits 5 and 6 (16 lanes only: at 8 lanes the table takes
     * sixteen registers, and the scalar loop runs). A group of 16 symbols with one of 128 or more
     * (an escape of {@code ecq*}) takes the scalar loop, which reads the table's upper half.
     */
    @Override
    public int lookup(byte[] sym, float[] table, int m, float[] y, int yoff) {
        if (LOOKUP_BYTES == null) {
            return ScalarGridDequantKernels.INSTANCE.lookup(sym, table, m, y, yoff);
        }
        IntVector t0 = FloatVector.fromArray(FS, table, 0).reinterpretAsInts();
        IntVector t1 = FloatVector.fromArray(FS, table, 16).reinterpretAsInts();
        IntVector t2 = FloatVector.fromArray(FS, table, 32).reinterpretAsInts();
        IntVector t3 = FloatVector.fromArray(FS, table, 48).reinterpretAsInts();
        IntVector t4 = FloatVector.fromArray(FS, table, 64).reinterpretAsInts();
        IntVector t5 = FloatVector.fromArray(FS, table, 80).reinterpretAsInts();
        IntVector t6 = FloatVector.fromArray(FS, table, 96).reinterpretAsInts();
        IntVector t7 = FloatVector.fromArray(FS, table, 112).reinterpretAsInts();
        IntVector seen = IntVector.zero(IS);
        int any = 0;
        int i = 0;
        for (int bound = m - L; i <= bound; i += L) {
            // sign-extended: a byte of 128 or more is a negative lane
            IntVector k =
                    (IntVector) ByteVector.fromArray(LOOKUP_BYTES, sym, i).convertShape(VectorOperators.B2I, IS, 0);
            seen = seen.or(k);
            if (k.compare(VectorOperators.LT, 0).anyTrue()) {
                for (int j = i; j < i + L; j++) {
                    y[yoff + j] = table[sym[j] & 0xFF];
                }
                continue;
            }
            VectorMask<Integer> bit5 = k.and(32).compare(VectorOperators.NE, 0);
            IntVector low = k.selectFrom(t0, t1).blend(k.selectFrom(t2, t3), bit5);
            IntVector high = k.selectFrom(t4, t5).blend(k.selectFrom(t6, t7), bit5);
            low.blend(high, k.and(64).compare(VectorOperators.NE, 0))
                    .reinterpretAsFloats()
                    .intoArray(y, yoff + i);
        }
        any |= seen.and(0xFF).reduceLanes(VectorOperators.OR);
        for (; i < m; i++) {
            int v = sym[i] & 0xFF;
            y[yoff + i] = table[v];
            any |= v;
        }
        return any;
    }

    @Override
    public void dequantize(
            byte[] packed, int bits, float[] levels, float[] scales, int sub, int m, float[] y, int yoff) {
        if (bits < MIN_BITS || bits > MAX_BITS || Integer.bitCount(sub) != 1 || sub < L || levels.length != 1 << bits) {
            ScalarGridDequantKernels.INSTANCE.dequantize(packed, bits, levels, scales, sub, m, y, yoff);
            return;
        }
        // steps whose L-lane output fits in m and whose byte load fits in packed
        int vend = steps(packed, bits, m) * L;
        int subShift = Integer.numberOfTrailingZeros(sub);
        switch (levels.length / L) {
            case 0, 1 -> {
                if (L == 16) {
                    oneTablePairs(packed, bits, levels, scales, subShift, 0, vend, y, yoff);
                } else {
                    oneTable(packed, bits, levels, scales, subShift, 0, vend, y, yoff);
                }
            }
            case 2 -> twoTables(packed, bits, levels, scales, subShift, 0, vend, y, yoff);
            case 4 -> fourTables(packed, bits, levels, scales, subShift, 0, vend, y, yoff);
            default -> eightTables(packed, bits, levels, scales, subShift, 0, vend, y, yoff);
        }
        ScalarGridDequantKernels.dequantizeRange(vend, m, packed, bits, levels, scales, sub, y, yoff);
    }

    /**
     * With 16 lanes a step is a run: each step is decoded and rotated back in registers (the stages
     * of {@link VectorHadamardKernels}), and stored once; the values after the last vector
     * step are decoded by the scalar code and rotated in memory. With 8 lanes a run is two steps,
     * decoded from one byte load and rotated back in two registers (the two halves of {@link
     * VectorHadamardKernels#inverse}), the runs' sign masks hashed in long lanes beforehand; sub-blocks
     * under 16 (no grid codec has them) take the scalar code. The same additions on the same decoded
     * floats either way, so the floats of {@link #dequantize} followed by the inverse rotation.
     */
    @Override
    public void dequantizeRotated(
            byte[] packed,
            int bits,
            float[] levels,
            float[] scales,
            int sub,
            int m,
            float[] y,
            int yoff,
            long firstRun) {
        if (bits < MIN_BITS
                || bits > MAX_BITS
                || Integer.bitCount(sub) != 1
                || sub < HadamardKernels.RUN
                || levels.length != 1 << bits) {
            ScalarGridDequantKernels.INSTANCE.dequantizeRotated(
                    packed, bits, levels, scales, sub, m, y, yoff, firstRun);
            return;
        }
        int subShift = Integer.numberOfTrailingZeros(sub);
        if (L != HadamardKernels.RUN) {
            // 8 lanes: two steps per run, both rotated back in registers; whole runs only
            int runs = steps(packed, bits, m) * L / HadamardKernels.RUN;
            int[] sg = new int[runs];
            signs(sg, firstRun);
            switch (levels.length / L) {
                case 0, 1 -> oneTableRotatedHalves(packed, bits, levels, scales, subShift, y, yoff, sg);
                case 2 -> twoTablesRotatedHalves(packed, bits, levels, scales, subShift, y, yoff, sg);
                case 4 -> fourTablesRotatedHalves(packed, bits, levels, scales, subShift, y, yoff, sg);
                default -> eightTablesRotatedHalves(packed, bits, levels, scales, subShift, y, yoff, sg);
            }
            int rend = runs * HadamardKernels.RUN;
            ScalarGridDequantKernels.dequantizeRange(rend, m, packed, bits, levels, scales, sub, y, yoff);
            HADAMARD.inverse(y, yoff + rend, m - rend, firstRun + runs);
            return;
        }
        // whole steps, each a run (steps start at multiples of 16 from the chunk's first run)
        int vend = steps(packed, bits, m) * L;
        switch (levels.length / L) {
            case 0, 1 -> oneTableRotated(packed, bits, levels, scales, subShift, vend, y, yoff, firstRun);
            case 2 -> twoTablesRotated(packed, bits, levels, scales, subShift, vend, y, yoff, firstRun);
            default -> fourTablesRotated(packed, bits, levels, scales, subShift, vend, y, yoff, firstRun);
        }
        ScalarGridDequantKernels.dequantizeRange(vend, m, packed, bits, levels, scales, sub, y, yoff);
        HADAMARD.inverse(y, yoff + vend, m - vend, firstRun + vend / HadamardKernels.RUN);
    }

    /** The codes of the step at {@code i}: bytes spread to int lanes, shifted and masked. */
    private static IntVector codes(
            byte[] packed, int i, int bits, VectorShuffle<Byte> spread, IntVector shift, int mask) {
        return ByteVector.fromArray(BS, packed, i / 8 * bits)
                .rearrange(spread)
                .reinterpretAsInts()
                .lanewise(VectorOperators.LSHR, shift)
                .and(mask);
    }

    private static IntVector table(float[] levels, int k) {
        return FloatVector.fromArray(FS, levels, k * L).reinterpretAsInts();
    }

    // One method per table count, each table a local: no vector is kept in an array (which would
    // box it), and no method has a branch that another width never takes (which would deoptimize).

    /** The steps in {@code [start, end)}, with at most {@code L} levels: one table. */
    private static void oneTable(
            byte[] packed,
            int bits,
            float[] levels,
            float[] scales,
            int subShift,
            int start,
            int end,
            float[] y,
            int yoff) {
        float[] padded = new float[L];
        System.arraycopy(levels, 0, padded, 0, levels.length);
        IntVector t0 = table(padded, 0);
        VectorShuffle<Byte> spread = SPREAD[bits];
        IntVector shift = SHIFT[bits];
        int mask = (1 << bits) - 1;
        for (int i = start; i < end; i += L) {
            codes(packed, i, bits, spread, shift, mask)
                    .selectFrom(t0)
                    .reinterpretAsFloats()
                    .mul(scales[i >>> subShift])
                    .intoArray(y, yoff + i);
        }
    }

    /**
     * {@link #oneTable} for 16 lanes, two steps per byte load (a pair's codes are at most 12 bytes):
     * 4-24% faster on Zen 4 at 512 bits with the codes and output in cache. With 8 lanes, or with
     * two or more tables, two steps per load were as fast or up to 12% slower, so those keep one.
     */
    private static void oneTablePairs(
            byte[] packed,
            int bits,
            float[] levels,
            float[] scales,
            int subShift,
            int start,
            int end,
            float[] y,
            int yoff) {
        float[] padded = new float[L];
        System.arraycopy(levels, 0, padded, 0, levels.length);
        IntVector t0 = table(padded, 0);
        VectorShuffle<Byte> spread = SPREAD[bits];
        IntVector shift = SHIFT[bits];
        int mask = (1 << bits) - 1;
        VectorShuffle<Byte> spreadHi = SPREAD_HI[bits];
        int i = start;
        for (; i <= end - 2 * L; i += 2 * L) {
            ByteVector run = ByteVector.fromArray(BS, packed, i / 8 * bits);
            IntVector cl = run.rearrange(spread)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.LSHR, shift)
                    .and(mask);
            IntVector ch = run.rearrange(spreadHi)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.LSHR, shift)
                    .and(mask);
            cl.selectFrom(t0).reinterpretAsFloats().mul(scales[i >>> subShift]).intoArray(y, yoff + i);
            ch.selectFrom(t0)
                    .reinterpretAsFloats()
                    .mul(scales[i + L >>> subShift])
                    .intoArray(y, yoff + i + L);
        }
        for (; i < end; i += L) {
            codes(packed, i, bits, spread, shift, mask)
                    .selectFrom(t0)
                    .reinterpretAsFloats()
                    .mul(scales[i >>> subShift])
                    .intoArray(y, yoff + i);
        }
    }

    /** {@code 2 L} levels: one two-table lookup. */
    private static void twoTables(
            byte[] packed,
            int bits,
            float[] levels,
            float[] scales,
            int subShift,
            int start,
            int end,
            float[] y,
            int yoff) {
        IntVector t0 = table(levels, 0);
        IntVector t1 = table(levels, 1);
        VectorShuffle<Byte> spread = SPREAD[bits];
        IntVector shift = SHIFT[bits];
        int mask = (1 << bits) - 1;
        for (int i = start; i < end; i += L) {
            codes(packed, i, bits, spread, shift, mask)
                    .selectFrom(t0, t1)
                    .reinterpretAsFloats()
                    .mul(scales[i >>> subShift])
                    .intoArray(y, yoff + i);
        }
    }

    /** {@code 4 L} levels: two two-table lookups of the low bits, blended on the next bit. */
    private static void fourTables(
            byte[] packed,
            int bits,
            float[] levels,
            float[] scales,
            int subShift,
            int start,
            int end,
            float[] y,
            int yoff) {
        IntVector t0 = table(levels, 0);
        IntVector t1 = table(levels, 1);
        IntVector t2 = table(levels, 2);
        IntVector t3 = table(levels, 3);
        VectorShuffle<Byte> spread = SPREAD[bits];
        IntVector shift = SHIFT[bits];
        int mask = (1 << bits) - 1;
        int pair = 2 * L - 1;
        for (int i = start; i < end; i += L) {
            IntVector codes = codes(packed, i, bits, spread, shift, mask);
            IntVector low = codes.and(pair);
            VectorMask<Integer> high = codes.compare(VectorOperators.GT, pair);
            low.selectFrom(t0, t1)
                    .blend(low.selectFrom(t2, t3), high)
                    .reinterpretAsFloats()
                    .mul(scales[i >>> subShift])
                    .intoArray(y, yoff + i);
        }
    }

    /** {@code 8 L} levels (6 bits in 8 lanes): four two-table lookups and three blends. */
    private static void eightTables(
            byte[] packed,
            int bits,
            float[] levels,
            float[] scales,
            int subShift,
            int start,
            int end,
            float[] y,
            int yoff) {
        IntVector t0 = table(levels, 0);
        IntVector t1 = table(levels, 1);
        IntVector t2 = table(levels, 2);
        IntVector t3 = table(levels, 3);
        IntVector t4 = table(levels, 4);
        IntVector t5 = table(levels, 5);
        IntVector t6 = table(levels, 6);
        IntVector t7 = table(levels, 7);
        VectorShuffle<Byte> spread = SPREAD[bits];
        IntVector shift = SHIFT[bits];
        int mask = (1 << bits) - 1;
        int pair = 2 * L - 1;
        for (int i = start; i < end; i += L) {
            IntVector codes = codes(packed, i, bits, spread, shift, mask);
            IntVector low = codes.and(pair);
            VectorMask<Integer> odd = codes.and(2 * L).compare(VectorOperators.NE, 0);
            IntVector lo = low.selectFrom(t0, t1).blend(low.selectFrom(t2, t3), odd);
            IntVector hi = low.selectFrom(t4, t5).blend(low.selectFrom(t6, t7), odd);
            lo.blend(hi, codes.compare(VectorOperators.GT, 4 * L - 1))
                    .reinterpretAsFloats()
                    .mul(scales[i >>> subShift])
                    .intoArray(y, yoff + i);
        }
    }

    // The rotating loops, 16 lanes only: a step is a run, rotated back before it is stored; at most
    // 64 levels, so at most four tables. The rotation is written out with Vector API calls only
    // (which the JIT always inlines), not through a method of ours that takes a vector: the JIT may
    // leave such a call out of line (it does for a method it already compiled on its own into a
    // big body), and a vector passed to a call is allocated on the heap, 3-4x slower; this was
    // seen, in some runs and not others. The 8-lane loops further down follow the same rule.

    /** {@link #oneTable}, a run at a time. */
    private static void oneTableRotated(
            byte[] packed,
            int bits,
            float[] levels,
            float[] scales,
            int subShift,
            int end,
            float[] y,
            int yoff,
            long firstRun) {
        float[] padded = new float[L];
        System.arraycopy(levels, 0, padded, 0, levels.length);
        IntVector t0 = table(padded, 0);
        VectorShuffle<Byte> spread = SPREAD[bits];
        IntVector shift = SHIFT[bits];
        int mask = (1 << bits) - 1;
        for (int i = 0; i < end; i += HadamardKernels.RUN) {
            FloatVector v = codes(packed, i, bits, spread, shift, mask)
                    .selectFrom(t0)
                    .reinterpretAsFloats()
                    .mul(scales[i >>> subShift]);
            // the inverse rotation of run firstRun + i / 16 (VectorHadamardKernels' stages, times 0.25f, signs)
            v = v.fma(VectorHadamardKernels.SIGN1, v.rearrange(VectorHadamardKernels.SWAP1));
            v = v.fma(VectorHadamardKernels.SIGN2, v.rearrange(VectorHadamardKernels.SWAP2));
            v = v.fma(VectorHadamardKernels.SIGN4, v.rearrange(VectorHadamardKernels.SWAP4));
            v = v.fma(VectorHadamardKernels.SIGN8, v.rearrange(VectorHadamardKernels.SWAP8));
            v.mul(0.25f)
                    .lanewise(
                            VectorOperators.NEG,
                            VectorMask.fromLong(FS, ScalarHadamardKernels.signs(firstRun + (i >>> 4))))
                    .intoArray(y, yoff + i);
        }
    }

    /** {@link #twoTables}, a run at a time. */
    private static void twoTablesRotated(
            byte[] packed,
            int bits,
            float[] levels,
            float[] scales,
            int subShift,
            int end,
            float[] y,
            int yoff,
            long firstRun) {
        IntVector t0 = table(levels, 0);
        IntVector t1 = table(levels, 1);
        VectorShuffle<Byte> spread = SPREAD[bits];
        IntVector shift = SHIFT[bits];
        int mask = (1 << bits) - 1;
        for (int i = 0; i < end; i += HadamardKernels.RUN) {
            FloatVector v = codes(packed, i, bits, spread, shift, mask)
                    .selectFrom(t0, t1)
                    .reinterpretAsFloats()
                    .mul(scales[i >>> subShift]);
            // the inverse rotation of run firstRun + i / 16 (VectorHadamardKernels' stages, times 0.25f, signs)
            v = v.fma(VectorHadamardKernels.SIGN1, v.rearrange(VectorHadamardKernels.SWAP1));
            v = v.fma(VectorHadamardKernels.SIGN2, v.rearrange(VectorHadamardKernels.SWAP2));
            v = v.fma(VectorHadamardKernels.SIGN4, v.rearrange(VectorHadamardKernels.SWAP4));
            v = v.fma(VectorHadamardKernels.SIGN8, v.rearrange(VectorHadamardKernels.SWAP8));
            v.mul(0.25f)
                    .lanewise(
                            VectorOperators.NEG,
                            VectorMask.fromLong(FS, ScalarHadamardKernels.signs(firstRun + (i >>> 4))))
                    .intoArray(y, yoff + i);
        }
    }

    /** {@link #fourTables}, a run at a time. */
    private static void fourTablesRotated(
            byte[] packed,
            int bits,
            float[] levels,
            float[] scales,
            int subShift,
            int end,
            float[] y,
            int yoff,
            long firstRun) {
        IntVector t0 = table(levels, 0);
        IntVector t1 = table(levels, 1);
        IntVector t2 = table(levels, 2);
        IntVector t3 = table(levels, 3);
        VectorShuffle<Byte> spread = SPREAD[bits];
        IntVector shift = SHIFT[bits];
        int mask = (1 << bits) - 1;
        int pair = 2 * L - 1;
        for (int i = 0; i < end; i += HadamardKernels.RUN) {
            IntVector codes = codes(packed, i, bits, spread, shift, mask);
            IntVector low = codes.and(pair);
            FloatVector v = low.selectFrom(t0, t1)
                    .blend(low.selectFrom(t2, t3), codes.compare(VectorOperators.GT, pair))
                    .reinterpretAsFloats()
                    .mul(scales[i >>> subShift]);
            // the inverse rotation of run firstRun + i / 16 (VectorHadamardKernels' stages, times 0.25f, signs)
            v = v.fma(VectorHadamardKernels.SIGN1, v.rearrange(VectorHadamardKernels.SWAP1));
            v = v.fma(VectorHadamardKernels.SIGN2, v.rearrange(VectorHadamardKernels.SWAP2));
            v = v.fma(VectorHadamardKernels.SIGN4, v.rearrange(VectorHadamardKernels.SWAP4));
            v = v.fma(VectorHadamardKernels.SIGN8, v.rearrange(VectorHadamardKernels.SWAP8));
            v.mul(0.25f)
                    .lanewise(
                            VectorOperators.NEG,
                            VectorMask.fromLong(FS, ScalarHadamardKernels.signs(firstRun + (i >>> 4))))
                    .intoArray(y, yoff + i);
        }
    }

    /**
     * The sign bits of 8 lanes for each byte {@code b} of a run's sign mask, at {@code 8 b}: lane
     * {@code i} holds the float sign bit where bit {@code i} of {@code b} is set, else 0 (8 KB).
     */
    private static final int[] SIGN_BITS = signBits();

    private static int[] signBits() {
        int[] t = new int[256 * 8];
        for (int b = 0; b < 256; b++) {
            for (int i = 0; i < 8; i++) {
                t[8 * b + i] = (b >>> i & 1) << 31;
            }
        }
        return t;
    }

    private static final VectorSpecies<Long> LS = VectorSpecies.of(long.class, FS.vectorShape());
    /** Int lanes as many as {@link #LS}'s long lanes. */
    private static final VectorSpecies<Integer> HALF_IS =
            VectorSpecies.of(int.class, VectorShape.forBitSize(FS.vectorBitSize() / 2));

    private static final LongVector IOTA_L =
            (LongVector) LS.iotaShuffle(0, 1, false).toVector();

    /**
     * {@code sg[k] = ScalarHadamardKernels.signs(firstRun + k)}, the hash done in long lanes (the
     * same wrapping products and shifts), before the decoding loop: written out per run inside
     * that loop it took about as long as the rest of the loop.
     */
    private static void signs(int[] sg, long firstRun) {
        int n = sg.length;
        int k = 0;
        for (; k <= n - LS.length(); k += LS.length()) {
            LongVector z = IOTA_L.add(firstRun + k + 1).mul(0x9E3779B97F4A7C15L);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30))
                    .mul(0xBF58476D1CE4E5B9L);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27))
                    .mul(0x94D049BB133111EBL);
            z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31))
                    .lanewise(VectorOperators.LSHR, 48)
                    .convertShape(VectorOperators.L2I, HALF_IS, 0)
                    .reinterpretAsInts()
                    .intoArray(sg, k);
        }
        for (; k < n; k++) {
            sg[k] = ScalarHadamardKernels.signs(firstRun + k);
        }
    }

    // The rotating loops for 8 lanes: a run is two steps, lo (elements 0-7) and hi (8-15), from
    // one byte load, under one scale (a run never spans a sub-block), each taken through the stages
    // at distance 1, 2 and 4 in its own register; the distance-8 stage is lo + hi and lo - hi, as in
    // VectorHadamardKernels#inverse, and the signs are a lane pattern per byte of the run's mask.
    // Written out as above: the codes, the lookup and the rotation with Vector API calls only, no
    // method of ours in the loop.

    /** {@link #oneTable}, a run (two steps) at a time, 8 lanes. */
    private static void oneTableRotatedHalves(
            byte[] packed, int bits, float[] levels, float[] scales, int subShift, float[] y, int yoff, int[] sg) {
        float[] padded = new float[L];
        System.arraycopy(levels, 0, padded, 0, levels.length);
        IntVector t0 = table(padded, 0);
        VectorShuffle<Byte> spread = SPREAD[bits];
        VectorShuffle<Byte> spreadHi = SPREAD_HI[bits];
        IntVector shift = SHIFT[bits];
        int mask = (1 << bits) - 1;
        for (int r = 0; r < sg.length; r++) {
            int i = r << 4;
            ByteVector run = ByteVector.fromArray(BS, packed, r * 2 * bits);
            IntVector cl = run.rearrange(spread)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.LSHR, shift)
                    .and(mask);
            IntVector ch = run.rearrange(spreadHi)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.LSHR, shift)
                    .and(mask);
            float c = scales[i >>> subShift];
            FloatVector lo = cl.selectFrom(t0).reinterpretAsFloats().mul(c);
            FloatVector hi = ch.selectFrom(t0).reinterpretAsFloats().mul(c);
            // the inverse rotation of the chunk's run r, whose signs are sg[r] (VectorHadamardKernels' halves)
            lo = lo.fma(VectorHadamardKernels.SIGN1, lo.rearrange(VectorHadamardKernels.SWAP1));
            hi = hi.fma(VectorHadamardKernels.SIGN1, hi.rearrange(VectorHadamardKernels.SWAP1));
            lo = lo.fma(VectorHadamardKernels.SIGN2, lo.rearrange(VectorHadamardKernels.SWAP2));
            hi = hi.fma(VectorHadamardKernels.SIGN2, hi.rearrange(VectorHadamardKernels.SWAP2));
            lo = lo.fma(VectorHadamardKernels.SIGN4, lo.rearrange(VectorHadamardKernels.SWAP4));
            hi = hi.fma(VectorHadamardKernels.SIGN4, hi.rearrange(VectorHadamardKernels.SWAP4));
            int s = sg[r];
            lo.add(hi)
                    .mul(0.25f)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.XOR, IntVector.fromArray(IS, SIGN_BITS, (s & 0xFF) << 3))
                    .reinterpretAsFloats()
                    .intoArray(y, yoff + i);
            lo.sub(hi)
                    .mul(0.25f)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.XOR, IntVector.fromArray(IS, SIGN_BITS, (s >>> 8) << 3))
                    .reinterpretAsFloats()
                    .intoArray(y, yoff + i + L);
        }
    }

    /** {@link #twoTables}, a run (two steps) at a time, 8 lanes. */
    private static void twoTablesRotatedHalves(
            byte[] packed, int bits, float[] levels, float[] scales, int subShift, float[] y, int yoff, int[] sg) {
        IntVector t0 = table(levels, 0);
        IntVector t1 = table(levels, 1);
        VectorShuffle<Byte> spread = SPREAD[bits];
        VectorShuffle<Byte> spreadHi = SPREAD_HI[bits];
        IntVector shift = SHIFT[bits];
        int mask = (1 << bits) - 1;
        for (int r = 0; r < sg.length; r++) {
            int i = r << 4;
            ByteVector run = ByteVector.fromArray(BS, packed, r * 2 * bits);
            IntVector cl = run.rearrange(spread)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.LSHR, shift)
                    .and(mask);
            IntVector ch = run.rearrange(spreadHi)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.LSHR, shift)
                    .and(mask);
            float c = scales[i >>> subShift];
            FloatVector lo = cl.selectFrom(t0, t1).reinterpretAsFloats().mul(c);
            FloatVector hi = ch.selectFrom(t0, t1).reinterpretAsFloats().mul(c);
            // the inverse rotation of the chunk's run r, whose signs are sg[r] (VectorHadamardKernels' halves)
            lo = lo.fma(VectorHadamardKernels.SIGN1, lo.rearrange(VectorHadamardKernels.SWAP1));
            hi = hi.fma(VectorHadamardKernels.SIGN1, hi.rearrange(VectorHadamardKernels.SWAP1));
            lo = lo.fma(VectorHadamardKernels.SIGN2, lo.rearrange(VectorHadamardKernels.SWAP2));
            hi = hi.fma(VectorHadamardKernels.SIGN2, hi.rearrange(VectorHadamardKernels.SWAP2));
            lo = lo.fma(VectorHadamardKernels.SIGN4, lo.rearrange(VectorHadamardKernels.SWAP4));
            hi = hi.fma(VectorHadamardKernels.SIGN4, hi.rearrange(VectorHadamardKernels.SWAP4));
            int s = sg[r];
            lo.add(hi)
                    .mul(0.25f)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.XOR, IntVector.fromArray(IS, SIGN_BITS, (s & 0xFF) << 3))
                    .reinterpretAsFloats()
                    .intoArray(y, yoff + i);
            lo.sub(hi)
                    .mul(0.25f)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.XOR, IntVector.fromArray(IS, SIGN_BITS, (s >>> 8) << 3))
                    .reinterpretAsFloats()
                    .intoArray(y, yoff + i + L);
        }
    }

    /** {@link #fourTables}, a run (two steps) at a time, 8 lanes. */
    private static void fourTablesRotatedHalves(
            byte[] packed, int bits, float[] levels, float[] scales, int subShift, float[] y, int yoff, int[] sg) {
        IntVector t0 = table(levels, 0);
        IntVector t1 = table(levels, 1);
        IntVector t2 = table(levels, 2);
        IntVector t3 = table(levels, 3);
        VectorShuffle<Byte> spread = SPREAD[bits];
        VectorShuffle<Byte> spreadHi = SPREAD_HI[bits];
        IntVector shift = SHIFT[bits];
        int mask = (1 << bits) - 1;
        int pair = 2 * L - 1;
        for (int r = 0; r < sg.length; r++) {
            int i = r << 4;
            ByteVector run = ByteVector.fromArray(BS, packed, r * 2 * bits);
            IntVector cl = run.rearrange(spread)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.LSHR, shift)
                    .and(mask);
            IntVector ch = run.rearrange(spreadHi)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.LSHR, shift)
                    .and(mask);
            float c = scales[i >>> subShift];
            IntVector clw = cl.and(pair);
            FloatVector lo = clw.selectFrom(t0, t1)
                    .blend(clw.selectFrom(t2, t3), cl.compare(VectorOperators.GT, pair))
                    .reinterpretAsFloats()
                    .mul(c);
            IntVector chw = ch.and(pair);
            FloatVector hi = chw.selectFrom(t0, t1)
                    .blend(chw.selectFrom(t2, t3), ch.compare(VectorOperators.GT, pair))
                    .reinterpretAsFloats()
                    .mul(c);
            // the inverse rotation of the chunk's run r, whose signs are sg[r] (VectorHadamardKernels' halves)
            lo = lo.fma(VectorHadamardKernels.SIGN1, lo.rearrange(VectorHadamardKernels.SWAP1));
            hi = hi.fma(VectorHadamardKernels.SIGN1, hi.rearrange(VectorHadamardKernels.SWAP1));
            lo = lo.fma(VectorHadamardKernels.SIGN2, lo.rearrange(VectorHadamardKernels.SWAP2));
            hi = hi.fma(VectorHadamardKernels.SIGN2, hi.rearrange(VectorHadamardKernels.SWAP2));
            lo = lo.fma(VectorHadamardKernels.SIGN4, lo.rearrange(VectorHadamardKernels.SWAP4));
            hi = hi.fma(VectorHadamardKernels.SIGN4, hi.rearrange(VectorHadamardKernels.SWAP4));
            int s = sg[r];
            lo.add(hi)
                    .mul(0.25f)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.XOR, IntVector.fromArray(IS, SIGN_BITS, (s & 0xFF) << 3))
                    .reinterpretAsFloats()
                    .intoArray(y, yoff + i);
            lo.sub(hi)
                    .mul(0.25f)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.XOR, IntVector.fromArray(IS, SIGN_BITS, (s >>> 8) << 3))
                    .reinterpretAsFloats()
                    .intoArray(y, yoff + i + L);
        }
    }

    /** {@link #eightTables}, a run (two steps) at a time, 8 lanes. */
    private static void eightTablesRotatedHalves(
            byte[] packed, int bits, float[] levels, float[] scales, int subShift, float[] y, int yoff, int[] sg) {
        IntVector t0 = table(levels, 0);
        IntVector t1 = table(levels, 1);
        IntVector t2 = table(levels, 2);
        IntVector t3 = table(levels, 3);
        IntVector t4 = table(levels, 4);
        IntVector t5 = table(levels, 5);
        IntVector t6 = table(levels, 6);
        IntVector t7 = table(levels, 7);
        VectorShuffle<Byte> spread = SPREAD[bits];
        VectorShuffle<Byte> spreadHi = SPREAD_HI[bits];
        IntVector shift = SHIFT[bits];
        int mask = (1 << bits) - 1;
        int pair = 2 * L - 1;
        for (int r = 0; r < sg.length; r++) {
            int i = r << 4;
            ByteVector run = ByteVector.fromArray(BS, packed, r * 2 * bits);
            IntVector cl = run.rearrange(spread)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.LSHR, shift)
                    .and(mask);
            IntVector ch = run.rearrange(spreadHi)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.LSHR, shift)
                    .and(mask);
            float c = scales[i >>> subShift];
            IntVector clw = cl.and(pair);
            VectorMask<Integer> clo = cl.and(2 * L).compare(VectorOperators.NE, 0);
            FloatVector lo = clw.selectFrom(t0, t1)
                    .blend(clw.selectFrom(t2, t3), clo)
                    .blend(
                            clw.selectFrom(t4, t5).blend(clw.selectFrom(t6, t7), clo),
                            cl.compare(VectorOperators.GT, 4 * L - 1))
                    .reinterpretAsFloats()
                    .mul(c);
            IntVector chw = ch.and(pair);
            VectorMask<Integer> cho = ch.and(2 * L).compare(VectorOperators.NE, 0);
            FloatVector hi = chw.selectFrom(t0, t1)
                    .blend(chw.selectFrom(t2, t3), cho)
                    .blend(
                            chw.selectFrom(t4, t5).blend(chw.selectFrom(t6, t7), cho),
                            ch.compare(VectorOperators.GT, 4 * L - 1))
                    .reinterpretAsFloats()
                    .mul(c);
            // the inverse rotation of the chunk's run r, whose signs are sg[r] (VectorHadamardKernels' halves)
            lo = lo.fma(VectorHadamardKernels.SIGN1, lo.rearrange(VectorHadamardKernels.SWAP1));
            hi = hi.fma(VectorHadamardKernels.SIGN1, hi.rearrange(VectorHadamardKernels.SWAP1));
            lo = lo.fma(VectorHadamardKernels.SIGN2, lo.rearrange(VectorHadamardKernels.SWAP2));
            hi = hi.fma(VectorHadamardKernels.SIGN2, hi.rearrange(VectorHadamardKernels.SWAP2));
            lo = lo.fma(VectorHadamardKernels.SIGN4, lo.rearrange(VectorHadamardKernels.SWAP4));
            hi = hi.fma(VectorHadamardKernels.SIGN4, hi.rearrange(VectorHadamardKernels.SWAP4));
            int s = sg[r];
            lo.add(hi)
                    .mul(0.25f)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.XOR, IntVector.fromArray(IS, SIGN_BITS, (s & 0xFF) << 3))
                    .reinterpretAsFloats()
                    .intoArray(y, yoff + i);
            lo.sub(hi)
                    .mul(0.25f)
                    .reinterpretAsInts()
                    .lanewise(VectorOperators.XOR, IntVector.fromArray(IS, SIGN_BITS, (s >>> 8) << 3))
                    .reinterpretAsFloats()
                    .intoArray(y, yoff + i + L);
        }
    }
}
