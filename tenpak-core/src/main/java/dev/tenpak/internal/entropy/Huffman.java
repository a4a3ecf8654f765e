package dev.tenpak.internal.entropy;

import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.internal.kernel.PlaneKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A canonical, length-limited Huffman coder over bytes, with four interleaved bit streams and a
 * multi-symbol decode table: the order-0 entropy stage of tenpak's lossless codecs.
 *
 * <p>Why Huffman: the planes it codes (float exponents, quantized codes) are byte symbols with a
 * stationary order-0 distribution and no long matches, so an LZ stage (zstd) finds nothing and an
 * arithmetic coder (rANS) can win at most the Huffman redundancy, which measures well under 1% on
 * real weights (docs/PERFORMANCE.md, "Entropy stage"). A Huffman decoder turns one table lookup
 * into several symbols when codes are short, which is what makes 1.5+ G symbols/s possible in
 * plain Java on one core. Everything here is integer arithmetic in a fixed order, so the bytes are
 * the same on every JVM, with or without the Vector API.
 *
 * <h2>Stream layout</h2> (all integers little-endian)
 * <pre>
 *   u8      first       smallest symbol with a code
 *   u8      count - 1   symbols first .. first+count-1 have a length nibble
 *   u8[ceil(count/2)]   code lengths, 4 bits each, low nibble first; 0 = symbol absent, 1..11
 *   u32[4]  bytes of streams 0..3
 *   streams 0..3, back to back
 * </pre>
 * The code is canonical: codes are assigned in order of (length, symbol), counting up, and written
 * bit-reversed so that the decoder reads the bit stream least significant bit first. The lengths
 * must satisfy Kraft's sum with equality (a complete code of at least two symbols). A plane of
 * {@code n} symbols is cut into four runs of {@code q = ceil(n / 4)} symbols (the last run is
 * shorter); stream {@code k} holds run {@code k}. Bits fill each byte from its least significant
 * bit; a stream is {@code ceil(bits / 8)} bytes, its unused high bits zero.
 */
public final class Huffman {
    /** Longest code, and bits of the decode table index. */
    public static final int MAX_BITS = PlaneKernels.HUFFMAN_MAX_CODE_BITS;

    static final int TABLE_SIZE = 1 << MAX_BITS;
    static final int MASK = TABLE_SIZE - 1;
    /**
     * Most symbols one decode-table entry yields: six bytes of a long; bits 48..50 hold their count
     * and bits 58..63 the bits they take, so that the bit count is one shift away (a seventh symbol
     * and a masked count measured 6% slower in the four-stream loop).
     */
    static final int MAX_PER_ENTRY = PlaneKernels.HUFFMAN_MAX_PER_ENTRY;
    /**
     * Bytes callers leave after a plane buffer. The coders write nothing past a stream or a plane
     * today (their 8-byte stores stop 8 bytes short and finish byte by byte); the room is kept so
     * that a wider kernel may use it without a format or caller change.
     */
    public static final int SLACK = 8;
    /**
     * Streams of fewer symbols decode one symbol per lookup from {@link Decoder#single} alone:
     * filling the multi-symbol table costs about as much as decoding this many symbols without it.
     */
    static final int MULTI_MIN_SYMBOLS = 4096;

    private static final ValueLayout.OfLong LONG_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BA_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BA_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final String SOURCE = "huffman stream";

    private Huffman() {}

    // ---------------------------------------------------------------- code construction

    /**
     * Code lengths (0 for absent symbols, else 1..{@link #MAX_BITS}) for byte counts {@code counts},
     * which must name at least two symbols. Deterministic: ties are broken by symbol value.
     * Huffman's algorithm, then, when a length exceeds the limit, the Kraft repair of miniz's
     * {@code tdefl_huffman_enforce_max_code_size}: lengths are clamped and the surplus is paid back by
     * lengthening the longest codes below the limit; lengths go to symbols in frequency order.
     */
    public static void codeLengths(int[] counts, byte[] lengths) {
        Arrays.fill(lengths, 0, 256, (byte) 0);
        int[] sym = new int[256];
        int n = 0;
        for (int s = 0; s < 256; s++) {
            if (counts[s] != 0) {
                sym[n++] = s;
            }
        }
        if (n < 2) {
            throw new IllegalArgumentException("a Huffman code needs two symbols, counts name " + n);
        }
        // sort by (count, symbol) ascending: a stable sort over symbols already in order
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = ((long) counts[sym[i]] << 8) | sym[i];
        }
        Arrays.sort(keys);
        long[] w = new long[2 * n];
        int[] parent = new int[2 * n];
        for (int i = 0; i < n; i++) {
            w[i] = keys[i] >>> 8;
        }
        // two-queue Huffman: leaves 0..n-1 in order, internal nodes n.. created in nondecreasing weight
        int leaf = 0;
        int node = n;
        int next = n;
        for (int k = 0; k < n - 1; k++) {
            int a = (leaf < n && (node >= next || w[leaf] <= w[node])) ? leaf++ : node++;
            int b = (leaf < n && (node >= next || w[leaf] <= w[node])) ? leaf++ : node++;
            w[next] = w[a] + w[b];
            parent[a] = next;
            parent[b] = next;
            next++;
        }
        int root = next - 1;
        int[] depth = new int[2 * n];
        int[] numAt = new int[64];
        for (int i = root - 1; i >= 0; i--) {
            depth[i] = depth[parent[i]] + 1;
        }
        int maxLen = 0;
        for (int i = 0; i < n; i++) {
            numAt[depth[i]]++;
            maxLen = Math.max(maxLen, depth[i]);
        }
        if (maxLen > MAX_BITS) {
            for (int len = MAX_BITS + 1; len <= maxLen; len++) {
                numAt[MAX_BITS] += numAt[len];
                numAt[len] = 0;
            }
            long total = 0;
            for (int len = 1; len <= MAX_BITS; len++) {
                total += (long) numAt[len] << (MAX_BITS - len);
            }
            while (total != TABLE_SIZE) {
                numAt[MAX_BITS]--;
                for (int len = MAX_BITS - 1; len > 0; len--) {
                    if (numAt[len] != 0) {
                        numAt[len]--;
                        numAt[len + 1] += 2;
                        break;
                    }
                }
                total--;
            }
        }
        // the rarest symbols (start of keys) get the longest codes
        int i = 0;
        for (int len = MAX_BITS; len >= 1; len--) {
            for (int c = numAt[len]; c > 0; c--) {
                lengths[(int) (keys[i++] & 0xFF)] = (byte) len;
            }
        }
    }

    /** Bits the payload of a code with {@code lengths} takes for {@code counts} (streams only). */
    public static long payloadBits(int[] counts, byte[] lengths) {
        long bits = 0;
        for (int s = 0; s < 256; s++) {
            bits += (long) counts[s] * lengths[s];
        }
        return bits;
    }

    /** Bytes of the table header (first, count, nibbles, four stream sizes) for {@code lengths}. */
    public static int headerBytes(byte[] lengths) {
        int first = 0;
        while (lengths[first] == 0) {
            first++;
        }
        int last = 255;
        while (lengths[last] == 0) {
            last--;
        }
        return headerBytes(last - first + 1);
    }

    /** Bytes of the table header of a code whose symbols span {@code span} consecutive byte values. */
    private static int headerBytes(int span) {
        return 2 + (span + 1) / 2 + 16;
    }

    /**
     * The encoder table for {@code lengths}: {@code code | length << 16}, code bit-reversed for an
     * LSB-first stream.
     */
    static void encodeTable(byte[] lengths, int[] enc) {
        int[] numAt = new int[MAX_BITS + 2];
        for (int s = 0; s < 256; s++) {
            numAt[lengths[s]]++;
        }
        numAt[0] = 0;
        int[] nextCode = new int[MAX_BITS + 2];
        int code = 0;
        for (int len = 1; len <= MAX_BITS; len++) {
            code = (code + numAt[len - 1]) << 1;
            nextCode[len] = code;
        }
        for (int s = 0; s < 256; s++) {
            int len = lengths[s];
            if (len == 0) {
                enc[s] = 0;
                continue;
            }
            int c = nextCode[len]++;
            enc[s] = (Integer.reverse(c) >>> (32 - len)) | (len << 16);
        }
    }

    // ---------------------------------------------------------------- encode

    /**
     * The fewest bytes a plane record in Huffman mode (mode byte, header, streams) can take for a
     * plane whose present symbols span {@code span} consecutive byte values and whose symbols carry
     * at least {@code infoBits} bits of order-0 entropy: the header is exactly
     * {@code 2 + (span + 1) / 2 + 16} bytes (every present symbol has a length), and no prefix code
     * spends fewer bits than the entropy (Kraft), so the four streams take at least
     * {@code infoBits / 8} bytes between them.
     */
    static long minPlaneBytes(int span, long infoBits) {
        return 1 + headerBytes(span) + (infoBits + 7) / 8;
    }

    /** Bytes of the four streams, from the per-stream histograms {@code hist4[k * 256 + symbol]}. */
    public static long streamBytes(int[] hist4, byte[] lengths) {
        long total = 0;
        for (int k = 0; k < 4; k++) {
            total += (streamBits(hist4, k, lengths) + 7) >>> 3;
        }
        return total;
    }

    private static long streamBits(int[] hist4, int k, byte[] lengths) {
        long bits = 0;
        for (int s = 0; s < 256; s++) {
            bits += (long) hist4[k * 256 + s] * lengths[s];
        }
        return bits;
    }

    /**
     * Writes the Huffman stream of {@code src[off .. off+n)} with code {@code lengths} into
     * {@code dst} at {@code at}; returns the bytes written, {@code headerBytes + streamBytes}.
     * {@code hist4} holds the histograms of the four runs ({@code PlaneCoder.histogram}), which fix
     * each stream's size before it is written, so the four streams are written side by side.
     */
    public static int encode(byte[] src, int off, int n, byte[] lengths, int[] enc, int[] hist4, byte[] dst, int at) {
        return encode(src, off, n, lengths, enc, null, hist4, dst, at);
    }

    /**
     * {@link #encode}, two symbols per table lookup where the alphabet is small enough for its
     * table of pairs to pay ({@link #pairsPay}): {@code pairs} ({@link #PAIR_TABLE} ints, or null for
     * one symbol at a time) is filled for the symbol pairs of this code and read by the 16 bits of
     * two source bytes. The bytes are the same either way.
     */
    public static int encode(
            byte[] src, int off, int n, byte[] lengths, int[] enc, int[] pairs, int[] hist4, byte[] dst, int at) {
        return encode(src, off, n, lengths, enc, pairs, null, hist4, dst, at);
    }

    /**
     * {@link #encode}, eight symbols per step of the bit buffer where {@code octets} (or null)
     * has a fast kernel and the code's symbols span at most {@link PlaneKernels#HUFFMAN_OCTET_SPAN}
     * values ({@link #encodeStreamOctets}). The bytes are the same either way.
     */
    public static int encode(
            byte[] src,
            int off,
            int n,
            byte[] lengths,
            int[] enc,
            int[] pairs,
            Octets octets,
            int[] hist4,
            byte[] dst,
            int at) {
        encodeTable(lengths, enc);
        int first = 0;
        while (lengths[first] == 0) {
            first++;
        }
        int last = 255;
        while (lengths[last] == 0) {
            last--;
        }
        int count = last - first + 1;
        int p = at;
        dst[p++] = (byte) first;
        dst[p++] = (byte) (count - 1);
        for (int i = 0; i < count; i += 2) {
            int lo = lengths[first + i];
            int hi = i + 1 < count ? lengths[first + i + 1] : 0;
            dst[p++] = (byte) (lo | hi << 4);
        }
        int[] o = new int[4];
        int[] end = new int[4];
        int s = p + 16;
        for (int k = 0; k < 4; k++) {
            int bytes = (int) ((streamBits(hist4, k, lengths) + 7) >>> 3);
            BA_INT.set(dst, p + 4 * k, bytes);
            o[k] = s;
            s += bytes;
            end[k] = s;
        }
        int q = (n + 3) >>> 2;
        int[] from = new int[4];
        int[] to = new int[4];
        for (int k = 0; k < 4; k++) {
            from[k] = off + Math.min(n, k * q);
            to[k] = off + Math.min(n, Math.min(n, k * q) + q);
        }
        // streams two at a time, side by side: two chains of shifts and adds for the core to overlap
        // (one stream after another, the chain of one is the loop's whole latency)
        if (octets != null && octets.pay(count, n)) {
            octets.fill(enc, first, last);
            for (int k = 0; k < 4; k += 2) {
                encodeStreamOctets(
                        src,
                        enc,
                        octets,
                        first,
                        dst,
                        from[k],
                        to[k],
                        o[k],
                        end[k],
                        from[k + 1],
                        to[k + 1],
                        o[k + 1],
                        end[k + 1]);
            }
            return s - at;
        }
        boolean pairsPay = pairs != null && pairsPay(count, n);
        if (pairsPay) {
            fillPairs(enc, first, last, pairs);
        }
        for (int k = 0; k < 4; k += 2) {
            if (pairsPay) {
                encodeStreamPairs(
                        src,
                        enc,
                        pairs,
                        dst,
                        from[k],
                        to[k],
                        o[k],
                        end[k],
                        from[k + 1],
                        to[k + 1],
                        o[k + 1],
                        end[k + 1]);
            } else {
                encodeStreams(
                        src, enc, dst, from[k], to[k], o[k], end[k], from[k + 1], to[k + 1], o[k + 1], end[k + 1]);
            }
        }
        return s - at;
    }

    /** Ints of a table of symbol pairs, indexed by two bytes read as one little-endian short. */
    public static final int PAIR_TABLE = 1 << 16;

    /**
     * Whether a table of pairs pays for a code over {@code count} consecutive byte values and
     * {@code n} symbols: its {@code count * count} entries cost about a quarter of what they save
     * (measured: one symbol at a time 1.10 ns a symbol, pairs 0.65, on MiniLM's bf16 exponent
     * planes; each entry about 1 ns to fill).
     */
    static boolean pairsPay(int count, int n) {
        return 4L * count * count <= n;
    }

    /**
     * Entry {@code a | b << 8} of {@code pairs}: the codes of {@code a} then {@code b} joined (at
     * most 22 bits) with their total length in bits 24..28, for {@code a, b} in {@code [first, last]}.
     */
    private static void fillPairs(int[] enc, int first, int last, int[] pairs) {
        for (int b = first; b <= last; b++) {
            int cb = enc[b];
            for (int a = first; a <= last; a++) {
                int ca = enc[a];
                int la = ca >>> 16;
                pairs[a | b << 8] = (ca & 0xFFFF) | (cb & 0xFFFF) << la | (la + (cb >>> 16)) << 24;
            }
        }
    }

    /**
     * Scratch of the writer that adds eight symbols to a stream's bit buffer per step: the codes
     * joined eight at a time by {@link PlaneKernels#huffmanOctets} for {@link #OCTET_CHUNK} symbols
     * of two streams, then one shift, or and 8-byte store per eight symbols of each. Where the
     * kernels have no fast path for it ({@link PlaneKernels#huffmanOctetsFast}: the scalar kernels,
     * or vectors under 512 bits), writers use the pair table instead. One per thread.
     */
    public static final class Octets {
        private final PlaneKernels kernels;
        private final short[] table = new short[PlaneKernels.HUFFMAN_OCTET_SPAN];
        private final long[] a = new long[OCTET_CHUNK / 4];
        private final long[] b = new long[OCTET_CHUNK / 4];

        public Octets(PlaneKernels kernels) {
            this.kernels = kernels;
        }

        /**
         * Whether the kernels have a fast path and a code over {@code count} consecutive values of
         * {@code n} symbols fits: each stream then has at least one chunk.
         */
        boolean pay(int count, int n) {
            return count <= PlaneKernels.HUFFMAN_OCTET_SPAN && n >= 4 * OCTET_CHUNK && kernels.huffmanOctetsFast();
        }

        /** The kernel's table of the code {@code enc}, symbols {@code first .. last}. */
        void fill(int[] enc, int first, int last) {
            Arrays.fill(table, (short) 0);
            for (int v = first; v <= last; v++) {
                table[v - first] = (short) ((enc[v] & 0xFFFF) | (enc[v] >>> 16) << PlaneKernels.HUFFMAN_MAX_CODE_BITS);
            }
        }
    }

    /** Symbols of a stream the octet writer joins per kernel call (a multiple of 64; 4 KiB of joins for two streams). */
    static final int OCTET_CHUNK = 256;
    /**
     * The most bits of eight joined codes the octet writer adds in one step: with the 7 it may
     * carry, 63, so the flush's shift by the whole bytes stays under 64 (Java takes a shift count
     * modulo 64: a shift by 64 would leave the buffer as it was).
     */
    private static final int OCTET_BITS = 56;

    /** The code bits of a {@link PlaneKernels#huffmanOctets} entry (its length is above them). */
    private static final long OCTET_CODE = (1L << PlaneKernels.HUFFMAN_OCTET_LENGTH_AT) - 1;

    /**
     * Streams {@code [i, to)} into {@code dst[o .. end)} and {@code [j, toJ)} into {@code dst[oJ ..
     * endJ)}, {@link #OCTET_CHUNK} symbols of each at a time while both have that many left and room
     * for their longest codes: the kernel joins each stream's codes eight at a time, and each eight
     * take one shift, one or and one 8-byte store. The step's chain (the bit count, the shift, the
     * flush) is then paid per eight symbols where the pair writer pays it per two (an Intel Xeon,
     * MiniLM's bf16 exponent planes: 0.40 ns a symbol against 0.58, docs/PERFORMANCE.md). A chunk with a
     * group over {@link #OCTET_BITS} bits (eight long codes in a row) is written four symbols a
     * store; the rest of each stream one symbol at a time ({@link #singlesFrom}). The flushes are
     * written out in each loop, as in {@link #encodeStreamPairs} and for its reason.
     */
    private static void encodeStreamOctets(
            byte[] src,
            int[] enc,
            Octets w,
            int first,
            byte[] dst,
            int i,
            int to,
            int o,
            int end,
            int j,
            int toJ,
            int oJ,
            int endJ) {
        long acc = 0;
        int bits = 0;
        long accJ = 0;
        int bitsJ = 0;
        long[] a = w.a;
        long[] b = w.b;
        while (i + OCTET_CHUNK <= to && j + OCTET_CHUNK <= toJ) {
            int la = w.kernels.huffmanOctets(src, i, OCTET_CHUNK, w.table, first, a);
            int lb = w.kernels.huffmanOctets(src, j, OCTET_CHUNK, w.table, first, b);
            // a chunk takes at most its longest group's bits times its groups, and a store writes 8
            // bytes from the byte holding the carried bits: 16 bytes spare cover both
            if (8L * (end - 16 - o) < (long) la * (OCTET_CHUNK / 8)
                    || 8L * (endJ - 16 - oJ) < (long) lb * (OCTET_CHUNK / 8)) {
                break;
            }
            int longest = Math.max(la, lb);
            if (longest <= OCTET_BITS) {
                for (int g = 0; g < OCTET_CHUNK / 8; g++) {
                    long x = a[g];
                    long y = b[g];
                    acc |= (x & OCTET_CODE) << bits;
                    bits += (int) (x >>> PlaneKernels.HUFFMAN_OCTET_LENGTH_AT);
                    accJ |= (y & OCTET_CODE) << bitsJ;
                    bitsJ += (int) (y >>> PlaneKernels.HUFFMAN_OCTET_LENGTH_AT);
                    BA_LONG.set(dst, o, acc);
                    BA_LONG.set(dst, oJ, accJ);
                    int whole = bits >>> 3;
                    o += whole;
                    acc >>>= whole << 3;
                    bits &= 7;
                    whole = bitsJ >>> 3;
                    oJ += whole;
                    accJ >>>= whole << 3;
                    bitsJ &= 7;
                }
            } else {
                // four symbols (at most 44 bits) a store, one stream then the other
                for (int k = i; k < i + OCTET_CHUNK; k += 4) {
                    for (int t = k; t < k + 4; t++) {
                        int c = enc[src[t] & 0xFF];
                        acc |= (long) (c & 0xFFFF) << bits;
                        bits += c >>> 16;
                    }
                    BA_LONG.set(dst, o, acc);
                    int whole = bits >>> 3;
                    o += whole;
                    acc >>>= whole << 3;
                    bits &= 7;
                }
                for (int k = j; k < j + OCTET_CHUNK; k += 4) {
                    for (int t = k; t < k + 4; t++) {
                        int c = enc[src[t] & 0xFF];
                        accJ |= (long) (c & 0xFFFF) << bitsJ;
                        bitsJ += c >>> 16;
                    }
                    BA_LONG.set(dst, oJ, accJ);
                    int whole = bitsJ >>> 3;
                    oJ += whole;
                    accJ >>>= whole << 3;
                    bitsJ &= 7;
                }
            }
            i += OCTET_CHUNK;
            j += OCTET_CHUNK;
        }
        singlesFrom(src, enc, dst, i, to, o, end, acc, bits);
        singlesFrom(src, enc, dst, j, toJ, oJ, endJ, accJ, bitsJ);
    }

    /**
     * Streams {@code [i, to)} into {@code dst[o .. end)} and {@code [j, toJ)} into {@code dst[oJ ..
     * endJ)} by pair lookups, side by side: four lookups a stream per eight symbols read as one long,
     * two 8-byte stores, while both streams have symbols and room; then each alone ({@link
     * #pairsFrom}). On a Zen 4, MiniLM's bf16 planes: lossless encode 1.27 GB/s a thread against
     * 1.07 with one stream after another (three alternating pairs of runs); the chain through
     * {@code bits} and {@code acc} is what one stream waits on. Four side by side spill registers
     * (1.15 GB/s). The flush after each store is written out in every loop here, not shared through
     * a helper: C2 would make a helper a call per store or one inlined body for all the loops, and
     * each loop is compiled on its own.
     */
    private static void encodeStreamPairs(
            byte[] src,
            int[] enc,
            int[] pairs,
            byte[] dst,
            int i,
            int to,
            int o,
            int end,
            int j,
            int toJ,
            int oJ,
            int endJ) {
        long acc = 0;
        int bits = 0;
        long accJ = 0;
        int bitsJ = 0;
        int mask = pairs.length - 1; // PAIR_TABLE - 1: an index masked by it needs no range check
        int limit = end - 16;
        int limitJ = endJ - 16;
        for (; i + 8 <= to && o <= limit && j + 8 <= toJ && oJ <= limitJ; i += 8, j += 8) {
            long x = (long) BA_LONG.get(src, i);
            long y = (long) BA_LONG.get(src, j);
            int p0 = pairs[(int) x & mask];
            int p1 = pairs[(int) (x >>> 16) & mask];
            int r0 = pairs[(int) y & mask];
            int r1 = pairs[(int) (y >>> 16) & mask];
            acc |= (long) (p0 & 0x3F_FFFF) << bits;
            bits += p0 >>> 24;
            accJ |= (long) (r0 & 0x3F_FFFF) << bitsJ;
            bitsJ += r0 >>> 24;
            acc |= (long) (p1 & 0x3F_FFFF) << bits;
            bits += p1 >>> 24;
            accJ |= (long) (r1 & 0x3F_FFFF) << bitsJ;
            bitsJ += r1 >>> 24;
            BA_LONG.set(dst, o, acc);
            BA_LONG.set(dst, oJ, accJ);
            int whole = bits >>> 3;
            o += whole;
            acc >>>= whole << 3;
            bits &= 7;
            whole = bitsJ >>> 3;
            oJ += whole;
            accJ >>>= whole << 3;
            bitsJ &= 7;
            int p2 = pairs[(int) (x >>> 32) & mask];
            int p3 = pairs[(int) (x >>> 48) & mask];
            int r2 = pairs[(int) (y >>> 32) & mask];
            int r3 = pairs[(int) (y >>> 48) & mask];
            acc |= (long) (p2 & 0x3F_FFFF) << bits;
            bits += p2 >>> 24;
            accJ |= (long) (r2 & 0x3F_FFFF) << bitsJ;
            bitsJ += r2 >>> 24;
            acc |= (long) (p3 & 0x3F_FFFF) << bits;
            bits += p3 >>> 24;
            accJ |= (long) (r3 & 0x3F_FFFF) << bitsJ;
            bitsJ += r3 >>> 24;
            BA_LONG.set(dst, o, acc);
            BA_LONG.set(dst, oJ, accJ);
            whole = bits >>> 3;
            o += whole;
            acc >>>= whole << 3;
            bits &= 7;
            whole = bitsJ >>> 3;
            oJ += whole;
            accJ >>>= whole << 3;
            bitsJ &= 7;
        }
        pairsFrom(src, enc, pairs, dst, i, to, o, end, acc, bits);
        pairsFrom(src, enc, pairs, dst, j, toJ, oJ, endJ, accJ, bitsJ);
    }

    /**
     * The rest of one stream from symbol {@code i}, bit buffer {@code acc} of {@code bits} bits, at
     * {@code dst[o]}: two pair lookups per four symbols read as one int while the stream has room for
     * one store, then one symbol at a time.
     */
    private static void pairsFrom(
            byte[] src, int[] enc, int[] pairs, byte[] dst, int i, int to, int o, int end, long acc, int bits) {
        int mask = pairs.length - 1;
        for (int limit = end - 8; i + 4 <= to && o <= limit; i += 4) {
            int x = (int) BA_INT.get(src, i);
            int p0 = pairs[x & mask];
            int p1 = pairs[(x >>> 16) & mask];
            acc |= (long) (p0 & 0x3F_FFFF) << bits;
            bits += p0 >>> 24;
            acc |= (long) (p1 & 0x3F_FFFF) << bits;
            bits += p1 >>> 24;
            BA_LONG.set(dst, o, acc);
            int whole = bits >>> 3;
            o += whole;
            acc >>>= whole << 3;
            bits &= 7;
        }
        encodeTail(src, enc, dst, i, to, o, acc, bits);
    }

    /**
     * {@link #encodeStreamPairs} one symbol a lookup: four symbols a stream (at most 44 bits, plus at
     * most 7 carried) per 8-byte store while both streams are at least 8 bytes from their ends, so no
     * store reaches the next stream; then each alone ({@link #singlesFrom}).
     */
    private static void encodeStreams(
            byte[] src, int[] enc, byte[] dst, int i, int to, int o, int end, int j, int toJ, int oJ, int endJ) {
        long acc = 0;
        int bits = 0;
        long accJ = 0;
        int bitsJ = 0;
        int limit = end - 8;
        int limitJ = endJ - 8;
        for (; i + 4 <= to && o <= limit && j + 4 <= toJ && oJ <= limitJ; i += 4, j += 4) {
            int c0 = enc[src[i] & 0xFF];
            int d0 = enc[src[j] & 0xFF];
            int c1 = enc[src[i + 1] & 0xFF];
            int d1 = enc[src[j + 1] & 0xFF];
            acc |= (long) (c0 & 0xFFFF) << bits;
            bits += c0 >>> 16;
            accJ |= (long) (d0 & 0xFFFF) << bitsJ;
            bitsJ += d0 >>> 16;
            acc |= (long) (c1 & 0xFFFF) << bits;
            bits += c1 >>> 16;
            accJ |= (long) (d1 & 0xFFFF) << bitsJ;
            bitsJ += d1 >>> 16;
            int c2 = enc[src[i + 2] & 0xFF];
            int d2 = enc[src[j + 2] & 0xFF];
            int c3 = enc[src[i + 3] & 0xFF];
            int d3 = enc[src[j + 3] & 0xFF];
            acc |= (long) (c2 & 0xFFFF) << bits;
            bits += c2 >>> 16;
            accJ |= (long) (d2 & 0xFFFF) << bitsJ;
            bitsJ += d2 >>> 16;
            acc |= (long) (c3 & 0xFFFF) << bits;
            bits += c3 >>> 16;
            accJ |= (long) (d3 & 0xFFFF) << bitsJ;
            bitsJ += d3 >>> 16;
            BA_LONG.set(dst, o, acc);
            BA_LONG.set(dst, oJ, accJ);
            int whole = bits >>> 3;
            o += whole;
            acc >>>= whole << 3;
            bits &= 7;
            whole = bitsJ >>> 3;
            oJ += whole;
            accJ >>>= whole << 3;
            bitsJ &= 7;
        }
        singlesFrom(src, enc, dst, i, to, o, end, acc, bits);
        singlesFrom(src, enc, dst, j, toJ, oJ, endJ, accJ, bitsJ);
    }

    /** The rest of one stream, four symbols per 8-byte store while it has room, then byte by byte. */
    private static void singlesFrom(
            byte[] src, int[] enc, byte[] dst, int i, int to, int o, int end, long acc, int bits) {
        for (int limit = end - 8; i + 4 <= to && o <= limit; i += 4) {
            int c0 = enc[src[i] & 0xFF];
            int c1 = enc[src[i + 1] & 0xFF];
            int c2 = enc[src[i + 2] & 0xFF];
            int c3 = enc[src[i + 3] & 0xFF];
            acc |= (long) (c0 & 0xFFFF) << bits;
            bits += c0 >>> 16;
            acc |= (long) (c1 & 0xFFFF) << bits;
            bits += c1 >>> 16;
            acc |= (long) (c2 & 0xFFFF) << bits;
            bits += c2 >>> 16;
            acc |= (long) (c3 & 0xFFFF) << bits;
            bits += c3 >>> 16;
            BA_LONG.set(dst, o, acc);
            int whole = bits >>> 3;
            o += whole;
            acc >>>= whole << 3;
            bits &= 7;
        }
        encodeTail(src, enc, dst, i, to, o, acc, bits);
    }

    /** The rest of one stream, one byte at a time: writes nothing past the stream's last byte. */
    private static void encodeTail(byte[] src, int[] enc, byte[] dst, int from, int to, int o, long acc, int bits) {
        for (int i = from; i < to; i++) {
            int c = enc[src[i] & 0xFF];
            acc |= (long) (c & 0xFFFF) << bits;
            bits += c >>> 16;
            while (bits >= 8) {
                dst[o++] = (byte) acc;
                acc >>>= 8;
                bits -= 8;
            }
        }
        if (bits > 0) {
            dst[o] = (byte) acc;
        }
    }

    // ---------------------------------------------------------------- decode

    /** Decoder state reusable across calls on one thread: the tables of the last code seen. */
    public static final class Decoder {
        final int[] single = new int[TABLE_SIZE]; // symbol | length << 8
        final long[] multi = new long[TABLE_SIZE]; // up to 6 symbols | count << 48 | bits << 58
        /** {@link #multi}'s entries for budgets of 0 to 10 bits, budget b at [1 << b, 2 << b): see fillMulti. */
        private final long[] suffix = new long[TABLE_SIZE];
        /** The shortest code length of the table in {@link #single}. */
        private int shortest;

        private final PlaneKernels kernels;

        private final byte[] lastTable = new byte[130];
        private int lastTableLength = -1;
        /** Whether {@link #multi} matches {@link #single}: filled only once a long enough stream needs it. */
        private boolean multiFilled;

        /** A decoder whose tables the JVM's kernels fill ({@link PlaneKernels#get}). */
        public Decoder() {
            this(PlaneKernels.get());
        }

        /** A decoder whose tables {@code kernels} fill: every kernel fills the same tables. */
        public Decoder(PlaneKernels kernels) {
            this.kernels = kernels;
        }

        /**
         * Decodes the Huffman stream at {@code src[at .. limit)} into {@code dst[off .. off+n)};
         * returns the stream's length in bytes. Nothing past {@code dst[off + n)} is written. Hostile
         * input fails with a
         * {@link CorruptArtifactException} naming the offset in {@code src}.
         */
        public long decode(MemorySegment src, long at, long limit, byte[] dst, int off, int n) {
            long p = at;
            need(p, 2, limit);
            int first = src.get(ValueLayout.JAVA_BYTE, p) & 0xFF;
            int count = (src.get(ValueLayout.JAVA_BYTE, p + 1) & 0xFF) + 1;
            if (first + count > 256) {
                throw corrupt(p, "code table covers symbols " + first + ".." + (first + count - 1) + ", past 255");
            }
            int nibbleBytes = (count + 1) / 2;
            need(p, 2 + nibbleBytes + 16, limit);
            int tableLength = 2 + nibbleBytes;
            if (!sameTable(src, p, tableLength)) {
                buildTables(src, p, first, count);
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, p, lastTable, 0, tableLength);
                lastTableLength = tableLength;
            }
            boolean useMulti = n >= MULTI_MIN_SYMBOLS;
            if (useMulti && !multiFilled) {
                fillMulti();
                multiFilled = true;
            }
            p += tableLength;
            long[] size = new long[4];
            long total = 0;
            for (int k = 0; k < 4; k++) {
                size[k] = src.get(INT_LE, p + 4L * k) & 0xFFFFFFFFL;
                total += size[k];
            }
            p += 16;
            need(p, total, limit);
            int q = (n + 3) >>> 2;
            long[] start = new long[4];
            int[] out = new int[4];
            int[] end = new int[4];
            long s = p;
            for (int k = 0; k < 4; k++) {
                start[k] = s;
                s += size[k];
                out[k] = off + Math.min(n, k * q);
                end[k] = off + Math.min(n, Math.min(n, k * q) + q);
            }
            if (useMulti) {
                decode4(src, start, size, dst, out, end); // leaves start[k] in bits
            } else {
                for (int k = 0; k < 4; k++) {
                    start[k] <<= 3;
                }
            }
            for (int k = 0; k < 4; k++) {
                finish(src, start[k], size[k], dst, out[k], end[k], k, useMulti);
            }
            return s - at;
        }

        private boolean sameTable(MemorySegment src, long p, int tableLength) {
            if (tableLength != lastTableLength) {
                return false;
            }
            for (int i = 0; i < tableLength; i++) {
                if (src.get(ValueLayout.JAVA_BYTE, p + i) != lastTable[i]) {
                    return false;
                }
            }
            return true;
        }

        private void buildTables(MemorySegment src, long p, int first, int count) {
            lastTableLength = -1; // a failure below leaves no stale table behind
            multiFilled = false;
            byte[] lengths = new byte[256];
            long kraft = 0;
            int used = 0;
            int min = MAX_BITS;
            for (int i = 0; i < count; i++) {
                int b = src.get(ValueLayout.JAVA_BYTE, p + 2 + i / 2) & 0xFF;
                int len = (i & 1) == 0 ? b & 0xF : b >>> 4;
                if (len > MAX_BITS) {
                    throw corrupt(
                            p + 2 + i / 2,
                            "code length " + len + " for symbol " + (first + i) + " exceeds " + MAX_BITS);
                }
                if (len != 0) {
                    lengths[first + i] = (byte) len;
                    kraft += 1L << (MAX_BITS - len);
                    used++;
                    min = Math.min(min, len);
                }
            }
            if (used < 2 || kraft != TABLE_SIZE) {
                throw corrupt(
                        p,
                        "code lengths do not form a complete prefix code (" + used + " symbols, Kraft sum " + kraft
                                + "/" + TABLE_SIZE + ")");
            }
            int[] enc = new int[256];
            encodeTable(lengths, enc);
            for (int sym = 0; sym < 256; sym++) {
                int len = lengths[sym];
                if (len == 0) {
                    continue;
                }
                int e = sym | len << 8;
                for (int idx = enc[sym] & 0xFFFF; idx < TABLE_SIZE; idx += 1 << len) {
                    single[idx] = e;
                }
            }
            shortest = min;
        }

        /**
         * Fills {@link #multi} from {@link #single} with the kernels' {@link PlaneKernels#fillHuffman}:
         * entry {@code idx} holds the symbols that greedy decoding of the 11 bits {@code idx}
         * yields, as long as they fit in those bits, at most {@link #MAX_PER_ENTRY}, each entry
         * built in one step from the entries of shorter budgets in {@link #suffix} (only the budgets
         * a tail can need: up to 11 minus the shortest code). Exponent planes' codes almost never
         * repeat between blocks, so each block pays for this: on MiniLM bf16's exponent codes the
         * vector kernel takes about 3.8 µs, the scalar one 9.8 µs, against some 60 µs to decode a
         * 128 Ki-symbol plane. Filling the budgets symbol by symbol instead measured about 10%
         * faster on exponent planes' codes and 15-20% slower on an alphabet of some 200 symbols:
         * not kept.
         */
        private void fillMulti() {
            kernels.fillHuffman(single, suffix, multi, 0, MAX_BITS - shortest);
            kernels.fillHuffman(single, suffix, multi, MAX_BITS, MAX_BITS);
        }

        /**
         * The fast path: all four streams in one loop, four table lookups (at most 44 bits) per
         * 8-byte read, while every stream has 8 bytes of input left and room for
         * {@code 4 * MAX_PER_ENTRY} symbols plus an 8-byte store in its own output run. Advances {@code out[k]} and {@code start/size} so that
         * {@link #finish} resumes where it stopped.
         */
        private void decode4(MemorySegment src, long[] start, long[] size, byte[] dst, int[] out, int[] end) {
            final long[] t = multi;
            long b0p = start[0] << 3, b1p = start[1] << 3, b2p = start[2] << 3, b3p = start[3] << 3;
            long l0 = (start[0] + size[0] - 8) << 3, l1 = (start[1] + size[1] - 8) << 3;
            long l2 = (start[2] + size[2] - 8) << 3, l3 = (start[3] + size[3] - 8) << 3;
            int o0 = out[0], o1 = out[1], o2 = out[2], o3 = out[3];
            final int room = 4 * MAX_PER_ENTRY + 8;
            int f0 = end[0] - room, f1 = end[1] - room, f2 = end[2] - room, f3 = end[3] - room;
            while (o0 <= f0 && o1 <= f1 && o2 <= f2 && o3 <= f3 && b0p <= l0 && b1p <= l1 && b2p <= l2 && b3p <= l3) {
                long x0 = src.get(LONG_LE, b0p >>> 3) >>> (b0p & 7);
                long x1 = src.get(LONG_LE, b1p >>> 3) >>> (b1p & 7);
                long x2 = src.get(LONG_LE, b2p >>> 3) >>> (b2p & 7);
                long x3 = src.get(LONG_LE, b3p >>> 3) >>> (b3p & 7);
                for (int r = 0; r < 4; r++) {
                    long e0 = t[(int) x0 & MASK];
                    long e1 = t[(int) x1 & MASK];
                    long e2 = t[(int) x2 & MASK];
                    long e3 = t[(int) x3 & MASK];
                    BA_LONG.set(dst, o0, e0);
                    BA_LONG.set(dst, o1, e1);
                    BA_LONG.set(dst, o2, e2);
                    BA_LONG.set(dst, o3, e3);
                    int n0 = (int) (e0 >>> 58), n1 = (int) (e1 >>> 58);
                    int n2 = (int) (e2 >>> 58), n3 = (int) (e3 >>> 58);
                    x0 >>>= n0;
                    x1 >>>= n1;
                    x2 >>>= n2;
                    x3 >>>= n3;
                    b0p += n0;
                    b1p += n1;
                    b2p += n2;
                    b3p += n3;
                    o0 += (int) (e0 >>> 48) & 7;
                    o1 += (int) (e1 >>> 48) & 7;
                    o2 += (int) (e2 >>> 48) & 7;
                    o3 += (int) (e3 >>> 48) & 7;
                }
            }
            long[] bp = {b0p, b1p, b2p, b3p};
            int[] o = {o0, o1, o2, o3};
            for (int k = 0; k < 4; k++) {
                long consumed = (bp[k] >>> 3) - start[k];
                out[k] = o[k];
                // keep the bit offset within the first byte in the low 3 bits of start: see finish
                start[k] = bp[k];
                size[k] -= consumed;
            }
        }

        /**
         * Finishes one stream from bit position {@code bitPos} (absolute, in bits) with
         * {@code size} bytes left from {@code bitPos >>> 3}: multi-symbol lookups while 8 input
         * bytes and an output margin remain, then one symbol at a time with zero-padded reads;
         * then checks that the stream ends exactly where its length says.
         */
        private void finish(
                MemorySegment src, long bitPos, long size, byte[] dst, int o, int end, int k, boolean useMulti) {
            long streamEnd = (bitPos >>> 3) + size;
            long fastLimit = (streamEnd - 8) << 3;
            if (useMulti) {
                int fastOut = end - MAX_PER_ENTRY - 8;
                while (o <= fastOut && bitPos <= fastLimit) {
                    long x = src.get(LONG_LE, bitPos >>> 3) >>> (bitPos & 7);
                    long e = multi[(int) x & MASK];
                    BA_LONG.set(dst, o, e);
                    bitPos += e >>> 58;
                    o += (int) (e >>> 48) & 7;
                }
            } else {
                // four codes (at most 44 bits) per 8-byte read
                while (o <= end - 4 && bitPos <= fastLimit) {
                    long x = src.get(LONG_LE, bitPos >>> 3) >>> (bitPos & 7);
                    int used = 0;
                    for (int r = 0; r < 4; r++) {
                        int e = single[(int) (x >>> used) & MASK];
                        dst[o++] = (byte) e;
                        used += e >>> 8;
                    }
                    bitPos += used;
                }
            }
            while (o < end) {
                long x = read(src, bitPos, streamEnd);
                int e = single[(int) x & MASK];
                dst[o++] = (byte) e;
                bitPos += e >>> 8;
            }
            long usedBytes = (bitPos + 7) >>> 3;
            if (usedBytes != streamEnd) {
                throw corrupt(
                        Math.min(usedBytes, streamEnd),
                        "stream " + k + " ends at byte " + streamEnd + " but its symbols "
                                + (usedBytes > streamEnd ? "run past it" : "end at " + usedBytes));
            }
        }

        /** 57+ bits from {@code bitPos}, zeros past {@code streamEnd}. */
        private static long read(MemorySegment src, long bitPos, long streamEnd) {
            long byteAt = bitPos >>> 3;
            if (byteAt + 8 <= streamEnd) {
                return src.get(LONG_LE, byteAt) >>> (bitPos & 7);
            }
            long x = 0;
            for (int i = 0; byteAt + i < streamEnd && i < 8; i++) {
                x |= (src.get(ValueLayout.JAVA_BYTE, byteAt + i) & 0xFFL) << (8 * i);
            }
            return x >>> (bitPos & 7);
        }
    }

    private static void need(long p, long bytes, long limit) {
        if (bytes > limit - p) {
            throw corrupt(p, "needs " + bytes + " bytes, " + (limit - p) + " left");
        }
    }

    static CorruptArtifactException corrupt(long offset, String reason) {
        return new CorruptArtifactException(SOURCE, null, offset, reason);
    }
}
