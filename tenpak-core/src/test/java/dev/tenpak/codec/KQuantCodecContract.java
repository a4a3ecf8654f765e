package dev.tenpak.codec;

import dev.tenpak.internal.codec.kquant.KQuantCodec;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The codec contract for one {@link KQuantCodec}, with an oracle written from docs/FORMAT.md
 * alone: linear-scan nearest levels instead of the lookup table, plain loops
 * instead of the kernels' scratch reuse, bit-by-bit packing. One subclass per codec.
 */
abstract class KQuantCodecContract extends AbstractCodecTest {
    abstract KQuantCodec kq();

    @Override
    protected Codec codec() {
        return kq();
    }

    /** {@code +-max} of F32/BF16 is beyond the f16 scales (tested in KQuantCodecTest); the rest stay. */
    @Override
    protected List<Dataset> datasets(DType dtype) {
        List<Dataset> list = new ArrayList<>();
        for (Dataset d : super.datasets(dtype)) {
            if (!(d.name().equals("+-max") && dtype != DType.F16)) {
                list.add(d);
            }
        }
        list.add(new Dataset("+-30000", new long[] {3, 100}, alternating(300, 30000f)));
        return list;
    }

    static float[] alternating(int n, float v) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (i & 1) == 0 ? v : -v * (i % 7) / 7;
        }
        return x;
    }

    /**
     * Not part of this family's contract: the searched scales follow the data's spread, which
     * decoding changes, so re-encoding decoded values may pick other scales (as for
     * {@code int4_sym_g32_search_v1}).
     */
    @Override
    void reencodingTheDecodedTensorGivesTheSameBytes(DType dtype, Dataset d) {}

    @Override
    protected double[] errorBounds(float[] x) {
        KQuantCodec c = kq();
        Tensor t = Tensor.ofFloats("t", Shape.of(x.length), x);
        MemorySegment p = encode(t).payload();
        byte[] b = bytes(p);
        float[] scales = KQuantOracle.elementScales(c, b, x.length);
        double[] bound = new double[x.length];
        float gap = c.grid().maxGap();
        float end = c.grid().minEnd();
        for (int i = 0; i < x.length; i++) {
            double s = Math.abs(scales[i]);
            bound[i] = s == 0 ? Math.abs(x[i]) : s * gap / 2 * (1 + 1e-5) + Math.max(0, Math.abs(x[i]) - s * end);
        }
        return bound;
    }

    @Override
    protected byte[] referencePayload(Tensor t) {
        return KQuantOracle.payload(kq(), t.toFloatArray());
    }
}
