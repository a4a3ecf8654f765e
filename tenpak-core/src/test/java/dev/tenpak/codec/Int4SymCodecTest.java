package dev.tenpak.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@code int4_sym_v1}: two codes per byte, element {@code 2i} in the low nibble and {@code 2i+1}
 * in the high nibble, each a 4-bit two's complement value; an odd count leaves the last high
 * nibble zero.
 */
class Int4SymCodecTest extends SymmetricPerTensorCodecContract {
    @Override
    protected Codec codec() {
        return Codecs.byName("int4_sym_v1");
    }

    @Override
    int qmax() {
        return 7;
    }

    @Override
    byte[] pack(int[] q) {
        byte[] b = new byte[(q.length + 1) / 2];
        for (int i = 0; i < q.length; i++) {
            int nibble = q[i] & 0x0F;
            b[i / 2] |= (byte) (i % 2 == 0 ? nibble : nibble << 4);
        }
        return b;
    }

    @Test
    void packsLowNibbleFirst() {
        // max 7 gives scale 1.0: codes equal the values
        Tensor t = Tensor.ofFloats("nibbles", new float[] {1, -2, 7, -7, 3}, 5);
        Encoded e = encode(t);
        assertThat(bytes(e.payload())).containsExactly(0xE1 - 256, 0x97 - 256, 0x03);
    }

    @Test
    void storesTwoElementsPerByteRoundingUp() {
        assertThat(codec().encodedSize(DType.F32, Shape.of(7))).isEqualTo(4);
        assertThat(codec().encodedSize(DType.F32, Shape.of(8))).isEqualTo(4);
        assertThat(codec().encodedSize(DType.F16, Shape.of())).isEqualTo(1);
        assertThat(codec().encodedSize(DType.BF16, Shape.of(0))).isZero();
    }
}
