package dev.tenpak.internal.kernel;

/** Plain-Java group kernels: the specification the vector kernels are tested against. */
public final class ScalarGroupQuantKernels implements GroupQuantKernels {
    public static final ScalarGroupQuantKernels INSTANCE = new ScalarGroupQuantKernels();

    private ScalarGroupQuantKernels() {}

    @Override
    public int quantizeGroups(
            float[] x, int off, int groups, int g, int qmax, short[] scales, int soff, byte[] q, int qoff) {
        float fq = qmax;
        for (int k = 0; k < groups; k++) {
            int base = off + k * g;
            short sb = GroupScales.symmetric(GroupScales.maxAbs(x, base, g), qmax);
            if (sb == GroupScales.INVALID) {
                return k;
            }
            scales[soff + k] = sb;
            float inv = GroupScales.inverse(Float.float16ToFloat(sb));
            int qb = qoff + k * g;
            for (int i = 0; i < g; i++) {
                q[qb + i] = (byte) GroupScales.quantize(x[base + i], inv, fq);
            }
        }
        return -1;
    }

    @Override
    public void dequantizeGroups(byte[] q, int qoff, int groups, int g, short[] scales, int soff, float[] x, int off) {
        for (int k = 0; k < groups; k++) {
            float s = Float.float16ToFloat(scales[soff + k]);
            int base = k * g;
            for (int i = 0; i < g; i++) {
                x[off + base + i] = q[qoff + base + i] * s;
            }
        }
    }

    @Override
    public int quantizeGroupsInt4(
            float[] x, int off, int groups, int g, short[] scales, int soff, byte[] packed, int poff) {
        for (int k = 0; k < groups; k++) {
            int base = off + k * g;
            short sb = GroupScales.symmetric(GroupScales.maxAbs(x, base, g), 7);
            if (sb == GroupScales.INVALID) {
                return k;
            }
            scales[soff + k] = sb;
            float inv = GroupScales.inverse(Float.float16ToFloat(sb));
            for (int b = 0; b < g; b += 32) {
                int xb = base + b;
                int pb = poff + (k * g + b) / 2;
                for (int j = 0; j < 16; j++) {
                    int lo = GroupScales.quantize(x[xb + j], inv, 7f);
                    int hi = GroupScales.quantize(x[xb + 16 + j], inv, 7f);
                    packed[pb + j] = (byte) ((lo & 0x0F) | (hi << 4));
                }
            }
        }
        return -1;
    }

    @Override
    public void dequantizeGroupsInt4(
            byte[] packed, int poff, int groups, int g, short[] scales, int soff, float[] x, int off) {
        for (int k = 0; k < groups; k++) {
            float s = Float.float16ToFloat(scales[soff + k]);
            for (int b = 0; b < g; b += 32) {
                int xb = off + k * g + b;
                int pb = poff + (k * g + b) / 2;
                for (int j = 0; j < 16; j++) {
                    int v = packed[pb + j];
                    x[xb + j] = ((v << 28) >> 28) * s;
                    x[xb + 16 + j] = (v >> 4) * s;
                }
            }
        }
    }

    @Override
    public String description() {
        return "scalar";
    }
}
