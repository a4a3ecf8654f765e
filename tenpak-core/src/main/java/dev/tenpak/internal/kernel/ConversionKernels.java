package dev.tenpak.internal.kernel;

import java.lang.foreign.MemorySegment;

/**
 * Bulk conversions between 16-bit float tensors in memory (little-endian BF16 or F16) and float
 * arrays: the inner loops of {@code dev.tenpak.tensor.FloatConversions}. {@link ScalarConversionKernels} is the
 * specification (element by element, exactly {@link ScalarConversionKernels#bf16ToFloat},
 * {@link ScalarConversionKernels#floatToBf16}, {@link Float#float16ToFloat} and
 * {@link Float#floatToFloat16}); a Vector API implementation, loaded by class name, gives identical
 * floats and bits, NaN payloads included.
 *
 * <p>{@code -Dtenpak.vector=false} forces the scalar loops (see {@link VectorizationProvider}). Once compiled, the vector conversions run at 5 to 13 GB/s a core
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

    /** The kernels this JVM uses: chosen once by {@link VectorizationProvider}. */
    static ConversionKernels get() {
        return VectorizationProvider.get().conversionKernels();
    }
}
