package dev.tenpak.internal.kernel;

/**
 * The rotation of the rotated grid codecs ({@code kq2h_v1} .. {@code kq6h_v1},
 * {@code int4_sym16_g32h_v1}): each run of 16 consecutive floats is multiplied by a fixed
 * orthonormal matrix, a sign flip then a Walsh-Hadamard transform, so that one large weight is spread
 * over its run and the block scales fit the run's typical values instead of its outlier. Runs are
 * numbered over the whole tensor from element 0; {@code firstRun} is the number of the run starting
 * at {@code x[off]}, which must start a run. Only the {@code len / 16} whole runs of
 * {@code [off, off + len)} are touched: the codecs leave a tensor's final partial run as it is.
 *
 * <p>Run {@code r} with sign mask {@code s = }{@link ScalarHadamardKernels#signs signs(r)} (bit
 * {@code i} set: element {@code i} is negated):
 * <pre>
 *   forward  x' = H16 (s . x) / 4      negate, 4 butterfly stages, times 0.25f
 *   inverse  x  = s . (H16 x') / 4     4 butterfly stages, times 0.25f, negate
 * </pre>
 * where a butterfly stage at distance {@code d} (1, then 2, 4, 8) replaces every pair
 * {@code (a, b) = (x[i], x[i + d])} with {@code i & d == 0} by {@code (a + b, a - b)}. H16 is
 * symmetric and {@code H16 H16 = 16 I}, so the inverse undoes the forward up to the rounding of the
 * additions; multiplying by 0.25f is exact except for subnormal results, and negation is exact, so
 * the floats depend only on this order of operations. {@link ScalarHadamardKernels} is the
 * specification; {@code VectorHadamardKernels} (one 512-bit vector per run, or two 256-bit halves)
 * is loaded by name when {@code jdk.incubator.vector} is present and writes the same floats bit for
 * bit: each lane does the same additions of the same two values, as IEEE addition is commutative
 * and {@code a - b} is {@code a + (-b)}. {@code -Dtenpak.vector=false} forces the scalar kernel.
 */
public interface HadamardKernels {
    /** Elements per run. */
    int RUN = 16;

    /** Rotates the whole runs of {@code x[off .. off + len)} in place (encoding). */
    void forward(float[] x, int off, int len, long firstRun);

    /** Undoes {@link #forward} on the whole runs of {@code x[off .. off + len)} in place (decoding). */
    void inverse(float[] x, int off, int len, long firstRun);

    /** Short name for reports: "scalar" or "vector(512-bit)". */
    String description();

    /** The kernel this JVM uses: chosen once by {@link VectorizationProvider}. */
    static HadamardKernels get() {
        return VectorizationProvider.get().hadamardKernels();
    }
}
