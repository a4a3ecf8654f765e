package dev.tenpak.internal.pipeline;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.TenpakException;
import dev.tenpak.internal.codec.lossless.LosslessCodec;
import dev.tenpak.internal.codec.raw.RawCodec;
import dev.tenpak.internal.format.artifact.ArtifactFormat;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.internal.io.PositionalWrites;
import dev.tenpak.options.ProgressListener;
import dev.tenpak.tensor.FloatConversions;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Decodes artifact tensors into a file at given offsets (the data section of a safetensors file)
 * on several threads. Each tensor is cut into ranges of {@link #CHUNK_ELEMENTS} elements that decode
 * independently ({@link Codec#decodeFloats} takes any range aligned to {@link Codec#RANGE_ALIGN});
 * workers decode ranges into buffers and the calling thread writes each finished range at its place
 * in the file, in order, so the output is identical whatever the thread count. {@code lossless_v1}
 * payloads decode the same way, in ranges of whole blocks through their block table
 * ({@link LosslessCodec#decodeRange}), so one large tensor also uses every thread. {@code raw_v1}
 * payloads are written straight from the mapped artifact, with no copy in between.
 *
 * <p>Why positional writes rather than a memory-mapped output: every first touch of a page of a
 * new mapped file costs a page fault and the kernel zeroing the page before the decoder overwrites
 * it; a write of whole pages skips both, and measured twice as fast on a 2 GiB output. At most
 * {@code 4 x threads} ranges are in flight, each holding one buffer ({@link #CHUNK_ELEMENTS}
 * elements, 4 MiB for F32) until it is written, so memory is bounded. A payload's checksum is
 * checked on a worker while its ranges decode, and before the first of them is written. Pages of
 * the mapped artifact are released once a tensor is done, so resident memory stays flat when files
 * are larger than RAM.
 *
 * <p>A payload stored through the entropy stage is decoded back to its codec's bytes once, on the
 * worker that checks its checksum (the ranges wait for it), into memory freed when the tensor's
 * last range is written: one tensor's codec payload per tensor in flight.
 */
public final class ParallelDecoder implements AutoCloseable {
    /** Elements per range: 1 Mi, a multiple of {@link Codec#RANGE_ALIGN}. */
    public static final int CHUNK_ELEMENTS = 1 << 20;
    /** Elements decoded and narrowed at a time inside a range (a multiple of {@link Codec#RANGE_ALIGN}). */
    private static final int SUB_CHUNK = 16 * Codec.RANGE_ALIGN;

    private static final long RAW_CHUNK_BYTES = 16L << 20;
    /** Bytes of the widest decoded range: {@link #CHUNK_ELEMENTS} F32 values. */
    private static final long RANGE_BYTES = 4L * CHUNK_ELEMENTS;

    private final int threads;
    private final ExecutorService pool;
    private final Arena arena = Arena.ofShared();
    private final ThreadLocal<float[]> floats = ThreadLocal.withInitial(() -> new float[SUB_CHUNK]);
    /** Range buffers not in use, kept across calls (one per shard of a folder); calling thread only. */
    private final ArrayDeque<MemorySegment> free = new ArrayDeque<>();

    /** A decoder using {@code threads} threads (1 decodes on the calling thread). */
    public ParallelDecoder(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1
                ? null
                : Executors.newFixedThreadPool(threads, r -> {
                    Thread t = new Thread(r, "tenpak-decode");
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * Decodes {@code entries.get(i)} into {@code out} at byte {@code offsets[i]} (where it takes
     * {@code entries.get(i).originalBytes()} bytes) for every i, reporting progress. {@code target}
     * names the output in errors.
     */
    public void decodeAll(
            ArtifactReader reader,
            List<TensorEntry> entries,
            FileChannel out,
            long[] offsets,
            Path target,
            ProgressListener progress) {
        ArrayDeque<Pending> inFlight = new ArrayDeque<>();
        List<Unstaged> unstaged = new ArrayList<>();
        int limit = 4 * threads;
        try {
            for (int i = 0; i < entries.size(); i++) {
                TensorEntry e = entries.get(i);
                long base = offsets[i];
                while (inFlight.size() >= limit) {
                    inFlight.removeFirst().finish(progress, free);
                }
                Codec codec = Codecs.byName(e.codec());
                long n = e.shape().elementCount();
                long size = e.originalBytes();
                boolean ranged = !codec.lossless() && e.dtype().isCompressible();
                // a staged payload is decoded back to the codec's bytes by the checksum's worker
                Unstaged u = ranged && e.staged() ? new Unstaged(reader, e) : null;
                if (u != null) {
                    unstaged.add(u);
                }
                // the checksum is checked on a worker, before any of this tensor's bytes are written
                Runnable verify = u != null ? u::get : () -> reader.payload(e);
                inFlight.addLast(new Pending(submit(verify), verify, null, null, 0));
                MemorySegment stored = reader.unverifiedPayload(e);
                // lossless_v1 decodes any range of elements through its block table: its ranges are
                // a range buffer's worth of bytes (whole blocks of this build's block size)
                LosslessCodec lossless = codec instanceof LosslessCodec lc && !e.staged() ? lc : null;
                long span = lossless != null ? RANGE_BYTES / e.dtype().byteSize() : CHUNK_ELEMENTS;
                long pieces = ranged || lossless != null
                        ? (n + span - 1) / span
                        : codec == RawCodec.INSTANCE ? (size + RAW_CHUNK_BYTES - 1) / RAW_CHUNK_BYTES : 1;
                pieces = Math.max(pieces, 1);
                for (long p = 0; p < pieces; p++) {
                    while (inFlight.size() >= limit) {
                        inFlight.removeFirst().finish(progress, free);
                    }
                    Pending job;
                    if (ranged) {
                        long from = p * CHUNK_ELEMENTS;
                        int len = (int) Math.min(CHUNK_ELEMENTS, n - from);
                        long bytes = e.dtype().byteSizeFor(len);
                        long at = base + e.dtype().byteSizeFor(from);
                        MemorySegment range = free.isEmpty()
                                ? arena.allocate(RANGE_BYTES, ArtifactFormat.ALIGNMENT)
                                : free.removeFirst();
                        byte[] params = e.params();
                        Runnable decode = () -> {
                            MemorySegment payload = u != null ? u.get() : stored;
                            // 64 Ki elements at a time: the floats stay in cache between decode and narrowing
                            float[] buf = floats.get();
                            for (int done = 0; done < len; done += SUB_CHUNK) {
                                int step = Math.min(SUB_CHUNK, len - done);
                                codec.decodeFloats(e.dtype(), e.shape(), params, payload, from + done, buf, 0, step);
                                FloatConversions.fromFloats(buf, 0, step, range, e.dtype(), done);
                            }
                        };
                        job = new Pending(
                                submit(decode),
                                decode,
                                () -> PositionalWrites.write(out, range.asSlice(0, bytes), at, target),
                                range,
                                bytes);
                    } else if (lossless != null) {
                        long from = p * span;
                        long len = Math.min(span, n - from);
                        long bytes = e.dtype().byteSizeFor(len);
                        long at = base + e.dtype().byteSizeFor(from);
                        MemorySegment range = free.isEmpty()
                                ? arena.allocate(RANGE_BYTES, ArtifactFormat.ALIGNMENT)
                                : free.removeFirst();
                        Runnable decode = () ->
                                lossless.decodeRange(e.dtype(), e.shape(), stored, from, len, range.asSlice(0, bytes));
                        job = new Pending(
                                submit(decode),
                                decode,
                                () -> PositionalWrites.write(out, range.asSlice(0, bytes), at, target),
                                range,
                                bytes);
                    } else if (codec == RawCodec.INSTANCE) {
                        long from = p * RAW_CHUNK_BYTES;
                        long len = Math.min(RAW_CHUNK_BYTES, size - from);
                        // straight from the mapped artifact: nothing to decode
                        job = new Pending(
                                null,
                                null,
                                () -> PositionalWrites.write(out, stored.asSlice(from, len), base + from, target),
                                null,
                                len);
                    } else {
                        job = new Pending(
                                null,
                                null,
                                () -> {
                                    try (Arena whole = Arena.ofConfined()) {
                                        MemorySegment dst = whole.allocate(Math.max(1, size), ArtifactFormat.ALIGNMENT)
                                                .asSlice(0, size);
                                        reader.decodeInto(e, dst);
                                        PositionalWrites.write(out, dst, base, target);
                                    }
                                },
                                null,
                                size);
                    }
                    if (p == pieces - 1) {
                        job.release = () -> {
                            release(stored);
                            if (u != null) {
                                u.close();
                            }
                        };
                    }
                    inFlight.addLast(job);
                }
            }
            while (!inFlight.isEmpty()) {
                inFlight.removeFirst().finish(progress, free);
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
            unstaged.forEach(Unstaged::close); // every task has stopped: nothing reads them now
        }
    }

    /**
     * A staged payload decoded back to its codec's bytes on first use (checksum first), by whichever
     * worker gets there first; the others wait for it. {@link #close} frees the bytes.
     */
    private static final class Unstaged {
        private final ArtifactReader reader;
        private final TensorEntry entry;
        private Arena arena;
        private MemorySegment bytes;

        Unstaged(ArtifactReader reader, TensorEntry entry) {
            this.reader = reader;
            this.entry = entry;
        }

        synchronized MemorySegment get() {
            if (bytes == null) {
                Arena a = Arena.ofShared();
                try {
                    bytes = reader.codecPayload(entry, a);
                } catch (RuntimeException | Error e) {
                    a.close();
                    throw e;
                }
                arena = a;
            }
            return bytes;
        }

        synchronized void close() {
            if (arena != null) {
                arena.close();
                arena = null;
            }
        }
    }

    /**
     * Decodes {@code entries.get(i)} into {@code targets.get(i)}, memory the caller owns that holds
     * exactly {@code entries.get(i).originalBytes()} bytes (the Python package's arrays). The same
     * ranges as {@link #decodeAll}, but each worker decodes straight into its place in the target, so
     * there are no range buffers and nothing left for the calling thread to write. A payload's
     * checksum is checked on a worker beside its ranges. Returns, or throws the first failure, only
     * once every task has stopped: the caller frees the targets when this returns, so no worker may
     * still write into them (after a failure the tasks not yet started return at once).
     */
    public void decodeInto(ArtifactReader reader, List<TensorEntry> entries, List<MemorySegment> targets) {
        if (targets.size() != entries.size()) {
            throw new IllegalArgumentException(entries.size() + " entries but " + targets.size() + " targets");
        }
        List<Future<?>> tasks = new ArrayList<>();
        AtomicBoolean failed = new AtomicBoolean();
        try {
            for (int i = 0; i < entries.size() && !failed.get(); i++) {
                TensorEntry e = entries.get(i);
                MemorySegment dst = targets.get(i);
                if (dst.byteSize() != e.originalBytes()) {
                    throw new IllegalArgumentException("tensor '" + e.name() + "' decodes to " + e.originalBytes()
                            + " bytes, target has " + dst.byteSize());
                }
                Codec codec = Codecs.byName(e.codec());
                MemorySegment payload = reader.unverifiedPayload(e);
                long n = e.shape().elementCount();
                long size = e.originalBytes();
                if (e.staged()) {
                    // one worker undoes the stage and decodes the whole tensor: one codec payload per worker
                    startJoined(tasks, failed, () -> reader.decodeInto(e, dst));
                } else if (!codec.lossless() && e.dtype().isCompressible()) {
                    startJoined(tasks, failed, () -> reader.payload(e));
                    byte[] params = e.params();
                    for (long from = 0; from < n; from += CHUNK_ELEMENTS) {
                        long start = from;
                        int len = (int) Math.min(CHUNK_ELEMENTS, n - from);
                        startJoined(tasks, failed, () -> {
                            float[] buf = floats.get();
                            for (int done = 0; done < len; done += SUB_CHUNK) {
                                int step = Math.min(SUB_CHUNK, len - done);
                                codec.decodeFloats(e.dtype(), e.shape(), params, payload, start + done, buf, 0, step);
                                FloatConversions.fromFloats(buf, 0, step, dst, e.dtype(), start + done);
                            }
                        });
                    }
                } else if (codec instanceof LosslessCodec lossless) {
                    startJoined(tasks, failed, () -> reader.payload(e));
                    long span = RANGE_BYTES / e.dtype().byteSize();
                    for (long from = 0; from < n; from += span) {
                        long start = from;
                        long len = Math.min(span, n - from);
                        startJoined(
                                tasks,
                                failed,
                                () -> lossless.decodeRange(
                                        e.dtype(),
                                        e.shape(),
                                        payload,
                                        start,
                                        len,
                                        dst.asSlice(
                                                e.dtype().byteSizeFor(start),
                                                e.dtype().byteSizeFor(len))));
                    }
                } else if (codec == RawCodec.INSTANCE) {
                    startJoined(tasks, failed, () -> reader.payload(e));
                    for (long from = 0; from < size; from += RAW_CHUNK_BYTES) {
                        long start = from;
                        long len = Math.min(RAW_CHUNK_BYTES, size - from);
                        startJoined(tasks, failed, () -> MemorySegment.copy(payload, start, dst, start, len));
                    }
                } else {
                    startJoined(tasks, failed, () -> reader.decodeInto(e, dst));
                }
            }
        } catch (RuntimeException | Error e) {
            failed.set(true);
            awaitAll(tasks, failed); // the first error is this one
            throw e;
        }
        RuntimeException first = awaitAll(tasks, failed);
        if (first != null) {
            throw first;
        }
    }

    /** Runs {@code task} on the pool (on the calling thread without one) unless a task has failed. */
    private void startJoined(List<Future<?>> tasks, AtomicBoolean failed, Runnable task) {
        if (pool == null) {
            if (!failed.get()) {
                task.run();
            }
            return;
        }
        tasks.add(pool.submit(() -> {
            if (failed.get()) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException | Error t) {
                failed.set(true);
                throw t;
            }
        }));
    }

    /**
     * Waits for every task, also after one has failed (no cancel(): a cancelled Future's get()
     * returns while its task may still be running); returns the first failure in queue order.
     */
    private static RuntimeException awaitAll(List<Future<?>> tasks, AtomicBoolean failed) {
        Throwable first = null;
        boolean interrupted = false;
        for (Future<?> f : tasks) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException ie) {
                    interrupted = true; // keep waiting: a worker may still be writing
                } catch (ExecutionException ee) {
                    failed.set(true);
                    if (first == null) {
                        first = ee.getCause();
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return first == null ? null : rethrow(first); // an Error is thrown, once all have stopped
    }

    /** Queues {@code task} on the pool; null without one (the task then runs when its result is needed). */
    private Future<?> submit(Runnable task) {
        return pool == null ? null : pool.submit(task);
    }

    private static void release(MemorySegment payload) {
        if (payload.isMapped()) {
            payload.unload();
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
            try {
                // the workers' buffers live in the arena: let every worker stop before freeing it
                pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return; // better to leak the buffers than to free memory a worker may still write
            }
        }
        arena.close();
    }

    /**
     * A queued range: its decode (on a worker, or when finished if there is no pool), then its write
     * on the calling thread, in order. One thread writing keeps the file's writes sequential and
     * spares the workers the file's lock, which concurrent writers to one file contend for.
     */
    private static final class Pending {
        final Future<?> future;
        final Runnable decode;
        final Runnable write;
        final MemorySegment buffer;
        final long bytes;
        Runnable release;

        Pending(Future<?> future, Runnable decode, Runnable write, MemorySegment buffer, long bytes) {
            this.future = future;
            this.decode = decode;
            this.write = write;
            this.buffer = buffer;
            this.bytes = bytes;
        }

        void finish(ProgressListener progress, ArrayDeque<MemorySegment> free) {
            if (future != null) {
                try {
                    future.get();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while decoding", ie);
                } catch (ExecutionException ee) {
                    throw rethrow(ee.getCause());
                }
            } else if (decode != null) {
                decode.run();
            }
            if (write != null) {
                write.run();
            }
            if (buffer != null) {
                free.addLast(buffer);
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
