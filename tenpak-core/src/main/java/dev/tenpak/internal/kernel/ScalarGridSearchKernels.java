package dev.tenpak.internal.kernel;

/**
 * The specification: {@link GridQuantizer#searchScaleScalar}, {@link
 * GridQuantizer#codesAndSquaredErrorScalar}, {@link SuperBlockQuantizer#quantizeScalar} and {@link
 * F16BlockQuantizer#quantizeBlocksScalar}.
 */
public final class ScalarGridSearchKernels implements GridSearchKernels {
    public static final ScalarGridSearchKernels INSTANCE = new ScalarGridSearchKernels();

    private ScalarGridSearchKernels() {}

    @Override
    public float searchScale(GridQuantizer grid, float[] x, int off, int len) {
        return grid.searchScaleScalar(x, off, len);
    }

    @Override
    public double codesAndSquaredError(GridQuantizer grid, float[] x, int off, int len, float c, byte[] q, int qoff) {
        return grid.codesAndSquaredErrorScalar(x, off, len, c, q, qoff);
    }

    @Override
    public short quantizeSuperBlock(
            SuperBlockQuantizer sq,
            float[] x,
            int off,
            int len,
            byte[] l,
            int loff,
            byte[] q,
            int qoff,
            SuperBlockQuantizer.Scratch w) {
        return sq.quantizeScalar(x, off, len, l, loff, q, qoff, w);
    }

    @Override
    public int quantizeF16Blocks(
            F16BlockQuantizer bq,
            float[] x,
            int off,
            int len,
            int block,
            byte[] q,
            int qoff,
            short[] scales,
            int soff,
            byte[] tmp) {
        return bq.quantizeBlocksScalar(x, off, len, block, q, qoff, scales, soff, tmp);
    }

    @Override
    public String description() {
        return "scalar";
    }
}
