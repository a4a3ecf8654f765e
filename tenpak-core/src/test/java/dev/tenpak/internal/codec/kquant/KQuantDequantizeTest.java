package dev.tenpak.internal.codec.kquant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.internal.kernel.ScalarHadamardKernels;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The grid codecs' decoder (sub-scales read 8 at a time, codes by the {@code GridDequantKernels}
 * of this JVM, vector or scalar); this checks it against the plain definition (unpack every code with {@link BitPacking#unpack}, then {@code scale * level}) on
 * arbitrary payloads: every layout, lengths that end inside a group of 8, a sub-block and a
 * super-block, ranges that start anywhere (for the rotated codecs: the chunked inverse rotation of
 * this JVM's kernel gives the specification's over the whole tensor), and every bit pattern of scales and codes (including
 * f16 super-scales that are infinite or NaN).
 */
class KQuantDequantizeTest {
    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (KQuantCodec c : KQuantCodec.EVERY) {
            for (long n :
                    new long[] {1, 7, 8, 9, 15, 16, 17, 33, 255, 256, 257, 1000, 4096, 65536, 65536 + 300, 200_003}) {
                b.add(Arguments.of(c, n));
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("cases")
    void decodesAsUnpackingThenScalingWould(KQuantCodec c, long n) {
        SplittableRandom rnd = new SplittableRandom(n * 31 + c.name().hashCode());
        Shape shape = Shape.of(n);
        byte[] bytes = new byte[(int) c.encodedSize(DType.F32, shape)];
        rnd.nextBytes(bytes);
        MemorySegment payload = MemorySegment.ofArray(bytes);
        float[] expected = reference(c, bytes, (int) n);

        float[] all = new float[(int) n];
        c.decodeFloats(DType.F32, shape, new byte[0], payload, 0, all, 0, (int) n);
        assertSameBits(all, expected, 0);

        for (int t = 0; t < 5; t++) {
            int from = rnd.nextInt((int) n);
            int len = 1 + rnd.nextInt((int) n - from);
            float[] part = new float[len + 3];
            c.decodeFloats(DType.F32, shape, new byte[0], payload, from, part, 3, len);
            float[] slice = new float[len];
            System.arraycopy(part, 3, slice, 0, len);
            float[] want = new float[len];
            System.arraycopy(expected, from, want, 0, len);
            assertSameBits(slice, want, from);
        }
    }

    private static void assertSameBits(float[] got, float[] want, int from) {
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToIntBits(got[i]) != Float.floatToIntBits(want[i])) {
                assertThat(got[i]).as("element %d", from + i).isEqualTo(want[i]);
            }
        }
    }

    /** The layout read the plain way: every plane unpacked in full, then scale times level. */
    private static float[] reference(KQuantCodec c, byte[] p, int n) {
        KQuantCodec.Planes planes = c.planes(n);
        int sub = c.subBlock();
        int nsub = (n + sub - 1) / sub;
        byte[] codes = new byte[n];
        BitPacking.unpack(
                slice(p, planes.superBytes() + planes.scaleBytes(), planes.codeBytes()), n, c.bits(), false, codes);
        float[] scale = new float[nsub];
        if (c.superBlocks()) {
            byte[] l = new byte[nsub];
            BitPacking.unpack(slice(p, planes.superBytes(), planes.scaleBytes()), nsub, c.scaleBits(), true, l);
            for (int j = 0; j < nsub; j++) {
                int k = j * sub / 256;
                short d = (short) ((p[2 * k] & 0xFF) | (p[2 * k + 1] & 0xFF) << 8);
                scale[j] = Float.float16ToFloat(d) * l[j];
            }
        } else {
            for (int j = 0; j < nsub; j++) {
                short d = (short) ((p[2 * j] & 0xFF) | (p[2 * j + 1] & 0xFF) << 8);
                scale[j] = Float.float16ToFloat(d);
            }
        }
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = scale[i / sub] * c.grid().level(codes[i]);
        }
        if (c.rotated()) { // the whole tensor at once, by the specification
            ScalarHadamardKernels.INSTANCE.inverse(y, 0, n, 0);
        }
        return y;
    }

    private static byte[] slice(byte[] p, long from, long len) {
        byte[] out = new byte[(int) len];
        System.arraycopy(p, (int) from, out, 0, (int) len);
        return out;
    }
}
