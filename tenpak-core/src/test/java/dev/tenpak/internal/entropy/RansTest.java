package dev.tenpak.internal.entropy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.error.CorruptArtifactException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rANS plane modes: exact round trips of both modes over awkward lengths and distributions
 * (skewed, all one symbol, all 256), sizes near the entropy, the writer's choice, and hostile
 * records (truncated, bad tables, frequencies that overflow or do not sum, wrong final states,
 * trailing bytes) refused with {@link CorruptArtifactException} and nothing else.
 */
class RansTest {
    static final long SEED = Long.getLong("tenpak.test.seed", new SplittableRandom().nextLong());

    @BeforeAll
    static void printSeed() {
        System.out.println("RansTest: random data uses seed " + SEED + " (rerun with -Dtenpak.test.seed=" + SEED + ")");
    }

    static SplittableRandom rng(String what) {
        return new SplittableRandom(SEED ^ what.hashCode());
    }

    /** A geometric distribution over a random permutation of {@code alphabet} symbols, zero on top with p. */
    static byte[] skewed(int n, double p, int alphabet, SplittableRandom r) {
        int[] perm = new int[256];
        for (int i = 0; i < 256; i++) {
            perm[i] = i;
        }
        for (int i = 255; i > 1; i--) {
            int j = 1 + r.nextInt(i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            int k = 0;
            while (k < alphabet - 1 && r.nextDouble() > p) {
                k++;
            }
            b[i] = (byte) perm[k];
        }
        return b;
    }

    /** Like the exponent plane of an exact fine-tune delta: runs of zeros, rare small values. */
    static byte[] xorLike(int n, SplittableRandom r) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            boolean after = i > 0 && b[i - 1] != 0;
            if (r.nextDouble() < (after ? 0.3 : 0.006)) {
                b[i] = (byte) (1 + Integer.numberOfTrailingZeros(r.nextInt() | 0x100) % 8);
            }
        }
        return b;
    }

    static Stream<Arguments> planes() {
        Stream.Builder<Arguments> s = Stream.builder();
        for (int n : new int[] {1, 2, 3, 4, 5, 7, 8, 100, 384, 768, 4095, 4096, 4097, 65537, 131072}) {
            SplittableRandom r = rng("n" + n);
            s.add(Arguments.of("skewed p=" + 0.99 + " n=" + n, skewed(n, 0.99, 20, r)));
            s.add(Arguments.of("skewed p=" + 0.7 + " n=" + n, skewed(n, 0.7, 40, r)));
            s.add(Arguments.of("skewed p=" + 0.05 + " n=" + n, skewed(n, 0.05, 256, r)));
            s.add(Arguments.of("xor-like n=" + n, xorLike(n, r)));
            s.add(Arguments.of("all zero n=" + n, new byte[n]));
            byte[] one = new byte[n];
            Arrays.fill(one, (byte) 0xC3);
            s.add(Arguments.of("one symbol n=" + n, one));
            byte[] all = new byte[n];
            for (int i = 0; i < n; i++) {
                all[i] = (byte) (i * 97);
            }
            s.add(Arguments.of("cycling 256 n=" + n, all));
            byte[] u = new byte[n];
            r.nextBytes(u);
            s.add(Arguments.of("uniform n=" + n, u));
        }
        // one run of the four all zeros, the others not: a stream of its state alone beside longer
        // ones, decoded side by side with them (its lane bounded by the end of all four streams)
        for (int quiet = 0; quiet < 4; quiet++) {
            SplittableRandom r = rng("quiet " + quiet);
            byte[] b = skewed(65536, 0.7, 40, r);
            Arrays.fill(b, quiet * 16384, (quiet + 1) * 16384, (byte) 0);
            s.add(Arguments.of("run " + quiet + " all zero, n=65536", b));
        }
        for (int trial = 0; trial < 12; trial++) {
            SplittableRandom r = rng("random " + trial);
            int n = 1 + r.nextInt(20_000);
            s.add(Arguments.of(
                    "random skew " + trial + " n=" + n,
                    skewed(n, 0.01 + 0.98 * r.nextDouble(), 2 + r.nextInt(255), r)));
        }
        return s.build();
    }

    /** A plane record in rANS mode with {@code contexts} tables, whatever the writer would choose. */
    static byte[] forceRans(byte[] src, int contexts) {
        int n = src.length;
        int[] counts = new int[512];
        if (contexts == 1) {
            for (byte b : src) {
                counts[b & 0xFF]++;
            }
        } else {
            Rans.contextHistogram(src, 0, n, counts);
        }
        Rans.Encoder e = new Rans.Encoder();
        long est = e.plan(counts, contexts, n);
        byte[] dst = new byte[8192 + 3 * n];
        int w = e.encode(src, 0, n, dst, 1, dst.length - 1);
        assertThat(w).isPositive();
        dst[0] = (byte) (contexts == 1 ? PlaneCoder.RANS : PlaneCoder.RANS2);
        // the writer's estimate is within its slack of the record
        assertThat(Math.abs(est - (1 + w))).as("estimate " + est).isLessThanOrEqualTo(PlaneCoder.RANS_ESTIMATE_SLACK);
        return Arrays.copyOf(dst, 1 + w);
    }

    static byte[] decode(byte[] coded, int n) {
        byte[] out = new byte[n + Huffman.SLACK];
        long used = new PlaneCoder().decode(MemorySegment.ofArray(coded), 0, coded.length, out, 0, n);
        assertThat(used).isEqualTo(coded.length);
        for (int i = n; i < out.length; i++) {
            assertThat(out[i]).as("nothing written past the plane").isZero();
        }
        return Arrays.copyOf(out, n);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("planes")
    void bothModesRoundTripExactly(String name, byte[] src) {
        for (int contexts = 1; contexts <= 2; contexts++) {
            byte[] coded = forceRans(src, contexts);
            assertThat(decode(coded, src.length))
                    .as(name + ", " + contexts + " tables (seed " + SEED + ")")
                    .isEqualTo(src);
            // from inside a larger segment, at an odd offset, with bytes after it
            byte[] padded = new byte[coded.length + 13];
            System.arraycopy(coded, 0, padded, 3, coded.length);
            byte[] out = new byte[src.length];
            PlaneCoder p = new PlaneCoder();
            assertThat(p.decode(MemorySegment.ofArray(padded), 3, padded.length, out, 0, src.length))
                    .isEqualTo(coded.length);
            assertThat(out).isEqualTo(src);
        }
        // and the writer's own choice round-trips too
        assertThat(decode(HuffmanTest.encodePlane(src), src.length)).isEqualTo(src);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("planes")
    void largePlanesCostTheirEntropy(String name, byte[] src) {
        if (src.length < 65536) {
            return;
        }
        PlaneCoder p = new PlaneCoder();
        p.histogram(src, 0, src.length);
        double entropy = PlaneCoder.entropyBits(p.counts()) / 8;
        byte[] coded = forceRans(src, 1);
        // tables, four sizes and four states, then within 1% of the order-0 entropy
        assertThat((double) coded.length).as(name).isLessThanOrEqualTo(entropy * 1.01 + 600);
    }

    /**
     * The two-table histogram, which skips words of zeros, against its definition: every symbol
     * counted in the table of whether the symbol before it in its run (of four) is zero, the first
     * of a run as after a zero; at offsets 0 and 5 into a larger array whose other bytes are not zero.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("planes")
    void contextHistogramMatchesItsDefinition(String name, byte[] src) {
        int n = src.length;
        int[] expected = new int[512];
        int q = (n + 3) / 4;
        for (int k = 0; k < 4; k++) {
            int from = Math.min(n, k * q);
            int to = Math.min(n, from + q);
            for (int i = from; i < to; i++) {
                boolean afterOther = i > from && src[i - 1] != 0;
                expected[(afterOther ? 256 : 0) + (src[i] & 0xFF)]++;
            }
        }
        for (int off : new int[] {0, 5}) {
            byte[] padded = new byte[n + off + 9];
            Arrays.fill(padded, (byte) 0x5A);
            System.arraycopy(src, 0, padded, off, n);
            int[] counts = new int[512];
            Arrays.fill(counts, 77); // overwritten
            Rans.contextHistogram(padded, off, n, counts);
            assertThat(counts).as(name + " at offset " + off).isEqualTo(expected);
        }
    }

    /**
     * The writer's shortcuts are exact only if their bounds are: the information bound is at most
     * the order-0 entropy, the one-table rANS bound at most the record the plan and encode write, and
     * the Huffman bound at most the Huffman record. Every plane of {@link #planes} with two or more
     * symbols, and small planes of one to 256 random symbols (where the bounds are tightest).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("planes")
    void sizeBoundsAreAtMostTheRecords(String name, byte[] src) {
        assertBoundsHold(name, src);
    }

    @Test
    void sizeBoundsHoldOnSmallPlanesOfEveryAlphabet() {
        SplittableRandom r = rng("bounds");
        for (int trial = 0; trial < 400; trial++) {
            int n = 2 + r.nextInt(trial < 200 ? 1024 : 40_000);
            int alphabet = 2 + r.nextInt(255);
            byte[] src = trial % 2 == 0 ? skewed(n, 0.01 + 0.9 * r.nextDouble(), alphabet, r) : new byte[n];
            if (trial % 2 == 1) {
                for (int i = 0; i < n; i++) {
                    src[i] = (byte) r.nextInt(alphabet);
                }
            }
            assertBoundsHold("trial " + trial + " n=" + n + " alphabet " + alphabet + " (seed " + SEED + ")", src);
        }
    }

    private static void assertBoundsHold(String name, byte[] src) {
        int n = src.length;
        int[] counts = new int[256];
        for (byte b : src) {
            counts[b & 0xFF]++;
        }
        int k = 0;
        int first = -1;
        int last = 0;
        for (int s = 0; s < 256; s++) {
            if (counts[s] != 0) {
                k++;
                first = first < 0 ? s : first;
                last = s;
            }
        }
        if (k < 2) {
            return;
        }
        long info = Rans.entropyBitsAtLeast(Rans.entropyBits16(counts, n), n);
        assertThat((double) info).as(name).isLessThanOrEqualTo(PlaneCoder.entropyBits(counts));
        byte[] rans = forceRans(src, 1);
        assertThat(Rans.minRecordBytes(counts, n, k, info)).as(name).isLessThanOrEqualTo(rans.length - 1);
        byte[] dst = new byte[8192 + 3 * n];
        int huffman = new PlaneCoder().encodeAs(PlaneCoder.HUFFMAN, src, 0, n, dst, 0);
        assertThat(Huffman.minPlaneBytes(last - first + 1, info)).as(name).isLessThanOrEqualTo(huffman);
    }

    /**
     * Small planes of near-random bytes (the mantissa planes of biases and norms) are stored raw
     * without a Huffman code or a rANS plan: the bounds rule both out. A skewed plane still gets
     * its plan and its rANS record.
     */
    @Test
    void smallRandomPlanesSkipThePlan() {
        SplittableRandom r = rng("skip");
        PlaneCoder p = new PlaneCoder();
        byte[] dst = new byte[PlaneCoder.maxEncodedSize(768) + Huffman.SLACK];
        for (int trial = 0; trial < 20; trial++) {
            byte[] src = new byte[384 + r.nextInt(385)];
            r.nextBytes(src);
            int w = p.encode(src, 0, src.length, dst, 0);
            assertThat(dst[0]).isEqualTo((byte) PlaneCoder.RAW);
            assertThat(w).isEqualTo(1 + src.length);
        }
        assertThat(p.plans).as("plans made for random planes").isZero();
        byte[] skew = skewed(4096, 0.9, 30, rng("skip 2"));
        byte[] out = new byte[PlaneCoder.maxEncodedSize(skew.length) + Huffman.SLACK];
        p.encode(skew, 0, skew.length, out, 0);
        assertThat(p.plans).isEqualTo(1);
        assertThat(out[0]).isEqualTo((byte) PlaneCoder.RANS);
    }

    @Test
    void writerPicksRansWhereHuffmanCannotGoBelowOneBit() {
        byte[] xor = xorLike(131072, rng("choice"));
        byte[] coded = HuffmanTest.encodePlane(xor);
        assertThat(coded[0]).isEqualTo((byte) PlaneCoder.RANS2);
        PlaneCoder p = new PlaneCoder();
        p.histogram(xor, 0, xor.length);
        assertThat((double) coded.length).isLessThan(PlaneCoder.entropyBits(p.counts()) / 8);
        assertThat(decode(coded, xor.length)).isEqualTo(xor);
        byte[] skew = skewed(131072, 0.9, 30, rng("choice 2"));
        assertThat(HuffmanTest.encodePlane(skew)[0]).isEqualTo((byte) PlaneCoder.RANS);
        // exponent-like planes: Huffman is close enough to the entropy to keep its faster decode
        assertThat(HuffmanTest.encodePlane(HuffmanTest.exponentLike(131072, rng("choice 3")))[0])
                .isEqualTo((byte) PlaneCoder.HUFFMAN);
    }

    /**
     * {@code normalize}, which keeps each symbol's gain and recomputes only the changed one, gives
     * the frequencies of the definition that recomputes every gain at each step (below, as it was
     * written first), on histograms of 1 to 256 symbols from flat to one dominant, at every
     * precision the planner tries.
     */
    @Test
    void normalizeMatchesItsStepByStepDefinition() {
        SplittableRandom r = new SplittableRandom(SEED ^ 0x6E6F726DL);
        Rans.Table got = new Rans.Table();
        for (int trial = 0; trial < 600; trial++) {
            int[] counts = new int[256];
            int k = 1 + r.nextInt(256);
            int skew = r.nextInt(4);
            for (int i = 0; i < k; i++) {
                int s = r.nextInt(256);
                counts[s] += skew == 0 ? 1 + r.nextInt(50) : 1 + (int) Math.pow(r.nextInt(1 << (4 * skew)), 2) / 7;
            }
            int present = 0;
            long n = 0;
            for (int c : counts) {
                present += c != 0 ? 1 : 0;
                n += c;
            }
            for (int t = 32 - Integer.numberOfLeadingZeros(Math.max(1, present - 1)); t <= Rans.MAX_PRECISION; t++) {
                got.scale(counts, 0, n);
                Rans.normalize(counts, 0, t, got);
                int[] want = normalizeByDefinition(counts, t);
                assertThat(got.freq).as("trial %d, precision %d", trial, t).isEqualTo(want);
            }
        }
    }

    /**
     * The exp-Golomb order the table writer picks, found from the counts of bit lengths, is the
     * order that summing every explicit frequency's bits at each of the sixteen orders finds
     * (smallest first on ties), on the tables the planner makes at every precision, from flat
     * histograms, skewed ones, and ones of frequencies near powers of two (all-ones values, where
     * a value's bits step by two).
     */
    @Test
    void bestOrderIsTheOrderOfFewestBits() {
        SplittableRandom r = new SplittableRandom(SEED ^ 0x6F726465L);
        Rans.Table table = new Rans.Table();
        int checked = 0;
        for (int trial = 0; trial < 800; trial++) {
            int[] counts = new int[256];
            int k = 2 + r.nextInt(255);
            int shape = r.nextInt(3);
            for (int i = 0; i < k; i++) {
                int s = r.nextInt(256);
                counts[s] += switch (shape) {
                    case 0 -> 1 + r.nextInt(50);
                    case 1 -> 1 + (int) Math.pow(r.nextInt(1 << 12), 2) / 7;
                    default -> (1 << r.nextInt(16)) - 1 + r.nextInt(2);
                };
            }
            long n = 0;
            int present = 0;
            for (int c : counts) {
                n += c;
                present += c != 0 ? 1 : 0;
            }
            if (present < 2) {
                continue;
            }
            for (int t = 32 - Integer.numberOfLeadingZeros(present - 1); t <= Rans.MAX_PRECISION; t++) {
                table.scale(counts, 0, n);
                Rans.normalize(counts, 0, t, table);
                int implied = Rans.impliedIndex(table);
                int want = 0;
                long wantBits = Long.MAX_VALUE;
                for (int order = 0; order < 16; order++) {
                    long bits = 0;
                    for (int i = 0; i < table.k; i++) {
                        if (i != implied) {
                            bits += Rans.expGolombBits(table.freq[table.present[i]] - 1, order);
                        }
                    }
                    if (bits < wantBits) {
                        wantBits = bits;
                        want = order;
                    }
                }
                assertThat(Rans.bestOrder(table, implied))
                        .as("trial %d, precision %d (seed %d)", trial, t, SEED)
                        .isEqualTo(want);
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(2000);
    }

    /** The first writing of {@code Rans.normalize}: every gain recomputed at each step. */
    static int[] normalizeByDefinition(int[] counts, int t) {
        int[] f = new int[256];
        long n = 0;
        for (int c : counts) {
            n += c;
        }
        int m = 1 << t;
        int sum = 0;
        for (int s = 0; s < 256; s++) {
            if (counts[s] != 0) {
                f[s] = (int) Math.max(1, (long) counts[s] * m / n);
                sum += f[s];
            }
        }
        while (sum < m) {
            int best = -1;
            long gain = -1;
            for (int s = 0; s < 256; s++) {
                if (counts[s] != 0) {
                    long g = (long) counts[s] * (Rans.LOG2[f[s] + 1] - Rans.LOG2[f[s]]);
                    if (g > gain) {
                        gain = g;
                        best = s;
                    }
                }
            }
            f[best]++;
            sum++;
        }
        while (sum > m) {
            int best = -1;
            long loss = Long.MAX_VALUE;
            for (int s = 0; s < 256; s++) {
                if (counts[s] != 0 && f[s] > 1) {
                    long l = (long) counts[s] * (Rans.LOG2[f[s]] - Rans.LOG2[f[s] - 1]);
                    if (l < loss) {
                        loss = l;
                        best = s;
                    }
                }
            }
            f[best]--;
            sum--;
        }
        return f;
    }

    @Test
    void encodingIsDeterministic() {
        byte[] src = xorLike(200_000, rng("det"));
        assertThat(HuffmanTest.encodePlane(src)).isEqualTo(HuffmanTest.encodePlane(src.clone()));
        assertThat(forceRans(src, 1)).isEqualTo(forceRans(src.clone(), 1));
    }

    // ---------------------------------------------------------------- hostile records

    static void assertRefused(byte[] coded, int n, String why) {
        assertThatThrownBy(() -> new PlaneCoder()
                        .decode(MemorySegment.ofArray(coded), 0, coded.length, new byte[n + Huffman.SLACK], 0, n))
                .as(why)
                .isInstanceOf(CorruptArtifactException.class);
    }

    static final int N = 3000;

    static byte[] sample(int contexts) {
        return forceRans(skewed(N, 0.6, 12, new SplittableRandom(42)), contexts);
    }

    /** Where the sizes of the sample's four streams begin: after the mode byte and the table bits. */
    static int sizesAt(int contexts) {
        byte[] src = skewed(N, 0.6, 12, new SplittableRandom(42));
        int[] counts = new int[512];
        if (contexts == 1) {
            for (byte b : src) {
                counts[b & 0xFF]++;
            }
        } else {
            Rans.contextHistogram(src, 0, N, counts);
        }
        Rans.Encoder e = new Rans.Encoder();
        e.plan(counts, contexts, N);
        int bits = 0;
        for (int c = 0; c < contexts; c++) {
            bits += Rans.tableBits(e.tables[c]);
        }
        return 1 + (bits + 7) / 8;
    }

    /** The four sizes of a record whose sizes start at {@code s}, and where its streams start (index 4). */
    static long[] sizes(byte[] coded, int s) {
        long[] out = new long[5];
        int q = s;
        for (int k = 0; k < 4; k++) {
            long v = 0;
            for (int shift = 0; ; shift += 7) {
                int b = coded[q++] & 0xFF;
                v |= (long) (b & 0x7F) << shift;
                if (b < 0x80) {
                    break;
                }
            }
            out[k] = v;
        }
        out[4] = q;
        return out;
    }

    /** The record with its four sizes replaced by {@code sizes} (varints) and {@code extra} bytes appended. */
    static byte[] withSizes(byte[] coded, int s, long[] sizes, int extra) {
        int streams = (int) sizes(coded, s)[4];
        byte[] out = new byte[coded.length + 40 + extra];
        System.arraycopy(coded, 0, out, 0, s);
        int p = s;
        for (int k = 0; k < 4; k++) {
            long v = sizes[k];
            while (v >= 0x80) {
                out[p++] = (byte) (v | 0x80);
                v >>>= 7;
            }
            out[p++] = (byte) v;
        }
        System.arraycopy(coded, streams, out, p, coded.length - streams);
        return Arrays.copyOf(out, p + coded.length - streams + extra);
    }

    @Test
    void truncatedRecordsAreRefused() {
        for (int contexts = 1; contexts <= 2; contexts++) {
            byte[] coded = sample(contexts);
            for (int len = 0; len < coded.length; len++) {
                assertRefused(Arrays.copyOf(coded, len), N, contexts + " tables, truncated to " + len);
            }
        }
        assertRefused(new byte[] {PlaneCoder.RANS}, 0, "rANS for an empty plane");
        assertRefused(new byte[] {PlaneCoder.RANS2}, 0, "rANS for an empty plane");
    }

    /** A record built field by field: precision, tables as (symbols, frequencies, implied), streams. */
    static byte[] record(int mode, int t, int[][] syms, int[][] freqs, int[] implied, int[] order, byte[] rest) {
        byte[] buf = new byte[4096];
        Rans.BitWriter w = new Rans.BitWriter(buf, 1);
        buf[0] = (byte) mode;
        for (int c = 0; c < syms.length; c++) {
            int k = syms[c].length;
            w.bits(t, 4);
            w.bits(k - 1, 8);
            w.bits(0, 1);
            int prev = -1;
            for (int s : syms[c]) {
                w.expGolomb(s - prev - 1, 0);
                prev = s;
            }
            if (k >= 2) {
                w.bits(implied[c], 8);
                w.bits(order[c], 4);
                for (int i = 0; i < k; i++) {
                    if (i != implied[c]) {
                        w.expGolomb(freqs[c][i] - 1, order[c]);
                    }
                }
            }
        }
        int p = w.flush();
        System.arraycopy(rest, 0, buf, p, rest.length);
        return Arrays.copyOf(buf, p + rest.length);
    }

    /** Stream sizes 4, 4, 4, 4 and four streams in the initial state: n = 4 symbols of frequency M each. */
    static byte[] fourIdleStreams() {
        byte[] rest = new byte[4 + 16];
        Arrays.fill(rest, 0, 4, (byte) 4);
        for (int k = 0; k < 4; k++) {
            rest[4 + 4 * k + 2] = (byte) 0x80; // 2^23 little-endian
        }
        return rest;
    }

    @Test
    void handBuiltRecordsDecode() {
        // one symbol (7) of frequency M: the state never moves, each stream is its 4-byte state
        byte[] ok = record(PlaneCoder.RANS, 12, new int[][] {{7}}, null, null, null, fourIdleStreams());
        assertThat(decode(ok, 4)).containsExactly(7, 7, 7, 7);
    }

    @Test
    void badTablesAreRefused() {
        byte[] idle = fourIdleStreams();
        int[][] two = {{1, 9}};
        // more symbols than the table has slots
        assertRefused(
                record(
                        PlaneCoder.RANS,
                        1,
                        new int[][] {{1, 2, 3}},
                        new int[][] {{1, 1, 1}},
                        new int[] {0},
                        new int[] {0},
                        idle),
                4,
                "3 symbols in M = 2");
        // the explicit frequencies leave nothing (zero) or less than nothing for the implied one
        assertRefused(
                record(PlaneCoder.RANS, 4, two, new int[][] {{0, 16}}, new int[] {0}, new int[] {0}, idle),
                4,
                "implied frequency 0");
        assertRefused(
                record(PlaneCoder.RANS, 4, two, new int[][] {{0, 40}}, new int[] {0}, new int[] {0}, idle),
                4,
                "frequencies past M");
        assertRefused(
                record(
                        PlaneCoder.RANS,
                        15,
                        new int[][] {{1, 2, 3}},
                        new int[][] {{0, 30000, 30000}},
                        new int[] {0},
                        new int[] {0},
                        idle),
                4,
                "frequencies that overflow M = 2^15");
        // the implied symbol is not one of the k
        assertRefused(
                record(PlaneCoder.RANS, 4, two, new int[][] {{0, 3}}, new int[] {2}, new int[] {0}, idle),
                4,
                "implied index 2 of 2");
        // a symbol set that runs past 255
        byte[] buf = new byte[64];
        Rans.BitWriter w = new Rans.BitWriter(buf, 1);
        buf[0] = PlaneCoder.RANS;
        w.bits(4, 4);
        w.bits(1, 8);
        w.bits(0, 1);
        w.expGolomb(200, 0);
        w.expGolomb(100, 0); // symbol 301
        int p = w.flush();
        assertRefused(Arrays.copyOf(buf, p + 20), 4, "symbol 301");
        // an exp-Golomb prefix that never ends
        byte[] zeros = new byte[40];
        zeros[0] = PlaneCoder.RANS;
        zeros[1] = (byte) 0xFC; // t = 12, then k - 1 = 0xF..., then zeros
        assertRefused(zeros, 4, "endless prefix");
        // padding bits after the table that are not zero
        byte[] ok = record(PlaneCoder.RANS, 12, new int[][] {{7}}, null, null, null, idle);
        int tableEnd = ok.length - idle.length - 1;
        byte[] pad = ok.clone();
        pad[tableEnd] |= (byte) 0x80;
        assertRefused(pad, 4, "padding bit set");
    }

    @Test
    void streamSizesThatOverflowOrDisagreeAreRefused() {
        for (int contexts = 1; contexts <= 2; contexts++) {
            byte[] coded = sample(contexts);
            int s = sizesAt(contexts);
            long[] sizes = sizes(coded, s);
            assertThat(sizes[4] + sizes[0] + sizes[1] + sizes[2] + sizes[3]).isEqualTo(coded.length);
            assertThat(withSizes(coded, s, sizes, 0)).isEqualTo(coded);
            for (int k = 0; k < 4; k++) {
                for (long v : new long[] {1L << 31, 1L << 35, (1L << 32) - 1, sizes[k] + 1000}) {
                    long[] bad = sizes.clone();
                    bad[k] = v;
                    assertRefused(withSizes(coded, s, bad, 0), N, "stream " + k + " of " + v + " bytes");
                }
            }
            // a non-minimal varint (a final byte of zero)
            byte[] padded = new byte[coded.length + 1];
            System.arraycopy(coded, 0, padded, 0, s);
            padded[s] = (byte) (coded[s] | 0x80);
            padded[s + 1] = 0;
            System.arraycopy(coded, s + 1, padded, s + 2, coded.length - s - 1);
            if ((coded[s] & 0x80) == 0) {
                assertRefused(padded, N, "non-minimal size");
            }
            // one byte moved from stream k to stream k + 1: states end wrong or bytes are left over
            for (int k = 0; k < 3; k++) {
                long[] moved = sizes.clone();
                moved[k]--;
                moved[k + 1]++;
                assertRefused(withSizes(coded, s, moved, 0), N, "boundary " + k + " moved");
            }
            // the last stream without its last byte: its lane, decoded side by side with the others
            // and bounded by the end of the scratch, not of its stream, reads past its end; the
            // check after the four-lane loop names it
            long[] shorter = sizes.clone();
            shorter[3]--;
            byte[] cut = withSizes(coded, s, shorter, -1);
            assertThatThrownBy(() -> new PlaneCoder()
                            .decode(MemorySegment.ofArray(cut), 0, cut.length, new byte[N + Huffman.SLACK], 0, N))
                    .isInstanceOf(CorruptArtifactException.class)
                    .hasMessageContaining("stream 3 runs past its end");
            // a trailing byte in each stream: bytes after the last symbol
            for (int k = 0; k < 4; k++) {
                long[] longer = sizes.clone();
                longer[k]++;
                byte[] bad = withSizes(coded, s, longer, 1);
                assertRefused(bad, N, "a byte after stream " + k);
            }
            // more symbols than the streams hold, and fewer
            assertRefused(coded, N + 40, "too many symbols");
            assertRefused(coded, N - 40, "too few symbols");
        }
    }

    @Test
    void statesOutsideTheirRangeOrEndingWrongAreRefused() {
        byte[] idle = fourIdleStreams();
        byte[] ok = record(PlaneCoder.RANS, 12, new int[][] {{7}}, null, null, null, idle);
        int first = ok.length - 16;
        byte[] low = ok.clone();
        low[first + 2] = 0x7F; // 2^23 - 2^16: below the state range
        assertRefused(low, 4, "initial state below 2^23");
        byte[] high = ok.clone();
        high[first + 3] = (byte) 0x80; // 2^31 + 2^23
        assertRefused(high, 4, "initial state at or above 2^31");
        byte[] moved = ok.clone();
        moved[first] = 1; // 2^23 + 1: a valid state that never returns to 2^23
        assertRefused(moved, 4, "final state not 2^23");
        // an empty run with a stream of its own
        byte[] rest = new byte[4 + 16];
        rest[0] = 4;
        rest[1] = 4;
        rest[2] = 4;
        rest[3] = 4;
        for (int k = 0; k < 4; k++) {
            rest[4 + 4 * k + 2] = (byte) 0x80;
        }
        assertRefused(
                record(PlaneCoder.RANS, 12, new int[][] {{7}}, null, null, null, rest), 3, "stream for an empty run");
        // a stream too short for its state
        byte[] shortStream = record(PlaneCoder.RANS, 12, new int[][] {{7}}, null, null, null, new byte[] {
            4, 4, 4, 3, 0, 0, (byte) 0x80, 0, 0, 0, (byte) 0x80, 0, 0, 0, (byte) 0x80, 0, 0, 0, (byte) 0x80
        });
        assertRefused(shortStream, 4, "three-byte stream");
    }

    @Test
    void randomDamageIsRefusedOrDecodesWithoutEscaping() {
        for (int contexts = 1; contexts <= 2; contexts++) {
            byte[] coded = sample(contexts);
            SplittableRandom r = rng("damage " + contexts);
            int refused = 0;
            for (int trial = 0; trial < 3000; trial++) {
                byte[] bad = coded.clone();
                int flips = 1 + r.nextInt(4);
                for (int f = 0; f < flips; f++) {
                    bad[r.nextInt(bad.length)] ^= (byte) (1 << r.nextInt(8));
                }
                try {
                    new PlaneCoder()
                            .decode(MemorySegment.ofArray(bad), 0, bad.length, new byte[N + Huffman.SLACK], 0, N);
                } catch (CorruptArtifactException expected) {
                    refused++;
                }
            }
            // the final-state check catches nearly every change to a stream
            assertThat(refused).isGreaterThan(2700);
        }
    }
}
