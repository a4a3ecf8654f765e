package dev.tenpak.internal.kernel;

import dev.tenpak.internal.codec.kquant.KQuantCodec;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Runs a grid decoding kernel against {@link ScalarGridDequantKernels} on random payloads and
 * prints the kernel's description and "ok" with the number of cases, or the first difference.
 * {@link GridDequantKernelsTest} calls it in its own JVM and in child JVMs with 256-bit vectors.
 * Cases: every grid codec's levels (and a random grid per width), code widths 2 to 6, sub-blocks of
 * 16 and 32, lengths ending inside a group of 8, a step, a sub-block and a super-block, output
 * offsets, code planes with only the 8 bytes of slack the contract asks for (so the vector kernel
 * must stop early) or with plenty, and scales that are negative, zero, subnormal, huge, infinite or
 * NaN; and the sub-scales of the super-block codecs, 2 to 8 bits, 8 to 32 per super-block, under
 * f16 super-scales of every bit pattern. Each payload is also decoded by
 * {@link GridDequantKernels#dequantizeRotated}, against the scalar decoding followed by
 * {@link ScalarHadamardKernels#inverse}, with lengths on both sides of its blocks; and the table
 * lookup of the {@code ecq*} codecs ({@link GridDequantKernels#lookup}).
 */
public final class GridDequantCheck {
    static final long START = 0x1F83D9ABFB41BD6BL;
    static final int[] LENGTHS = {
        1, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 48, 63, 64, 65, 255, 256, 257, 1000, 1048, 2056, 4096, 4101, 65536
    };

    private GridDequantCheck() {}

    public static void main(String[] args) {
        GridDequantKernels k = GridDequantKernels.get();
        System.out.println(k.description() + " " + check(k));
    }

    /** "ok N" after N cases, or the first element that differs from the scalar kernel's. */
    static String check(GridDequantKernels k) {
        SplittableRandom r = new SplittableRandom(START);
        int cases = 0;
        for (float[] levels : grids(r)) {
            int bits = Integer.numberOfTrailingZeros(levels.length);
            for (int sub : new int[] {16, 32}) {
                for (int m : LENGTHS) {
                    for (boolean tight : new boolean[] {true, false}) {
                        int codeBytes = (m * bits + 7) / 8;
                        byte[] packed = new byte[codeBytes + (tight ? 8 : 8 + r.nextInt(200))];
                        r.nextBytes(packed);
                        float[] scales = scales(r, (m + sub - 1) / sub);
                        int yoff = r.nextInt(5);
                        float[] want = new float[yoff + m + 3];
                        float[] got = new float[yoff + m + 3];
                        Arrays.fill(want, -42f);
                        Arrays.fill(got, -42f);
                        ScalarGridDequantKernels.INSTANCE.dequantize(packed, bits, levels, scales, sub, m, want, yoff);
                        k.dequantize(packed, bits, levels, scales, sub, m, got, yoff);
                        for (int i = 0; i < want.length; i++) {
                            if (Float.floatToIntBits(got[i]) != Float.floatToIntBits(want[i])) {
                                return "bits " + bits + " sub " + sub + " m " + m + " tight " + tight + " yoff " + yoff
                                        + ": element " + (i - yoff) + " is " + got[i] + ", scalar gives " + want[i];
                            }
                        }
                        // the rotated decoder: the same floats as decoding, then the inverse rotation
                        long firstRun = r.nextInt(3) == 0 ? r.nextLong(1L << 50) : r.nextInt(100);
                        ScalarHadamardKernels.INSTANCE.inverse(want, yoff, m, firstRun);
                        Arrays.fill(got, -42f);
                        k.dequantizeRotated(packed, bits, levels, scales, sub, m, got, yoff, firstRun);
                        for (int i = 0; i < want.length; i++) {
                            if (Float.floatToIntBits(got[i]) != Float.floatToIntBits(want[i])) {
                                return "rotated bits " + bits + " sub " + sub + " m " + m + " tight " + tight
                                        + " yoff " + yoff + " run " + firstRun + ": element " + (i - yoff) + " is "
                                        + got[i] + ", scalar gives " + want[i];
                            }
                        }
                        cases++;
                    }
                }
            }
        }
        for (int bits = 2; bits <= 8; bits++) {
            for (int perSuper : new int[] {8, 16, 32}) {
                for (int nsub : LENGTHS) {
                    for (boolean tight : new boolean[] {true, false}) {
                        byte[] packed = new byte[(nsub * bits + 7) / 8 + (tight ? 8 : 8 + r.nextInt(200))];
                        r.nextBytes(packed);
                        // every f16 bit pattern: zeros, subnormals, infinities, NaNs included
                        short[] supers = new short[(nsub + perSuper - 1) / perSuper];
                        for (int i = 0; i < supers.length; i++) {
                            supers[i] = (short) r.nextInt();
                        }
                        float[] want = new float[nsub + 3];
                        float[] got = new float[nsub + 3];
                        Arrays.fill(want, -42f);
                        Arrays.fill(got, -42f);
                        ScalarGridDequantKernels.INSTANCE.subScales(packed, bits, supers, perSuper, nsub, want);
                        k.subScales(packed, bits, supers, perSuper, nsub, got);
                        for (int i = 0; i < want.length; i++) {
                            if (Float.floatToIntBits(got[i]) != Float.floatToIntBits(want[i])) {
                                return "sub-scales bits " + bits + " perSuper " + perSuper + " nsub " + nsub + " tight "
                                        + tight + ": value " + i + " is " + got[i] + ", scalar gives " + want[i];
                            }
                        }
                        cases++;
                    }
                }
            }
        }
        // the table lookup of the ecq codecs: symbols all below 32, 64 or 128 (every select and
        // blend of the vector kernel), or with escapes (128 and above) in some groups of lanes,
        // at every length and output offset; a table of random bit patterns (NaNs included)
        for (int top : new int[] {2, 32, 64, 128, 256}) {
            for (int m : LENGTHS) {
                float[] table = new float[256];
                for (int v = 0; v < 256; v++) {
                    table[v] = Float.intBitsToFloat(r.nextInt());
                }
                byte[] sym = new byte[m];
                for (int i = 0; i < m; i++) {
                    sym[i] = (byte) (top == 256 && r.nextInt(40) != 0 ? r.nextInt(128) : r.nextInt(top));
                }
                int yoff = r.nextInt(5);
                float[] want = new float[yoff + m + 3];
                float[] got = new float[yoff + m + 3];
                Arrays.fill(want, -42f);
                Arrays.fill(got, -42f);
                int wantAny = ScalarGridDequantKernels.INSTANCE.lookup(sym, table, m, want, yoff);
                int gotAny = k.lookup(sym, table, m, got, yoff);
                if (gotAny != wantAny) {
                    return "lookup below " + top + " m " + m + ": OR of the symbols " + gotAny + ", scalar gives "
                            + wantAny;
                }
                for (int i = 0; i < want.length; i++) {
                    if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                        return "lookup below " + top + " m " + m + " yoff " + yoff + ": element " + (i - yoff) + " is "
                                + got[i] + ", scalar gives " + want[i];
                    }
                }
                cases++;
            }
        }
        return "ok " + cases;
    }

    /** The grid codecs' level tables, then a random one per width. */
    private static float[][] grids(SplittableRandom r) {
        float[][] g = new float[KQuantCodec.ALL.size() + 5][];
        int i = 0;
        for (KQuantCodec c : KQuantCodec.ALL) {
            float[] lv = new float[1 << c.bits()];
            for (int j = 0; j < lv.length; j++) {
                lv[j] = c.grid().level(j);
            }
            g[i++] = lv;
        }
        for (int bits = 2; bits <= 6; bits++) {
            float[] lv = new float[1 << bits];
            for (int j = 0; j < lv.length; j++) {
                lv[j] = (float) r.nextGaussian() * 3;
            }
            g[i++] = lv;
        }
        return g;
    }

    private static float[] scales(SplittableRandom r, int n) {
        float[] special = {
            0f,
            -0f,
            Float.MIN_VALUE,
            -1e-40f,
            65504f,
            -3e38f,
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            Float.NaN
        };
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = r.nextInt(8) == 0 ? special[r.nextInt(special.length)] : (float) r.nextGaussian() * 0.01f;
        }
        return s;
    }
}
