package dev.tenpak.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import org.junit.jupiter.api.Test;

/** {@code int8_sym_v1}: one signed byte per element, in element order. */
class Int8SymCodecTest extends SymmetricPerTensorCodecContract {
    @Override
    protected Codec codec() {
        return Codecs.byName("int8_sym_v1");
    }

    @Override
    int qmax() {
        return 127;
    }

    @Override
    byte[] pack(int[] q) {
        byte[] b = new byte[q.length];
        for (int i = 0; i < q.length; i++) {
            b[i] = (byte) q[i];
        }
        return b;
    }

    @Test
    void storesOneBytePerElement() {
        assertThat(codec().encodedSize(DType.F32, Shape.of(3, 5))).isEqualTo(15);
        assertThat(codec().encodedSize(DType.BF16, Shape.of())).isEqualTo(1);
        assertThat(codec().encodedSize(DType.F16, Shape.of(0, 9))).isZero();
        assertThat(codec().bitsPerWeight(DType.F32, Shape.of(64))).isEqualTo(8.0);
    }
}
