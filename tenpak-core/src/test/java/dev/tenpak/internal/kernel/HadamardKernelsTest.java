package dev.tenpak.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The rotation of the rotated grid codecs: the vector kernel against the scalar specification
 * ({@link HadamardCheck}'s cases) in this JVM's width and in child JVMs with 256-bit vectors and
 * with the scalar kernels forced; and the specification itself against its definition (an
 * orthonormal matrix, signs from SplitMix64, the inverse undoing the forward).
 */
class HadamardKernelsTest {
    static final long START = 0x510E527FADE682D1L;

    @Test
    void holderPicksTheVectorKernelWhenTheModuleIsPresent() {
        assertThat(HadamardKernels.get().description()).startsWith("vector(");
        assertThat(ScalarHadamardKernels.INSTANCE.description()).isEqualTo("scalar");
    }

    @Test
    void vectorKernelMatchesTheScalarSpecification() {
        assertThat(HadamardCheck.check(VectorHadamardKernels.create())).startsWith("ok ");
    }

    /** The scalar kernel (written out on locals for speed) is the plain loops of the interface's text. */
    @Test
    void scalarKernelIsThePlainLoops() {
        assertThat(HadamardCheck.check(new PlainLoops())).startsWith("ok ");
    }

    /** {@link HadamardKernels}' definition, loop by loop. */
    static final class PlainLoops implements HadamardKernels {
        @Override
        public void forward(float[] x, int off, int len, long firstRun) {
            for (int r = 0; r < len / 16; r++) {
                int o = off + 16 * r;
                negate(x, o, ScalarHadamardKernels.signs(firstRun + r));
                butterflies(x, o);
                for (int i = 0; i < 16; i++) {
                    x[o + i] = x[o + i] * 0.25f;
                }
            }
        }

        @Override
        public void inverse(float[] x, int off, int len, long firstRun) {
            for (int r = 0; r < len / 16; r++) {
                int o = off + 16 * r;
                butterflies(x, o);
                for (int i = 0; i < 16; i++) {
                    x[o + i] = x[o + i] * 0.25f;
                }
                negate(x, o, ScalarHadamardKernels.signs(firstRun + r));
            }
        }

        private static void negate(float[] x, int o, int mask) {
            for (int i = 0; i < 16; i++) {
                if ((mask & 1 << i) != 0) {
                    x[o + i] = -x[o + i];
                }
            }
        }

        private static void butterflies(float[] x, int o) {
            for (int d = 1; d <= 8; d *= 2) {
                for (int i = 0; i < 16; i++) {
                    if ((i & d) == 0) {
                        float a = x[o + i];
                        float b = x[o + i + d];
                        x[o + i] = a + b;
                        x[o + i + d] = a - b;
                    }
                }
            }
        }

        @Override
        public String description() {
            return "plain loops";
        }
    }

    @Test
    void childJvmsWith256BitVectorsAndWithoutTheModuleMatch() throws Exception {
        Process bits = ChildJvm.start(
                HadamardCheck.class, List.of("--add-modules", "jdk.incubator.vector", "-Dtenpak.vector.bits=256"));
        Process disabled = ChildJvm.start(
                HadamardCheck.class, List.of("--add-modules", "jdk.incubator.vector", "-Dtenpak.vector=false"));
        assertThat(ChildJvm.answer(bits)).as("-Dtenpak.vector.bits=256").startsWith("vector(256-bit) ok ");
        assertThat(ChildJvm.answer(disabled)).as("-Dtenpak.vector=false").startsWith("scalar ok ");
    }

    /** The documented hash: the top 16 bits of SplitMix64's outputs from state 0, one per run. */
    @Test
    void signsAreSplitMix64FromStateZero() {
        SplittableRandom sm = new SplittableRandom(0);
        for (long run = 0; run < 10_000; run++) {
            assertThat(ScalarHadamardKernels.signs(run)).as("run %d", run).isEqualTo((int) (sm.nextLong() >>> 48));
        }
        // pinned, so that a change of the hash cannot pass unnoticed
        assertThat(ScalarHadamardKernels.signs(0)).isEqualTo(0xE220);
        assertThat(ScalarHadamardKernels.signs(1)).isEqualTo(0x6E78);
    }

    /** Forward is {@code H16 diag(s) / 4} in exact arithmetic; the float result is within rounding. */
    @Test
    void forwardIsTheOrthonormalMatrixAndInverseUndoesIt() {
        SplittableRandom r = new SplittableRandom(START);
        for (int t = 0; t < 200; t++) {
            long first = r.nextLong(1L << 40);
            float[] x = new float[64 + 7];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            float[] y = x.clone();
            ScalarHadamardKernels.INSTANCE.forward(y, 0, x.length, first);
            for (int run = 0; run < 4; run++) {
                int s = ScalarHadamardKernels.signs(first + run);
                double nx = 0;
                double ny = 0;
                for (int i = 0; i < 16; i++) {
                    double want = 0;
                    for (int j = 0; j < 16; j++) {
                        int h = Integer.bitCount(i & j) % 2 == 0 ? 1 : -1; // Sylvester's H16
                        int sign = (s >>> j & 1) != 0 ? -1 : 1;
                        want += h * sign * (double) x[16 * run + j];
                    }
                    want /= 4;
                    assertThat((double) y[16 * run + i]).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-5));
                    nx += (double) x[16 * run + i] * x[16 * run + i];
                    ny += (double) y[16 * run + i] * y[16 * run + i];
                }
                assertThat(ny).isCloseTo(nx, org.assertj.core.data.Offset.offset(1e-4 * nx));
            }
            for (int i = 64; i < x.length; i++) {
                assertThat(y[i]).as("partial run").isEqualTo(x[i]);
            }
            ScalarHadamardKernels.INSTANCE.inverse(y, 0, x.length, first);
            for (int i = 0; i < x.length; i++) {
                assertThat((double) y[i]).isCloseTo(x[i], org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }
}
