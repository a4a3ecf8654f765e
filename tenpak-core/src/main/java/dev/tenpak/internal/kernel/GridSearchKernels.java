package dev.tenpak.internal.kernel;

/**
 * The block scale search of the grid codecs ({@link GridQuantizer#searchScale}), about three
 * quarters of their quantizing time: 18 trial scales per block, each a nearest-level pass over the
 * block. {@link ScalarGridSearchKernels} runs the specification ({@link
 * GridQuantizer#searchScaleScalar}); {@code VectorGridSearchKernels} (Vector API, one trial scale
 * per lane) is loaded by class name when {@code jdk.incubator.vector} is present and must return
 * the same float bit for bit; the same holds for the code-and-error pass of the refinement
 * ({@link #codesAndSquaredError}). {@code -Dtenpak.vector=false} forces the scalar kernel.
 */
public interface GridSearchKernels {
    /** {@link GridQuantizer#searchScaleScalar}{@code (x, off, len)} of {@code grid}, bit for bit. */
    float searchScale(GridQuantizer grid, float[] x, int off, int len);

    /**
     * {@link GridQuantizer#codesAndSquaredErrorScalar}{@code (x, off, len, c, q, qoff)} of {@code
     * grid}: the same codes and the same double, bit for bit. The refinement rounds of the super-block
     * codecs run three of these passes per super-block.
     */
    double codesAndSquaredError(GridQuantizer grid, float[] x, int off, int len, float c, byte[] q, int qoff);

    /**
     * {@link SuperBlockQuantizer#quantizeScalar}{@code (x, off, len, l, loff, q, qoff, w)} of {@code
     * sq}: the same super-scale bits, sub-scales and codes, bit for bit. The vector kernel runs a
     * whole super-block with one sub-block per lane (every grid); short super-blocks take the
     * specification, whose search and code passes are this kernel's.
     */
    short quantizeSuperBlock(
            SuperBlockQuantizer sq,
            float[] x,
            int off,
            int len,
            byte[] l,
            int loff,
            byte[] q,
            int qoff,
            SuperBlockQuantizer.Scratch w);

    /**
     * {@link F16BlockQuantizer#quantizeBlocksScalar}{@code (x, off, len, block, q, qoff, scales, soff,
     * tmp)} of {@code bq}: the same answer, and when it is -1 the same codes and scales, bit for bit.
     * The vector kernel runs groups of whole blocks with one block per lane; the rest takes the
     * specification.
     */
    int quantizeF16Blocks(
            F16BlockQuantizer bq,
            float[] x,
            int off,
            int len,
            int block,
            byte[] q,
            int qoff,
            short[] scales,
            int soff,
            byte[] tmp);

    /** Short name for reports: "scalar" or "vector(512-bit)". */
    String description();

    /** The kernel this JVM uses: chosen once by {@link VectorizationProvider}. */
    static GridSearchKernels get() {
        return VectorizationProvider.get().gridSearchKernels();
    }
}
