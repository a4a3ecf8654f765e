package dev.tenpak.internal.kernel;

/**
 * The specification: {@link GridQuantizer#searchScaleScalar} and {@link
 * GridQuantizer#codesAndSquaredErrorScalar}.
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
    public String description() {
        return "scalar";
    }
}
