package dev.tenpak.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The plane kernels that run scalar until the vector ones are compiled: every call gives the scalar
 * specification's bytes before and after the switch, the switch happens once the warm-up has run,
 * and the warm-up runs no round while calls keep the kernels busy.
 */
class WarmingPlaneKernelsTest {
    static final long START = Long.getLong("tenpak.test.seed", System.nanoTime());

    static final PlaneKernels SCALAR = PlaneKernels.scalar();

    static void assertSameAsScalar(PlaneKernels k, SplittableRandom rnd) {
        for (PlaneLayout layout : new PlaneLayout[] {PlaneLayout.ROT16, PlaneLayout.ROT32, PlaneLayout.BYTES}) {
            int planes = layout == PlaneLayout.ROT16 ? 2 : 4;
            int m = rnd.nextInt(1, 20_000);
            byte[] bits = new byte[planes * m];
            rnd.nextBytes(bits); // every bit pattern: NaNs with payloads, subnormals, signed zeros
            MemorySegment src = MemorySegment.ofArray(bits);
            byte[] want = new byte[planes * m];
            byte[] got = new byte[planes * m];
            SCALAR.split(src, layout, planes, 0, m, want, m);
            k.split(src, layout, planes, 0, m, got, m);
            assertThat(got)
                    .as("split %s m=%d random start %d", layout, m, START)
                    .isEqualTo(want);
            byte[] back = new byte[planes * m];
            k.merge(got, m, layout, planes, m, MemorySegment.ofArray(back), 0);
            assertThat(back)
                    .as("merge %s m=%d random start %d", layout, m, START)
                    .isEqualTo(bits);
        }
    }

    @Test
    void givesTheScalarBytesBeforeAndAfterTheSwitch() {
        SplittableRandom rnd = new SplittableRandom(START);
        PlaneKernels vector = VectorPlaneKernels.create();
        WarmingPlaneKernels k = new WarmingPlaneKernels(SCALAR, vector);
        assertThat(k.isWarm()).isFalse();
        assertThat(k.description()).isEqualTo(vector.description());
        for (int i = 0; i < 5; i++) {
            assertSameAsScalar(k, rnd);
        }
        k.warmUp();
        assertThat(k.failed()).isFalse();
        assertThat(k.isWarm()).isTrue();
        assertThat(k.rounds).isBetween(WarmingPlaneKernels.FASTER_ROUNDS, WarmingPlaneKernels.MAX_ROUNDS);
        for (int i = 0; i < 5; i++) {
            assertSameAsScalar(k, rnd);
        }
    }

    @Test
    void runsNoRoundWhileCallsKeepTheKernelsBusy() throws InterruptedException {
        SplittableRandom rnd = new SplittableRandom(START);
        WarmingPlaneKernels k = WarmingPlaneKernels.startedInBackground(SCALAR, VectorPlaneKernels.create());
        long end = System.nanoTime() + 3 * WarmingPlaneKernels.IDLE_NANOS / 2;
        while (System.nanoTime() < end) {
            assertSameAsScalar(k, rnd); // one call at least every few milliseconds
        }
        assertThat(k.rounds).isZero();
        assertThat(k.isWarm()).isFalse();
    }
}
