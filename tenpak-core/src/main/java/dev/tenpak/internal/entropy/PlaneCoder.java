package dev.tenpak.internal.entropy;

import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.internal.kernel.PlaneKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Codes one byte plane in whichever of five forms is smallest, decided from the plane's histograms
 * before anything is written where the size is exact arithmetic (raw, constant, Huffman), and by
 * an estimate confirmed by a measured encode for rANS. One shortcut: a plane of at least 32 KiB
 * whose evenly spaced 4 KiB sample a fitted Huffman code cannot bring under 7.9 bits a byte is
 * stored raw without a full histogram (measured: no change in ratio at three decimals on MiniLM
 * and the synthetic TinyLlama file, a quarter to a third less encode time). Two more skip only work
 * that cannot change the choice, so the bytes stay the same: no Huffman code is built where a lower
 * bound on its record ({@link Huffman#minPlaneBytes}: header and entropy) is not under raw, and no
 * rANS plan is made where a lower bound on the one-table record ({@link Rans#minRecordBytes}) is
 * over the size it must beat (small planes of near-random bytes, as biases' and norms' low bytes:
 * their plans were 70% of the encode time of MiniLM's 64 small tensors). rANS is written only
 * where it saves more than {@link #RANS_SAVING_PERMILLE} thousandths of the best other form: its
 * decoder is slower than Huffman's (docs/PERFORMANCE.md). The layout:
 * <pre>
 *   u8 mode
 *   mode 0 RAW:     n bytes, the plane as it is
 *   mode 1 CONST:   u8 value, repeated n times
 *   mode 2 HUFFMAN: a {@link Huffman} stream of n symbols
 *   mode 3 RANS:    a {@link Rans} stream of n symbols, one frequency table
 *   mode 4 RANS2:   a {@link Rans} stream of n symbols, two tables (previous symbol zero or not)
 * </pre>
 * {@code n} is not stored: the container knows it. An empty plane ({@code n == 0}) is one RAW byte.
 * Instances hold scratch tables and are not thread-safe; use one per thread.
 */
public final class PlaneCoder {
    public static final int RAW = 0;
    public static final int CONST = 1;
    public static final int HUFFMAN = 2;
    /** Static order-0 rANS, one frequency table ({@link Rans}). */
    public static final int RANS = 3;
    /** Static rANS with two tables, chosen by whether the previous symbol of the run is zero. */
    public static final int RANS2 = 4;

    private final int[] hist4 = new int[4 * 256];
    private final int[] counts = new int[256];
    private final int[] sampleCounts = new int[256];
    private final byte[] lengths = new byte[256];
    private final int[] enc = new int[256];
    /** Huffman's table of symbol pairs (256 KiB), made on first use. */
    private int[] pairs;

    private final PlaneKernels kernels;
    private final Huffman.Octets octets;
    private final Huffman.Decoder decoder;
    private final int[] contextCounts = new int[512];
    private final Rans.Encoder rans1 = new Rans.Encoder();
    private final Rans.Encoder rans2 = new Rans.Encoder();
    private final Rans.Decoder ransDecoder = new Rans.Decoder();

    public PlaneCoder() {
        this(PlaneKernels.get());
    }

    /** A coder whose histograms and decode tables {@code kernels} make: every kernel writes the same bytes. */
    public PlaneCoder(PlaneKernels kernels) {
        this.kernels = kernels;
        this.octets = new Huffman.Octets(kernels);
        this.decoder = new Huffman.Decoder(kernels);
    }

    /** The most bytes {@link #encode} writes for {@code n} symbols. */
    public static int maxEncodedSize(int n) {
        return 1 + n;
    }

    /** rANS size plans made by {@link #encode} (for tests of the shortcuts that skip them). */
    int plans;

    /** The byte counts of the last plane {@link #encode} or {@link #histogram} saw (for reports). */
    public int[] counts() {
        return counts;
    }

    /**
     * Fills {@link #counts} with the histogram of {@code src[off .. off+n)}, and the per-stream
     * histograms (the four runs of a {@link Huffman} stream) that give each stream's exact size.
     */
    public void histogram(byte[] src, int off, int n) {
        int[] h = hist4;
        kernels.histogram4(src, off, n, h);
        for (int s = 0; s < 256; s++) {
            counts[s] = h[s] + h[256 + s] + h[512 + s] + h[768 + s];
        }
    }

    /**
     * Writes the smallest coding of {@code src[off .. off+n)} to {@code dst[at ..]} and returns its
     * length (at most {@link #maxEncodedSize}); nothing past it is written.
     */
    public int encode(byte[] src, int off, int n, byte[] dst, int at) {
        if (n == 0) {
            dst[at] = RAW;
            return 1;
        }
        if (n >= 8 * SAMPLE && sampleLooksRandom(src, off, n)) {
            dst[at] = RAW;
            System.arraycopy(src, off, dst, at + 1, n);
            return 1 + n;
        }
        histogram(src, off, n);
        int distinct = 0;
        int first = -1;
        int last = 0;
        for (int s = 0; s < 256; s++) {
            if (counts[s] != 0) {
                distinct++;
                first = first < 0 ? s : first;
                last = s;
            }
        }
        if (distinct == 1) {
            dst[at] = CONST;
            dst[at + 1] = src[off];
            return 2;
        }
        long entropy16 = Rans.entropyBits16(counts, n);
        long info = Rans.entropyBitsAtLeast(entropy16, n);
        long huffman;
        if (Huffman.minPlaneBytes(last - first + 1, info) >= maxEncodedSize(n)) {
            // no code of this plane beats raw (small planes of near-random bytes): none is built
            huffman = Long.MAX_VALUE;
        } else {
            Huffman.codeLengths(counts, lengths);
            huffman = 1 + Huffman.headerBytes(lengths) + Huffman.streamBytes(hist4, lengths);
        }
        long best = Math.min(huffman, maxEncodedSize(n));
        // rANS only where it saves more than RANS_SAVING_PERMILLE of the best other form: its
        // decoder is slower than Huffman's (docs/PERFORMANCE.md)
        long bar = best - best * RANS_SAVING_PERMILLE / 1000;
        // skip rANS where it cannot clear the bar: no order-0 coder beats the order-0 entropy (the
        // estimate's test), no one-table record fits under the bar (the bound's: it leaves the
        // plane's bytes as they would be, as the measured encode would refuse it), and the
        // two-table mode only pays on planes with many zeros
        boolean zeros = counts[0] >= n / 4;
        if (zeros
                || ((entropy16 >>> 16) / 8 + RANS_ESTIMATE_SLACK < bar
                        && Rans.minRecordBytes(counts, n, distinct, info) <= bar - 2)) {
            plans++;
            long est1 = rans1.plan(counts, 1, n);
            long est2 = Long.MAX_VALUE;
            if (zeros) {
                Rans.contextHistogram(src, off, n, contextCounts);
                est2 = rans2.plan(contextCounts, 2, n);
            }
            Rans.Encoder rans = est2 < est1 ? rans2 : rans1;
            long est = Math.min(est1, est2);
            if (est < bar + RANS_ESTIMATE_SLACK) {
                // the estimate is within a few bytes of the truth: encode and decide by the measured size
                int w = rans.encode(src, off, n, dst, at + 1, (int) Math.min(Integer.MAX_VALUE, bar - 2));
                if (w >= 0) {
                    dst[at] = (byte) (rans == rans2 ? RANS2 : RANS);
                    return 1 + w;
                }
            }
        }
        if (huffman < maxEncodedSize(n)) {
            dst[at] = HUFFMAN;
            if (pairs == null) {
                pairs = new int[Huffman.PAIR_TABLE];
            }
            int w = Huffman.encode(src, off, n, lengths, enc, pairs, octets, hist4, dst, at + 1);
            assert w + 1 == huffman;
            return 1 + w;
        }
        dst[at] = RAW;
        System.arraycopy(src, off, dst, at + 1, n);
        return 1 + n;
    }

    /**
     * A rANS record is written only when it is smaller than the best of raw and Huffman by more
     * than this many thousandths of that size (its decode is slower; docs/PERFORMANCE.md).
     */
    static final int RANS_SAVING_PERMILLE = 20;
    /** Bytes by which a rANS size estimate may undershoot the record: such a plane is encoded to see. */
    static final int RANS_ESTIMATE_SLACK = 16;

    /**
     * Writes {@code src[off .. off+n)} as a record of the given entropy-coded mode ({@link #HUFFMAN},
     * {@link #RANS} or {@link #RANS2}), whatever {@link #encode} would choose, and returns its
     * length: for benchmarks and tests that weigh the modes on the same planes. The plane must
     * hold at least two distinct symbols; {@code dst} needs {@code 8192 + 3 * n} bytes from {@code at}.
     */
    public int encodeAs(int mode, byte[] src, int off, int n, byte[] dst, int at) {
        histogram(src, off, n);
        dst[at] = (byte) mode;
        switch (mode) {
            case HUFFMAN -> {
                Huffman.codeLengths(counts, lengths);
                return 1 + Huffman.encode(src, off, n, lengths, enc, hist4, dst, at + 1);
            }
            case RANS -> {
                rans1.plan(counts, 1, n);
                return 1 + rans1.encode(src, off, n, dst, at + 1, Integer.MAX_VALUE);
            }
            case RANS2 -> {
                Rans.contextHistogram(src, off, n, contextCounts);
                rans2.plan(contextCounts, 2, n);
                return 1 + rans2.encode(src, off, n, dst, at + 1, Integer.MAX_VALUE);
            }
            default -> throw new IllegalArgumentException("not an entropy-coded mode: " + mode);
        }
    }

    /** Bytes of the sample {@link #sampleLooksRandom} codes. */
    static final int SAMPLE = 4096;
    /** Huffman bits per sample byte at or above which a plane is taken to be incompressible. */
    static final int RANDOM_BITS_X100 = 790;

    /**
     * Whether a Huffman code fitted to {@link #SAMPLE} bytes spread evenly over the plane still
     * needs {@code RANDOM_BITS_X100 / 100} bits a byte: then the whole plane is stored raw without
     * its histogram (mantissa planes are like this, and their histogram was a third of the encode
     * time). A code fitted to its own sample flatters it, so a plane that fails this test is
     * incompressible in practice. Integer arithmetic only: the same decision on every JVM.
     */
    private boolean sampleLooksRandom(byte[] src, int off, int n) {
        int[] c = sampleCounts;
        Arrays.fill(c, 0);
        int step = n / SAMPLE;
        for (int i = 0; i < SAMPLE; i++) {
            c[src[off + i * step] & 0xFF]++;
        }
        int distinct = 0;
        for (int x : c) {
            if (x != 0) {
                distinct++;
            }
        }
        if (distinct < 2) {
            return false;
        }
        if (entropyReachesBar(c)) {
            return true;
        }
        Huffman.codeLengths(c, lengths);
        return Huffman.payloadBits(c, lengths) * 100 >= (long) RANDOM_BITS_X100 * SAMPLE;
    }

    /**
     * Whether the sample's order-0 entropy alone reaches {@code RANDOM_BITS_X100 / 100} bits a
     * byte: no prefix code, the fitted Huffman code included, takes fewer bits than the entropy, so
     * then {@link #sampleLooksRandom}'s answer is yes without building the code (the mantissa
     * planes, about 7.95 bits a byte in a 4 KiB sample; building their 256-symbol code was about
     * 6% of a bf16 encode). The entropy is the integer one of {@link Rans#entropyBits16}, within
     * {@code SAMPLE} units of 2^-16 bit of the exact one, so twice that is taken off first: the
     * same answer on every JVM, and never yes where the code would say no.
     */
    static boolean entropyReachesBar(int[] sampleCounts) {
        long bar16 = ((long) RANDOM_BITS_X100 * SAMPLE * 65536 + 99) / 100;
        return Rans.entropyBits16(sampleCounts, SAMPLE) - 2L * SAMPLE >= bar16;
    }

    /**
     * Where the bytes of a raw plane of {@code n} symbols at {@code src[at .. limit)} lie, so that a
     * caller can read them in place: {@code at + 1} when the record is {@link #RAW} and whole, else
     * -1 (decode it with {@link #decode}, which also reports what is wrong with a bad record). The
     * record then takes {@code 1 + n} bytes.
     */
    public static long rawPlane(MemorySegment src, long at, long limit, int n) {
        if (at >= limit || src.get(ValueLayout.JAVA_BYTE, at) != RAW || n > limit - at - 1) {
            return -1;
        }
        return at + 1;
    }

    /**
     * Decodes a plane of {@code n} symbols at {@code src[at .. limit)} into {@code dst[off .. off+n)};
     * returns the bytes it took; nothing past {@code dst[off + n)} is written.
     *
     * @throws CorruptArtifactException for an unknown mode, a stream past {@code limit}, or a bad
     *                                  Huffman or rANS stream
     */
    public long decode(MemorySegment src, long at, long limit, byte[] dst, int off, int n) {
        if (at >= limit) {
            throw Huffman.corrupt(at, "plane mode byte past the end of its block");
        }
        int mode = src.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
        switch (mode) {
            case RAW -> {
                if (n > limit - at - 1) {
                    throw Huffman.corrupt(at, "raw plane of " + n + " bytes, " + (limit - at - 1) + " left");
                }
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, at + 1, dst, off, n);
                return 1L + n;
            }
            case CONST -> {
                if (limit - at < 2) {
                    throw Huffman.corrupt(at, "constant plane without its value");
                }
                Arrays.fill(dst, off, off + n, src.get(ValueLayout.JAVA_BYTE, at + 1));
                return 2;
            }
            case HUFFMAN -> {
                if (n == 0) {
                    throw Huffman.corrupt(at, "Huffman mode for an empty plane");
                }
                return 1 + decoder.decode(src, at + 1, limit, dst, off, n);
            }
            case RANS, RANS2 -> {
                if (n == 0) {
                    throw Huffman.corrupt(at, "rANS mode for an empty plane");
                }
                return 1 + ransDecoder.decode(src, at + 1, limit, mode == RANS ? 1 : 2, dst, off, n);
            }
            default -> throw Huffman.corrupt(at, "unknown plane mode " + mode);
        }
    }

    /** Order-0 entropy in bits of a histogram: the floor any order-0 coder can reach. */
    public static double entropyBits(int[] counts) {
        long total = 0;
        for (int c : counts) {
            total += c;
        }
        double bits = 0;
        for (int c : counts) {
            if (c != 0) {
                bits -= c * (Math.log((double) c / total) / Math.log(2));
            }
        }
        return bits;
    }
}
