package dev.tenpak.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.codec.MiniLmWeights;
import dev.tenpak.internal.codec.lossless.LosslessCodec;
import dev.tenpak.internal.format.safetensors.SafetensorsReader;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The four-run byte histogram of the plane kernels: the vector kernel counts exactly what the
 * definition counts, on planes that take its vector path (a few frequent values, some rare ones
 * counted one by one) and on planes it leaves to the scalar kernel (flat, wide alphabets), at every
 * length around the vector and run boundaries, from any offset, and on real exponent planes.
 */
class PlaneHistogramTest {
    static final long START = Long.getLong("tenpak.test.seed", System.nanoTime());

    static final PlaneKernels SCALAR = PlaneKernels.scalar();
    static final PlaneKernels VECTOR = VectorPlaneKernels.create();

    /** The definition: run {@code k} of {@code ceil(n / 4)} bytes, counted one byte at a time. */
    static int[] definition(byte[] src, int off, int n) {
        int[] h = new int[1024];
        int q = (n + 3) / 4;
        for (int i = 0; i < n; i++) {
            h[256 * (i / q) + (src[off + i] & 0xFF)]++;
        }
        return h;
    }

    enum Kind {
        /** Geometric over a dozen values, as exponent planes are: the vector path, a few rare bytes. */
        EXPONENTS,
        /** One value with rare others at random places: the vector path's one-by-one count. */
        MOSTLY_ONE,
        /** Exactly eleven, twelve or thirteen values, evenly: the sample's edge. */
        FEW,
        /** Every byte value alike: left to the scalar kernel. */
        FLAT,
        /** One value only. */
        CONSTANT
    }

    static Stream<Arguments> planes() {
        int[] lengths = {0, 1, 3, 255, 511, 512, 513, 1023, 4096 + 13, 40_000, 131_072 + 5};
        Stream.Builder<Arguments> b = Stream.builder();
        for (Kind shape : Kind.values()) {
            for (int n : lengths) {
                b.add(Arguments.of(shape, n));
            }
        }
        return b.build();
    }

    static byte[] plane(Kind shape, int n, int off, SplittableRandom rnd) {
        byte[] p = new byte[off + n + 5];
        rnd.nextBytes(p); // bytes outside the range must not count
        int base = rnd.nextInt(256);
        int few = 11 + rnd.nextInt(3);
        for (int i = off; i < off + n; i++) {
            int v = switch (shape) {
                case EXPONENTS -> {
                    int g = 0;
                    while (g < 40 && rnd.nextInt(3) == 0) {
                        g++;
                    }
                    yield base + g;
                }
                case MOSTLY_ONE -> rnd.nextInt(200) == 0 ? rnd.nextInt(256) : base;
                case FEW -> base + rnd.nextInt(few);
                case FLAT -> rnd.nextInt(256);
                case CONSTANT -> base;
            };
            p[i] = (byte) v;
        }
        return p;
    }

    @ParameterizedTest
    @MethodSource("planes")
    void vectorAndScalarCountWhatTheDefinitionCounts(Kind shape, int n) {
        SplittableRandom rnd = new SplittableRandom(START + 31L * n + shape.ordinal());
        int off = rnd.nextInt(70);
        byte[] p = plane(shape, n, off, rnd);
        int[] want = definition(p, off, n);
        for (PlaneKernels k : new PlaneKernels[] {SCALAR, VECTOR}) {
            int[] got = new int[1024];
            Arrays.fill(got, -7); // overwritten, not added to
            k.histogram4(p, off, n, got);
            assertThat(got)
                    .as("%s histogram of %s n=%d off=%d, random start %d", k.description(), shape, n, off, START)
                    .isEqualTo(want);
        }
    }

    /**
     * With 256-bit vectors (a child JVM, {@code -XX:MaxVectorSize=32}: 32 lanes, the mask's upper
     * bits unused) the same counts, with planes taking the vector path.
     */
    @Test
    void twoHundredFiftySixBitVectorsCountTheSame() throws Exception {
        Process child = ChildJvm.start(
                PlaneHistogramCheck.class,
                java.util.List.of("--add-modules", "jdk.incubator.vector", "-XX:MaxVectorSize=32"));
        String answer = ChildJvm.answer(child);
        assertThat(answer).startsWith("vector(256-bit) ok 55 planes, ");
        assertThat(answer).doesNotContain(" 0 by the vector path");
        assertThat(PlaneHistogramCheck.check(VECTOR)).startsWith("ok 55 planes, ");
    }

    /**
     * The exponent planes of real weights (every MiniLM weight matrix as bf16 and f32, blocks of
     * the lossless codec's size), where the vector path runs: the same counts as the scalar kernel.
     */
    @Test
    void realExponentPlanesCountTheSame() throws IOException {
        int planesSeen = 0;
        int byVector = 0;
        try (SafetensorsReader r = SafetensorsReader.open(MiniLmWeights.locate())) {
            for (SafetensorsReader.Entry e : r.entries()) {
                Tensor t = r.tensor(e);
                if (t.shape().rank() != 2 || t.dtype() != DType.F32) {
                    continue;
                }
                int n = Math.toIntExact(t.elementCount());
                float[] x = new float[n];
                FloatConversions.toFloats(t.data(), t.dtype(), 0, x, 0, n);
                for (DType to : new DType[] {DType.BF16, DType.F32}) {
                    MemorySegment m = MemorySegment.ofArray(new byte[(int) to.byteSizeFor(n)]);
                    FloatConversions.fromFloats(x, 0, n, m, to, 0);
                    int planes = to.byteSize();
                    int block = Math.min(n, 256 * 1024 / planes);
                    byte[] buf = new byte[planes * block];
                    SCALAR.split(m, LosslessCodec.layoutOf(to), planes, 0, block, buf, block);
                    int[] want = new int[1024];
                    int[] got = new int[1024];
                    SCALAR.histogram4(buf, 0, block, want);
                    VECTOR.histogram4(buf, 0, block, got);
                    assertThat(got).as("%s %s exponent plane", e.name(), to).isEqualTo(want);
                    assertThat(want).isEqualTo(definition(buf, 0, block));
                    planesSeen++;
                    if (VECTOR != SCALAR && VectorPlaneKernels.histogramByVector(buf, 0, block)) {
                        byVector++;
                    }
                }
            }
        }
        assertThat(planesSeen).isGreaterThan(70);
        if (VECTOR != SCALAR) {
            // the vector path is what ran: nearly every exponent plane has a few dominant values
            assertThat(byVector)
                    .as("exponent planes counted by the vector path")
                    .isGreaterThan(planesSeen * 9 / 10);
        }
    }
}
