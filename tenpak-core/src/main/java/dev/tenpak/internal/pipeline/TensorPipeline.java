package dev.tenpak.internal.pipeline;

import dev.tenpak.codec.ChunkEncoder;
import dev.tenpak.codec.Codec;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.NonFiniteValueException;
import dev.tenpak.internal.codec.BlockedCodec;
import dev.tenpak.internal.codec.BlockedPayload;
import dev.tenpak.internal.format.artifact.Checksums;
import dev.tenpak.internal.kernel.QuantKernels;
import dev.tenpak.report.ErrorMetrics;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import java.util.function.LongFunction;

/**
 * Encodes and measures one tensor as a set of range tasks, so that a large tensor uses every core
 * and each chunk is measured while it is still in cache.
 *
 * <p>The tensor is cut into chunks of {@link ChunkEncoder#CHUNK} elements, the same chunks
 * {@link EncodedTensor#measure} uses, and the chunks into ranges of {@code splitElements}; each
 * range is one task on the executor. For a {@link ChunkEncoder} codec (and a chunkable shape) a
 * range task converts each chunk to floats once, encodes it into its disjoint bytes of the payload,
 * decodes it back and sums its errors; a codec with a per-tensor scale first runs a max-abs task per
 * range. A block-coded codec ({@link BlockedCodec}: {@code lossless_v1}, the {@code ecq*}) encodes
 * its own blocks, a range's worth per task ({@link BlockedCodec#encodeAsync}); {@code lossless_v1}
 * is exact, so there is nothing to measure, and the {@code ecq*} are measured afterwards in range
 * tasks. Other codecs encode the whole tensor in one task and then measure in range tasks.
 *
 * <p>Determinism: every chunk's bytes depend only on the chunk (and the per-tensor parameters,
 * from a max that does not depend on order), and the error sums of each chunk are kept apart and
 * added in chunk order at the end with {@link ErrorMetrics.Accumulator#addChunk}, exactly as a
 * sequential {@link Codec#encode} plus {@link EncodedTensor#measure} would. When several ranges
 * fail, the error of the first one is reported: the one a sequential encode would have thrown. So
 * payload, parameters, error figures and errors do not depend on the thread count or the range
 * size.
 */
final class TensorPipeline {
    static final int CHUNK = ChunkEncoder.CHUNK;
    /** Elements per range task by default: 16 chunks, 1 Mi elements (2 MiB of BF16). */
    static final long DEFAULT_SPLIT = 16L * CHUNK;

    /** Runs each task on the calling thread: the executor of a one-thread compress. */
    static final Executor DIRECT = Runnable::run;

    private TensorPipeline() {}

    /** A tensor encoded and measured, with the CRC32C of its payload. */
    record Result(EncodedTensor encoded, ErrorMetrics error, int crc32c) {}

    /** Per-thread chunk buffers. */
    private static final class Buffers {
        final float[] x = new float[CHUNK];
        final float[] got = new float[CHUNK];
        final double[] sums = new double[3];
    }

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    /**
     * Starts encoding {@code t} with {@code codec} into memory from {@code payloads} (given a size,
     * it returns that many bytes, not necessarily zeroed; a non-chunked encode gets them zeroed);
     * the payload's checksum is computed on a worker too. Tasks run on
     * {@code executor} (a direct executor runs everything before this returns). {@code aborted}
     * lets a failing caller skip the remaining work; the result is then meaningless.
     */
    static CompletableFuture<Result> start(
            Tensor t,
            Codec codec,
            LongFunction<MemorySegment> payloads,
            Executor executor,
            long splitElements,
            BooleanSupplier aborted) {
        try {
            return begin(t, codec, payloads, executor, splitElements, aborted);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static CompletableFuture<Result> begin(
            Tensor t,
            Codec codec,
            LongFunction<MemorySegment> payloads,
            Executor executor,
            long splitElements,
            BooleanSupplier aborted) {
        if (!codec.accepts(t.dtype())) {
            throw new InvalidInputException("tensor '" + t.name() + "': codec " + codec.name() + " cannot encode "
                    + t.dtype() + " tensors (use raw_v1)");
        }
        if (codec.storesInputBytes() && EncodedTensor.byteViewable(t.data())) {
            // as EncodedTensor.encode: raw_v1's payload is the tensor's own bytes, written from where they are
            return CompletableFuture.supplyAsync(
                    () -> new Result(
                            new EncodedTensor(t.name(), t.dtype(), t.shape(), codec, new byte[0], t.data()),
                            new ErrorMetrics(t.elementCount(), 0, 0, 0),
                            Checksums.crc32c(t.data())),
                    executor);
        }
        long size = codec.encodedSize(t.dtype(), t.shape());
        MemorySegment payload = payloads.apply(size);
        long n = t.elementCount();
        boolean measured = !codec.lossless() && t.dtype().isCompressible();
        int chunks = Math.toIntExact((n + CHUNK - 1) / CHUNK);
        int perRange = (int) Math.max(1, splitElements / CHUNK);
        int ranges = (chunks + perRange - 1) / perRange;
        double[] sums = measured ? new double[3 * chunks] : null;

        if (codec instanceof BlockedCodec bc) {
            // its blocks in tasks of about a range each, so one large tensor uses every thread; on
            // the direct executor one task, which writes the blocks in place (nothing to slide)
            long perTask = executor == DIRECT ? Integer.MAX_VALUE : splitElements / bc.blockElements(t.dtype());
            return kept(
                    t,
                    codec,
                    bc.encodeAsync(t, payload, executor, (int) Math.clamp(perTask, 1, Integer.MAX_VALUE), aborted),
                    payload,
                    sums,
                    executor,
                    ranges,
                    perRange,
                    chunks,
                    aborted);
        }
        if (codec instanceof ChunkEncoder ce && ce.chunkable(t.dtype(), t.shape()) && n > 0) {
            CompletableFuture<byte[]> params;
            if (ce.needsMaxAbs()) {
                float[] maxes = new float[ranges];
                params = forRanges(ranges, executor, r -> maxes[r] = maxAbs(t, r, perRange, chunks, aborted))
                        .thenApply(v -> {
                            float m = 0f;
                            for (float x : maxes) {
                                m = Math.max(m, x);
                            }
                            return ce.params(m);
                        });
            } else {
                params = CompletableFuture.completedFuture(ce.params(0f));
            }
            return params.thenCompose(p -> forRanges(
                            ranges, executor, r -> encodeRange(t, ce, p, payload, r, perRange, chunks, sums, aborted))
                    .thenApply(v -> result(t, codec, p, payload, sums, n)));
        }
        CompletableFuture<Codec.Encoded> encoded = CompletableFuture.supplyAsync(
                () -> {
                    if (!codec.variableSize()) {
                        payload.fill((byte) 0); // Codec.encode may merge into bytes it expects zeroed
                    }
                    return codec.encodeSized(t, payload);
                },
                executor);
        return kept(t, codec, encoded, payload, sums, executor, ranges, perRange, chunks, aborted);
    }

    /**
     * The result of a codec's own encode: the payload's first {@code Encoded.length} bytes (all of
     * them for a fixed-size codec), measured in range tasks when {@code sums} is given (a lossy
     * codec; a lossless one has nothing to measure).
     */
    private static CompletableFuture<Result> kept(
            Tensor t,
            Codec codec,
            CompletableFuture<Codec.Encoded> encoded,
            MemorySegment payload,
            double[] sums,
            Executor executor,
            int ranges,
            int perRange,
            int chunks,
            BooleanSupplier aborted) {
        long n = t.elementCount();
        if (sums == null) {
            return encoded.thenApply(e -> result(t, codec, e.params(), payload.asSlice(0, e.length()), null, n));
        }
        return encoded.thenCompose(e -> {
            byte[] p = e.params();
            MemorySegment kept = payload.asSlice(0, e.length());
            return forRanges(ranges, executor, r -> measureRange(t, codec, p, kept, r, perRange, chunks, sums, aborted))
                    .thenApply(v -> result(t, codec, p, kept, sums, n));
        });
    }

    private static Result result(Tensor t, Codec codec, byte[] params, MemorySegment payload, double[] sums, long n) {
        EncodedTensor e = new EncodedTensor(t.name(), t.dtype(), t.shape(), codec, params, payload);
        int crc = Checksums.crc32c(payload);
        if (sums == null) {
            return new Result(e, new ErrorMetrics(n, 0, 0, 0), crc);
        }
        ErrorMetrics.Accumulator acc = new ErrorMetrics.Accumulator();
        for (int c = 0; 3 * c < sums.length; c++) {
            acc.addChunk(chunkLength(n, c), sums[3 * c], sums[3 * c + 1], sums[3 * c + 2]);
        }
        return new Result(e, acc.result(), crc);
    }

    private static int chunkLength(long n, int c) {
        return (int) Math.min(CHUNK, n - (long) c * CHUNK);
    }

    /**
     * Runs {@code body} for ranges {@code 0..count-1} on {@code executor}; completes when all have
     * run, exceptionally with the error of the lowest failing range.
     */
    static CompletableFuture<Void> forRanges(int count, Executor executor, IntConsumer body) {
        Throwable[] errors = new Throwable[count];
        CompletableFuture<?>[] all = new CompletableFuture<?>[count];
        for (int i = 0; i < count; i++) {
            int r = i;
            all[i] = CompletableFuture.runAsync(
                    () -> {
                        try {
                            body.accept(r);
                        } catch (Throwable e) {
                            errors[r] = e;
                        }
                    },
                    executor);
        }
        return CompletableFuture.allOf(all).thenRun(() -> BlockedPayload.throwFirst(errors));
    }

    /** Largest |x| over range {@code r}; throws for its first non-finite element, as the codec's own encode does. */
    private static float maxAbs(Tensor t, int r, int perRange, int chunks, BooleanSupplier aborted) {
        Buffers b = BUFFERS.get();
        QuantKernels k = QuantKernels.get();
        long n = t.elementCount();
        float max = 0f;
        for (int c = r * perRange, end = Math.min(chunks, c + perRange); c < end && !aborted.getAsBoolean(); c++) {
            long from = (long) c * CHUNK;
            int len = chunkLength(n, c);
            FloatConversions.toFloats(t.data(), t.dtype(), from, b.x, 0, len);
            float m = k.maxAbs(b.x, 0, len);
            if (!(m <= Float.MAX_VALUE)) {
                for (int i = 0; i < len; i++) {
                    if (!Float.isFinite(b.x[i])) {
                        throw new NonFiniteValueException(t.name(), from + i, b.x[i]);
                    }
                }
            }
            max = Math.max(max, m);
        }
        return max;
    }

    private static void encodeRange(
            Tensor t,
            ChunkEncoder ce,
            byte[] params,
            MemorySegment payload,
            int r,
            int perRange,
            int chunks,
            double[] sums,
            BooleanSupplier aborted) {
        Buffers b = BUFFERS.get();
        long n = t.elementCount();
        for (int c = r * perRange, end = Math.min(chunks, c + perRange); c < end && !aborted.getAsBoolean(); c++) {
            long from = (long) c * CHUNK;
            int len = chunkLength(n, c);
            FloatConversions.toFloats(t.data(), t.dtype(), from, b.x, 0, len);
            ce.encodeChunk(t.name(), t.dtype(), t.shape(), params, b.x, len, from, payload);
            if (sums != null) {
                measureChunk(t, ce, params, payload, b, c, from, len, sums);
            }
        }
    }

    private static void measureRange(
            Tensor t,
            Codec codec,
            byte[] params,
            MemorySegment payload,
            int r,
            int perRange,
            int chunks,
            double[] sums,
            BooleanSupplier aborted) {
        Buffers b = BUFFERS.get();
        long n = t.elementCount();
        for (int c = r * perRange, end = Math.min(chunks, c + perRange); c < end && !aborted.getAsBoolean(); c++) {
            long from = (long) c * CHUNK;
            int len = chunkLength(n, c);
            FloatConversions.toFloats(t.data(), t.dtype(), from, b.x, 0, len);
            measureChunk(t, codec, params, payload, b, c, from, len, sums);
        }
    }

    /** The chunk's error sums, with {@link QuantKernels#errorSums}, as {@link ErrorMetrics.Accumulator#add} (see {@link EncodedTensor#measure}). */
    private static void measureChunk(
            Tensor t,
            Codec codec,
            byte[] params,
            MemorySegment payload,
            Buffers b,
            int c,
            long from,
            int len,
            double[] sums) {
        DType dtype = t.dtype();
        float[] want = b.x;
        float[] got = b.got;
        codec.decodeFloats(dtype, t.shape(), params, payload, from, got, 0, len);
        FloatConversions.roundTo(dtype, got, 0, len); // as the user will see it once stored in its dtype
        QuantKernels.get().errorSums(want, got, 0, len, b.sums);
        sums[3 * c] = b.sums[0];
        sums[3 * c + 1] = b.sums[1];
        sums[3 * c + 2] = b.sums[2];
    }
}
