package dev.tenpak.internal.entropy;

import dev.tenpak.CorruptArtifactException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Codes one byte plane in whichever of three forms is smallest, decided from the plane's histogram
 * before anything is written (the Huffman size is exact arithmetic on the counts and code lengths,
 * so no trial encode is wasted):
 * <pre>
 *   u8 mode
 *   mode 0 RAW:     n bytes, the plane as it is
 *   mode 1 CONST:   u8 value, repeated n times
 *   mode 2 HUFFMAN: a {@link Huffman} stream of n symbols
 * </pre>
 * {@code n} is not stored: the container knows it. An empty plane ({@code n == 0}) is one RAW byte.
 * Instances hold scratch tables and are not thread-safe; use one per thread.
 */
public final class PlaneCoder {
    public static final int RAW = 0;
    public static final int CONST = 1;
    public static final int HUFFMAN = 2;

    private final int[] hist4 = new int[4 * 256];
    private final int[] counts = new int[256];
    private final byte[] lengths = new byte[256];
    private final int[] enc = new int[256];
    private final Huffman.Decoder decoder = new Huffman.Decoder();

    /** The most bytes {@link #encode} writes for {@code n} symbols (it may scribble {@link Huffman#SLACK} more). */
    public static int maxEncodedSize(int n) {
        return 1 + n;
    }

    /** The byte counts of the last plane {@link #encode} or {@link #histogram} saw (for reports). */
    public int[] counts() {
        return counts;
    }

    /** Fills {@link #counts} with the histogram of {@code src[off .. off+n)}. */
    public void histogram(byte[] src, int off, int n) {
        int[] h = hist4;
        Arrays.fill(h, 0);
        int i = off;
        int end = off + n;
        // four sub-histograms: consecutive equal bytes (common in exponent planes) do not serialize
        for (; i + 4 <= end; i += 4) {
            h[src[i] & 0xFF]++;
            h[256 + (src[i + 1] & 0xFF)]++;
            h[512 + (src[i + 2] & 0xFF)]++;
            h[768 + (src[i + 3] & 0xFF)]++;
        }
        for (; i < end; i++) {
            h[src[i] & 0xFF]++;
        }
        for (int s = 0; s < 256; s++) {
            counts[s] = h[s] + h[256 + s] + h[512 + s] + h[768 + s];
        }
    }

    /**
     * Writes the smallest coding of {@code src[off .. off+n)} to {@code dst[at ..]} and returns its
     * length (at most {@link #maxEncodedSize}); {@code dst} needs {@link Huffman#SLACK} bytes of
     * room past that.
     */
    public int encode(byte[] src, int off, int n, byte[] dst, int at) {
        if (n == 0) {
            dst[at] = RAW;
            return 1;
        }
        histogram(src, off, n);
        int distinct = 0;
        for (int s = 0; s < 256; s++) {
            if (counts[s] != 0) {
                distinct++;
            }
        }
        if (distinct == 1) {
            dst[at] = CONST;
            dst[at + 1] = src[off];
            return 2;
        }
        Huffman.codeLengths(counts, lengths);
        long bits = Huffman.payloadBits(counts, lengths);
        // each of the four streams rounds up to a byte: at most 3 bytes beyond ceil(bits / 8)
        long huffman = 1 + Huffman.headerBytes(lengths) + (bits + 7) / 8 + 3;
        if (huffman < maxEncodedSize(n)) {
            dst[at] = HUFFMAN;
            return 1 + Huffman.encode(src, off, n, lengths, enc, dst, at + 1);
        }
        dst[at] = RAW;
        System.arraycopy(src, off, dst, at + 1, n);
        return 1 + n;
    }

    /**
     * Decodes a plane of {@code n} symbols at {@code src[at .. limit)} into {@code dst[off .. off+n)};
     * returns the bytes it took. {@code dst} needs {@link Huffman#SLACK} bytes of room past
     * {@code off + n}.
     *
     * @throws CorruptArtifactException for an unknown mode, a stream past {@code limit}, or a bad
     *                                  Huffman stream
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
