package dev.tenpak.internal.entropy;

import dev.tenpak.error.CorruptArtifactException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A static rANS coder over bytes (Duda's asymmetric numeral systems, in the byte-renormalising form
 * of Giesen's ryg_rans): the plane modes {@link PlaneCoder#RANS} (one frequency table) and
 * {@link PlaneCoder#RANS2} (two tables, chosen per symbol by whether the previous symbol of the same
 * run is zero).
 *
 * <p>Why beside {@link Huffman}: a Huffman code spends at least one bit a symbol, so a plane whose
 * top symbol has p &gt; 0.5 costs far more than its entropy (the exponent plane of an exact
 * fine-tune delta is 99% zeros: 0.12 bits of information a symbol, 1 bit as Huffman). rANS spends
 * within a fraction of a percent of the entropy of its normalised table, and the two-table mode
 * takes the runs of zeros such planes have. Its decoder yields one symbol per step where the
 * Huffman table yields about three, so {@link PlaneCoder} only picks it where it saves enough.
 *
 * <h2>Record body (after the mode byte), all in docs/FORMAT.md</h2>
 * <pre>
 *   table bits, least significant bit first, zero-padded to a whole byte: 1 or 2 tables, each
 *     u4 t (sums to 2^t), u8 k-1, u1 absent, gaps (exp-Golomb 0), and for k &gt;= 2:
 *     u8 j (the implied symbol's index), u4 r, k-1 frequencies - 1 (exp-Golomb r)
 *   4 LEB128 stream sizes
 *   streams 0..3: u32 final state (little-endian), then the renormalisation bytes
 * </pre>
 * The stream is coded at the finest precision {@code T} of its tables, a coarser table's frequencies
 * scaled up by {@code 2^(T - t)}: the same probabilities, fewer bits to store for a rare context.
 * The state is a 32-bit integer in {@code [2^23, 2^31)}; a symbol of frequency {@code f} and
 * cumulative frequency {@code c} takes state {@code x} to {@code (x / f) * M + x % f + c}, and the
 * encoder first emits low bytes while {@code x >= 2^(31 - t) * f}. Everything is integer arithmetic
 * in a fixed order (the one table of logarithms is built with {@link StrictMath}), so the bytes are
 * the same on every JVM.
 */
public final class Rans {
    /** Lower bound of the state; the state stays below {@code 2^31}. */
    static final int L = 1 << 23;
    /** Largest table precision: {@code M = 2^t} with {@code t <= 15}. */
    public static final int MAX_PRECISION = 15;

    static final int LANES = 4;

    private static final VarHandle BA_LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** {@code LOG2[f] = round(log2(f) * 2^16)}, {@code f} in {@code 1 .. 2^15}: size estimates. */
    static final int[] LOG2 = new int[(1 << MAX_PRECISION) + 1];

    private static final String SOURCE = "rans stream";

    static {
        for (int f = 1; f < LOG2.length; f++) {
            LOG2[f] = (int) StrictMath.round(StrictMath.log(f) / StrictMath.log(2) * 65536);
        }
    }

    private Rans() {}

    // ---------------------------------------------------------------- tables

    /**
     * One normalised frequency table: {@code freq[s]} sums to {@code 2^t} over the symbols present,
     * {@code cum[s]} is the sum of the frequencies of the symbols below {@code s}.
     */
    static final class Table {
        final int[] freq = new int[256];
        final int[] cum = new int[256];
        /** Symbols with a non-zero frequency, ascending. */
        final int[] present = new int[256];

        /** {@link #normalize}'s scratch: the gain or loss of one more or one less unit per present symbol. */
        final long[] delta = new long[256];
        /** {@link #normalize}'s scratch: a heap of indices into {@link #symbols}, best first. */
        final int[] heap = new int[256];

        /**
         * {@link #normalize}'s input, from {@link #scale}: the present symbols ascending and, for
         * each, {@code floor(count * 2^MAX_PRECISION / n)}, of which a shift gives the first
         * frequency at every precision (one division per symbol for all the precisions tried).
         */
        final int[] symbols = new int[256];

        final long[] scaled = new long[256];
        int symbolCount;

        void scale(int[] counts, int base, long n) {
            int k = 0;
            for (int s = 0; s < 256; s++) {
                int c = counts[base + s];
                if (c != 0) {
                    symbols[k] = s;
                    scaled[k++] = ((long) c << MAX_PRECISION) / n;
                }
            }
            symbolCount = k;
        }

        int k;
        /** Precision: the frequencies sum to {@code 2^t}. */
        int t;

        void finish() {
            int c = 0;
            k = 0;
            for (int s = 0; s < 256; s++) {
                cum[s] = c;
                c += freq[s];
                if (freq[s] != 0) {
                    present[k++] = s;
                }
            }
        }

        /** The one-symbol table of symbol 0: what the writer stores for a context that never occurs. */
        void single(int t) {
            java.util.Arrays.fill(freq, 0);
            freq[0] = 1 << t;
            this.t = t;
            finish();
        }

        void copyFrom(Table o) {
            System.arraycopy(o.freq, 0, freq, 0, 256);
            t = o.t;
            finish();
        }
    }

    /**
     * Normalises {@code counts} (at least one non-zero, at most {@code 2^t} of them, summing to
     * {@code n}; {@code out} {@linkplain Table#scale scaled} for them first) to frequencies summing
     * to {@code 2^t}, every present symbol at least 1: each gets {@code floor(count * 2^t / n)}
     * (at least 1; that is {@code floor(count * 2^15 / n) >> (15 - t)}, exactly), then single units
     * go, one at a time, where they save the most estimated bits (added) or cost the fewest (taken
     * back), ties to the smaller symbol. Integer arithmetic only.
     */
    static void normalize(int[] counts, int base, int t, Table out) {
        int[] f = out.freq;
        java.util.Arrays.fill(f, 0);
        int m = 1 << t;
        int sum = 0;
        int[] list = out.symbols;
        int k = out.symbolCount;
        long[] q = out.scaled;
        int shift = MAX_PRECISION - t;
        for (int i = 0; i < k; i++) {
            int s = list[i];
            f[s] = (int) Math.max(1, q[i] >>> shift);
            sum += f[s];
        }
        // each symbol's gain (loss) is kept in d, and a heap of the symbols' indices ordered by it
        // (ties to the smaller index, as a scan for the first best would take) gives the best in
        // log k steps: the same symbols, in the same order, as scanning all k at each step
        long[] d = out.delta;
        int[] heap = out.heap;
        if (sum < m) {
            for (int i = 0; i < k; i++) {
                int s = list[i];
                d[i] = (long) counts[base + s] * (LOG2[f[s] + 1] - LOG2[f[s]]);
                heap[i] = i;
            }
            for (int i = k / 2 - 1; i >= 0; i--) {
                siftDownMost(heap, i, k, d);
            }
            while (sum < m) {
                int best = heap[0];
                int s = list[best];
                f[s]++;
                sum++;
                d[best] = (long) counts[base + s] * (LOG2[f[s] + 1] - LOG2[f[s]]);
                siftDownMost(heap, 0, k, d);
            }
        }
        if (sum > m) {
            // the least loss first: the same heap over the losses negated (a symbol at 1 unit,
            // which cannot give one up, last)
            for (int i = 0; i < k; i++) {
                int s = list[i];
                d[i] = f[s] > 1 ? -(long) counts[base + s] * (LOG2[f[s]] - LOG2[f[s] - 1]) : -Long.MAX_VALUE;
                heap[i] = i;
            }
            for (int i = k / 2 - 1; i >= 0; i--) {
                siftDownMost(heap, i, k, d);
            }
            while (sum > m) {
                int best = heap[0];
                int s = list[best];
                f[s]--;
                sum--;
                d[best] = f[s] > 1 ? -(long) counts[base + s] * (LOG2[f[s]] - LOG2[f[s] - 1]) : -Long.MAX_VALUE;
                siftDownMost(heap, 0, k, d);
            }
        }
        out.t = t;
        out.finish();
    }

    /**
     * Restores the heap below {@code at}: index {@code i} comes before {@code j} when {@code d[i]}
     * is larger, or equal and {@code i < j}.
     */
    private static void siftDownMost(int[] heap, int at, int k, long[] d) {
        int x = heap[at];
        while (true) {
            int c = 2 * at + 1;
            if (c >= k) {
                break;
            }
            if (c + 1 < k && before(heap[c + 1], heap[c], d)) {
                c++;
            }
            if (!before(heap[c], x, d)) {
                break;
            }
            heap[at] = heap[c];
            at = c;
        }
        heap[at] = x;
    }

    private static boolean before(int i, int j, long[] d) {
        return d[i] > d[j] || d[i] == d[j] && i < j;
    }

    /** Estimated payload bits of {@code counts} under {@code table}, times 2^16. */
    static long costBits16(int[] counts, int base, Table table) {
        int t = table.t;
        long bits = 0;
        for (int i = 0; i < table.k; i++) {
            int s = table.present[i];
            bits += (long) counts[base + s] * ((t << 16) - LOG2[table.freq[s]]);
        }
        return bits;
    }

    /** Bits of exp-Golomb order {@code r} for {@code v >= 0}. */
    static int expGolombBits(int v, int r) {
        int w = (v >>> r) + 1;
        return 2 * (31 - Integer.numberOfLeadingZeros(w)) + 1 + r;
    }

    /** Bits {@link #writeTable} takes for {@code table}: precision, count, symbol set, implied index, frequencies. */
    static int tableBits(Table table) {
        return tableBits(table, symbolSetBits(table.freq));
    }

    /**
     * {@link #tableBits} given the bits of its symbol set ({@code setBits}, the smaller of the
     * present and the absent symbols' coding): the same for every precision of one histogram.
     */
    private static int tableBits(Table table, int setBits) {
        int k = table.k;
        int bits = 4 + 8 + 1 + setBits;
        if (k >= 2) {
            int implied = impliedIndex(table);
            bits += 8 + 4 + frequencyBits(table, implied, bestOrder(table, implied));
        }
        return bits;
    }

    /** Bits of the symbol set of {@code counts[0 .. 256)} as {@link #writeTable} codes it: the smaller of the two forms. */
    private static int symbolSetBits(int[] counts) {
        return Math.min(symbolSetBits(counts, false), symbolSetBits(counts, true));
    }

    /** Bits of the symbol set of {@code counts[0 .. 256)} (its non-zero entries) coded as present or as absent symbols. */
    private static int symbolSetBits(int[] counts, boolean absent) {
        int bits = 0;
        int prev = -1;
        for (int s = 0; s < 256; s++) {
            if ((counts[s] == 0) == absent) {
                bits += expGolombBits(s - prev - 1, 0);
                prev = s;
            }
        }
        return bits;
    }

    /** The index (among the present symbols) of the largest frequency, first on ties: left implied. */
    static int impliedIndex(Table table) {
        int best = 0;
        for (int i = 1; i < table.k; i++) {
            if (table.freq[table.present[i]] > table.freq[table.present[best]]) {
                best = i;
            }
        }
        return best;
    }

    private static int frequencyBits(Table table, int implied, int r) {
        int bits = 0;
        for (int i = 0; i < table.k; i++) {
            if (i != implied) {
                bits += expGolombBits(table.freq[table.present[i]] - 1, r);
            }
        }
        return bits;
    }

    /**
     * The exp-Golomb order (0..15) that codes the explicit frequencies in the fewest bits, smallest
     * first. All sixteen sums from one pass: for {@code v = freq - 1} of bit length {@code b} whose
     * top {@code a} bits are ones, order {@code r} takes {@code 1 + r} bits where {@code r >= b},
     * else {@code 2b - 1 - r}, plus 2 where {@code r >= b - a} ({@code (v >>> r) + 1} is then a power
     * of two); so the sums need only how many values have each length and where their extra 2 starts.
     */
    static int bestOrder(Table table, int implied) {
        int[] byLength = new int[17];
        int[] plusTwo = new int[18]; // differences: +1 where a value's orders with 2 more bits start, -1 past them
        for (int i = 0; i < table.k; i++) {
            if (i != implied) {
                int v = table.freq[table.present[i]] - 1;
                int b = 32 - Integer.numberOfLeadingZeros(v);
                byLength[b]++;
                if (b > 0) {
                    int a = Integer.numberOfLeadingZeros(~(v << (32 - b)));
                    plusTwo[b - a]++;
                    plusTwo[b]--;
                }
            }
        }
        int best = 0;
        long bestBits = Long.MAX_VALUE;
        int extra = 0;
        for (int r = 0; r < 16; r++) {
            extra += plusTwo[r];
            long bits = 2L * extra;
            for (int b = 0; b <= 16; b++) {
                bits += (long) byLength[b] * (b <= r ? 1 + r : 2 * b - 1 - r);
            }
            if (bits < bestBits) {
                bestBits = bits;
                best = r;
            }
        }
        return best;
    }

    /** Appends {@code table} to {@code w}. */
    static void writeTable(BitWriter w, Table table) {
        int k = table.k;
        w.bits(table.t, 4);
        w.bits(k - 1, 8);
        boolean absent = symbolSetBits(table.freq, true) < symbolSetBits(table.freq, false);
        w.bits(absent ? 1 : 0, 1);
        int prev = -1;
        for (int s = 0; s < 256; s++) {
            if ((table.freq[s] == 0) == absent) {
                w.expGolomb(s - prev - 1, 0);
                prev = s;
            }
        }
        if (k >= 2) {
            int implied = impliedIndex(table);
            int r = bestOrder(table, implied);
            w.bits(implied, 8);
            w.bits(r, 4);
            for (int i = 0; i < k; i++) {
                if (i != implied) {
                    w.expGolomb(table.freq[table.present[i]] - 1, r);
                }
            }
        }
    }

    /** Little bit writer, least significant bit first, into a byte array. */
    static final class BitWriter {
        final byte[] buf;
        int at;
        private long acc;
        private int n;

        BitWriter(byte[] buf, int at) {
            this.buf = buf;
            this.at = at;
        }

        void bits(int v, int count) {
            acc |= (long) v << n;
            n += count;
            while (n >= 8) {
                buf[at++] = (byte) acc;
                acc >>>= 8;
                n -= 8;
            }
        }

        void expGolomb(int v, int r) {
            int w = (v >>> r) + 1;
            int u = 31 - Integer.numberOfLeadingZeros(w);
            bits(0, u);
            bits(1, 1);
            bits(w & ((1 << u) - 1), u);
            bits(v & ((1 << r) - 1), r);
        }

        /** Pads to a whole byte with zero bits; returns the position after the last byte. */
        int flush() {
            if (n > 0) {
                buf[at++] = (byte) acc;
                acc = 0;
                n = 0;
            }
            return at;
        }
    }

    // ---------------------------------------------------------------- encode

    /**
     * Encoder state reusable on one thread: tables, per-symbol encode constants and a scratch area
     * for the four streams, which are written back to front.
     */
    public static final class Encoder {
        final Table[] tables = {new Table(), new Table()};
        private final Table trial = new Table();
        /**
         * Per coded symbol (256 per table), two longs of encode constants: at {@code 2 * symbol},
         * {@code rcp | cmpl << 32 | rcpShift << 48}, at {@code 2 * symbol + 1}, {@code limit | cum << 32}.
         * {@code x / freq} is {@code (x * rcp) >>> rcpShift}, exact for every state below 2^31;
         * {@code cmpl = 2^t - freq}; the state emits bytes while above {@code limit}. See {@link #step}.
         */
        private final long[] packed = new long[1024];

        private byte[] scratch = new byte[0];
        /** Table and stream sizes: at most 2 tables of 8 + 1 + 256 * 17 + 12 + 255 * 31 bits, 4 varints. */
        private final byte[] head = new byte[4096];

        private final int[] streamStart = new int[LANES];
        private final int[] streamEnd = new int[LANES];

        /**
         * Chooses {@code contexts} tables (1 or 2) for the histograms {@code counts[c * 256 + s]},
         * each at the precision whose table bits plus estimated payload bits are fewest; returns
         * the estimated record size in bytes, mode byte included.
         */
        long plan(int[] counts, int contexts, int n) {
            long bits16 = 0;
            long tableBits = 0;
            int precision = 0;
            for (int c = 0; c < contexts; c++) {
                int base = c * 256;
                long nc = 0;
                int k = 0;
                for (int s = 0; s < 256; s++) {
                    nc += counts[base + s];
                    k += counts[base + s] != 0 ? 1 : 0;
                }
                if (k == 0) {
                    tables[c].single(0);
                    tableBits += tableBits(tables[c]);
                    continue;
                }
                // from the least precision that gives every symbol a unit to one past the count
                int from = 32 - Integer.numberOfLeadingZeros(k - 1);
                int to = Math.min(MAX_PRECISION, 65 - Long.numberOfLeadingZeros(nc));
                long best = Long.MAX_VALUE;
                Table tb = trial;
                // every precision keeps the same symbols present (each at least one unit): their
                // set costs the same bits at every precision
                int setBits = -1;
                tb.scale(counts, base, nc);
                for (int t = from; t <= to; t++) {
                    normalize(counts, base, t, tb);
                    if (setBits < 0) {
                        setBits = symbolSetBits(tb.freq);
                    }
                    long cost16 = costBits16(counts, base, tb);
                    long total = cost16 + ((long) tableBits(tb, setBits) << 16);
                    if (total < best) {
                        best = total;
                        tables[c].copyFrom(tb);
                    }
                }
                bits16 += costBits16(counts, base, tables[c]);
                tableBits += tableBits(tables[c]);
                precision = Math.max(precision, tables[c].t);
            }
            this.precision = precision;
            this.contexts = contexts;
            // mode byte, tables, four sizes (about two bytes each), four flushed states, the streams
            return 1 + (tableBits + 7) / 8 + 8 + 4L * LANES + ((bits16 >>> 16) + 7) / 8;
        }

        private int precision;
        private int contexts;

        private static boolean empty(int[] counts, int c) {
            for (int s = 0; s < 256; s++) {
                if (counts[c * 256 + s] != 0) {
                    return false;
                }
            }
            return true;
        }

        /**
         * Writes the record body (no mode byte) for the tables {@link #plan} chose, coding
         * {@code src[off .. off+n)}, to {@code dst[at ..]}; returns the bytes written, or -1 when
         * they would exceed {@code max} (nothing is then promised about {@code dst[at .. at+max)}).
         */
        int encode(byte[] src, int off, int n, byte[] dst, int at, int max) {
            int t = precision;
            for (int c = 0; c < contexts; c++) {
                Table tb = tables[c];
                int scale = t - tb.t; // a coarser table is coded at the record's precision, scaled up
                int lim = (1 << (31 - t)) - 1; // (L >> t) << 8 = 2^(31 - t): the state bound per unit of frequency
                for (int s = 0; s < 256; s++) {
                    int f = tb.freq[s] << scale;
                    int i = c * 256 + s;
                    if (f == 0) {
                        packed[2 * i] = 0;
                        packed[2 * i + 1] = 0;
                        continue;
                    }
                    // emit while x >= 2^(31-t) * f, i.e. x > limit; f = 2^t never emits
                    int limit = (int) Math.min(Integer.MAX_VALUE, ((long) lim + 1) * f - 1);
                    // Granlund-Montgomery: with l = ceil(log2 f) and m = ceil(2^(31+l) / f), the
                    // error m*f - 2^(31+l) is below f <= 2^l, so floor(x*m / 2^(31+l)) = floor(x/f)
                    // for every x < 2^31; m < 2^32 keeps x*m inside a long
                    int l = 32 - Integer.numberOfLeadingZeros(f - 1);
                    long rcp = ((1L << (31 + l)) + f - 1) / f;
                    packed[2 * i] = rcp | (long) ((1 << t) - f) << 32 | (long) (31 + l) << 48;
                    packed[2 * i + 1] = (limit & 0xFFFFFFFFL) | (long) (tb.cum[s] << scale) << 32;
                }
            }
            int q = (n + LANES - 1) / LANES;
            // each lane writes back to front into its own part of the scratch: at most 2 bytes a
            // symbol (t <= 15) plus the 4-byte state
            int cap = 2 * q + 4;
            if (scratch.length < LANES * cap) {
                scratch = new byte[LANES * cap];
            }
            long total = 0;
            encodeRuns(src, off, n, q, cap);
            for (int k = 0; k < LANES; k++) {
                total += streamEnd[k] - streamStart[k];
            }
            // the table and sizes go to a scratch first: nothing is written to dst unless it all fits
            BitWriter w = new BitWriter(head, 0);
            for (int c = 0; c < contexts; c++) {
                writeTable(w, tables[c]);
            }
            int h = w.flush();
            for (int k = 0; k < LANES; k++) {
                h = writeVarint(head, h, streamEnd[k] - streamStart[k]);
            }
            if (h + total > max) {
                return -1;
            }
            System.arraycopy(head, 0, dst, at, h);
            int p = at + h;
            for (int k = 0; k < LANES; k++) {
                int len = streamEnd[k] - streamStart[k];
                System.arraycopy(scratch, streamStart[k], dst, p, len);
                p += len;
            }
            return p - at;
        }

        /**
         * The four runs, each back to front into its part of the scratch: first the tails of the
         * longer runs one by one, then all four side by side over the last (shortest) run's length,
         * so that four independent state chains overlap in the processor. Fills {@link #streamStart}
         * and {@link #streamEnd}; an empty run's stream is empty.
         */
        private void encodeRuns(byte[] src, int off, int n, int q, int cap) {
            int[] from = new int[LANES];
            int[] x = new int[LANES];
            int[] o = new int[LANES];
            int common = Math.min(n, 4 * q) - Math.min(n, 3 * q); // the last run's length, the shortest
            for (int k = 0; k < LANES; k++) {
                from[k] = off + Math.min(n, k * q);
                int to = off + Math.min(n, Math.min(n, k * q) + q);
                o[k] = (k + 1) * cap;
                streamEnd[k] = o[k];
                x[k] = L;
                for (int i = to - 1; i >= from[k] + common; i--) {
                    int s = symbol(src, from[k], i);
                    long b = packed[2 * s + 1];
                    int xs = x[k];
                    while (xs > (int) b) {
                        scratch[--o[k]] = (byte) xs;
                        xs >>>= 8;
                    }
                    x[k] = step(xs, packed[2 * s], b);
                }
            }
            encodePair(src, from, x, o, 0, common);
            encodePair(src, from, x, o, 2, common);
            byte[] out = scratch;
            for (int k = 0; k < LANES; k++) {
                if (from[k] == off + Math.min(n, Math.min(n, k * q) + q)) {
                    streamStart[k] = streamEnd[k]; // an empty run has an empty stream
                    continue;
                }
                int xs = x[k];
                out[--o[k]] = (byte) (xs >>> 24);
                out[--o[k]] = (byte) (xs >>> 16);
                out[--o[k]] = (byte) (xs >>> 8);
                out[--o[k]] = (byte) xs;
                streamStart[k] = o[k];
            }
        }

        /**
         * Runs {@code k} and {@code k + 1} side by side over their first {@code count} symbols, back
         * to front, from the states {@code x} and stream positions {@code o}, which it advances. Two
         * lanes at a time, not four: four states, positions and per-symbol constants do not fit the
         * x86 registers, and C2 kept the spilled states on the stack, a store and a load on every
         * symbol's dependency chain (two lanes measured about 10% faster on Zen 4). The constants
         * come packed, two loads a symbol.
         */
        private void encodePair(byte[] src, int[] from, int[] x, int[] o, int k, int count) {
            final byte[] out = scratch;
            final long[] kp = packed;
            final int ctx = contexts == 2 ? 256 : 0; // with two tables, the second after a non-zero symbol
            final int fa = from[k], fb = from[k + 1];
            int xa = x[k], xb = x[k + 1];
            int oa = o[k], ob = o[k + 1];
            for (int j = count - 1; j >= 0; j--) {
                int sa = src[fa + j] & 0xFF, sb = src[fb + j] & 0xFF;
                if (ctx != 0 && j > 0) { // one table: C2 takes the test out of the loop
                    sa |= src[fa + j - 1] != 0 ? ctx : 0;
                    sb |= src[fb + j - 1] != 0 ? ctx : 0;
                }
                long aa = kp[2 * sa], ab = kp[2 * sb];
                long ba = kp[2 * sa + 1], bb = kp[2 * sb + 1];
                int ma = (int) ba, mb = (int) bb;
                while (xa > ma) {
                    out[--oa] = (byte) xa;
                    xa >>>= 8;
                }
                while (xb > mb) {
                    out[--ob] = (byte) xb;
                    xb >>>= 8;
                }
                xa = step(xa, aa, ba);
                xb = step(xb, ab, bb);
            }
            x[k] = xa;
            x[k + 1] = xb;
            o[k] = oa;
            o[k + 1] = ob;
        }

        /**
         * The state after coding a symbol with {@link #packed} constants {@code a} and {@code b} from
         * state {@code x}, its bytes already emitted: {@code x + cum + (x / freq) * (2^t - freq)}.
         */
        private static int step(int x, long a, long b) {
            return x + (int) (b >>> 32) + (int) ((x * (a & 0xFFFFFFFFL)) >>> (a >>> 48)) * (int) (a >>> 32 & 0xFFFF);
        }

        /**
         * The coded symbol at {@code i} of the run starting at {@code from}: its byte, plus 256 for
         * the second table when the previous symbol of the run is not zero.
         */
        private int symbol(byte[] src, int from, int i) {
            int s = src[i] & 0xFF;
            return contexts == 1 || i == from || src[i - 1] == 0 ? s : 256 + s;
        }
    }

    static int writeVarint(byte[] dst, int p, int v) {
        while (v >= 0x80) {
            dst[p++] = (byte) (v | 0x80);
            v >>>= 7;
        }
        dst[p++] = (byte) v;
        return p;
    }

    /**
     * The per-run histograms of the two contexts: {@code counts[0 .. 256)} for symbols whose
     * previous symbol in their run is zero (the first of a run counts as after a zero),
     * {@code counts[256 .. 512)} for the rest.
     *
     * <p>Only planes with many zeros take the two-table mode, and in those (the exponent planes of an
     * exact delta: 99% zeros) counting every zero was most of the work, each one waiting on the
     * last increment of the same counter. So each run is read eight bytes at a time: a word of zeros
     * is eight zeros, the first after the run's last symbol, the rest after a zero, counted in
     * locals; only the other words are counted byte by byte.
     */
    static void contextHistogram(byte[] src, int off, int n, int[] counts) {
        Arrays.fill(counts, 0, 512, 0);
        int q = (n + LANES - 1) / LANES;
        long zerosAfterZero = 0;
        long zerosAfterOther = 0;
        for (int k = 0; k < LANES; k++) {
            int from = off + Math.min(n, k * q);
            int to = off + Math.min(n, Math.min(n, k * q) + q);
            int c = 0;
            int i = from;
            for (; i + 8 <= to; i += 8) {
                if ((long) BA_LONG_LE.get(src, i) == 0) {
                    zerosAfterZero += c == 0 ? 8 : 7;
                    zerosAfterOther += c == 0 ? 0 : 1;
                    c = 0;
                    continue;
                }
                for (int j = i; j < i + 8; j++) {
                    int v = src[j] & 0xFF;
                    counts[c + v]++;
                    c = v == 0 ? 0 : 256;
                }
            }
            for (; i < to; i++) {
                int v = src[i] & 0xFF;
                counts[c + v]++;
                c = v == 0 ? 0 : 256;
            }
        }
        counts[0] += (int) zerosAfterZero;
        counts[256] += (int) zerosAfterOther;
    }

    /**
     * The fewest bytes the body of a one-table record ({@link PlaneCoder#RANS}, no mode byte) can take
     * for a plane of {@code n} symbols whose {@code counts[0 .. 256)} has {@code k >= 2} non-zero
     * entries and carries at least {@code infoBits} bits of order-0 entropy
     * ({@link #entropyBitsAtLeast}), whatever precision the plan picks. A bound, so that a plane
     * whose record could not fit under the size it must beat skips the plan and the encode; every
     * term is at most what {@link Encoder#encode} writes:
     * <ul>
     *   <li>the table: its fixed fields (4 + 8 + 1, then 8 + 4 bits), the symbol set (the same bits
     *       at every precision, as every present symbol keeps a unit) and at least one bit for each
     *       of the {@code k - 1} explicit frequencies;
     *   <li>four stream sizes, at least a byte each, and a 4-byte final state for each run that
     *       holds a symbol (an empty run, which {@code n} of 1 to 3, 5, 6 and 9 leave, has an
     *       empty stream);
     *   <li>the renormalisation bytes {@code R}. Per lane, {@code Φ = 8 bytes + log2 x} starts at
     *       {@code log2 L = 23} and ends below {@code 8 bytes + 31}. Coding a symbol of frequency
     *       {@code f} at precision {@code t <= 15} from a state {@code x >= 2^(23 - t) f} (so it is
     *       after renormalising) raises it by at least {@code log2(2^t / f) + log2(1 - 2^-8)}
     *       ({@code floor(x / f) >= (x - f + 1) / f}); emitting a byte from {@code x >= 2^16}
     *       lowers it by at most {@code log2(1 + 2^-8)}. Summed over the four lanes, with
     *       {@code Σ count log2(2^t / f) >= n H} (the cross-entropy of any table is at least the
     *       entropy): {@code 8.0057 R > n H - 32 - 0.0057 n}, bounded below here in integers as
     *       {@code (I - 32 - floor(n / 128) - 1 - floor(I / 1024)) / 8}.
     * </ul>
     */
    static long minRecordBytes(int[] counts, int n, int k, long infoBits) {
        long tableBits = 4 + 8 + 1 + symbolSetBits(counts) + 8 + 4 + (k - 1);
        long renorm = Math.max(0, (infoBits - 32 - n / 128 - 1 - infoBits / 1024) / 8);
        int q = (n + LANES - 1) / LANES;
        int runs = (n + q - 1) / q;
        return (tableBits + 7) / 8 + LANES + 4L * runs + renorm;
    }

    /**
     * A lower bound, in whole bits, on {@code n} times the order-0 entropy of counts summing to
     * {@code n}, from their {@link #entropyBits16}: each logarithm of {@link #log2x16} is at most half
     * a unit (2^-16 bits) above the exact one and at most 6.3 below (above 2^15 it keeps 15
     * significant bits), so that sum is at most {@code 6.8 n} units above the exact entropy.
     */
    static long entropyBitsAtLeast(long entropyBits16, int n) {
        return Math.max(0, (entropyBits16 - 7L * n) >> 16);
    }

    /**
     * The order-0 entropy of {@code counts} (which sum to {@code n}) in bits, times 2^16, from
     * {@link #log2x16}: below 2^15 each logarithm is within one unit of the exact one, so the sum
     * is within {@code n} units of the exact entropy there.
     */
    static long entropyBits16(int[] counts, int n) {
        long bits16 = 0;
        long logN = log2x16(n);
        for (int s = 0; s < 256; s++) {
            int c = counts[s];
            if (c != 0) {
                bits16 += c * (logN - log2x16(c));
            }
        }
        return bits16;
    }

    /** {@code log2(v) * 2^16} for {@code v >= 1}, from {@link #LOG2} (exact below 2^15, 15 significant bits above). */
    static long log2x16(int v) {
        int shift = Math.max(0, 17 - Integer.numberOfLeadingZeros(v)); // keep v >> shift below 2^15
        return ((long) shift << 16) + LOG2[v >>> shift];
    }

    // ---------------------------------------------------------------- decode

    /** Decoder state reusable across calls on one thread. */
    public static final class Decoder {
        /**
         * Per context, per slot: {@code freq | (slot - cum) << 16}, and with two tables bit 31 set
         * where the slot's symbol is not zero (the next symbol's table, read off the state's chain).
         */
        private int[] entry = new int[0];
        /** Per context, per slot: the symbol. */
        private byte[] symbol = new byte[0];

        private byte[] in = new byte[0];
        /**
         * Zero bytes after the streams in {@link #in}: the four-lane loop reads at most 2 bytes a
         * symbol and checks its bound once per batch of {@code (bound - p) / 2} symbols, so this
         * keeps the batches long at the end of the last stream.
         */
        private static final int SLACK = 64;

        private final int[] freq = new int[512];
        private final int[] tableT = new int[2];
        private final boolean[] mark = new boolean[256];

        /**
         * Decodes the record body at {@code src[at .. limit)} (after the mode byte) with
         * {@code contexts} tables into {@code dst[off .. off+n)}; returns the bytes it took.
         * Nothing past {@code dst[off + n)} is written. Hostile input fails with a
         * {@link CorruptArtifactException} naming the offset in {@code src}.
         */
        public long decode(MemorySegment src, long at, long limit, int contexts, byte[] dst, int off, int n) {
            BitReader r = new BitReader(src, at, limit);
            int t = 0;
            for (int c = 0; c < contexts; c++) {
                tableT[c] = readTable(r, c * 256);
                t = Math.max(t, tableT[c]);
            }
            long p = r.endOfPadding();
            if (entry.length < contexts << t) {
                entry = new int[contexts << MAX_PRECISION];
                symbol = new byte[contexts << MAX_PRECISION];
            }
            for (int c = 0; c < contexts; c++) {
                fill(c * 256, t - tableT[c], c << t, contexts == 2);
            }
            long[] size = new long[LANES];
            long total = 0;
            for (int k = 0; k < LANES; k++) {
                long v = 0;
                for (int shift = 0; ; shift += 7) {
                    if (p >= limit) {
                        throw corrupt(p, "stream sizes run past the end of the record");
                    }
                    int b = src.get(ValueLayout.JAVA_BYTE, p++) & 0xFF;
                    if (shift == 28 && b > 7 || shift > 0 && b == 0) {
                        throw corrupt(p - 1, "stream size " + k + " is not a minimal varint below 2^31");
                    }
                    v |= (long) (b & 0x7F) << shift;
                    if (b < 0x80) {
                        break;
                    }
                }
                size[k] = v;
                total += v;
            }
            if (total > limit - p) {
                throw corrupt(p, "streams of " + total + " bytes, " + (limit - p) + " left in the record");
            }
            if (in.length < total + SLACK) {
                in = new byte[(int) Math.max(total + SLACK, in.length * 2L)];
            }
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, p, in, 0, (int) total);
            Arrays.fill(in, (int) total, (int) total + SLACK, (byte) 0);
            int q = (n + LANES - 1) / LANES;
            int s = 0;
            int[] start = new int[LANES];
            int[] end = new int[LANES];
            int[] from = new int[LANES];
            int[] to = new int[LANES];
            for (int k = 0; k < LANES; k++) {
                start[k] = s;
                s += (int) size[k];
                end[k] = s;
                from[k] = off + Math.min(n, k * q);
                to[k] = off + Math.min(n, Math.min(n, k * q) + q);
                if (from[k] == to[k] ? size[k] != 0 : size[k] < 4) {
                    throw corrupt(
                            p + start[k],
                            "stream " + k + " of " + size[k] + " bytes for " + (to[k] - from[k]) + " symbols");
                }
            }
            int[] x = new int[LANES];
            for (int k = 0; k < LANES; k++) {
                if (from[k] == to[k]) {
                    x[k] = L;
                    continue;
                }
                int b = start[k];
                x[k] = (in[b] & 0xFF) | (in[b + 1] & 0xFF) << 8 | (in[b + 2] & 0xFF) << 16 | (in[b + 3] & 0xFF) << 24;
                if (x[k] < L) { // negative (>= 2^31) or below 2^23
                    throw corrupt(
                            p + b,
                            "stream " + k + " starts in state " + Integer.toUnsignedString(x[k])
                                    + ", outside [2^23, 2^31)");
                }
                start[k] = b + 4;
            }
            int[] runFrom = from.clone();
            // the four lanes side by side over the shortest run, each lane's reads bounded by the
            // end of the scratch (its slack included), not by its own stream: a valid stream reads
            // exactly its own bytes, so a lane past its end is a corrupt stream, refused below. (Bound
            // by each stream, a lane with a stream of a few bytes, common on the near-constant planes
            // of an exact delta, stopped all four and left the run to the one-lane loop: a fifth of
            // the decode time of a real fine-tune's XOR)
            int[] bound = new int[LANES];
            Arrays.fill(bound, (int) total + SLACK);
            if (contexts == 1) {
                decode4One(t, x, start, bound, from, to, dst);
            } else {
                decode4Two(t, x, start, bound, from, to, dst);
            }
            for (int k = 0; k < LANES; k++) {
                if (start[k] > end[k]) {
                    throw corrupt(p + end[k], "stream " + k + " runs past its end");
                }
            }
            for (int k = 0; k < LANES; k++) {
                finish(t, contexts, k, x[k], start[k], end[k], runFrom[k], from[k], to[k], dst, p);
            }
            return p + total - at;
        }

        /** Reads one table's frequencies into {@code freq[base ..]}; returns its precision. */
        private int readTable(BitReader r, int base) {
            long tableAt = r.position();
            int t = r.bits(4);
            if (t > MAX_PRECISION) {
                throw corrupt(tableAt, "table precision " + t + " exceeds " + MAX_PRECISION);
            }
            int m = 1 << t;
            int k = r.bits(8) + 1;
            if (k > m) {
                throw corrupt(tableAt, k + " symbols do not fit a table of total " + m);
            }
            boolean absent = r.bits(1) == 1;
            int listed = absent ? 256 - k : k;
            java.util.Arrays.fill(freq, base, base + 256, 0);
            java.util.Arrays.fill(mark, false);
            int prev = -1;
            for (int i = 0; i < listed; i++) {
                int s = prev + 1 + (int) r.expGolomb(0, 8);
                if (s > 255) {
                    throw corrupt(r.position(), "symbol set runs past 255");
                }
                mark[s] = true;
                prev = s;
            }
            int[] present = new int[k];
            int j = 0;
            for (int s = 0; s < 256; s++) {
                if (mark[s] != absent) {
                    present[j++] = s;
                }
            }
            if (k == 1) {
                freq[base + present[0]] = m;
                return t;
            }
            int implied = r.bits(8);
            if (implied >= k) {
                throw corrupt(r.position(), "implied symbol " + implied + " of " + k);
            }
            int order = r.bits(4);
            long sum = 0;
            for (int i = 0; i < k; i++) {
                if (i != implied) {
                    long f = r.expGolomb(order, MAX_PRECISION) + 1L;
                    sum += f;
                    if (sum >= m) {
                        throw corrupt(
                                r.position(),
                                "frequencies reach " + sum + ", leaving nothing of " + m + " for the implied one");
                    }
                    freq[base + present[i]] = (int) f;
                }
            }
            freq[base + present[implied]] = (int) (m - sum);
            return t;
        }

        /**
         * The decode entries of the table at {@code freq[base ..]}, scaled up by {@code 2^scale},
         * from {@code at}; {@code flag}: bit 31 marks a non-zero symbol.
         */
        private void fill(int base, int scale, int at, boolean flag) {
            int slot = at;
            for (int s = 0; s < 256; s++) {
                int f = freq[base + s] << scale;
                int mark = flag && s != 0 ? Integer.MIN_VALUE : 0;
                for (int u = 0; u < f; u++) {
                    entry[slot] = f | u << 16 | mark;
                    symbol[slot] = (byte) s;
                    slot++;
                }
            }
        }

        /**
         * The fast path with two tables: all four runs in one loop while every run has symbols left
         * and every lane 2 bytes before its bound {@code end[k]} (the most one symbol reads when
         * {@code t <= 15}); the caller checks that no lane read past its own stream. The previous
         * symbol of each run picks the table of the next (the flag bit of its entry).
         */
        private void decode4Two(int t, int[] xs, int[] start, int[] end, int[] from, int[] to, byte[] dst) {
            final int[] e = entry;
            final byte[] sy = symbol;
            final byte[] b = in;
            final int mask = (1 << t) - 1;
            final int second = 1 << t; // base of the table after a non-zero symbol
            int x0 = xs[0], x1 = xs[1], x2 = xs[2], x3 = xs[3];
            int p0 = start[0], p1 = start[1], p2 = start[2], p3 = start[3];
            int o0 = from[0], o1 = from[1], o2 = from[2], o3 = from[3];
            int c0 = 0, c1 = 0, c2 = 0, c3 = 0;
            // the last run is the shortest: all four advance together over its length
            int count = Math.min(Math.min(to[0] - o0, to[1] - o1), Math.min(to[2] - o2, to[3] - o3));
            int e0 = end[0] - 2, e1 = end[1] - 2, e2 = end[2] - 2, e3 = end[3] - 2;
            int i = 0;
            // renormalisation branches, not branch-free selects: on skewed planes a byte is rarely
            // needed and the predicted branch keeps it off the state's dependency chain (measured
            // 15% faster than the branch-free form on the planes of an exact fine-tune delta)
            while (i < count) {
                int room = Math.min(Math.min(e0 - p0, e1 - p1), Math.min(e2 - p2, e3 - p3));
                if (room < 0) {
                    break;
                }
                int stop = Math.min(count, i + room / 2 + 1);
                for (; i < stop; i++) {
                    int s0 = c0 | x0 & mask, s1 = c1 | x1 & mask, s2 = c2 | x2 & mask, s3 = c3 | x3 & mask;
                    int a0 = e[s0], a1 = e[s1], a2 = e[s2], a3 = e[s3];
                    byte y0 = sy[s0], y1 = sy[s1], y2 = sy[s2], y3 = sy[s3];
                    dst[o0 + i] = y0;
                    dst[o1 + i] = y1;
                    dst[o2 + i] = y2;
                    dst[o3 + i] = y3;
                    c0 = a0 >> 31 & second;
                    c1 = a1 >> 31 & second;
                    c2 = a2 >> 31 & second;
                    c3 = a3 >> 31 & second;
                    x0 = (a0 & 0xFFFF) * (x0 >>> t) + (a0 >>> 16 & 0x7FFF);
                    x1 = (a1 & 0xFFFF) * (x1 >>> t) + (a1 >>> 16 & 0x7FFF);
                    x2 = (a2 & 0xFFFF) * (x2 >>> t) + (a2 >>> 16 & 0x7FFF);
                    x3 = (a3 & 0xFFFF) * (x3 >>> t) + (a3 >>> 16 & 0x7FFF);
                    if (x0 < L) {
                        x0 = x0 << 8 | b[p0++] & 0xFF;
                        if (x0 < L) {
                            x0 = x0 << 8 | b[p0++] & 0xFF;
                        }
                    }
                    if (x1 < L) {
                        x1 = x1 << 8 | b[p1++] & 0xFF;
                        if (x1 < L) {
                            x1 = x1 << 8 | b[p1++] & 0xFF;
                        }
                    }
                    if (x2 < L) {
                        x2 = x2 << 8 | b[p2++] & 0xFF;
                        if (x2 < L) {
                            x2 = x2 << 8 | b[p2++] & 0xFF;
                        }
                    }
                    if (x3 < L) {
                        x3 = x3 << 8 | b[p3++] & 0xFF;
                        if (x3 < L) {
                            x3 = x3 << 8 | b[p3++] & 0xFF;
                        }
                    }
                }
            }
            xs[0] = x0;
            xs[1] = x1;
            xs[2] = x2;
            xs[3] = x3;
            start[0] = p0;
            start[1] = p1;
            start[2] = p2;
            start[3] = p3;
            from[0] = o0 + i;
            from[1] = o1 + i;
            from[2] = o2 + i;
            from[3] = o3 + i;
        }

        /**
         * {@link #decode4Two} for one table, in batches: a symbol reads at most 2 stream bytes, so
         * {@code min((end - p) / 2)} symbols can go without checking the streams.
         */
        private void decode4One(int t, int[] xs, int[] start, int[] end, int[] from, int[] to, byte[] dst) {
            final int[] e = entry;
            final byte[] sy = symbol;
            final byte[] b = in;
            final int mask = (1 << t) - 1;
            int x0 = xs[0], x1 = xs[1], x2 = xs[2], x3 = xs[3];
            int p0 = start[0], p1 = start[1], p2 = start[2], p3 = start[3];
            final int o0 = from[0], o1 = from[1], o2 = from[2], o3 = from[3];
            int count = Math.min(Math.min(to[0] - o0, to[1] - o1), Math.min(to[2] - o2, to[3] - o3));
            final int e0 = end[0] - 2, e1 = end[1] - 2, e2 = end[2] - 2, e3 = end[3] - 2;
            int i = 0;
            while (i < count) {
                int room = Math.min(Math.min(e0 - p0, e1 - p1), Math.min(e2 - p2, e3 - p3));
                if (room < 0) {
                    break;
                }
                int stop = Math.min(count, i + room / 2 + 1);
                for (; i < stop; i++) {
                    int s0 = x0 & mask, s1 = x1 & mask, s2 = x2 & mask, s3 = x3 & mask;
                    int a0 = e[s0], a1 = e[s1], a2 = e[s2], a3 = e[s3];
                    dst[o0 + i] = sy[s0];
                    dst[o1 + i] = sy[s1];
                    dst[o2 + i] = sy[s2];
                    dst[o3 + i] = sy[s3];
                    x0 = (a0 & 0xFFFF) * (x0 >>> t) + (a0 >>> 16);
                    x1 = (a1 & 0xFFFF) * (x1 >>> t) + (a1 >>> 16);
                    x2 = (a2 & 0xFFFF) * (x2 >>> t) + (a2 >>> 16);
                    x3 = (a3 & 0xFFFF) * (x3 >>> t) + (a3 >>> 16);
                    if (x0 < L) {
                        x0 = x0 << 8 | b[p0++] & 0xFF;
                        if (x0 < L) {
                            x0 = x0 << 8 | b[p0++] & 0xFF;
                        }
                    }
                    if (x1 < L) {
                        x1 = x1 << 8 | b[p1++] & 0xFF;
                        if (x1 < L) {
                            x1 = x1 << 8 | b[p1++] & 0xFF;
                        }
                    }
                    if (x2 < L) {
                        x2 = x2 << 8 | b[p2++] & 0xFF;
                        if (x2 < L) {
                            x2 = x2 << 8 | b[p2++] & 0xFF;
                        }
                    }
                    if (x3 < L) {
                        x3 = x3 << 8 | b[p3++] & 0xFF;
                        if (x3 < L) {
                            x3 = x3 << 8 | b[p3++] & 0xFF;
                        }
                    }
                }
            }
            xs[0] = x0;
            xs[1] = x1;
            xs[2] = x2;
            xs[3] = x3;
            start[0] = p0;
            start[1] = p1;
            start[2] = p2;
            start[3] = p3;
            from[0] = o0 + i;
            from[1] = o1 + i;
            from[2] = o2 + i;
            from[3] = o3 + i;
        }

        /**
         * The rest of run {@code k} (which began at {@code runFrom}) from {@code o}, one symbol at a
         * time with every stream byte checked; then the state must be back at 2^23 with every byte
         * of the stream used. {@code base} is the offset of {@code in[0]} in the source, for errors.
         */
        private void finish(
                int t, int contexts, int k, int x, int p, int stop, int runFrom, int o, int to, byte[] dst, long base) {
            final int[] e = entry;
            final byte[] sy = symbol;
            final byte[] b = in;
            final int mask = (1 << t) - 1;
            final int second = contexts == 2 ? 1 << t : 0;
            int c = o > runFrom && dst[o - 1] != 0 ? second : 0;
            for (; o < to; o++) {
                int slot = c | x & mask;
                int a = e[slot];
                byte s = sy[slot];
                dst[o] = s;
                c = s == 0 ? 0 : second;
                x = (a & 0xFFFF) * (x >>> t) + (a >>> 16 & 0x7FFF);
                while (x < L) {
                    if (p >= stop) {
                        throw corrupt(base + p, "stream " + k + " ends before its symbols do");
                    }
                    x = x << 8 | b[p++] & 0xFF;
                }
            }
            if (x != L) {
                throw corrupt(
                        base + p,
                        "stream " + k + " ends in state " + Integer.toUnsignedString(x) + ", not the initial 2^23");
            }
            if (p != stop) {
                throw corrupt(base + p, "stream " + k + " has " + (stop - p) + " bytes after its last symbol");
            }
        }
    }

    /** Bit reader over {@code src[at .. limit)}, least significant bit first. */
    static final class BitReader {
        private final MemorySegment src;
        private final long limit;
        private long byteAt;
        private int bitAt;

        BitReader(MemorySegment src, long at, long limit) {
            this.src = src;
            this.byteAt = at;
            this.limit = limit;
        }

        long position() {
            return byteAt;
        }

        int bit() {
            if (byteAt >= limit) {
                throw corrupt(byteAt, "frequency table runs past the end of the record");
            }
            int v = (src.get(ValueLayout.JAVA_BYTE, byteAt) >>> bitAt) & 1;
            if (++bitAt == 8) {
                bitAt = 0;
                byteAt++;
            }
            return v;
        }

        int bits(int count) {
            int v = 0;
            for (int i = 0; i < count; i++) {
                v |= bit() << i;
            }
            return v;
        }

        /** Exp-Golomb of order {@code r}; a prefix longer than {@code maxPrefix} zeros is corrupt. */
        long expGolomb(int r, int maxPrefix) {
            int u = 0;
            while (bit() == 0) {
                if (++u > maxPrefix) {
                    throw corrupt(byteAt, "exp-Golomb prefix of more than " + maxPrefix + " zeros");
                }
            }
            long w = (1L << u) | bits(u);
            return ((w - 1) << r) | bits(r);
        }

        /** Checks that the bits left in the current byte are zero and returns the next byte's position. */
        long endOfPadding() {
            if (bitAt != 0) {
                int rest = (src.get(ValueLayout.JAVA_BYTE, byteAt) & 0xFF) >>> bitAt;
                if (rest != 0) {
                    throw corrupt(byteAt, "table padding bits are not zero");
                }
                byteAt++;
                bitAt = 0;
            }
            return byteAt;
        }
    }

    static CorruptArtifactException corrupt(long offset, String reason) {
        return new CorruptArtifactException(SOURCE, null, offset, reason);
    }
}
