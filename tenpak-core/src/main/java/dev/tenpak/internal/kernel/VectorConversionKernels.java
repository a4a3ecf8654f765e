package dev.tenpak.internal.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API conversions, bit-identical to {@link ScalarConversionKernels}: a vector body up to
 * {@code loopBound(len)} and the scalar specification for the tail. Loaded by class name from
 * {@link VectorizationProvider}, so nothing links against the incubator module unless present.
 *
 * <p>Why each step matches the scalar code:
 * <ul>
 *   <li><b>BF16 to float</b>: the 16-bit lanes are sign-extended to ints and shifted left by 16;
 *       the shift drops the extension, leaving exactly {@code (bits & 0xFFFF) << 16}.</li>
 *   <li><b>float to BF16</b>: on the raw int bits, {@code bits + 0x7FFF + ((bits >>> 16) & 1)}
 *       with wrapping int adds, then {@code >>> 16}, exactly the scalar rounding; lanes whose
 *       magnitude bits exceed {@code 0x7F800000} (NaN, the same test as {@link Float#isNaN}) take
 *       {@code (bits >>> 16) | 0x40} instead. Narrowing to shorts keeps the low 16 bits, like the
 *       scalar {@code (short)} cast.</li>
 *   <li><b>F16</b> has no Vector API conversion in this JDK: the 16-bit values are copied in bulk
 *       between the segment and a per-thread {@code short[]} block, and converted with
 *       {@link Float#float16ToFloat} / {@link Float#floatToFloat16} in a plain array loop that C2
 *       compiles to the hardware's F16 conversions where it has them.</li>
 * </ul>
 */
public final class VectorConversionKernels implements ConversionKernels {
    private static final ValueLayout.OfShort I16 = ScalarConversionKernels.I16;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Float and int lanes of the preferred (or {@code -Dtenpak.vector.bits}) shape; shorts of half that. */
    private static final VectorSpecies<Float> FS = VectorShapes.floatSpecies("vector conversions");

    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    private static final VectorSpecies<Short> SS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(FS.length() * Short.SIZE));
    private static final int LANES = FS.length();
    /** Elements per bulk F16 block: small enough to stay in L1 next to the floats. */
    private static final int BLOCK = 2048;

    private static final ThreadLocal<short[]> SCRATCH = ThreadLocal.withInitial(() -> new short[BLOCK]);

    private static final VectorConversionKernels INSTANCE = new VectorConversionKernels();

    private VectorConversionKernels() {}

    /** The conversions for this platform's vectors; called by name from the holder. */
    public static ConversionKernels create() {
        return INSTANCE;
    }

    @Override
    public void bf16ToFloats(MemorySegment src, long byteOffset, float[] dst, int off, int len) {
        int i = 0;
        for (int bound = FS.loopBound(len); i < bound; i += LANES) {
            ShortVector s = ShortVector.fromMemorySegment(SS, src, byteOffset + 2L * i, LE);
            IntVector v = (IntVector) s.convertShape(VectorOperators.S2I, IS, 0);
            v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, off + i);
        }
        for (; i < len; i++) {
            dst[off + i] = ScalarConversionKernels.bf16ToFloat(src.get(I16, byteOffset + 2L * i));
        }
    }

    @Override
    public void floatsToBf16(float[] src, int off, int len, MemorySegment dst, long byteOffset) {
        int i = 0;
        for (int bound = FS.loopBound(len); i < bound; i += LANES) {
            IntVector out = toBf16Bits(FloatVector.fromArray(FS, src, off + i));
            ((ShortVector) out.convertShape(VectorOperators.I2S, SS, 0))
                    .intoMemorySegment(dst, byteOffset + 2L * i, LE);
        }
        for (; i < len; i++) {
            dst.set(I16, byteOffset + 2L * i, ScalarConversionKernels.floatToBf16(src[off + i]));
        }
    }

    /** The BF16 bits (in the low 16 bits of each lane) of {@link ScalarConversionKernels#floatToBf16}. */
    private static IntVector toBf16Bits(FloatVector x) {
        IntVector bits = x.reinterpretAsInts();
        IntVector high = bits.lanewise(VectorOperators.LSHR, 16);
        IntVector rounded = bits.add(0x7FFF).add(high.and(1)).lanewise(VectorOperators.LSHR, 16);
        VectorMask<Integer> nan = bits.and(0x7FFF_FFFF).compare(VectorOperators.GT, 0x7F80_0000);
        return rounded.blend(high.or(0x0040), nan);
    }

    @Override
    public void roundToBf16(float[] x, int off, int len) {
        int i = 0;
        for (int bound = FS.loopBound(len); i < bound; i += LANES) {
            toBf16Bits(FloatVector.fromArray(FS, x, off + i))
                    .lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats()
                    .intoArray(x, off + i);
        }
        for (; i < len; i++) {
            x[off + i] = ScalarConversionKernels.bf16ToFloat(ScalarConversionKernels.floatToBf16(x[off + i]));
        }
    }

    @Override
    public void roundToF16(float[] x, int off, int len) {
        for (int i = off; i < off + len; i++) {
            x[i] = Float.float16ToFloat(Float.floatToFloat16(x[i]));
        }
    }

    @Override
    public void f16ToFloats(MemorySegment src, long byteOffset, float[] dst, int off, int len) {
        short[] s = SCRATCH.get();
        for (int done = 0; done < len; done += BLOCK) {
            int n = Math.min(BLOCK, len - done);
            MemorySegment.copy(src, I16, byteOffset + 2L * done, s, 0, n);
            for (int i = 0; i < n; i++) {
                dst[off + done + i] = Float.float16ToFloat(s[i]);
            }
        }
    }

    @Override
    public void floatsToF16(float[] src, int off, int len, MemorySegment dst, long byteOffset) {
        short[] s = SCRATCH.get();
        for (int done = 0; done < len; done += BLOCK) {
            int n = Math.min(BLOCK, len - done);
            for (int i = 0; i < n; i++) {
                s[i] = Float.floatToFloat16(src[off + done + i]);
            }
            MemorySegment.copy(s, 0, dst, I16, byteOffset + 2L * done, n);
        }
    }

    @Override
    public String description() {
        return "vector(" + FS.vectorBitSize() + "-bit)";
    }
}
