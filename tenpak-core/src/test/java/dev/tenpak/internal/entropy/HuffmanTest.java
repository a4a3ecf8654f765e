package dev.tenpak.internal.entropy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.internal.kernel.PlaneKernels;
import dev.tenpak.internal.kernel.PlaneLayout;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Huffman coder and the per-plane choice: exact round trips over awkward sizes and
 * distributions, code lengths that are complete, limited and near the entropy, and hostile streams
 * (truncated, bad tables, lengths that overflow, random damage) refused with
 * {@link CorruptArtifactException} and nothing else.
 */
class HuffmanTest {
    static final long SEED = Long.getLong("tenpak.test.seed", new SplittableRandom().nextLong());

    @BeforeAll
    static void printSeed() {
        System.out.println(
                "HuffmanTest: random data uses seed " + SEED + " (rerun with -Dtenpak.test.seed=" + SEED + ")");
    }

    static SplittableRandom rng(String what) {
        return new SplittableRandom(SEED ^ what.hashCode());
    }

    /** A plane shaped like float exponents: a few central symbols, geometric tails. */
    static byte[] exponentLike(int n, SplittableRandom r) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            double g = r.nextGaussian() * 0.02;
            b[i] = (byte) (Float.floatToRawIntBits((float) g) >>> 23);
        }
        return b;
    }

    static byte[] uniform(int n, SplittableRandom r) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /** Fibonacci-like counts: an unlimited Huffman tree would be far deeper than 11. */
    static byte[] deep(int n, SplittableRandom r) {
        int[] fib = new int[30];
        fib[0] = 1;
        fib[1] = 1;
        for (int i = 2; i < 30; i++) {
            fib[i] = fib[i - 1] + fib[i - 2];
        }
        byte[] b = new byte[n];
        long total = 0;
        for (int f : fib) {
            total += f;
        }
        for (int i = 0; i < n; i++) {
            long x = r.nextLong(total);
            int s = 0;
            while (x >= fib[s]) {
                x -= fib[s];
                s++;
            }
            b[i] = (byte) s;
        }
        return b;
    }

    static Stream<Arguments> planes() {
        Stream.Builder<Arguments> s = Stream.builder();
        for (int n : new int[] {1, 2, 3, 4, 5, 7, 8, 31, 33, 64, 100, 4097, 65536, 131071}) {
            s.add(Arguments.of("exponents n=" + n, exponentLike(n, rng("exp" + n))));
            s.add(Arguments.of("uniform n=" + n, uniform(n, rng("uni" + n))));
            s.add(Arguments.of("deep n=" + n, deep(n, rng("deep" + n))));
        }
        byte[] two = new byte[1000];
        two[500] = 7;
        s.add(Arguments.of("one odd symbol", two));
        s.add(Arguments.of("constant", new byte[777]));
        byte[] all = new byte[256 * 40];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        s.add(Arguments.of("all 256 symbols", all));
        s.add(Arguments.of("empty", new byte[0]));
        return s.build();
    }

    static byte[] encodePlane(byte[] src) {
        byte[] dst = new byte[PlaneCoder.maxEncodedSize(src.length) + Huffman.SLACK];
        int w = new PlaneCoder().encode(src, 0, src.length, dst, 0);
        assertThat(w).isLessThanOrEqualTo(PlaneCoder.maxEncodedSize(src.length));
        return Arrays.copyOf(dst, w);
    }

    static byte[] decodePlane(byte[] coded, int n) {
        byte[] out = new byte[n + Huffman.SLACK];
        long used = new PlaneCoder().decode(MemorySegment.ofArray(coded), 0, coded.length, out, 0, n);
        assertThat(used).isEqualTo(coded.length);
        return Arrays.copyOf(out, n);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("planes")
    void planesRoundTripExactly(String name, byte[] src) {
        byte[] coded = encodePlane(src);
        assertThat(decodePlane(coded, src.length))
                .as(name + " (seed " + SEED + ")")
                .isEqualTo(src);
        // and from inside a larger segment, at an odd offset, with bytes after it
        byte[] padded = new byte[coded.length + 13];
        System.arraycopy(coded, 0, padded, 3, coded.length);
        byte[] out = new byte[src.length + Huffman.SLACK];
        long used = new PlaneCoder().decode(MemorySegment.ofArray(padded), 3, padded.length, out, 0, src.length);
        assertThat(used).isEqualTo(coded.length);
        assertThat(Arrays.copyOf(out, src.length)).isEqualTo(src);
    }

    @Test
    void planeModeIsTheSmallest() {
        assertThat(encodePlane(new byte[1000])).containsExactly(PlaneCoder.CONST, 0);
        byte[] random = uniform(5000, rng("mode"));
        assertThat(encodePlane(random)[0]).isEqualTo((byte) PlaneCoder.RAW);
        assertThat(encodePlane(random)).hasSize(5001);
        byte[] exps = exponentLike(65536, rng("mode exp"));
        byte[] coded = encodePlane(exps);
        assertThat(coded[0]).isEqualTo((byte) PlaneCoder.HUFFMAN);
        assertThat(coded.length).isLessThan(exps.length / 2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("planes")
    void codeLengthsAreCompleteLimitedAndNearTheEntropy(String name, byte[] src) {
        PlaneCoder c = new PlaneCoder();
        c.histogram(src, 0, src.length);
        int[] counts = c.counts();
        long distinct = Arrays.stream(counts).filter(x -> x != 0).count();
        if (distinct < 2) {
            return;
        }
        byte[] lengths = new byte[256];
        Huffman.codeLengths(counts, lengths);
        long kraft = 0;
        for (int s = 0; s < 256; s++) {
            assertThat(lengths[s] == 0).isEqualTo(counts[s] == 0);
            assertThat((int) lengths[s]).isBetween(0, Huffman.MAX_BITS);
            if (lengths[s] != 0) {
                kraft += 1L << (Huffman.MAX_BITS - lengths[s]);
            }
        }
        assertThat(kraft).isEqualTo(1L << Huffman.MAX_BITS);
        double h = PlaneCoder.entropyBits(counts);
        // Huffman is within one bit per symbol of the entropy (limiting the length adds a little)
        assertThat((double) Huffman.payloadBits(counts, lengths)).isLessThanOrEqualTo(h + src.length * 1.02 + 1);
    }

    /**
     * A coder whose histograms (and decode tables) the scalar kernels make writes the bytes of one
     * whose the JVM's kernels make, and each decodes the other's.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("planes")
    void scalarAndVectorKernelsCodeTheSameBytes(String name, byte[] src) {
        PlaneCoder viaScalar = new PlaneCoder(PlaneKernels.scalar());
        PlaneCoder viaJvm = new PlaneCoder(PlaneKernels.get());
        byte[] a = new byte[PlaneCoder.maxEncodedSize(src.length) + Huffman.SLACK];
        byte[] b = new byte[a.length];
        int wa = viaScalar.encode(src, 0, src.length, a, 0);
        int wb = viaJvm.encode(src, 0, src.length, b, 0);
        assertThat(Arrays.copyOf(b, wb))
                .as(name + " via " + PlaneKernels.get().description() + " (seed " + SEED + ")")
                .isEqualTo(Arrays.copyOf(a, wa));
        byte[] out = new byte[src.length + Huffman.SLACK];
        viaScalar.decode(MemorySegment.ofArray(b), 0, wb, out, 0, src.length);
        assertThat(Arrays.copyOf(out, src.length)).isEqualTo(src);
    }

    @Test
    void encodingIsDeterministic() {
        byte[] src = exponentLike(100_000, rng("det"));
        assertThat(encodePlane(src)).isEqualTo(encodePlane(src.clone()));
    }

    /**
     * The decoder's multi-symbol table, built from shorter budgets up, equals the symbol-by-symbol
     * definition for every index, on codes from flat to one-bit-dominated (where entries fill up to
     * six symbols), each through a real encoded stream, filled by the JVM's kernels and by the
     * scalar specification.
     */
    @ParameterizedTest(name = "skew {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 1, 2, 4, 8, 16, 64})
    void multiSymbolTableMatchesItsDefinition(int skew) {
        SplittableRandom r = rng("multi" + skew);
        for (int round = 0; round < 20; round++) {
            int[] counts = new int[256];
            int symbols = 2 + r.nextInt(skew == 0 ? 254 : 40);
            int first = r.nextInt(257 - symbols);
            for (int s = 0; s < symbols; s++) {
                counts[first + s] = 1 + r.nextInt(1000);
            }
            counts[first + r.nextInt(symbols)] += skew * 100_000; // one dominant symbol: short codes
            int n = 0;
            for (int c : counts) {
                n += c;
            }
            if (n < Huffman.MULTI_MIN_SYMBOLS) { // a stream long enough to fill the multi-symbol table
                int scale = (Huffman.MULTI_MIN_SYMBOLS + n - 1) / n;
                n = 0;
                for (int s = 0; s < 256; s++) {
                    counts[s] *= scale;
                    n += counts[s];
                }
            }
            byte[] src = new byte[n];
            int at = 0;
            for (int s = 0; s < 256; s++) {
                Arrays.fill(src, at, at + counts[s], (byte) s);
                at += counts[s];
            }
            byte[] lengths = new byte[256];
            Huffman.codeLengths(counts, lengths);
            int[] hist4 = new int[1024];
            int q = (n + 3) / 4;
            for (int i = 0; i < n; i++) {
                hist4[(i / q) * 256 + (src[i] & 0xFF)]++;
            }
            byte[] coded = new byte[8192 + n];
            int w = Huffman.encode(src, 0, n, lengths, new int[256], hist4, coded, 0);
            for (PlaneKernels kernels : List.of(PlaneKernels.get(), PlaneKernels.scalar())) {
                Huffman.Decoder d = new Huffman.Decoder(kernels);
                byte[] back = new byte[n + Huffman.SLACK];
                d.decode(MemorySegment.ofArray(coded), 0, w, back, 0, n);
                assertThat(Arrays.copyOf(back, n)).isEqualTo(src);
                assertTableMatchesItsDefinition(d, kernels + " round " + round);
            }
        }
    }

    static void assertTableMatchesItsDefinition(Huffman.Decoder d, String what) {
        for (int idx = 0; idx < Huffman.TABLE_SIZE; idx++) {
            long syms = 0;
            int bits = 0;
            int cnt = 0;
            while (cnt < Huffman.MAX_PER_ENTRY) {
                int e = d.single[idx >>> bits];
                if (bits + (e >>> 8) > Huffman.MAX_BITS) {
                    break;
                }
                syms |= (long) (e & 0xFF) << (8 * cnt);
                bits += e >>> 8;
                cnt++;
            }
            long expected = syms | (long) cnt << 48 | (long) bits << 58;
            assertThat(d.multi[idx]).as("entry %d of %s", idx, what).isEqualTo(expected);
        }
    }

    /**
     * The raw-plane sample test's shortcut: whenever the integer entropy of a 4 KiB sample says the
     * bar is reached, the fitted Huffman code says so too (so the shortcut never changes a
     * decision), on samples from uniform bytes to a few hundred values with skew around the bar;
     * and it fires on uniform bytes, the mantissa planes' kind.
     */
    @Test
    void sampleEntropyShortcutAgreesWithTheCode() {
        SplittableRandom r = rng("sample bar");
        int fired = 0;
        int near = 0;
        for (int trial = 0; trial < 4000; trial++) {
            int[] c = new int[256];
            int values = 224 + r.nextInt(33);
            int skewed = r.nextInt(5);
            for (int i = 0; i < PlaneCoder.SAMPLE; i++) {
                // up to 224 to 256 values, a few of them drawn more often: entropies from about 7.5
                // to 7.96 bits, on both sides of the 7.9-bit bar
                int v = r.nextInt(64) < skewed ? r.nextInt(1 + skewed) : r.nextInt(values);
                c[v]++;
            }
            byte[] lengths = new byte[256];
            Huffman.codeLengths(c, lengths);
            boolean code =
                    Huffman.payloadBits(c, lengths) * 100 >= (long) PlaneCoder.RANDOM_BITS_X100 * PlaneCoder.SAMPLE;
            boolean shortcut = PlaneCoder.entropyReachesBar(c);
            if (shortcut) {
                assertThat(code)
                        .as("trial %d: the shortcut said random, the code did not", trial)
                        .isTrue();
                fired++;
            }
            near += code && !shortcut ? 1 : 0;
        }
        assertThat(fired).as("samples the shortcut settled").isGreaterThan(500);
        assertThat(near).as("samples left to the code (near the bar)").isGreaterThan(50);
        int[] uniform = new int[256];
        for (int i = 0; i < PlaneCoder.SAMPLE; i++) {
            uniform[r.nextInt(256)]++;
        }
        assertThat(PlaneCoder.entropyReachesBar(uniform)).isTrue();
    }

    /**
     * The encoder's two-symbols-a-lookup path and its one-symbol path both write the bytes of the
     * definition ({@link #referenceEncode}: header, stream sizes, then each stream symbol by symbol),
     * for alphabets from 2 to 256 consecutive values (the table of pairs pays only for small ones:
     * both sides of that rule are taken), any run length (the eight- and four-symbol loops and tails
     * of 0 to 7 symbols per stream), codes from flat to one-bit-dominated, and streams of unequal
     * bit rates (the source skewed in its first half only), so that the two streams written side by
     * side run out of room at different symbols; a table of pairs left over from another code does
     * not leak into the next stream.
     */
    @ParameterizedTest(name = "skew {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 1, 8, 64})
    void pairsWriteTheSameBytesAsSingleSymbols(int skew) {
        SplittableRandom r = rng("pairs" + skew);
        int[] pairs = new int[Huffman.PAIR_TABLE];
        int paid = 0;
        for (int round = 0; round < 40; round++) {
            int symbols = round % 4 == 3 ? 2 + r.nextInt(255) : 2 + r.nextInt(63);
            int first = r.nextInt(257 - symbols);
            int n = r.nextInt(4) == 0 ? r.nextInt(1, 64) : r.nextInt(1, 70_000);
            byte[] src = skewedSource(r, n, first, symbols, skew, round % 2 == 1);
            byte[] lengths = lengthsOf(src, n);
            if (lengths == null) {
                continue;
            }
            int[] hist4 = hist4(src, n);
            int span = countOf(lengths);
            paid += Huffman.pairsPay(span, n) ? 1 : 0;
            byte[] one = new byte[8192 + 2 * n];
            byte[] two = new byte[8192 + 2 * n];
            int w1 = Huffman.encode(src, 0, n, lengths, new int[256], hist4, one, 0);
            int w2 = Huffman.encode(src, 0, n, lengths, new int[256], pairs, hist4, two, 0);
            assertThat(w2)
                    .as("round %d: %d symbols over %d values", round, n, span)
                    .isEqualTo(w1);
            assertThat(Arrays.copyOf(two, w2))
                    .as("round %d: %d symbols over %d values", round, n, span)
                    .isEqualTo(Arrays.copyOf(one, w1));
            assertThat(Arrays.copyOf(one, w1))
                    .as("round %d: %d symbols over %d values, against the definition", round, n, span)
                    .isEqualTo(referenceEncode(src, n, lengths));
        }
        assertThat(paid).as("streams that took the table of pairs").isGreaterThan(5);
    }

    /**
     * The scalar kernels, with {@link PlaneKernels#huffmanOctetsFast} saying yes: the octet writer
     * runs on any machine (the vector kernel only joins with 512-bit vectors).
     */
    static PlaneKernels scalarOctets() {
        PlaneKernels s = PlaneKernels.scalar();
        return new PlaneKernels() {
            @Override
            public void split(MemorySegment src, PlaneLayout l, int planes, long from, int m, byte[] buf, int stride) {
                s.split(src, l, planes, from, m, buf, stride);
            }

            @Override
            public void merge(byte[] buf, int stride, PlaneLayout l, int planes, int m, MemorySegment dst, long at) {
                s.merge(buf, stride, l, planes, m, dst, at);
            }

            @Override
            public void mergeRaw(
                    byte[] buf, MemorySegment raw, long[] rawAt, PlaneLayout l, int m, MemorySegment dst, long at) {
                s.mergeRaw(buf, raw, rawAt, l, m, dst, at);
            }

            @Override
            public void fillHuffman(int[] single, long[] suffix, long[] multi, int from, int to) {
                s.fillHuffman(single, suffix, multi, from, to);
            }

            @Override
            public void histogram4(byte[] src, int off, int n, int[] counts) {
                s.histogram4(src, off, n, counts);
            }

            @Override
            public boolean huffmanOctetsFast() {
                return true;
            }

            @Override
            public String description() {
                return "scalar, octets taken as fast";
            }
        };
    }

    /**
     * The octet writer (eight codes joined by the kernel, one step of the bit buffer per eight)
     * writes the definition's bytes: alphabets of up to 128 values at any first symbol, skewed and
     * flat; runs of the rarest symbols whose groups of eight take more than 56 bits (the chunks
     * written four symbols a store) and groups of exactly 56 and 57 bits after seven carried bits
     * (a flush by 64 would be lost to Java's shift); streams of unequal bit rates that run out of
     * room at different chunks; with the scalar kernel taken as fast and with this JVM's.
     */
    @ParameterizedTest(name = "skew {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 1, 8, 64})
    void octetsWriteTheSameBytesAsTheDefinition(int skew) {
        SplittableRandom r = rng("octets" + skew);
        List<PlaneKernels> kernels = List.of(scalarOctets(), PlaneKernels.get());
        int taken = 0;
        for (int round = 0; round < 24; round++) {
            int symbols = round % 3 == 2 ? 65 + r.nextInt(64) : 2 + r.nextInt(63);
            int first = r.nextInt(257 - symbols);
            int n = round % 8 == 7 ? r.nextInt(1, 4 * 256) : r.nextInt(4 * 256, 70_000);
            byte[] src = skewedSource(r, n, first, symbols, skew, round % 2 == 1);
            byte[] lengths = lengthsOf(src, n);
            if (lengths == null) {
                continue;
            }
            // runs of sixteen of the longest codes and of codes whose eight sum to 56 or 57
            int longest = first;
            for (int v = first; v < first + symbols; v++) {
                longest = lengths[v] > lengths[longest] ? v : longest;
            }
            for (int at = r.nextInt(500); at + 16 <= n; at += 400 + r.nextInt(800)) {
                for (int k = 0; k < 16; k++) {
                    src[at + k] = (byte) (r.nextBoolean() ? longest : first + r.nextInt(symbols));
                }
            }
            lengths = lengthsOf(src, n);
            int[] hist4 = hist4(src, n);
            byte[] want = referenceEncode(src, n, lengths);
            for (PlaneKernels k : kernels) {
                Huffman.Octets octets = new Huffman.Octets(k);
                taken += k.huffmanOctetsFast() && octets.pay(countOf(lengths), n) ? 1 : 0;
                byte[] got = new byte[8192 + 2 * n];
                int w = Huffman.encode(
                        src, 0, n, lengths, new int[256], new int[Huffman.PAIR_TABLE], octets, hist4, got, 0);
                assertThat(Arrays.copyOf(got, w))
                        .as(
                                "round %d via %s: %d symbols over %d values (seed %d)",
                                round, k.description(), n, symbols, SEED)
                        .isEqualTo(want);
            }
        }
        assertThat(taken).as("streams that took the octet writer").isGreaterThan(10);
    }

    /**
     * Groups of eight codes of 56 and 57 bits after seven bits carried: 56 is written in one step
     * (63 bits in the buffer), a chunk with 57 falls to four symbols a store (a step to 64 bits
     * would flush by a shift of 64, which Java takes as 0). The code: symbol 10 of 1 bit, 11 to 72
     * of 7 bits, 73 to 76 of 8 bits (Kraft: 64 + 62 + 2 = 128 of 128). Each stream's chunks of 256
     * symbols alternate: groups of 15 bits (seven of 1 bit, one of 8: seven carried) and of 56
     * bits, then groups of 15 and of 57.
     */
    @Test
    void octetsAtTheWidthOfTheBuffer() {
        byte[] lengths = new byte[256];
        lengths[10] = 1;
        for (int v = 11; v <= 72; v++) {
            lengths[v] = 7;
        }
        for (int v = 73; v <= 76; v++) {
            lengths[v] = 8;
        }
        int n = 4 * 1024;
        byte[] src = new byte[n];
        SplittableRandom r = rng("octet width");
        for (int g = 0; g < n / 8; g++) {
            boolean wide = (g / 32) % 2 == 1; // the second and fourth chunk of each stream
            for (int k = 0; k < 8; k++) {
                int seven = 11 + r.nextInt(62);
                int eight = 73 + r.nextInt(4);
                src[8 * g + k] = (byte)
                        (g % 2 == 0
                                ? (k < 7 ? 10 : eight) // 15 bits
                                : (k < 7 ? seven : wide ? eight : seven)); // 57 or 56 bits
            }
        }
        int[] hist4 = hist4(src, n);
        byte[] want = referenceEncode(src, n, lengths);
        for (PlaneKernels k : List.of(scalarOctets(), PlaneKernels.get())) {
            Huffman.Octets octets = new Huffman.Octets(k);
            byte[] got = new byte[8192 + 2 * n];
            int w = Huffman.encode(src, 0, n, lengths, new int[256], null, octets, hist4, got, 0);
            assertThat(Arrays.copyOf(got, w)).as(k.description()).isEqualTo(want);
        }
    }

    /**
     * A flat code (64 symbols of 6 bits): every group of eight takes exactly the longest group's 48
     * bits, so the writer's bound on a chunk is exact, and streams of whole chunks end on a chunk:
     * the last chunk of each stream must not be written by 8-byte stores that run into the next
     * stream, which the other stream of the pair has already begun.
     */
    @ParameterizedTest(name = "{0} symbols")
    @org.junit.jupiter.params.provider.ValueSource(ints = {4 * 1024, 4 * 1024 + 3, 4 * 1024 - 5, 16 * 1024})
    void octetStreamsOfAFlatCodeEndWhereTheyShould(int n) {
        byte[] lengths = new byte[256];
        Arrays.fill(lengths, 100, 164, (byte) 6);
        byte[] src = new byte[n];
        SplittableRandom r = rng("flat octets " + n);
        for (int i = 0; i < n; i++) {
            src[i] = (byte) (100 + r.nextInt(64));
        }
        int[] hist4 = hist4(src, n);
        byte[] want = referenceEncode(src, n, lengths);
        for (PlaneKernels k : List.of(scalarOctets(), PlaneKernels.get())) {
            byte[] got = new byte[8192 + 2 * n];
            int w = Huffman.encode(src, 0, n, lengths, new int[256], null, new Huffman.Octets(k), hist4, got, 0);
            assertThat(Arrays.copyOf(got, w)).as(k.description()).isEqualTo(want);
        }
    }

    /**
     * {@code n} symbols from {@code first .. first + symbols - 1}, uniform but for the first, which
     * takes a share growing with {@code skew}; with {@code halfSkewed}, skewed in the first half only
     * (streams of unequal bit rates).
     */
    static byte[] skewedSource(SplittableRandom r, int n, int first, int symbols, int skew, boolean halfSkewed) {
        byte[] src = new byte[n];
        for (int i = 0; i < n; i++) {
            boolean skewed = !halfSkewed || i < n / 2;
            int s = first + (skewed && r.nextInt(4) < skew % 4 + (skew > 0 ? 1 : 0) ? 0 : r.nextInt(symbols));
            src[i] = (byte) s;
        }
        return src;
    }

    /** The code lengths {@link Huffman#codeLengths} gives {@code src[0 .. n)}, or null for fewer than two values. */
    static byte[] lengthsOf(byte[] src, int n) {
        int[] counts = new int[256];
        for (int i = 0; i < n; i++) {
            counts[src[i] & 0xFF]++;
        }
        int distinct = 0;
        for (int c : counts) {
            distinct += c == 0 ? 0 : 1;
        }
        if (distinct < 2) {
            return null;
        }
        byte[] lengths = new byte[256];
        Huffman.codeLengths(counts, lengths);
        return lengths;
    }

    /** The histograms of the four runs of {@code src[0 .. n)}, as {@code PlaneCoder.histogram} makes them. */
    static int[] hist4(byte[] src, int n) {
        int[] hist4 = new int[1024];
        int q = (n + 3) / 4;
        for (int i = 0; i < n; i++) {
            hist4[(i / q) * 256 + (src[i] & 0xFF)]++;
        }
        return hist4;
    }

    /** How many consecutive byte values the code of {@code lengths} spans. */
    static int countOf(byte[] lengths) {
        int lo = 0;
        while (lengths[lo] == 0) {
            lo++;
        }
        int hi = 255;
        while (lengths[hi] == 0) {
            hi--;
        }
        return hi - lo + 1;
    }

    /**
     * The stream layout written out plainly: first symbol, count - 1, the lengths two to a byte, four
     * u32 stream sizes, then runs of {@code ceil(n / 4)} symbols, each code's bits least significant
     * first at the stream's next bit, each stream padded with zero bits to a byte.
     */
    static byte[] referenceEncode(byte[] src, int n, byte[] lengths) {
        int[] enc = new int[256];
        Huffman.encodeTable(lengths, enc);
        int first = 0;
        while (lengths[first] == 0) {
            first++;
        }
        int last = 255;
        while (lengths[last] == 0) {
            last--;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(first);
        out.write(last - first);
        for (int i = first; i <= last; i += 2) {
            out.write(lengths[i] | (i + 1 <= last ? lengths[i + 1] : 0) << 4);
        }
        int q = (n + 3) / 4;
        byte[][] streams = new byte[4][];
        for (int k = 0; k < 4; k++) {
            ByteArrayOutputStream st = new ByteArrayOutputStream();
            int acc = 0;
            int bits = 0;
            for (int i = Math.min(n, k * q); i < Math.min(n, k * q + q); i++) {
                int c = enc[src[i] & 0xFF];
                for (int b = 0; b < c >>> 16; b++) {
                    acc |= (c >>> b & 1) << bits++;
                    if (bits == 8) {
                        st.write(acc);
                        acc = 0;
                        bits = 0;
                    }
                }
            }
            if (bits > 0) {
                st.write(acc);
            }
            streams[k] = st.toByteArray();
            int size = streams[k].length;
            out.write(size);
            out.write(size >>> 8);
            out.write(size >>> 16);
            out.write(size >>> 24);
        }
        for (byte[] st : streams) {
            out.writeBytes(st);
        }
        return out.toByteArray();
    }

    /**
     * Streams shorter than {@link Huffman#MULTI_MIN_SYMBOLS} decode from the one-symbol table
     * alone, longer ones through the multi-symbol table; one decoder, fed both in turn under the
     * same code table (kept between calls) and under new ones, gives every stream back exactly.
     */
    @ParameterizedTest(name = "skew {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 1, 4, 64})
    void shortAndLongStreamsShareOneDecoder(int skew) {
        SplittableRandom r = rng("short" + skew);
        Huffman.Decoder d = new Huffman.Decoder();
        for (int round = 0; round < 6; round++) {
            int[] counts = new int[256];
            int symbols = 2 + r.nextInt(skew == 0 ? 254 : 40);
            int first = r.nextInt(257 - symbols);
            for (int s = 0; s < symbols; s++) {
                counts[first + s] = 1 + r.nextInt(1000);
            }
            counts[first + r.nextInt(symbols)] += skew * 1000;
            byte[] lengths = new byte[256];
            Huffman.codeLengths(counts, lengths);
            int m = Huffman.MULTI_MIN_SYMBOLS;
            for (int n : new int[] {1, 7, m - 1, m, 3 * m + 5, 5, m - 1, 40_000}) {
                byte[] src = new byte[n];
                for (int i = 0; i < n; i++) { // symbols drawn from the code's alphabet
                    int s;
                    do {
                        s = first + r.nextInt(symbols);
                    } while (lengths[s] == 0);
                    src[i] = (byte) s;
                }
                int[] hist4 = new int[1024];
                int q = (n + 3) / 4;
                for (int i = 0; i < n; i++) {
                    hist4[(i / q) * 256 + (src[i] & 0xFF)]++;
                }
                byte[] coded = new byte[8192 + 2 * n];
                int w = Huffman.encode(src, 0, n, lengths, new int[256], hist4, coded, 0);
                byte[] back = new byte[n + Huffman.SLACK];
                assertThat(d.decode(MemorySegment.ofArray(coded), 0, w, back, 0, n))
                        .isEqualTo(w);
                assertThat(Arrays.copyOf(back, n))
                        .as("round %d, %d symbols", round, n)
                        .isEqualTo(src);
            }
        }
    }

    // ---------------------------------------------------------------- hostile streams

    /**
     * A Huffman plane of {@code n} exponent-like symbols: the hostile-input tests below run on one
     * of fewer than {@link Huffman#MULTI_MIN_SYMBOLS} symbols (decoded from the one-symbol table)
     * and on one of more (the multi-symbol table and the four-stream loop).
     */
    static byte[] sampleHuffman(int n) {
        byte[] coded = encodePlane(exponentLike(n, new SplittableRandom(42)));
        assertThat(coded[0]).isEqualTo((byte) PlaneCoder.HUFFMAN);
        return coded;
    }

    static void assertRefused(byte[] coded, int n, String why) {
        assertThatThrownBy(() -> new PlaneCoder()
                        .decode(MemorySegment.ofArray(coded), 0, coded.length, new byte[n + Huffman.SLACK], 0, n))
                .as(why)
                .isInstanceOf(CorruptArtifactException.class);
    }

    @ParameterizedTest(name = "{0} symbols")
    @org.junit.jupiter.params.provider.ValueSource(ints = {3000, 20_000})
    void truncatedStreamsAreRefused(int n) {
        byte[] coded = sampleHuffman(n);
        for (int len = 0; len < coded.length; len++) {
            assertRefused(Arrays.copyOf(coded, len), n, "truncated to " + len);
        }
        byte[] raw = encodePlane(uniform(300, rng("raw trunc")));
        assertRefused(Arrays.copyOf(raw, raw.length - 1), 300, "raw plane one byte short");
        assertRefused(new byte[] {PlaneCoder.CONST}, 10, "constant without value");
        assertRefused(new byte[] {9, 0, 0}, 1, "unknown mode");
        assertRefused(new byte[] {PlaneCoder.HUFFMAN}, 0, "Huffman for an empty plane");
    }

    @ParameterizedTest(name = "{0} symbols")
    @org.junit.jupiter.params.provider.ValueSource(ints = {3000, 20_000})
    void badTablesAreRefused(int n) {
        byte[] coded = sampleHuffman(n);
        int count = (coded[2] & 0xFF) + 1;
        // a length nibble above 11
        byte[] longCode = coded.clone();
        longCode[3] = (byte) ((longCode[3] & 0xF0) | 0xC);
        assertRefused(longCode, n, "length 12");
        // Kraft sum not 1: drop a symbol / add a symbol
        byte[] incomplete = coded.clone();
        for (int i = 0; i < (count + 1) / 2; i++) {
            if ((incomplete[3 + i] & 0xF) != 0) {
                incomplete[3 + i] &= (byte) 0xF0;
                break;
            }
        }
        assertRefused(incomplete, n, "incomplete code");
        byte[] over = coded.clone();
        over[3] = (byte) ((over[3] & 0xF0) | 1);
        over[4] = (byte) ((over[4] & 0xF0) | 1);
        assertRefused(over, n, "over-full code");
        // the table reaches past symbol 255
        byte[] past = coded.clone();
        past[1] = (byte) 250;
        assertRefused(past, n, "table past 255");
        // a single symbol is not a Huffman code
        assertRefused(
                new byte[] {PlaneCoder.HUFFMAN, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                4,
                "one symbol");
    }

    @ParameterizedTest(name = "{0} symbols")
    @org.junit.jupiter.params.provider.ValueSource(ints = {3000, 20_000})
    void streamLengthsThatOverflowOrDisagreeAreRefused(int n) {
        byte[] coded = sampleHuffman(n);
        int count = (coded[2] & 0xFF) + 1;
        int sizes = 1 + 2 + (count + 1) / 2;
        for (int k = 0; k < 4; k++) {
            byte[] huge = coded.clone();
            huge[sizes + 4 * k] = (byte) 0xFF;
            huge[sizes + 4 * k + 1] = (byte) 0xFF;
            huge[sizes + 4 * k + 2] = (byte) 0xFF;
            huge[sizes + 4 * k + 3] = (byte) 0xFF;
            assertRefused(huge, n, "stream " + k + " of 4 GiB");
        }
        // one byte moved from stream 0 to stream 1: both streams end in the wrong place
        byte[] moved = coded.clone();
        moved[sizes] -= 1;
        moved[sizes + 4] += 1;
        assertRefused(moved, n, "moved boundary");
        // the plane claims more symbols than the streams hold
        assertRefused(coded, n + 1000, "too many symbols");
    }

    @ParameterizedTest(name = "{0} symbols")
    @org.junit.jupiter.params.provider.ValueSource(ints = {3000, 20_000})
    void randomDamageIsRefusedOrDecodesWithoutEscaping(int n) {
        byte[] coded = sampleHuffman(n);
        SplittableRandom r = rng("damage");
        for (int trial = 0; trial < 3000; trial++) {
            byte[] bad = coded.clone();
            int flips = 1 + r.nextInt(4);
            for (int f = 0; f < flips; f++) {
                bad[r.nextInt(bad.length)] ^= (byte) (1 << r.nextInt(8));
            }
            try {
                new PlaneCoder().decode(MemorySegment.ofArray(bad), 0, bad.length, new byte[n + Huffman.SLACK], 0, n);
            } catch (CorruptArtifactException expected) {
                // refused with a typed error: fine
            }
        }
    }
}
