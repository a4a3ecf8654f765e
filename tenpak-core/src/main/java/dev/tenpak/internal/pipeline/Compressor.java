package dev.tenpak.internal.pipeline;

import dev.tenpak.internal.entropy.EntropyStage;
import dev.tenpak.internal.format.artifact.ArtifactFormat;
import dev.tenpak.internal.format.artifact.ArtifactWriter;
import dev.tenpak.internal.format.artifact.Checksums;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.options.ProgressListener;
import dev.tenpak.report.ErrorMetrics;
import dev.tenpak.report.TensorReport;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The compress loop: for each tensor of a source, choose a codec, encode, measure the error against
 * the original, and append the payload to the writer.
 *
 * <p>With more than one thread, several tensors are encoded and measured at once, and each large
 * tensor is itself cut into ranges encoded on all threads ({@link TensorPipeline}), while the
 * calling thread reads the source and appends finished payloads strictly in source order, so the
 * artifact's bytes are identical whatever the thread count (each tensor's encoding depends only on
 * that tensor, and error sums are combined in chunk order). Memory stays bounded: a new
 * tensor is queued only while the encoded bytes in flight stay under a window
 * ({@link #windowBytes()}); a tensor larger than the window runs alone. Payload memory comes from a
 * pool ({@link PayloadBuffers}) that keeps at most one more window of free buffers for the next
 * tensors, and each payload's checksum is computed on a worker, so the calling thread only reads
 * and writes. Pages of a memory-mapped input are released once its tensor is written, so resident
 * memory does not grow with the file.
 *
 * <p>With the entropy stage on, each lossy payload is then coded by {@link EntropyStage} on a worker
 * (into a second pooled buffer) and written staged only when that is smaller: the decision depends
 * on the payload alone, so the artifact still does not depend on the thread count.
 */
public final class Compressor {
    private Compressor() {}

    /** Streams {@code source} into {@code writer} (which the caller finishes) on the calling thread. */
    public static List<TensorReport> compress(
            TensorSource source, ArtifactWriter writer, CodecSelector selector, ErrorMetrics.Accumulator total) {
        return compress(source, writer, selector, total, 1, ProgressListener.NONE);
    }

    /** Streams {@code source} into {@code writer} using {@code threads} encoding threads. */
    public static List<TensorReport> compress(
            TensorSource source,
            ArtifactWriter writer,
            CodecSelector selector,
            ErrorMetrics.Accumulator total,
            int threads,
            ProgressListener progress) {
        return compress(source, writer, selector, total, threads, TensorPipeline.DEFAULT_SPLIT, progress);
    }

    /**
     * Streams {@code source} into {@code writer} using {@code threads} encoding threads, cutting
     * tensors into ranges of {@code splitElements} elements (rounded down to whole 64 Ki-element
     * chunks, at least one) that encode in parallel. The artifact and the error figures do not
     * depend on {@code threads} or {@code splitElements}; tests use a small split to exercise
     * many ranges on small tensors.
     */
    public static List<TensorReport> compress(
            TensorSource source,
            ArtifactWriter writer,
            CodecSelector selector,
            ErrorMetrics.Accumulator total,
            int threads,
            long splitElements,
            ProgressListener progress) {
        return compress(source, writer, selector, total, threads, splitElements, false, progress);
    }

    /**
     * As {@link #compress(TensorSource, ArtifactWriter, CodecSelector, ErrorMetrics.Accumulator, int,
     * long, ProgressListener)}; with {@code stage}, lossy payloads go through the entropy stage
     * where it makes them smaller (the caller has told the writer, {@link ArtifactWriter#allowStage()}).
     */
    public static List<TensorReport> compress(
            TensorSource source,
            ArtifactWriter writer,
            CodecSelector selector,
            ErrorMetrics.Accumulator total,
            int threads,
            long splitElements,
            boolean stage,
            ProgressListener progress) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (splitElements < 1) {
            throw new IllegalArgumentException("splitElements must be >= 1, got " + splitElements);
        }
        List<TensorReport> reports = new ArrayList<>();
        writer.metadata(source.metadata());
        ExecutorService pool = threads == 1
                ? null
                : Executors.newFixedThreadPool(threads, r -> {
                    Thread th = new Thread(r, "tenpak-encode");
                    th.setDaemon(true);
                    return th;
                });
        Executor executor = pool == null ? TensorPipeline.DIRECT : pool;
        AtomicBoolean aborted = new AtomicBoolean();
        ArrayDeque<Job> inFlight = new ArrayDeque<>();
        int maxJobs = threads == 1 ? 1 : 2 * threads;
        long window = windowBytes();
        long inFlightBytes = 0;
        boolean ok = false;
        PayloadBuffers buffers = new PayloadBuffers(window);
        try {
            for (Tensor t = source.next(); t != null; t = source.next()) {
                Job job = new Job(t, selector, buffers, stage);
                while (!inFlight.isEmpty()
                        && (inFlight.size() >= maxJobs || inFlightBytes + job.encodedSize > window)) {
                    Job done = inFlight.removeFirst();
                    inFlightBytes -= done.encodedSize;
                    try (done) {
                        done.await();
                        done.finish(writer, reports, total, progress);
                    }
                }
                inFlight.addLast(job);
                inFlightBytes += job.encodedSize;
                CompletableFuture<TensorPipeline.Result> f = TensorPipeline.start(
                        t, job.choice.codec(), job::payload, executor, splitElements, aborted::get);
                job.future = job.staging ? f.thenApplyAsync(job::stage, executor) : f;
            }
            while (!inFlight.isEmpty()) {
                Job done = inFlight.removeFirst();
                try (done) {
                    done.await();
                    done.finish(writer, reports, total, progress);
                }
            }
            ok = true;
        } finally {
            if (!ok) {
                aborted.set(true);
            }
            for (Job j : inFlight) {
                j.quietWait();
                j.close();
            }
            if (pool != null) {
                pool.shutdownNow();
            }
            buffers.close();
        }
        return reports;
    }

    /**
     * Encoded bytes allowed in flight: a quarter of the heap limit (which also bounds direct
     * memory by default), between 64 MiB and 1 GiB.
     */
    public static long windowBytes() {
        long quarter = Runtime.getRuntime().maxMemory() / 4;
        return Math.clamp(quarter, 64L << 20, 1L << 30);
    }

    /** One tensor's encode and measure, owning the memory of its payload until written. */
    private static final class Job implements AutoCloseable {
        final Tensor tensor;
        final CodecSelector.Choice choice;
        final long encodedSize;
        final PayloadBuffers buffers;
        /** Whether this tensor's payload is offered to the entropy stage (lossy codecs only). */
        final boolean staging;

        PayloadBuffers.Buffer buffer;
        PayloadBuffers.Buffer stageBuffer;
        /** The stage's bytes when they are smaller than the payload, else null; with their CRC32C. */
        MemorySegment staged;

        int stagedCrc32c;
        CompletableFuture<TensorPipeline.Result> future;
        EncodedTensor encoded;
        ErrorMetrics error;
        int crc32c;

        Job(Tensor tensor, CodecSelector selector, PayloadBuffers buffers, boolean stage) {
            this.tensor = tensor;
            this.choice = selector.choose(tensor.name(), tensor.dtype(), tensor.shape());
            // exact codecs are stored as written; a variable-size lossy codec (ecq) is entropy-coded already
            this.staging =
                    stage && !choice.codec().lossless() && !choice.codec().variableSize();
            long size;
            try {
                size = choice.codec().encodedSize(tensor.dtype(), tensor.shape());
            } catch (RuntimeException e) {
                size = tensor.byteSize(); // encode will report the real problem
            }
            // the stage's buffer is in flight too
            this.encodedSize = staging ? size + EntropyStage.maxEncodedSize(size) : size;
            this.buffers = buffers;
        }

        /** On a worker: codes the payload through the entropy stage and keeps it when smaller. */
        TensorPipeline.Result stage(TensorPipeline.Result r) {
            MemorySegment p = r.encoded().payload();
            if (p.byteSize() == 0) {
                return r;
            }
            long max = EntropyStage.maxEncodedSize(p.byteSize());
            stageBuffer = buffers.take(max);
            long written = EntropyStage.encode(p, stageBuffer.memory().asSlice(0, max));
            if (written < 0) {
                buffers.give(stageBuffer);
                stageBuffer = null;
                return r;
            }
            staged = stageBuffer.memory().asSlice(0, written);
            stagedCrc32c = Checksums.crc32c(staged);
            return r;
        }

        /** The payload memory of this tensor: {@code size} bytes of a pooled buffer, held until {@link #close}. */
        MemorySegment payload(long size) {
            buffer = buffers.take(size);
            return buffer.memory().asSlice(0, size);
        }

        void await() {
            try {
                TensorPipeline.Result r = future.join();
                encoded = r.encoded();
                error = r.error();
                crc32c = r.crc32c();
            } catch (CompletionException | CancellationException e) {
                throw ParallelDecoder.rethrow(e.getCause() != null ? e.getCause() : e);
            }
        }

        void quietWait() {
            if (future == null) {
                return;
            }
            try {
                future.join();
            } catch (RuntimeException ignored) {
                // already failing; the first error is the one reported
            }
        }

        void finish(
                ArtifactWriter writer,
                List<TensorReport> reports,
                ErrorMetrics.Accumulator total,
                ProgressListener progress) {
            TensorEntry e = staged == null
                    ? encoded.writeTo(writer, crc32c)
                    : writer.writeEncoded(
                            encoded.name(),
                            encoded.dtype(),
                            encoded.shape(),
                            encoded.codec().name(),
                            encoded.params(),
                            staged,
                            stagedCrc32c,
                            ArtifactFormat.STAGE_ENTROPY);
            total.add(error);
            reports.add(new TensorReport(
                    tensor.name(),
                    tensor.dtype().name(),
                    tensor.shape().dims(),
                    e.codec(),
                    choice.reason(),
                    tensor.byteSize(),
                    e.length(),
                    error));
            if (tensor.data().isMapped()) {
                tensor.data().unload(); // release the input's pages: resident memory stays flat
            }
            progress.advance(tensor.byteSize());
        }

        @Override
        public void close() {
            if (buffer != null) {
                buffers.give(buffer);
                buffer = null;
            }
            if (stageBuffer != null) {
                buffers.give(stageBuffer);
                stageBuffer = null;
            }
        }
    }
}
