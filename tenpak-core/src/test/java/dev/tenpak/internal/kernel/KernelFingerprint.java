package dev.tenpak.internal.kernel;

import dev.tenpak.codec.Codec;
import dev.tenpak.internal.codec.pertensor.SymmetricPerTensorCodec;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * Prints the kernels this JVM chose and a CRC32C over everything they produce for a fixed data set
 * (kernel outputs and codec-level encode/decode of int8 and int4). {@link VectorKernelsTest} runs
 * it in child JVMs (module absent, vector disabled, 256-bit vectors) and compares the hash with
 * the one computed in its own JVM: the bytes must not depend on which kernels ran.
 */
public final class KernelFingerprint {
    private KernelFingerprint() {}

    public static void main(String[] args) {
        System.out.println(QuantKernels.get().description() + " " + Long.toHexString(hash(QuantKernels.get())));
    }

    /** Gaussian weights (std 0.02) with the awkward values of {@link VectorKernelsTest#specials}. */
    static float[] data(int n) {
        SplittableRandom r = new SplittableRandom(20261127L);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * 0.02);
        }
        float[] s = VectorKernelsTest.specials(0.02f);
        for (int i = 0; i < s.length && i < n; i++) {
            x[(int) ((long) i * 7919 % n)] = s[i];
        }
        return x;
    }

    static long hash(QuantKernels k) {
        CRC32C crc = new CRC32C();
        int n = 100_003;
        float[] x = data(n);
        // NaN and infinities are in the data: maxAbs must see them; quantize maps them like the scalar code.
        crc.update(Float.isNaN(k.maxAbs(x, 0, n)) ? 1 : 0);
        float m = 0.1f;
        for (int bits : new int[] {8, 4}) {
            float scale = m / (bits == 8 ? 127 : 7);
            byte[] q = new byte[n];
            float[] back = new float[n];
            if (bits == 8) {
                k.quantizeInt8(x, 0, n, scale, q, 0);
                k.dequantizeInt8(q, 0, n, scale, back, 0);
            } else {
                k.quantizeInt4(x, 0, n, scale, q, 0);
                k.dequantizeInt4(q, 0, n, scale, back, 0);
            }
            crc.update(q);
            updateFloats(crc, back);
        }
        // Error sums of the finite prefix against a perturbed copy, at an odd offset (a scalar tail).
        int finite = 50_001;
        float[] want = java.util.Arrays.copyOf(x, finite);
        float[] got = new float[finite];
        for (int i = 0; i < finite; i++) {
            want[i] = Float.isFinite(want[i]) ? want[i] : 0.25f;
            got[i] = want[i] + (float) Math.scalb((i % 13) - 6, -12);
        }
        double[] sums = new double[3];
        k.errorSums(want, got, 3, finite - 3, sums);
        for (double v : sums) {
            crc.update(java.nio.ByteBuffer.allocate(8).putDouble(v).array());
        }
        // Direct codes of the ecq codecs on the finite values, at two steps (ties on the range's edges).
        float[] finiteX = x.clone();
        for (int i = 0; i < n; i++) {
            finiteX[i] = Float.isFinite(finiteX[i]) ? finiteX[i] : 0x1p127f;
        }
        for (float step : new float[] {0.02f / 64, 0x1p-12f}) {
            byte[] sym = new byte[n];
            crc.update(k.directCodes(finiteX, 1, n - 1, step, sym, 1));
            crc.update(sym);
        }
        // Codec level on finite data (the codecs reject NaN/Inf before any kernel runs).
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(x[i])) {
                x[i] = 0.5f;
            }
        }
        Tensor t = Tensor.ofFloats("w", x, n);
        for (SymmetricPerTensorCodec c :
                new SymmetricPerTensorCodec[] {SymmetricPerTensorCodec.INT8, SymmetricPerTensorCodec.INT4}) {
            byte[] payload = new byte[(int) c.encodedSize(t.dtype(), t.shape())];
            MemorySegment dst = MemorySegment.ofArray(payload);
            byte[] params = c.encode(t, dst);
            crc.update(params);
            crc.update(payload);
            float[] back = new float[n];
            for (int from = 0; from < n; from += Codec.RANGE_ALIGN) {
                int len = Math.min(Codec.RANGE_ALIGN, n - from);
                c.decodeFloats(t.dtype(), t.shape(), params, dst, from, back, from, len);
            }
            updateFloats(crc, back);
            MemorySegment whole = MemorySegment.ofArray(new float[n]);
            c.decode(t.dtype(), t.shape(), params, dst, whole);
            crc.update(whole.toArray(ValueLayout.JAVA_BYTE));
        }
        return crc.getValue();
    }

    private static void updateFloats(CRC32C crc, float[] v) {
        byte[] b = new byte[v.length * 4];
        MemorySegment.copy(v, 0, MemorySegment.ofArray(b), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, v.length);
        crc.update(b);
    }
}
