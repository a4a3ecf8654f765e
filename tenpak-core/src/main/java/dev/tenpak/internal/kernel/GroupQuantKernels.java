package dev.tenpak.internal.kernel;

/**
 * The inner loops of the group-wise codecs: each group of {@code g} consecutive floats gets its own
 * f16 scale ({@link GroupScales}) and its values become small integer codes. {@link
 * ScalarGroupQuantKernels} is the specification; {@code VectorGroupQuantKernels} (Vector API) is
 * loaded by class name when {@code jdk.incubator.vector} is present and must give identical codes,
 * scales and floats. {@code -Dtenpak.vector=false} forces the scalar kernels, as for
 * {@link QuantKernels}.
 *
 * <p>Quantizing methods return {@code -1} when every group was encoded, otherwise the index
 * (relative to the call) of the first group that holds a NaN or infinity or whose scale would
 * overflow f16; the groups before it are written, the rest are not. Scales are f16 bit patterns.
 *
 * <p>The int4 methods use the block layout of the group-wise int4 codecs: 32 elements make 16 bytes,
 * byte {@code j} holding element {@code j} in its low nibble and element {@code 16 + j} in its high
 * nibble, each a 4-bit two's complement code in {@code [-7, 7]}. This is llama.cpp's Q4_0 order: the
 * low nibbles of 16 consecutive bytes are 16 consecutive elements, so a SIMD kernel unpacks them with
 * one mask or shift per vector and no lane shuffles.
 */
public interface GroupQuantKernels {
    /**
     * Quantizes {@code groups} groups of {@code g} values starting at {@code x[off]} to codes in
     * {@code [-qmax, qmax]}, one byte per element at {@code q[qoff..]}, scales at {@code scales[soff..]}.
     */
    int quantizeGroups(float[] x, int off, int groups, int g, int qmax, short[] scales, int soff, byte[] q, int qoff);

    /** {@code x[off + i] = q[qoff + i] * scale(group of i)} for {@code groups * g} elements. */
    void dequantizeGroups(byte[] q, int qoff, int groups, int g, short[] scales, int soff, float[] x, int off);

    /**
     * Int4 ({@code qmax = 7}) in the block layout; {@code g} is a multiple of 32, and group
     * {@code k} fills bytes {@code packed[poff + k * g / 2 ..]}.
     */
    int quantizeGroupsInt4(float[] x, int off, int groups, int g, short[] scales, int soff, byte[] packed, int poff);

    /** Inverse of {@link #quantizeGroupsInt4}: {@code groups * g} floats into {@code x[off..]}. */
    void dequantizeGroupsInt4(byte[] packed, int poff, int groups, int g, short[] scales, int soff, float[] x, int off);

    /** Short name for reports: "scalar" or "vector(512-bit)". */
    String description();

    /** The kernels this JVM uses: chosen once by {@link VectorizationProvider}. */
    static GroupQuantKernels get() {
        return VectorizationProvider.get().groupQuantKernels();
    }
}
