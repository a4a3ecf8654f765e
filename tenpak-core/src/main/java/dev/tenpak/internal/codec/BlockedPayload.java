package dev.tenpak.internal.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * Writes the blocks of a block-coded payload ({@code lossless_v1}, the {@code ecq*} codecs: a
 * header, a table of {@code u64} block ends relative to the first block, then the blocks, each
 * coded on its own) as tasks on an executor, with the same bytes whatever the executor.
 *
 * <p>Each task writes its blocks one after another from the start of its own region of the payload
 * (the most its blocks can take, {@code slot} bytes a block); once all have run, the thread that
 * finished the last one slides the regions down into block order and writes the table. The first
 * task's region is already in place, so one task (a direct executor) moves nothing. No task waits
 * on another, so the tasks may share a fixed pool with the caller's other work without a deadlock
 * (a compress pool encodes several tensors at once on it). When tasks fail, the future fails with
 * the error of the lowest block, the one a sequential encode would throw; once {@code aborted}
 * answers true, the remaining blocks are skipped (the payload is then meaningless).
 */
public final class BlockedPayload {
    private static final ValueLayout.OfLong LONG_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private BlockedPayload() {}

    /** Codes block {@code b} into the payload at {@code at} and returns the bytes it took. */
    @FunctionalInterface
    public interface BlockWriter {
        long write(int b, long at);
    }

    /**
     * Writes blocks {@code 0 .. blocks - 1} with {@code writer}, {@code blocksPerTask} to a task on
     * {@code executor}, then their table of ends at {@code tableAt}; the blocks start at {@code
     * area} (after the table). A task's region starts at {@code area + first * slot}, so {@code slot}
     * must be the most one block can take (then the codec's bound on its whole payload is room
     * enough in {@code dst}). Completes with the payload's length.
     */
    public static CompletableFuture<Long> write(
            MemorySegment dst,
            long tableAt,
            long area,
            int blocks,
            long slot,
            BlockWriter writer,
            Executor executor,
            int blocksPerTask,
            BooleanSupplier aborted) {
        requireBlocksPerTask(blocksPerTask);
        long[] sizes = new long[blocks];
        int tasks = blocks == 0 ? 0 : (blocks - 1) / blocksPerTask + 1;
        Throwable[] errors = new Throwable[tasks];
        CompletableFuture<?>[] all = new CompletableFuture<?>[tasks];
        for (int k = 0; k < tasks; k++) {
            int first = k * blocksPerTask;
            int last = Math.min(blocks, first + blocksPerTask);
            int task = k;
            all[k] = CompletableFuture.runAsync(
                    () -> {
                        try {
                            long at = area + first * slot;
                            for (int b = first; b < last && !aborted.getAsBoolean(); b++) {
                                sizes[b] = writer.write(b, at);
                                at += sizes[b];
                            }
                        } catch (Throwable e) {
                            errors[task] = e;
                        }
                    },
                    executor);
        }
        return CompletableFuture.allOf(all).thenApply(v -> {
            throwFirst(errors);
            long end = 0;
            for (int k = 0; k < tasks; k++) {
                int first = k * blocksPerTask;
                int last = Math.min(blocks, first + blocksPerTask);
                long bytes = 0;
                for (int b = first; b < last; b++) {
                    bytes += sizes[b];
                }
                long from = area + first * slot;
                if (from != area + end) {
                    MemorySegment.copy(dst, from, dst, area + end, bytes); // down, overlapping: a move
                }
                end += bytes;
            }
            long at = 0;
            for (int b = 0; b < blocks; b++) {
                at += sizes[b];
                dst.set(LONG_LE, tableAt + 8L * b, at);
            }
            return area + end;
        });
    }

    /** Refuses a task size below one block (a codec checks it before it writes anything). */
    public static void requireBlocksPerTask(int blocksPerTask) {
        if (blocksPerTask < 1) {
            throw new IllegalArgumentException("blocks per task must be >= 1, got " + blocksPerTask);
        }
    }

    /**
     * Throws the first of the tasks' errors (in task order: the one a sequential run would have
     * met first), as it is when unchecked, else wrapped in a {@link CompletionException}; returns
     * when there is none.
     */
    public static void throwFirst(Throwable[] errors) {
        for (Throwable e : errors) {
            if (e instanceof RuntimeException re) {
                throw re;
            }
            if (e instanceof Error err) {
                throw err;
            }
            if (e != null) {
                throw new CompletionException(e);
            }
        }
    }

    /** Waits for {@code f}, throwing a task's own exception rather than its wrapper. */
    public static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
