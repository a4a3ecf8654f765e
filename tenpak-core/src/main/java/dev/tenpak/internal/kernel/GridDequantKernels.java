package dev.tenpak.internal.kernel;

/**
 * The grid codecs' decoder: {@code y[yoff + i] = scales[i / sub] * levels[code i]} for {@code m}
 * codes of {@code bits} bits (2 to 6), bit-packed LSB first (code {@code i} in bits
 * {@code [i bits, (i + 1) bits)} of {@code packed}, bit {@code k} being bit {@code k mod 8} of byte
 * {@code k / 8}), {@code levels} the grid's {@code 2^bits} floats and {@code sub} a multiple of 8
 * (16 or 32), so that every group of 8 codes, and every sub-block, starts on a byte. {@code
 * packed} must hold 8 bytes past the last code byte (the scalar loop reads 8 codes with one long
 * load). {@link ScalarGridDequantKernels} is the specification; {@code VectorGridDequantKernels}
 * (Vector API, the codes expanded to int lanes and looked up in the levels held in registers) is
 * loaded by class name when {@code jdk.incubator.vector} is present and must write the same floats
 * bit for bit: both compute the one float product {@code scale * level} per element. {@code
 * -Dtenpak.vector=false} forces the scalar kernel. The same holds for {@link #subScales}, the
 * sub-block scales the codes are multiplied by, and for {@link #lookup}, the {@code ecq*} codecs'
 * symbols to floats.
 */
public interface GridDequantKernels {
    /** Decodes {@code m} codes into {@code y[yoff .. yoff + m)}. */
    void dequantize(byte[] packed, int bits, float[] levels, float[] scales, int sub, int m, float[] y, int yoff);

    /**
     * The rotated grid codecs' decoder: {@link #dequantize} followed by {@link HadamardKernels#inverse
     * HadamardKernels.inverse(y, yoff, m, firstRun)}, the same floats bit for bit, but done a run
     * at a time (one 16-lane vector or two 8-lane ones) or, in the scalar kernel, a block of runs at
     * a time, so that the decoded values are rotated while they are still in registers or the
     * first-level cache, instead of in a second pass over the whole output.
     */
    void dequantizeRotated(
            byte[] packed,
            int bits,
            float[] levels,
            float[] scales,
            int sub,
            int m,
            float[] y,
            int yoff,
            long firstRun);

    /**
     * The super-block codecs' sub-block scales: {@code c[j] = f16(superScales[j / perSuper]) * l_j}
     * for the {@code nsub} signed {@code bits}-bit values {@code l_j} (2 to 8 bits, two's
     * complement) bit-packed in {@code packed} in the layout above, with 8 bytes of slack;
     * {@code perSuper} (sub-blocks per super-block) is a power of two, at least 8.
     */
    void subScales(byte[] packed, int bits, short[] superScales, int perSuper, int nsub, float[] c);

    /**
     * The entropy-coded quantizers' symbols to floats: {@code y[yoff + i] = table[sym[i] & 0xFF]} for
     * {@code i < m}, {@code table} 256 floats; returns the OR of the {@code m} bytes as unsigned
     * values (so the caller learns whether any was 128 or more). The vector kernel looks up the
     * symbols below 128 in registers and any group of lanes holding a larger one element by element.
     */
    int lookup(byte[] sym, float[] table, int m, float[] y, int yoff);

    /** Short name for reports: "scalar" or "vector(512-bit)". */
    String description();

    /** The kernel this JVM uses: chosen once by {@link VectorizationProvider}. */
    static GridDequantKernels get() {
        return VectorizationProvider.get().gridDequantKernels();
    }
}
