package dev.tenpak.internal.pipeline;

import dev.tenpak.internal.format.artifact.ArtifactFormat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Reusable native buffers for encoded payloads during one compress. A checkpoint has a few tensor
 * sizes repeated in every layer, so after the first layers every payload lands in memory that is
 * already mapped and faulted in: allocating fresh memory for each tensor instead costs the kernel a
 * page fault and a page clear per 4 KiB, plus the arena's own zeroing, all on top of the encode.
 *
 * <p>Buffers are handed out as they are (not zeroed): a {@link dev.tenpak.codec.ChunkEncoder}
 * writes every byte of its payload. Free buffers beyond {@code keepBytes} are released, so the pool
 * holds at most the bytes in flight plus {@code keepBytes}. Thread-safe.
 */
final class PayloadBuffers implements AutoCloseable {
    private static final long ROUND = 1L << 20;

    /** A buffer of at least the requested size; return it with {@link #give}. */
    record Buffer(Arena arena, MemorySegment memory) {}

    private final long keepBytes;
    private final List<Buffer> free = new ArrayList<>();
    private long freeBytes;
    private boolean closed;

    PayloadBuffers(long keepBytes) {
        this.keepBytes = keepBytes;
    }

    /** The smallest free buffer of at least {@code size} bytes, or a new one (size rounded up to 1 MiB). */
    synchronized Buffer take(long size) {
        Buffer best = null;
        for (Buffer b : free) {
            long cap = b.memory().byteSize();
            if (cap >= size && (best == null || cap < best.memory().byteSize())) {
                best = b;
            }
        }
        if (best != null) {
            free.remove(best);
            freeBytes -= best.memory().byteSize();
            return best;
        }
        Arena arena = Arena.ofShared();
        long cap = Math.max(ROUND, (size + ROUND - 1) / ROUND * ROUND);
        return new Buffer(arena, arena.allocate(cap, ArtifactFormat.ALIGNMENT));
    }

    /** Returns {@code b} for reuse, releasing the largest free buffers while more than {@code keepBytes} are free. */
    synchronized void give(Buffer b) {
        if (closed) {
            b.arena().close();
            return;
        }
        free.add(b);
        freeBytes += b.memory().byteSize();
        while (freeBytes > keepBytes && !free.isEmpty()) {
            Buffer largest = free.getFirst();
            for (Buffer f : free) {
                if (f.memory().byteSize() > largest.memory().byteSize()) {
                    largest = f;
                }
            }
            free.remove(largest);
            freeBytes -= largest.memory().byteSize();
            largest.arena().close();
        }
    }

    /** Releases every free buffer; buffers given back later are released at once. */
    @Override
    public synchronized void close() {
        closed = true;
        for (Buffer b : free) {
            b.arena().close();
        }
        free.clear();
        freeBytes = 0;
    }
}
