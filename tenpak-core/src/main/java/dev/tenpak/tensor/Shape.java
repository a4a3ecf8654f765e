package dev.tenpak.tensor;

import dev.tenpak.error.ShapeMismatchException;
import java.util.Arrays;

/**
 * The dimensions of a tensor, outermost first. A shape of rank 0 ({@code []}) is a scalar with one
 * element; any zero dimension gives an empty tensor. Dimensions are longs and the element count is
 * computed with overflow checks, so a hostile header cannot wrap it into a small number.
 */
public final class Shape {
    /** Largest rank tenpak accepts; deeper shapes are certainly hostile. */
    public static final int MAX_RANK = 32;

    private static final Shape SCALAR = new Shape(new long[0], 1);

    private final long[] dims;
    private final long elementCount;

    private Shape(long[] dims, long elementCount) {
        this.dims = dims;
        this.elementCount = elementCount;
    }

    /** A shape with the given dimensions; each must be >= 0 and their product must fit in a long. */
    public static Shape of(long... dims) {
        if (dims.length == 0) {
            return SCALAR;
        }
        if (dims.length > MAX_RANK) {
            throw new ShapeMismatchException(
                    "shape has rank " + dims.length + "; at most " + MAX_RANK + " is supported");
        }
        long count = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new ShapeMismatchException("shape " + Arrays.toString(dims) + " has a negative dimension");
            }
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException e) {
                throw new ShapeMismatchException(
                        "shape " + Arrays.toString(dims) + ": element count overflows 64 bits");
            }
        }
        return new Shape(dims.clone(), count);
    }

    public static Shape of(int... dims) {
        return of(Arrays.stream(dims).asLongStream().toArray());
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int i) {
        return dims[i];
    }

    /** The last dimension, or 1 for a scalar. Group-wise codecs group along it. */
    public long lastDim() {
        return dims.length == 0 ? 1 : dims[dims.length - 1];
    }

    public long[] dims() {
        return dims.clone();
    }

    /** Product of the dimensions; 1 for a scalar. */
    public long elementCount() {
        return elementCount;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
