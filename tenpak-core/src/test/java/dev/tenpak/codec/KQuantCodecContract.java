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

    /**
     * Each element within half the largest grid gap times its scale (plus what lies past the
     * grid's end). For a rotated codec that bound holds for the rotated values; the rotation is
     * orthonormal, so an element's error is at most the root of its run's squared bounds, plus the
     * rounding of the 8 butterfly stages (forward and inverse) and of the quarter on subnormals.
     */
    @Override
    protected double[] errorBounds(float[] x) {
        KQuantCodec c = kq();
        Tensor t = Tensor.ofFloats("t", Shape.of(x.length), x);
        MemorySegment p = encode(t).payload();
        byte[] b = bytes(p);
        float[] scales = KQuantOracle.elementScales(c.unrotated(), b, x.length);
        float[] r = c.rotated() ? KQuantOracle.rotate(x) : x;
        double[] bound = new double[x.length];
        float gap = c.grid().maxGap();
        float end = c.grid().minEnd();
        for (int i = 0; i < x.length; i++) {
            double s = Math.abs(scales[i]);
            bound[i] = s == 0 ? Math.abs(r[i]) : s * gap / 2 * (1 + 1e-5) + Math.max(0, Math.abs(r[i]) - s * end);
        }
        if (c.rotated()) {
            for (int o = 0; o + 16 <= x.length; o += 16) {
                double sq = 0;
                double mag = 0;
                for (int i = o; i < o + 16; i++) {
                    sq += bound[i] * bound[i];
                    mag += Math.abs(x[i]) + Math.abs(r[i]);
                }
                double run = Math.sqrt(sq) * (1 + 1e-6) + 16 * Math.ulp((float) mag) + 8 * Float.MIN_VALUE;
                java.util.Arrays.fill(bound, o, o + 16, run);
            }
        }
        return bound;
    }

    @Override
    protected byte[] referencePayload(Tensor t) {
        return KQuantOracle.payload(kq(), t.toFloatArray());
    }
}
