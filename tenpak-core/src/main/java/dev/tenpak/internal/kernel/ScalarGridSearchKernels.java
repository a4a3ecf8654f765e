package dev.tenpak.internal.kernel;

/** The specification: {@link GridQuantizer#searchScaleScalar}. */
public final class ScalarGridSearchKernels implements GridSearchKernels {
    public static final ScalarGridSearchKernels INSTANCE = new ScalarGridSearchKernels();

    private ScalarGridSearchKernels() {}

    @Override
    public float searchScale(GridQuantizer grid, float[] x, int off, int len) {
        return grid.searchScaleScalar(x, off, len);
    }

    @Override
    public String description() {
        return "scalar";
    }
}
