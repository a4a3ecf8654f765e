package dev.tenpak.artifact;

import dev.tenpak.ProgressListener;
import dev.tenpak.TenpakException;
import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.codec.RawCodec;
import dev.tenpak.tensor.FloatConversions;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * Decodes artifact tensors into caller-provided destinations (slices of a mapped output file) on
 * several threads. Each tensor is cut into ranges of {@link #CHUNK_ELEMENTS} elements that decode
 * independently ({@link Codec#decodeFloats} takes any range aligned to {@link Codec#RANGE_ALIGN});
 * ranges write disjoint bytes, so the output is identical whatever the thread count. At most
 * {@code 4 x threads} ranges are in flight, each using one float buffer of its worker, so memory is
 * bounded. Payload checksums are checked on the calling thread before a tensor's ranges are queued.
 * Pages of mapped sources and destinations are released ({@link MemorySegment#unload()}) once a
 * tensor is done, which keeps resident memory flat when files are larger than RAM.
 */
public final class ParallelDecoder implements AutoCloseable {
    /** Elements per range: 1 Mi, a multiple of {@link Codec#RANGE_ALIGN}. */
    public static final int CHUNK_ELEMENTS = 1 << 20;
    /** Elements decoded and narrowed at a time inside a range (a multiple of {@link Codec#RANGE_ALIGN}). */
    private static final int SUB_CHUNK = 16 * Codec.RANGE_ALIGN;
    private static final long RAW_CHUNK_BYTES = 16L << 20;

    private final int threads;
    private final ExecutorService pool;
    private final ThreadLocal<float[]> buffers = ThreadLocal.withInitial(() -> new float[SUB_CHUNK]);

    /** A decoder using {@code threads} threads (1 decodes on the calling thread). */
    public ParallelDecoder(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "tenpak-decode");
            t.setDaemon(true);
            return t;
        });
    }

    /** Decodes {@code entries.get(i)} into {@code destination.apply(i)} for every i, reporting progress. */
    public void decodeAll(ArtifactReader reader, List<TensorEntry> entries, IntFunction<MemorySegment> destination,
                          ProgressListener progress) {
        ArrayDeque<Pending> inFlight = new ArrayDeque<>();
        int limit = 4 * threads;
        try {
            for (int i = 0; i < entries.size(); i++) {
                TensorEntry e = entries.get(i);
                MemorySegment dst = destination.apply(i);
                MemorySegment payload = reader.payload(e);   // verifies the checksum once
                Codec codec = Codecs.byName(e.codec());
                long n = e.shape().elementCount();
                boolean ranged = !codec.lossless() && e.dtype().isCompressible();
                long pieces = ranged ? (n + CHUNK_ELEMENTS - 1) / CHUNK_ELEMENTS
                        : codec == RawCodec.INSTANCE ? (dst.byteSize() + RAW_CHUNK_BYTES - 1) / RAW_CHUNK_BYTES : 1;
                pieces = Math.max(pieces, 1);
                for (long p = 0; p < pieces; p++) {
                    Runnable task;
                    long bytes;
                    if (ranged) {
                        long from = p * CHUNK_ELEMENTS;
                        int len = (int) Math.min(CHUNK_ELEMENTS, n - from);
                        bytes = e.dtype().byteSizeFor(len);
                        byte[] params = e.params();
                        task = () -> {
                            // 64 Ki elements at a time: the floats stay in cache between decode and narrowing
                            float[] buf = buffers.get();
                            for (int done = 0; done < len; done += SUB_CHUNK) {
                                int step = Math.min(SUB_CHUNK, len - done);
                                codec.decodeFloats(e.dtype(), e.shape(), params, payload, from + done, buf, 0, step);
                                FloatConversions.fromFloats(buf, 0, step, dst, e.dtype(), from + done);
                            }
                        };
                    } else if (codec == RawCodec.INSTANCE) {
                        long from = p * RAW_CHUNK_BYTES;
                        long len = Math.min(RAW_CHUNK_BYTES, dst.byteSize() - from);
                        bytes = len;
                        task = () -> MemorySegment.copy(payload, from, dst, from, len);
                    } else {
                        bytes = dst.byteSize();
                        task = () -> reader.decodeInto(e, dst);
                    }
                    boolean last = p == pieces - 1;
                    Runnable release = last ? () -> release(payload, dst) : null;
                    while (inFlight.size() >= limit) {
                        inFlight.removeFirst().await(progress);
                    }
                    inFlight.addLast(new Pending(pool == null ? null : pool.submit(task), task, bytes, release));
                }
            }
            while (!inFlight.isEmpty()) {
                inFlight.removeFirst().await(progress);
            }
        } finally {
            for (Pending p : inFlight) {
                if (p.future != null) {
                    p.future.cancel(false);
                }
            }
            for (Pending p : inFlight) {
                p.quietWait();
            }
        }
    }

    private static void release(MemorySegment payload, MemorySegment dst) {
        if (payload.isMapped()) {
            payload.unload();
        }
        if (dst.isMapped()) {
            dst.unload();
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    /** A queued range; with no pool it runs when awaited, in order. */
    private record Pending(Future<?> future, Runnable task, long bytes, Runnable release) {
        void await(ProgressListener progress) {
            if (future == null) {
                task.run();
            } else {
                try {
                    future.get();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while decoding", ie);
                } catch (ExecutionException ee) {
                    throw rethrow(ee.getCause());
                }
            }
            if (release != null) {
                release.run();
            }
            progress.advance(bytes);
        }

        void quietWait() {
            if (future != null) {
                try {
                    future.get();
                } catch (Exception ignored) {
                    // already failing; the first error is the one reported
                }
            }
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof TenpakException te) {
            return te;
        }
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return new IllegalStateException(t);
    }
}
