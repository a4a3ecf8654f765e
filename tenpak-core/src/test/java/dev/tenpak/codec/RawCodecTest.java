package dev.tenpak.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code raw_v1}: the tensor's own little-endian bytes, bit for bit, for every dtype. */
class RawCodecTest extends AbstractCodecTest {
    @Override
    protected Codec codec() {
        return Codecs.byName("raw_v1");
    }

    @Override
    protected byte[] referencePayload(Tensor t) {
        return bytes(t.data());
    }

    @Override
    protected double[] errorBounds(float[] x) {
        return new double[x.length];
    }

    /** Random bit patterns of every dtype (NaN payloads, negative zero, subnormals included) come back unchanged. */
    @ParameterizedTest
    @EnumSource(DType.class)
    void everyDtypeIsCarriedBitForBit(DType dtype) {
        SplittableRandom r = rng("raw " + dtype);
        int n = 4099;
        byte[] data = new byte[(int) dtype.byteSizeFor(n)];
        r.nextBytes(data);
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) { // plant the NaN payloads and signed zeros a float conversion would lose
            case F32 ->
                b.putInt(0, 0x7F800001)
                        .putInt(4, 0xFFC00123)
                        .putInt(8, 0x80000000)
                        .putInt(12, 0x7FBFFFFF);
            case F16, BF16 ->
                b.putShort(0, (short) 0x7C01)
                        .putShort(2, (short) 0xFF81)
                        .putShort(4, (short) 0x8000)
                        .putShort(6, (short) 0x7F80);
            case F64 -> b.putLong(0, 0x7FF0000000000001L).putLong(8, 0x8000000000000000L);
            default -> {}
        }
        Tensor t = new Tensor("t", dtype, Shape.of(n), MemorySegment.ofArray(data.clone()));
        Encoded e = encode(t);
        assertThat(e.params()).isEmpty();
        assertThat(codec().validate(dtype, t.shape(), e.params(), e.payload().byteSize()))
                .isNull();
        assertSameBytes(bytes(e.payload()), data, "payload of " + dtype);
        MemorySegment out = MemorySegment.ofArray(new byte[data.length]);
        codec().decode(dtype, t.shape(), e.params(), e.payload(), out);
        assertSameBytes(bytes(out), data, "decoded " + dtype);
        assertThat(codec().validate(dtype, t.shape(), new byte[1], data.length)).contains("no parameters");
        assertThat(codec().validate(dtype, t.shape(), e.params(), data.length - 1L))
                .contains("must be " + data.length);
    }
}
