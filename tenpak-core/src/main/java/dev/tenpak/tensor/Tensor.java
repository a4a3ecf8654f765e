package dev.tenpak.tensor;

import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.ShapeMismatchException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A named tensor: its element type, its shape and its data, little-endian, in its own dtype. The
 * data is a {@link MemorySegment}: a slice of a mapped file, of an arena, or a heap array wrapped
 * without copying. A tensor does not own its memory; whoever produced the segment keeps it alive.
 *
 * @param name  unique within a bundle, non-empty
 * @param dtype element type
 * @param shape dimensions
 * @param data  exactly {@code dtype.byteSizeFor(shape.elementCount())} bytes
 */
public record Tensor(String name, DType dtype, Shape shape, MemorySegment data) {
    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Tensor {
        if (name == null || name.isEmpty()) {
            throw new InvalidInputException("a tensor needs a non-empty name");
        }
        long expected = dtype.byteSizeFor(shape.elementCount());
        if (data.byteSize() != expected) {
            throw new ShapeMismatchException("tensor '" + name + "': shape " + shape + " of " + dtype + " needs "
                    + expected + " bytes, data has " + data.byteSize());
        }
    }

    /** Wraps {@code values} (not copied) as an F32 tensor; checks that the shape holds exactly that many. */
    public static Tensor ofFloats(String name, Shape shape, float[] values) {
        if (shape.elementCount() != values.length) {
            throw new ShapeMismatchException("tensor '" + name + "': shape " + shape + " has " + shape.elementCount()
                    + " elements but data has " + values.length);
        }
        return new Tensor(name, DType.F32, shape, MemorySegment.ofArray(values));
    }

    public static Tensor ofFloats(String name, float[] values, long... dims) {
        return ofFloats(name, Shape.of(dims), values);
    }

    public long elementCount() {
        return shape.elementCount();
    }

    public long byteSize() {
        return data.byteSize();
    }

    /** Element {@code i} as a float (F32, F16 and BF16 only). Slow; for tests and small tensors. */
    public float getFloat(long i) {
        return FloatConversions.read(data, dtype, i);
    }

    /** All elements as a new float array (compressible dtypes only; the tensor must fit in an array). */
    public float[] toFloatArray() {
        long n = elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new InvalidInputException("tensor '" + name + "' has " + n + " elements, too many for a float[]");
        }
        float[] out = new float[(int) n];
        FloatConversions.toFloats(data, dtype, 0, out, 0, out.length);
        return out;
    }
}
