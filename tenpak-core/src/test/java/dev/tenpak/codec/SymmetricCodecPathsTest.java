package dev.tenpak.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.error.NonFiniteValueException;
import dev.tenpak.internal.codec.pertensor.SymmetricPerTensorCodec;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SymmetricPerTensorCodec} reads F32 tensors over a float[] and writes heap payloads in
 * place, and goes through chunk buffers otherwise. Both paths must give the same bytes, the same
 * decoded floats and the same error for non-finite input; sizes cover one chunk, several chunks
 * and odd tails, and the heap tensor is a slice at a non-zero offset of a larger array.
 */
class SymmetricCodecPathsTest {
    private static final ValueLayout.OfFloat F32_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 7, 4097, 65_536, 65_537, 200_003})
    void inPlaceAndBufferedPathsAgree(int n) {
        long seed = new SplittableRandom().nextLong();
        System.out.println("SymmetricCodecPathsTest n=" + n + " seed=" + seed);
        SplittableRandom r = new SplittableRandom(seed);
        float[] backing = new float[n + 10];
        for (int i = 0; i < backing.length; i++) {
            backing[i] = (float) (r.nextGaussian() * 0.02);
        }
        Shape shape = Shape.of(n);
        Tensor heap =
                new Tensor("w", DType.F32, shape, MemorySegment.ofArray(backing).asSlice(3L * 4, 4L * n));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment off = arena.allocate(4L * n, 64);
            MemorySegment.copy(heap.data(), 0, off, 0, 4L * n);
            Tensor offHeap = new Tensor("w", DType.F32, shape, off);

            for (SymmetricPerTensorCodec c :
                    new SymmetricPerTensorCodec[] {SymmetricPerTensorCodec.INT8, SymmetricPerTensorCodec.INT4}) {
                int size = (int) c.encodedSize(DType.F32, shape);
                byte[] heapOut = new byte[size + 5];
                MemorySegment heapPayload = MemorySegment.ofArray(heapOut).asSlice(5, size);
                MemorySegment offPayload = arena.allocate(size, 64);
                byte[] p1 = c.encode(heap, heapPayload);
                byte[] p2 = c.encode(offHeap, offPayload);
                assertThat(p1).isEqualTo(p2);
                assertThat(heapPayload.toArray(ValueLayout.JAVA_BYTE))
                        .as(c.name())
                        .isEqualTo(offPayload.toArray(ValueLayout.JAVA_BYTE));
                assertThat(heapOut[0]).isZero(); // nothing written before the slice

                float[] a = new float[n + 2];
                float[] b = new float[n + 2];
                c.decodeFloats(DType.F32, shape, p1, heapPayload, 0, a, 1, n);
                c.decodeFloats(DType.F32, shape, p1, offPayload, 0, b, 1, n);
                assertThat(a).isEqualTo(b);
                if (n > Codec.RANGE_ALIGN) {
                    float[] part = new float[n - Codec.RANGE_ALIGN];
                    c.decodeFloats(DType.F32, shape, p1, heapPayload, Codec.RANGE_ALIGN, part, 0, part.length);
                    for (int i = 0; i < part.length; i++) {
                        assertThat(part[i]).isEqualTo(a[1 + Codec.RANGE_ALIGN + i]);
                    }
                }

                float[] whole = new float[n + 4];
                MemorySegment heapDst = MemorySegment.ofArray(whole).asSlice(8, 4L * n);
                MemorySegment offDst = arena.allocate(4L * n, 64);
                c.decode(DType.F32, shape, p1, offPayload, heapDst);
                c.decode(DType.F32, shape, p1, offPayload, offDst);
                assertThat(heapDst.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(offDst.toArray(ValueLayout.JAVA_BYTE));
                for (int i = 0; i < n; i++) {
                    assertThat(offDst.getAtIndex(F32_LE, i)).isEqualTo(a[1 + i]);
                }
                assertThat(whole[0]).isZero();
                assertThat(whole[n + 3]).isZero();
            }
        }
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 65_537, 200_003})
    void nonFiniteValuesAreReportedAtTheSameIndexOnBothPaths(int n) {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            float[] x = new float[n];
            int first = n / 3 * 2;
            x[first] = bad;
            x[n - 1] = Float.NaN;
            Tensor heap = Tensor.ofFloats("t", x, n);
            Tensor offHeap = new Tensor(
                    "t",
                    DType.F32,
                    heap.shape(),
                    Arena.ofAuto().allocate(4L * n).copyFrom(heap.data()));
            for (Tensor t : new Tensor[] {heap, offHeap}) {
                for (SymmetricPerTensorCodec c :
                        new SymmetricPerTensorCodec[] {SymmetricPerTensorCodec.INT8, SymmetricPerTensorCodec.INT4}) {
                    MemorySegment dst = MemorySegment.ofArray(new byte[(int) c.encodedSize(DType.F32, t.shape())]);
                    assertThatThrownBy(() -> c.encode(t, dst))
                            .isInstanceOfSatisfying(
                                    NonFiniteValueException.class,
                                    e -> assertThat(e.index()).isEqualTo(first));
                }
            }
        }
    }
}
