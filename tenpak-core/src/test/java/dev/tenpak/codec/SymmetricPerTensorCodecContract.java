package dev.tenpak.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.internal.codec.pertensor.SymmetricPerTensorCodec;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The per-tensor symmetric codecs' formula, written out independently of the kernels:
 * {@code scale = max|x| / Q} (1.0 for an all-zero tensor), {@code q = clamp(rint(x / scale), -Q, Q)}
 * with ties to even, parameters = the scale as a little-endian f32. Subclasses say how codes are
 * packed.
 */
abstract class SymmetricPerTensorCodecContract extends AbstractCodecTest {
    /** The largest code magnitude, 127 or 7. */
    abstract int qmax();

    /** Packs codes into payload bytes as docs/FORMAT.md describes. */
    abstract byte[] pack(int[] q);

    /** The documented scale for values {@code x}. */
    float referenceScale(float[] x) {
        float m = maxAbs(x);
        if (m == 0f) {
            return 1f;
        }
        float s = m / qmax();
        if (s < Float.MIN_NORMAL && s * qmax() < m) {
            // a subnormal quotient that rounded down would push max|x| / scale past Q; the next
            // float up restores the scale / 2 bound (and replaces an underflow to zero)
            return Math.nextUp(s);
        }
        // near Float.MAX_VALUE, Q * scale may round to infinity: one ulp less keeps decoding finite
        return Float.isInfinite(s * qmax()) ? Math.nextDown(s) : s;
    }

    int[] referenceCodes(float[] x) {
        float s = referenceScale(x);
        int[] q = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            double y = Math.max(-qmax(), Math.min(qmax(), x[i] / s));
            q[i] = (int) Math.rint(y);
        }
        return q;
    }

    @Override
    protected byte[] referencePayload(Tensor t) {
        return pack(referenceCodes(t.toFloatArray()));
    }

    @Override
    protected double[] errorBounds(float[] x) {
        double[] b = new double[x.length];
        java.util.Arrays.fill(b, referenceScale(x) / 2.0);
        return b;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void paramsHoldTheScaleAsLittleEndianF32(DType dtype, Dataset d) {
        Tensor t = tensor(d, dtype);
        Encoded e = encode(t);
        byte[] expected = ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(referenceScale(t.toFloatArray()))
                .array();
        assertThat(e.params()).isEqualTo(expected);
    }

    @Test
    void roundsHalfToEven() {
        // max|x| = Q gives scale 1.0, so codes are the rounded values themselves; rint(-0.5) is
        // -0.0, stored as code 0, so it decodes to +0.0
        float q = qmax();
        float[] x = {q, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.5f};
        Tensor t = Tensor.ofFloats("halves", x, x.length);
        Encoded e = encode(t);
        assertThat(SymmetricPerTensorCodec.scaleOf(e.params())).isEqualTo(1f);
        float[] y = new float[x.length];
        codec().decodeFloats(DType.F32, t.shape(), e.params(), e.payload(), 0, y, 0, y.length);
        assertThat(y).containsExactly(q, 0f, 2f, 2f, 0f, -2f, -2f, 4f);
    }

    @Test
    void refusesNonFloatDtypes() {
        for (DType d : DType.values()) {
            assertThat(codec().accepts(d)).as("%s", d).isEqualTo(d.isCompressible());
            if (!d.isCompressible()) {
                assertThat(codec().validate(d, Shape.of(4), new byte[4], 4))
                        .as("%s", d)
                        .isNotNull();
            }
        }
    }

    @Test
    void validateRejectsBadParametersAndLengths() {
        Shape s = Shape.of(5);
        long good = codec().encodedSize(DType.F32, s);
        byte[] one = ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(1f)
                .array();
        assertThat(codec().validate(DType.F32, s, one, good)).isNull();
        assertThat(codec().validate(DType.F32, s, one, good + 1)).contains("must be " + good + " bytes");
        assertThat(codec().validate(DType.F32, s, new byte[3], good)).contains("4 bytes");
        for (float bad : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            byte[] p = ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putFloat(bad)
                    .array();
            assertThat(codec().validate(DType.F32, s, p, good))
                    .as("scale %s", bad)
                    .contains("scale");
        }
    }
}
