package dev.tenpak.internal.kernel;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Vector plane kernels that a fresh JVM's first blocks do not pay for, with no thread of their
 * own: until the vector kernel of an operation and layout is compiled, each call runs it on the
 * first {@link #PROBE} elements only, times that against the scalar kernel on the rest, and from
 * {@link #FAST_PROBES} fast probes in a row on takes the vector kernel for whole blocks. Both move
 * the same bits (the vector kernels finish their tail with the scalar ones), so which ran never
 * shows in a payload.
 *
 * <p>Why: until C2 has compiled a Vector API loop, each vector operation is a Java object and a
 * lambda call (the API's fallback code), some hundred times slower than the scalar loop, and hot
 * enough that the JIT compiles the fallback code too. A command line run of about 1 GB spent a
 * fifth of its CPU time there: the fallback itself on the coding threads, and C2 compiling it. A
 * probe of {@link #PROBE} elements a block is enough calls for the JIT to compile the vector
 * kernel when tenpak's compile thresholds are lowered, as the command line's launcher does (after a
 * few hundred blocks, a few tens of MB), while the rest of each block goes at the scalar kernel's
 * speed. With the JVM's usual thresholds a kernel called on so few elements takes thousands of
 * blocks to compile, so this is not the default ({@code -Dtenpak.vector.warmup=probe}). Once a vector kernel is taken, it stays taken.
 *
 * <p><b>Deferred probes.</b> Compiling the vector kernels, and the API's fallback code that the
 * probes still run until then, costs a cold two-core JVM one to one and a half seconds of CPU. Once
 * compiled they save about 0.25 to 0.45 s a GB of decoding and 0.5 to 0.9 s a GB of encoding on a
 * thread, but a cold command line job of up to 4 GB measured no slower without them, and a 1 GB
 * decompress took a quarter less CPU (docs/PERFORMANCE.md). So {@link
 * #ProbingPlaneKernels(ScalarPlaneKernels, PlaneKernels, long)} can hold every call on the scalar
 * kernels until that many bytes of elements have been split or merged ({@code
 * -Dtenpak.vector.probeAfter}, which the command line's launcher sets to 4 GiB), and only then
 * starts to probe.
 *
 * <p>Each probe compares time per element: compiled, the vector kernels are several times faster
 * than the scalar ones on a block; not yet compiled, some hundred times slower. A probe on a
 * loaded machine may be slow or fast by chance; that only moves the switch by a few blocks.
 */
final class ProbingPlaneKernels implements PlaneKernels {
    /**
     * Elements of a block that go through the vector kernel while it is being probed: two to four
     * loop trips, so that the API's fallback code runs too few times for the JIT to compile it.
     */
    static final int PROBE = 64;
    /** Fast probes in a row before the vector kernel takes whole blocks. */
    static final int FAST_PROBES = 4;
    /** Slots per operation: one per plane layout. */
    private static final int LAYOUTS = PlaneLayout.values().length;

    private final ScalarPlaneKernels scalar;
    private final PlaneKernels vector;
    /**
     * Per operation (0 split, 1 merge) and layout id, then one each for {@link #fillHuffman},
     * {@link #histogram4} and {@link #huffmanOctets}: fast probes in a row, or FAST_PROBES once
     * switched.
     */
    private final int[] fast = new int[2 * LAYOUTS + 3];
    /** The slot of {@link #fillHuffman} in {@link #fast}. */
    private static final int FILL = 2 * LAYOUTS;
    /** The slot of {@link #histogram4} in {@link #fast}. */
    private static final int HISTOGRAM = 2 * LAYOUTS + 1;
    /** The slot of {@link #huffmanOctets} in {@link #fast}. */
    private static final int OCTETS = 2 * LAYOUTS + 2;
    /**
     * Bytes of the fixed block that a probe of {@link #histogram4} counts with both kernels: a few
     * vectors a run, and values the vector kernel counts by its vector path whatever the plane is.
     */
    static final int PROBE_HISTOGRAM = 512;

    private static final byte[] HISTOGRAM_PROBE = ScalarPlaneKernels.histogramProbe(PROBE_HISTOGRAM);
    /**
     * The budgets a probe of {@link #fillHuffman} fills with the vector kernel: up to 2^8 - 1
     * entries, a few loop trips at any vector width.
     */
    static final int PROBE_BUDGET = 7;

    /** Bytes of elements split or merged before the first probe. */
    private final long after;
    /** Bytes of elements split or merged by the scalar kernels before the probes began. */
    private final AtomicLong moved = new AtomicLong();
    /** Whether {@link #after} bytes have moved: the probes have begun. Racy reads only delay it by a call. */
    private volatile boolean probing;

    ProbingPlaneKernels(ScalarPlaneKernels scalar, PlaneKernels vector) {
        this(scalar, vector, 0);
    }

    /**
     * Kernels that run the scalar kernels alone until {@code after} bytes of elements have been
     * split or merged (0: probe from the first call), then probe the vector kernels.
     */
    ProbingPlaneKernels(ScalarPlaneKernels scalar, PlaneKernels vector, long after) {
        if (after < 0) {
            throw new IllegalArgumentException("bytes before the first probe must be >= 0, not " + after);
        }
        this.scalar = scalar;
        this.vector = vector;
        this.after = after;
        this.probing = after == 0;
        // BYTES is scalar in both: nothing to probe
        fast[PlaneLayout.BYTES.id] = FAST_PROBES;
        fast[LAYOUTS + PlaneLayout.BYTES.id] = FAST_PROBES;
    }

    /** Whether the probes have begun (at once, or once {@code after} bytes have moved). */
    boolean probing() {
        return probing;
    }

    /** Counts {@code bytes} of elements moved by the scalar kernels before the probes begin. */
    private void moved(long bytes) {
        if (moved.addAndGet(bytes) >= after) {
            probing = true;
        }
    }

    /** Whether {@code op} (0 split, 1 merge) in {@code layout} now takes the vector kernel whole. */
    boolean switched(int op, PlaneLayout layout) {
        return fast[LAYOUTS * op + layout.id] >= FAST_PROBES;
    }

    /** Whether {@link #fillHuffman} now takes the vector kernel whole. */
    boolean fillSwitched() {
        return fast[FILL] >= FAST_PROBES;
    }

    /** Whether {@link #histogram4} now takes the vector kernel whole. */
    boolean histogramSwitched() {
        return fast[HISTOGRAM] >= FAST_PROBES;
    }

    /** Whether {@link #huffmanOctets} now takes the vector kernel whole. */
    boolean octetsSwitched() {
        return fast[OCTETS] >= FAST_PROBES;
    }

    @Override
    public String description() {
        return vector.description();
    }

    @Override
    public void split(MemorySegment src, PlaneLayout layout, int planes, long from, int m, byte[] buf, int stride) {
        int slot = layout.id;
        if (!probing) {
            scalar.split(src, layout, planes, from, m, buf, stride);
            moved((long) m * planes);
            return;
        }
        if (fast[slot] >= FAST_PROBES || m < 2 * PROBE) {
            vector.split(src, layout, planes, from, m, buf, stride);
            return;
        }
        long t0 = System.nanoTime();
        vector.split(src, layout, planes, from, PROBE, buf, stride);
        long t1 = System.nanoTime();
        scalar.split(src, layout, planes, from, PROBE, m, buf, stride);
        long t2 = System.nanoTime();
        record(slot, t1 - t0, t2 - t1, m);
    }

    @Override
    public void merge(byte[] buf, int stride, PlaneLayout layout, int planes, int m, MemorySegment dst, long at) {
        int slot = LAYOUTS + layout.id;
        if (!probing) {
            scalar.merge(buf, stride, layout, planes, m, dst, at);
            moved((long) m * planes);
            return;
        }
        if (fast[slot] >= FAST_PROBES || m < 2 * PROBE) {
            vector.merge(buf, stride, layout, planes, m, dst, at);
            return;
        }
        long t0 = System.nanoTime();
        vector.merge(buf, stride, layout, planes, PROBE, dst, at);
        long t1 = System.nanoTime();
        scalar.merge(buf, stride, layout, planes, PROBE, m, dst, at);
        long t2 = System.nanoTime();
        record(slot, t1 - t0, t2 - t1, m);
    }

    @Override
    public void mergeRaw(
            byte[] buf, MemorySegment raw, long[] rawAt, PlaneLayout layout, int m, MemorySegment dst, long at) {
        int slot = LAYOUTS + layout.id;
        if (!probing) {
            scalar.mergeRaw(buf, raw, rawAt, layout, m, dst, at);
            moved((long) m * (layout == PlaneLayout.ROT16 ? 2 : 4)); // ROT16 or ROT32 only
            return;
        }
        if (fast[slot] >= FAST_PROBES || m < 2 * PROBE) {
            vector.mergeRaw(buf, raw, rawAt, layout, m, dst, at);
            return;
        }
        long t0 = System.nanoTime();
        vector.mergeRaw(buf, raw, rawAt, layout, PROBE, dst, at);
        long t1 = System.nanoTime();
        scalar.mergeRaw(buf, raw, rawAt, layout, PROBE, m, dst, at);
        long t2 = System.nanoTime();
        record(slot, t1 - t0, t2 - t1, m);
    }

    @Override
    public void fillHuffman(int[] single, long[] suffix, long[] multi, int from, int to) {
        if (fillSwitched()) {
            vector.fillHuffman(single, suffix, multi, from, to);
            return;
        }
        if (!probing || from > PROBE_BUDGET || to <= PROBE_BUDGET) { // no budgets on both sides to compare
            scalar.fillHuffman(single, suffix, multi, from, to);
            return;
        }
        long t0 = System.nanoTime();
        vector.fillHuffman(single, suffix, multi, from, PROBE_BUDGET);
        long t1 = System.nanoTime();
        scalar.fillHuffman(single, suffix, multi, PROBE_BUDGET + 1, to);
        long t2 = System.nanoTime();
        // entries: budget b has 2^b
        record(FILL, t1 - t0, (1 << (PROBE_BUDGET + 1)) - (1 << from), t2 - t1, (2 << to) - (1 << (PROBE_BUDGET + 1)));
    }

    /**
     * Until switched, the plane is counted by the scalar kernel and the probe is apart from it: both
     * kernels count {@link #PROBE_HISTOGRAM} fixed bytes, since the vector kernel leaves planes it
     * would not speed up (too few repeated values) to the scalar one, and timing that would tell
     * nothing about whether its vector path is compiled.
     */
    @Override
    public void histogram4(byte[] src, int off, int n, int[] counts) {
        if (histogramSwitched()) {
            vector.histogram4(src, off, n, counts);
            return;
        }
        if (!probing) {
            scalar.histogram4(src, off, n, counts);
            return;
        }
        long t0 = System.nanoTime();
        vector.histogram4(HISTOGRAM_PROBE, 0, PROBE_HISTOGRAM, counts);
        long t1 = System.nanoTime();
        scalar.histogram4(HISTOGRAM_PROBE, 0, PROBE_HISTOGRAM, counts);
        long t2 = System.nanoTime();
        scalar.histogram4(src, off, n, counts);
        record(HISTOGRAM, t1 - t0, PROBE_HISTOGRAM, t2 - t1, PROBE_HISTOGRAM);
    }

    /**
     * Writers call this only once the probes have begun ({@link #huffmanOctetsFast}); until
     * switched, the first {@link PlaneKernels#HUFFMAN_OCTET_STEP} symbols go through the vector
     * kernel and the rest through the scalar one, timed, as {@link #split} does.
     */
    @Override
    public int huffmanOctets(byte[] src, int from, int count, short[] table, int first, long[] out) {
        if (octetsSwitched()) {
            return vector.huffmanOctets(src, from, count, table, first, out);
        }
        if (!probing || count <= HUFFMAN_OCTET_STEP) {
            return ScalarPlaneKernels.octets(src, from, count, table, first, out);
        }
        long t0 = System.nanoTime();
        int a = vector.huffmanOctets(src, from, HUFFMAN_OCTET_STEP, table, first, out);
        long t1 = System.nanoTime();
        int b = ScalarPlaneKernels.octets(
                src, from + HUFFMAN_OCTET_STEP, count - HUFFMAN_OCTET_STEP, table, first, out, HUFFMAN_OCTET_STEP / 8);
        long t2 = System.nanoTime();
        record(OCTETS, t1 - t0, HUFFMAN_OCTET_STEP, t2 - t1, count - HUFFMAN_OCTET_STEP);
        return Math.max(a, b);
    }

    /** From the first probe on, where the vector kernel has a fast path. */
    @Override
    public boolean huffmanOctetsFast() {
        return probing && vector.huffmanOctetsFast();
    }

    /**
     * Counts a probe as fast when the vector kernel took at most four times the scalar kernel's
     * time per element (on so few elements the clock's own cost counts; the fallback code is some
     * hundred times slower). Races between threads only lose or add a count: harmless.
     */
    private void record(int slot, long vectorNanos, long scalarNanos, int m) {
        record(slot, vectorNanos, PROBE, scalarNanos, m - PROBE);
    }

    /** {@link #record} of a probe that gave {@code vectorUnits} to the vector kernel and the rest to the scalar one. */
    private void record(int slot, long vectorNanos, long vectorUnits, long scalarNanos, long scalarUnits) {
        int f = fast[slot];
        if (f < FAST_PROBES) {
            fast[slot] = vectorNanos * scalarUnits <= 4 * scalarNanos * vectorUnits ? f + 1 : 0;
        }
    }
}
