package dev.tenpak.internal.kernel;

import dev.tenpak.tensor.FloatConversions;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.logging.Logger;

/**
 * Bulk conversions between 16-bit float tensors in memory (little-endian BF16 or F16) and float
 * arrays: the inner loops of {@link FloatConversions}. {@link ScalarConversionKernels} is the
 * specification (element by element, exactly {@link FloatConversions#bf16ToFloat},
 * {@link FloatConversions#floatToBf16}, {@link Float#float16ToFloat} and
 * {@link Float#floatToFloat16}); a Vector API implementation, loaded by class name, gives identical
 * floats and bits, NaN payloads included.
 *
 * <p>{@code -Dtenpak.vector=false} (all kernels) or {@code -Dtenpak.vector.conversions=false} (these
 * only) forces the scalar loops. Once compiled, the vector conversions run at 5 to 13 GB/s a core
 * against 1 to 5 GB/s for the scalar loops (which C2 partly auto-vectorizes); before C2 has
 * compiled them every vector operation runs as interpreted Java, about a hundred times slower,
 * which a short command-line run pays at its start (docs/PERFORMANCE.md).
 *
 * <p>Offsets into segments are in bytes; {@code len} counts elements. Segments may be unaligned.
 */
public interface ConversionKernels {
    /** {@code dst[off + i] = bf16ToFloat(src[byteOffset + 2i])} for {@code i < len}. */
    void bf16ToFloats(MemorySegment src, long byteOffset, float[] dst, int off, int len);

    /** {@code dst[byteOffset + 2i] = floatToBf16(src[off + i])}: round to nearest even, NaN stays NaN. */
    void floatsToBf16(float[] src, int off, int len, MemorySegment dst, long byteOffset);

    /** {@code dst[off + i] = Float.float16ToFloat(src[byteOffset + 2i])}. */
    void f16ToFloats(MemorySegment src, long byteOffset, float[] dst, int off, int len);

    /** {@code dst[byteOffset + 2i] = Float.floatToFloat16(src[off + i])}. */
    void floatsToF16(float[] src, int off, int len, MemorySegment dst, long byteOffset);

    /**
     * Rounds {@code x[off .. off + len)} in place to the nearest BF16 and back to float, i.e.
     * {@code bf16ToFloat(floatToBf16(x))}: what a value looks like once stored as BF16.
     */
    void roundToBf16(float[] x, int off, int len);

    /** Rounds in place to the nearest F16 and back: {@code float16ToFloat(floatToFloat16(x))}. */
    void roundToF16(float[] x, int off, int len);

    /** Short name for reports: "scalar" or "vector(512-bit)". */
    String description();

    /** The kernels this JVM uses: vector when available and not disabled, scalar otherwise. */
    static ConversionKernels get() {
        return Holder.INSTANCE;
    }

    /** Lazily chosen implementation. */
    final class Holder {
        private static final Logger LOG = Logger.getLogger(ConversionKernels.class.getName());
        static final ConversionKernels INSTANCE = choose();

        private Holder() {}

        private static ConversionKernels choose() {
            if (!Boolean.parseBoolean(System.getProperty("tenpak.vector", "true"))) {
                return ScalarConversionKernels.INSTANCE;
            }
            if (!Boolean.parseBoolean(System.getProperty("tenpak.vector.conversions", "true"))) {
                return ScalarConversionKernels.INSTANCE;
            }
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                LOG.fine("jdk.incubator.vector is not available; using scalar conversions "
                        + "(add --add-modules jdk.incubator.vector for faster BF16/F16 conversion)");
                return ScalarConversionKernels.INSTANCE;
            }
            try {
                Class<?> c = Class.forName("dev.tenpak.internal.kernel.VectorConversionKernels");
                return (ConversionKernels) MethodHandles.lookup()
                        .findStatic(c, "create", MethodType.methodType(ConversionKernels.class)).invoke();
            } catch (Throwable t) {
                LOG.fine("vector conversions unavailable (" + t + "); using scalar conversions");
                return ScalarConversionKernels.INSTANCE;
            }
        }
    }
}
