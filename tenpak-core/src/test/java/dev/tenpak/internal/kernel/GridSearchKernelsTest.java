package dev.tenpak.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.internal.codec.kquant.KQuantCodec;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The vector scale search against the scalar specification, {@link GridQuantizer#searchScaleScalar}:
 * the same float, bit for bit, for every grid of the grid codecs, block lengths 1 to 40 at odd
 * offsets, and values that make trial scales overflow, underflow, tie or clamp; and the vector
 * code-and-error pass against {@link GridQuantizer#codesAndSquaredErrorScalar} ({@link
 * GridSearchCheck}), in this JVM's width and in child JVMs with 256-bit vectors and scalar kernels.
 */
class GridSearchKernelsTest {
    static final long SEED = 0x510E527FADE682D1L;
    static GridSearchKernels vector;

    @BeforeAll
    static void loadVector() {
        System.out.println("GridSearchKernelsTest seed " + Long.toHexString(SEED) + ", kernel in use: "
                + GridSearchKernels.get().description());
        vector = VectorGridSearchKernels.create();
    }

    @Test
    void holderPicksTheVectorKernelWhenTheModuleIsPresent() {
        // Surefire runs with --add-modules jdk.incubator.vector (parent pom); CPUs without 8/16 lanes fall back.
        assertThat(GridSearchKernels.get().description()).startsWith("vector(");
        assertThat(ScalarGridSearchKernels.INSTANCE.description()).isEqualTo("scalar");
    }

    enum Data {
        GAUSSIAN,
        STUDENT_T,
        ON_THE_GRID,
        ZEROS,
        ONE_NONZERO,
        ALL_EQUAL,
        TINY,
        SUBNORMAL,
        HUGE,
        MIXED_SIGN_ZERO
    }

    static float[] data(Data d, int n, SplittableRandom r, GridQuantizer g) {
        float[] x = new float[n];
        float[] levels = g.grid();
        for (int i = 0; i < n; i++) {
            x[i] = switch (d) {
                case GAUSSIAN -> (float) (r.nextGaussian() * 0.04);
                case STUDENT_T -> (float) (r.nextGaussian() / Math.sqrt(Math.max(1e-3, r.nextExponential() / 1.5)));
                // values exactly on scaled levels: many trials hit midpoints and ties
                case ON_THE_GRID -> levels[r.nextInt(levels.length)] * 0.25f;
                case ZEROS -> 0f;
                case ONE_NONZERO -> i == n / 2 ? -0.3f : 0f;
                case ALL_EQUAL -> 0.0625f;
                // |x| near 1e-39: end / m overflows float, so trials are skipped
                case TINY -> (float) (r.nextGaussian() * 1e-39);
                case SUBNORMAL -> Float.MIN_VALUE * r.nextInt(-5, 6);
                case HUGE -> (float) (r.nextGaussian() * 1e37);
                case MIXED_SIGN_ZERO -> r.nextBoolean() ? -0f : (float) (r.nextInt(-3, 4) * 1e-3);
            };
        }
        return x;
    }

    static Stream<Arguments> cases() {
        return KQuantCodec.ALL.stream().flatMap(c -> Stream.of(Data.values()).map(d -> Arguments.of(c.name(), d)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void vectorSearchGivesTheScalarScaleBitForBit(String codec, Data d) {
        GridQuantizer g = KQuantCodec.ALL.stream()
                .filter(c -> c.name().equals(codec))
                .findFirst()
                .orElseThrow()
                .grid();
        SplittableRandom r = new SplittableRandom(SEED ^ codec.hashCode() ^ d.ordinal());
        int checked = 0;
        for (int len = 1; len <= 40; len++) {
            for (int rep = 0; rep < 6; rep++) {
                int off = r.nextInt(0, 5);
                float[] x = data(d, off + len + 3, r, g);
                float want = g.searchScaleScalar(x, off, len);
                float got = vector.searchScale(g, x, off, len);
                assertThat(Float.floatToRawIntBits(got))
                        .as("%s %s len %d off %d: scalar %s, vector %s", codec, d, len, off, want, got)
                        .isEqualTo(Float.floatToRawIntBits(want));
                assertThat(Float.floatToRawIntBits(g.searchScale(x, off, len)))
                        .isEqualTo(Float.floatToRawIntBits(want));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(240);
    }

    @Test
    void vectorCodesAndErrorMatchTheScalarSpecification() {
        assertThat(GridSearchCheck.check(vector)).startsWith("ok ");
    }

    @Test
    void childJvmsWith256BitVectorsAndWithoutTheModuleMatch() throws Exception {
        // Started together: each child is a cold JVM, and they are independent.
        Process bits = ChildJvm.start(
                GridSearchCheck.class, List.of("--add-modules", "jdk.incubator.vector", "-Dtenpak.vector.bits=256"));
        Process max = ChildJvm.start(
                GridSearchCheck.class, List.of("--add-modules", "jdk.incubator.vector", "-XX:MaxVectorSize=32"));
        Process disabled = ChildJvm.start(
                GridSearchCheck.class, List.of("--add-modules", "jdk.incubator.vector", "-Dtenpak.vector=false"));
        assertThat(ChildJvm.answer(bits)).as("-Dtenpak.vector.bits=256").startsWith("vector(256-bit) ok ");
        assertThat(ChildJvm.answer(max)).as("-XX:MaxVectorSize=32").startsWith("vector(256-bit) ok ");
        assertThat(ChildJvm.answer(disabled)).as("-Dtenpak.vector=false").startsWith("scalar ok ");
    }
}
