package dev.tenpak.internal.kernel;

import dev.tenpak.internal.codec.kquant.KQuantCodec;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Runs a grid search kernel against the scalar specifications ({@link
 * GridQuantizer#searchScaleScalar}, {@link GridQuantizer#codesAndSquaredErrorScalar}) and prints the
 * kernel's description and "ok" with the number of cases, or the first difference. {@link
 * GridSearchKernelsTest} calls it in its own JVM and in child JVMs with 256-bit vectors. Cases:
 * every grid codec's grid, every kind of {@link GridSearchKernelsTest.Data}, block lengths 1 to 40
 * (one, two and three vectors with a tail, at 8 and 16 lanes) at odd offsets, and for the codes the
 * searched scale, its f16 rounding, its negation, zero, and scales whose reciprocal overflows or
 * underflows; whole and short super-blocks of every super-block codec through {@link
 * #checkSuperBlock}; runs of f16-scaled blocks of 32 and 16 over every grid through {@link
 * #checkF16Blocks}; and every grid's midpoints, the floats next to them and values beyond the grid's ends
 * ({@link #checkMidpoints}), where a lookup of the count would go wrong first; the same, and whole
 * super-blocks and runs of f16-scaled blocks, over {@link #OTHER_GRIDS}; and, for the vector
 * kernel, the codes of its lanes' code pass at such values, NaN and the infinities included
 * ({@link #checkLaneCodes}), and of its f16-block quantizer's pass in element order ({@link
 * #checkInOrderCodes}).
 */
public final class GridSearchCheck {
    static final long START = 0x6A09E667F3BCC908L;

    private GridSearchCheck() {}

    public static void main(String[] args) {
        GridSearchKernels k = GridSearchKernels.get();
        System.out.println(k.description() + " " + check(k));
    }

    /** "ok N" after N cases, or the first case that differs from the scalar code. */
    static String check(GridSearchKernels k) {
        SplittableRandom r = new SplittableRandom(START);
        int cases = 0;
        for (KQuantCodec codec : KQuantCodec.ALL) {
            GridQuantizer g = codec.grid();
            for (GridSearchKernelsTest.Data d : GridSearchKernelsTest.Data.values()) {
                for (int len = 1; len <= 40; len++) {
                    int off = r.nextInt(0, 5);
                    float[] x = GridSearchKernelsTest.data(d, off + len + 3, r, g);
                    float want = g.searchScaleScalar(x, off, len);
                    float got = k.searchScale(g, x, off, len);
                    if (Float.floatToRawIntBits(got) != Float.floatToRawIntBits(want)) {
                        return codec.name() + " " + d + " len " + len + " off " + off + ": search gives " + got
                                + ", scalar " + want;
                    }
                    float f16 = Float.float16ToFloat(Float.floatToFloat16(want));
                    float[] scales = {want, f16, -want, 0f, 1e-38f, Float.MIN_VALUE, 3e38f, -0.01f};
                    for (float c : scales) {
                        int qoff = r.nextInt(0, 3);
                        byte[] wantQ = new byte[qoff + len + 2];
                        byte[] gotQ = new byte[qoff + len + 2];
                        Arrays.fill(wantQ, (byte) -7);
                        Arrays.fill(gotQ, (byte) -7);
                        double we = g.codesAndSquaredErrorScalar(x, off, len, c, wantQ, qoff);
                        double ge = k.codesAndSquaredError(g, x, off, len, c, gotQ, qoff);
                        if (Double.doubleToRawLongBits(we) != Double.doubleToRawLongBits(ge)
                                || !Arrays.equals(wantQ, gotQ)) {
                            return codec.name() + " " + d + " len " + len + " off " + off + " scale " + c
                                    + ": codes " + Arrays.toString(gotQ) + " error " + ge + ", scalar "
                                    + Arrays.toString(wantQ) + " " + we;
                        }
                        cases++;
                    }
                    cases++;
                }
            }
        }
        for (KQuantCodec codec : KQuantCodec.ALL) {
            if (!codec.superBlocks()) {
                continue;
            }
            SuperBlockQuantizer sq = new SuperBlockQuantizer(codec.grid(), codec.subBlock(), codec.scaleBits());
            for (GridSearchKernelsTest.Data d : GridSearchKernelsTest.Data.values()) {
                int full = SuperBlockQuantizer.SUPER;
                for (int len : new int[] {full, full, full, full - 1, 100, 1}) {
                    for (boolean spread : new boolean[] {false, true}) {
                        String bad = checkSuperBlock(k, sq, d, len, spread, r);
                        if (bad != null) {
                            return codec.name() + " " + d + " len " + len + (spread ? " spread" : "") + ": " + bad;
                        }
                        cases++;
                    }
                }
            }
        }
        for (KQuantCodec codec : KQuantCodec.ALL) {
            F16BlockQuantizer bq = new F16BlockQuantizer(codec.grid());
            for (GridSearchKernelsTest.Data d : GridSearchKernelsTest.Data.values()) {
                for (int block : new int[] {32, 16}) {
                    for (int len : new int[] {2 * 16 * block + 3 * block + 5, 16 * block, 8 * block, block, 1}) {
                        for (boolean spread : new boolean[] {false, true}) {
                            String bad = checkF16Blocks(k, bq, d, block, len, spread, r);
                            if (bad != null) {
                                return codec.name() + " f16 blocks of " + block + " " + d + " len " + len
                                        + (spread ? " spread" : "") + ": " + bad;
                            }
                            cases++;
                        }
                    }
                }
            }
        }
        for (KQuantCodec codec : KQuantCodec.ALL) {
            String bad = checkMidpoints(k, codec.grid());
            if (bad != null) {
                return codec.name() + " " + bad;
            }
            cases++;
        }
        for (float[] levels : OTHER_GRIDS) {
            GridQuantizer g = new GridQuantizer(levels);
            String name = levels.length + " levels " + Arrays.toString(levels);
            SuperBlockQuantizer sq = new SuperBlockQuantizer(g, 16, 6);
            F16BlockQuantizer bq = new F16BlockQuantizer(g);
            for (GridSearchKernelsTest.Data d : GridSearchKernelsTest.Data.values()) {
                for (boolean spread : new boolean[] {false, true}) {
                    String bad = checkSuperBlock(k, sq, d, SuperBlockQuantizer.SUPER, spread, r);
                    if (bad == null) {
                        bad = checkF16Blocks(k, bq, d, 32, 16 * 32 + 7, spread, r);
                    }
                    if (bad != null) {
                        return name + " " + d + (spread ? " spread" : "") + ": " + bad;
                    }
                    cases += 2;
                }
            }
            String bad = checkMidpoints(k, g);
            if (bad == null && k instanceof VectorGridSearchKernels) {
                bad = checkLaneCodes(g);
            }
            if (bad == null && k instanceof VectorGridSearchKernels) {
                bad = checkInOrderCodes(g, r);
            }
            if (bad != null) {
                return name + " " + bad;
            }
            cases++;
        }
        for (KQuantCodec codec : KQuantCodec.ALL) {
            if (k instanceof VectorGridSearchKernels) {
                String bad = checkLaneCodes(codec.grid());
                if (bad == null) {
                    bad = checkInOrderCodes(codec.grid(), r);
                }
                if (bad != null) {
                    return codec.name() + " " + bad;
                }
                cases++;
            }
        }
        return "ok " + cases;
    }

    /**
     * Grids besides the codecs': 5 to 7 levels (where the lanes' binary search compares padding
     * midpoints of {@code +inf}), 8 levels one ulp apart (midpoints as close as they come),
     * asymmetric ones, and 33, 47 and 64 levels for the six-step search ({@link #wide}).
     */
    static final float[][] OTHER_GRIDS = {
        {-1f, -0.5f, 0f, 0.5f, 1f},
        {-1f, -0.6f, -0.2f, 0.2f, 0.6f, 1f},
        {-1f, -0.7f, -0.35f, 0f, 0.3f, 0.65f, 1f},
        {-0.25f, -0.125f, 0f, 1f, Math.nextUp(1f), Math.nextUp(Math.nextUp(1f)), 1.5f, 2f},
        {-3f, -1f, -0.1f, 0.05f, 0.2f, 0.9f, 4f, 8f},
        {-2f, -1f, 0f, 1f},
        wide(33, 0),
        wide(47, 3),
        wide(64, 5)
    };

    /**
     * A grid of {@code n} levels for the lanes' six-step binary search (33 to 64 levels at 8 lanes):
     * uneven steps, and every {@code every}-th level one ulp above the one before it (midpoints as
     * close as they come), where a wrong step of the search would show.
     */
    static float[] wide(int n, int every) {
        float[] g = new float[n];
        g[0] = -1.5f;
        for (int i = 1; i < n; i++) {
            g[i] = every > 0 && i % every == 0 ? Math.nextUp(g[i - 1]) : g[i - 1] + 0.01f * (1 + i % 7);
        }
        return g;
    }

    /**
     * {@link VectorGridSearchKernels#codesInOrder} (the vector f16-block quantizer's final codes,
     * written in element order) against {@link GridQuantizer#codes} block by block: values that,
     * divided by their block's scale, land on every midpoint, the floats next to it, the levels and
     * beyond the ends; scales that are powers of two (so the midpoints are met exactly), not, negative,
     * tiny and zero. Null when they all match or the grid has no lookup at this width (the quantizer
     * then keeps the lanes' codes, which the f16-block cases above check).
     */
    static String checkInOrderCodes(GridQuantizer g, SplittableRandom r) {
        float[] levels = g.grid();
        float[] y = new float[4 * levels.length + 6];
        int n = 0;
        for (int j = 0; j + 1 < levels.length; j++) {
            float m = (levels[j] + levels[j + 1]) * 0.5f;
            y[n++] = m;
            y[n++] = Math.nextUp(m);
            y[n++] = Math.nextDown(m);
            y[n++] = levels[j];
        }
        for (float f : new float[] {levels[levels.length - 1], 2 * levels[0], 2 * levels[levels.length - 1], 0f, -0f}) {
            y[n++] = f;
        }
        float[] scales = {1f, 0.25f, 0.0078125f, -0.5f, 0.37f, -0.011f, 6e-8f, 0f};
        for (int block : new int[] {16, 32, 64}) {
            int blocks = scales.length;
            float[] x = new float[3 + blocks * block];
            float[] c = new float[blocks];
            for (int j = 0; j < blocks; j++) {
                c[j] = scales[(j + block) % scales.length];
                for (int i = 0; i < block; i++) {
                    x[3 + j * block + i] = y[r.nextInt(n)] * (c[j] == 0f ? 1f : c[j]);
                }
            }
            byte[] got = new byte[2 + blocks * block];
            if (!VectorGridSearchKernels.codesInOrder(g, x, 3, c, blocks, block, got, 2)) {
                continue;
            }
            byte[] want = new byte[2 + blocks * block];
            for (int j = 0; j < blocks; j++) {
                g.codes(x, 3 + j * block, block, c[j], want, 2 + j * block);
            }
            if (!Arrays.equals(want, got)) {
                int at = Arrays.mismatch(want, got);
                int j = (at - 2) / block;
                return "codes in element order, blocks of " + block + ", element " + (at - 2) + " (" + x[at + 1]
                        + " under scale " + c[j] + "): " + got[at] + ", scalar " + want[at];
            }
        }
        return null;
    }

    /**
     * Each lane's code through the lanes' code pass at scale 1 (so {@code y = x} exactly) against
     * the count of midpoints below {@code y}, the compare chain's definition: every midpoint, the
     * floats next to it, the levels, both zeros, values far beyond the ends, the infinities and,
     * where no lookup counts, NaN (outside the codecs' contract, but the compare chain's count there is 0,
     * and the binary search must keep it). Null when they all match.
     */
    static String checkLaneCodes(GridQuantizer g) {
        float[] levels = g.grid();
        float[] mids = g.midsView();
        float[] v = new float[4 * mids.length + levels.length + 10];
        int n = 0;
        for (float m : mids) {
            v[n++] = m;
            v[n++] = Math.nextUp(m);
            v[n++] = Math.nextDown(m);
            v[n++] = -m;
        }
        for (float l : levels) {
            v[n++] = l;
        }
        float[] far = {
            0f, -0f, 3e38f, -3e38f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-40f, -1e-40f, 2f
        };
        for (float f : far) {
            // the lookup never sees a NaN y (its class comment): left out where it runs
            if (!Float.isNaN(f) || VectorGridSearchKernels.lanesExactForNaN(g)) {
                v[n++] = f;
            }
        }
        int lanes = 16; // a multiple of 8 and of 16 lanes
        float[] y = new float[(n + lanes - 1) / lanes * lanes];
        for (int i = 0; i < y.length; i++) {
            y[i] = v[i % n];
        }
        byte[] got = VectorGridSearchKernels.laneCodes(g, y);
        for (int i = 0; i < y.length; i++) {
            int want = 0;
            for (float m : mids) {
                want += y[i] > m ? 1 : 0;
            }
            if (got[i] != want) {
                return "lane code of " + y[i] + ": " + got[i] + ", count " + want;
            }
        }
        return null;
    }

    /**
     * One super-block through the kernel's {@link GridSearchKernels#quantizeSuperBlock} and through
     * {@link SuperBlockQuantizer#quantizeScalar}: null when the super-scale bits, sub-scales and codes
     * match. With {@code spread} the sub-blocks are scaled by factors from 0 to 1000, so that some
     * sub-scales round to 0 (their codes the zero code) and some clamp.
     */
    static String checkSuperBlock(
            GridSearchKernels k,
            SuperBlockQuantizer sq,
            GridSearchKernelsTest.Data d,
            int len,
            boolean spread,
            SplittableRandom r) {
        int off = r.nextInt(0, 5);
        float[] x = GridSearchKernelsTest.data(d, off + len + 3, r, sq.grid());
        if (spread) {
            float[] factors = {1f, 1e-3f, 1e-6f, 0f, 1e3f, 0.5f, -2f};
            for (int b = 0; b < len; b += sq.subBlock()) {
                float f = factors[r.nextInt(factors.length)];
                for (int i = b; i < Math.min(len, b + sq.subBlock()); i++) {
                    x[off + i] *= f;
                }
            }
        }
        int nsub = (len + sq.subBlock() - 1) / sq.subBlock();
        int loff = r.nextInt(0, 3);
        int qoff = r.nextInt(0, 3);
        byte[] wantL = new byte[loff + nsub + 2];
        byte[] gotL = new byte[loff + nsub + 2];
        byte[] wantQ = new byte[qoff + len + 2];
        byte[] gotQ = new byte[qoff + len + 2];
        Arrays.fill(wantQ, (byte) -7);
        Arrays.fill(gotQ, (byte) -7);
        short want = sq.quantizeScalar(x, off, len, wantL, loff, wantQ, qoff, new SuperBlockQuantizer.Scratch());
        short got = k.quantizeSuperBlock(sq, x, off, len, gotL, loff, gotQ, qoff, new SuperBlockQuantizer.Scratch());
        if (want != got || !Arrays.equals(wantL, gotL) || !Arrays.equals(wantQ, gotQ)) {
            return "super-scale " + got + " sub-scales " + Arrays.toString(gotL) + " codes " + Arrays.toString(gotQ)
                    + ", scalar " + want + " " + Arrays.toString(wantL) + " " + Arrays.toString(wantQ);
        }
        return null;
    }

    /**
     * Consecutive blocks through the kernel's {@link GridSearchKernels#quantizeF16Blocks} and through
     * {@link F16BlockQuantizer#quantizeBlocksScalar}: null when the answers match and, where it is
     * -1, the scales and codes too. With {@code spread} the blocks are scaled by factors from 0 to
     * 1e30, so that some scales round to f16 zero or subnormals, the refit's f16 scale equals the
     * first, and some blocks overflow f16 (the first such block's index is the answer).
     */
    static String checkF16Blocks(
            GridSearchKernels k,
            F16BlockQuantizer bq,
            GridSearchKernelsTest.Data d,
            int block,
            int len,
            boolean spread,
            SplittableRandom r) {
        int off = r.nextInt(0, 5);
        float[] x = GridSearchKernelsTest.data(d, off + len + 3, r, bq.grid());
        if (spread) {
            float[] factors = {1f, 1e-3f, 1e-6f, 0f, 1e3f, 0.5f, -2f, 1e-9f, 3e-5f};
            for (int b = 0; b < len; b += block) {
                float f = r.nextInt(200) == 0 ? 1e30f : factors[r.nextInt(factors.length)];
                for (int i = b; i < Math.min(len, b + block); i++) {
                    float v = x[off + i] * f;
                    x[off + i] = Float.isFinite(v) ? v : x[off + i]; // finite values only, as the codecs pass
                }
            }
        }
        int nb = (len + block - 1) / block;
        int soff = r.nextInt(0, 3);
        int qoff = r.nextInt(0, 3);
        short[] wantS = new short[soff + nb + 2];
        short[] gotS = new short[soff + nb + 2];
        byte[] wantQ = new byte[qoff + len + 2];
        byte[] gotQ = new byte[qoff + len + 2];
        Arrays.fill(wantQ, (byte) -7);
        Arrays.fill(gotQ, (byte) -7);
        int want = bq.quantizeBlocksScalar(x, off, len, block, wantQ, qoff, wantS, soff, new byte[block]);
        int got = k.quantizeF16Blocks(bq, x, off, len, block, gotQ, qoff, gotS, soff, new byte[block]);
        if (want != got || (want < 0 && (!Arrays.equals(wantS, gotS) || !Arrays.equals(wantQ, gotQ)))) {
            return "answer " + got + " scales " + Arrays.toString(gotS) + " codes " + Arrays.toString(gotQ)
                    + ", scalar " + want + " " + Arrays.toString(wantS) + " " + Arrays.toString(wantQ);
        }
        return null;
    }

    /**
     * Codes of the values where a lookup could go wrong: every midpoint, the floats next to it, and
     * values between, beyond and far beyond the grid's ends, at scale 1 (so that {@code y = x}
     * exactly) and at a scale that is not a power of two; null when they match the scalar code.
     */
    static String checkMidpoints(GridSearchKernels k, GridQuantizer g) {
        float[] levels = g.grid();
        float[] x = new float[6 * levels.length + 8];
        int n = 0;
        for (int j = 0; j + 1 < levels.length; j++) {
            float m = (levels[j] + levels[j + 1]) * 0.5f;
            x[n++] = m;
            x[n++] = Math.nextUp(m);
            x[n++] = Math.nextDown(m);
            x[n++] = Math.nextUp(Math.nextUp(m));
            x[n++] = (m + levels[j + 1]) * 0.5f;
        }
        float[] far = {-3e38f, 3e38f, -2f, 2f, -1e-30f, 1e-30f, 0f, -0f};
        for (float f : far) {
            x[n++] = f;
        }
        for (float c : new float[] {1f, 0.7f, -1f}) {
            for (int off = 0; off < n; off += 13) {
                int len = Math.min(40, n - off);
                float[] xs = x.clone();
                if (c != 1f && c != -1f) {
                    for (int i = 0; i < n; i++) {
                        xs[i] = x[i] * c; // y = xs * (1 / c), within an ulp of x: near the midpoints again
                    }
                }
                byte[] want = new byte[len];
                byte[] got = new byte[len];
                double we = g.codesAndSquaredErrorScalar(xs, off, len, c, want, 0);
                double ge = k.codesAndSquaredError(g, xs, off, len, c, got, 0);
                if (!Arrays.equals(want, got) || Double.doubleToRawLongBits(we) != Double.doubleToRawLongBits(ge)) {
                    return "midpoints at " + off + " scale " + c + ": codes " + Arrays.toString(got) + ", scalar "
                            + Arrays.toString(want);
                }
            }
        }
        return null;
    }
}
