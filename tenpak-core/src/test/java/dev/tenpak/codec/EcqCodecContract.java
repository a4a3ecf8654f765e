package dev.tenpak.codec;

import dev.tenpak.internal.codec.entropycoded.EcqCodec;
import dev.tenpak.internal.entropy.PlaneCoder;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Tensor;
import java.io.ByteArrayOutputStream;

/**
 * The codec contract for one {@link EcqCodec}, with an oracle written from docs/FORMAT.md alone:
 * the step from a plain double sum, codes by {@link Math#rint}, symbols and raw bits written one
 * bit at a time, blocks laid out by hand. The symbol record itself comes from {@link PlaneCoder},
 * whose own tests pin it. One subclass per codec.
 */
abstract class EcqCodecContract extends AbstractCodecTest {
    abstract EcqCodec ecq();

    @Override
    protected Codec codec() {
        return ecq();
    }

    /**
     * Not part of this family's contract: the step follows the tensor's root mean square, which
     * decoding changes, so re-encoding decoded values picks another step (as for the searched scales
     * of the grid codecs).
     */
    @Override
    void reencodingTheDecodedTensorGivesTheSameBytes(DType dtype, Dataset d) {}

    /** The step docs/FORMAT.md gives for these values. */
    float step(float[] x) {
        double sum = 0;
        for (float v : x) {
            sum += (double) v * v;
        }
        if (sum == 0) {
            return 0f;
        }
        double rms = Math.sqrt(sum / x.length);
        float s = (float) Math.min(Float.MAX_VALUE, rms * EcqCodec.STEP_FACTOR * Math.pow(2, 2 - ecq().bits()));
        return Math.max(s, Float.MIN_VALUE);
    }

    @Override
    protected double[] errorBounds(float[] x) {
        float step = step(x);
        double[] bound = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            // one whole step where rounding up would leave the f32 range
            boolean edge = Math.abs((double) x[i]) + step / 2.0 > Float.MAX_VALUE;
            bound[i] = (edge ? step : step / 2.0) * (1 + 1e-6);
        }
        return bound;
    }

    @Override
    protected byte[] referencePayload(Tensor t) {
        return payload(t.toFloatArray(), step(t.toFloatArray()), EcqCodec.BLOCK_ELEMENTS);
    }

    /** The payload of {@code x} for this step, in blocks of {@code block} elements. */
    static byte[] payload(float[] x, float step, int block) {
        int n = x.length;
        int blocks = (n + block - 1) / block;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        long[] ends = new long[blocks];
        PlaneCoder coder = new PlaneCoder();
        for (int b = 0; b < blocks; b++) {
            int m = Math.min(block, n - b * block);
            byte[] sym = new byte[m];
            StringBuilder bitsLsbFirst = new StringBuilder();
            for (int i = 0; i < m; i++) {
                float v = x[b * block + i];
                long q = step == 0 ? 0 : (long) Math.rint(v / (double) step);
                q = Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, q));
                if (Float.isInfinite((float) (q * (double) step))) {
                    q -= Long.signum(q);
                }
                long z = q >= 0 ? 2 * q : -2 * q - 1;
                if (z < 128) {
                    sym[i] = (byte) z;
                } else {
                    int len = 64 - Long.numberOfLeadingZeros(z);
                    sym[i] = (byte) (128 + 4 * (len - 8) + ((z >> (len - 3)) & 3));
                    for (int k = 0; k < len - 3; k++) {
                        bitsLsbFirst.append((z >> k) & 1);
                    }
                }
            }
            byte[] rec = new byte[PlaneCoder.maxEncodedSize(m) + 64];
            int w = coder.encode(sym, 0, m, rec, 0);
            body.write(rec, 0, w);
            for (int k = 0; k < bitsLsbFirst.length(); k += 8) {
                int v = 0;
                for (int j = 0; j < 8 && k + j < bitsLsbFirst.length(); j++) {
                    v |= (bitsLsbFirst.charAt(k + j) - '0') << j;
                }
                body.write(v);
            }
            ends[b] = body.size();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeLe(out, block, 4);
        out.write(1);
        out.write(0);
        writeLe(out, 0, 2);
        for (long e : ends) {
            writeLe(out, e, 8);
        }
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    static void writeLe(ByteArrayOutputStream out, long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (v >>> (8 * i)));
        }
    }
}
