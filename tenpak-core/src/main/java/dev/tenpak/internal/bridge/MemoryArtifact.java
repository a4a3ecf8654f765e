package dev.tenpak.internal.bridge;

import dev.tenpak.report.CompressReport;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * An artifact written into native memory, then handed over with one copy into memory the caller
 * owns ({@link #copyTo}). The bytes live in chunks that double in size up to 64 MiB, so growing
 * never copies what was written and memory tracks the artifact's size; unlike a {@code byte[]} it
 * is not limited to 2 GiB, and unlike a direct {@code ByteBuffer} not by
 * {@code -XX:MaxDirectMemorySize}. {@link #close()} frees it.
 */
public final class MemoryArtifact implements WritableByteChannel {
    private static final long FIRST_CHUNK = 1L << 20;
    private static final long MAX_CHUNK = 1L << 26;

    private final List<MemorySegment> chunks = new ArrayList<>();
    private Arena arena = Arena.ofShared();
    private long size;
    private long capacity;
    private CompressReport report;

    MemoryArtifact() {}

    /** Bytes written so far: after compression, the artifact's size. */
    public long size() {
        return size;
    }

    /** What the compressor reported (sizes, error). */
    public CompressReport report() {
        return report;
    }

    void report(CompressReport r) {
        this.report = r;
    }

    /** Copies the artifact into {@link #size()} bytes at {@code address}, which the caller owns. */
    public void copyTo(long address) {
        ensureOpen();
        MemorySegment dst = MemorySegment.ofAddress(address).reinterpret(size);
        long at = 0;
        for (MemorySegment c : chunks) {
            long n = Math.min(c.byteSize(), size - at);
            MemorySegment.copy(c, 0, dst, at, n);
            at += n;
        }
    }

    @Override
    public int write(ByteBuffer src) throws ClosedChannelException {
        if (arena == null) {
            throw new ClosedChannelException();
        }
        int n = src.remaining();
        MemorySegment from = MemorySegment.ofBuffer(src);
        long done = 0;
        while (done < n) {
            if (size == capacity) {
                long next = chunks.isEmpty()
                        ? FIRST_CHUNK
                        : Math.min(MAX_CHUNK, 2 * chunks.getLast().byteSize());
                chunks.add(arena.allocate(next, 64));
                capacity += next;
            }
            MemorySegment last = chunks.getLast();
            long offsetInChunk = last.byteSize() - (capacity - size);
            long k = Math.min(n - done, capacity - size);
            MemorySegment.copy(from, done, last, offsetInChunk, k);
            done += k;
            size += k;
        }
        src.position(src.position() + n);
        return n;
    }

    @Override
    public boolean isOpen() {
        return arena != null;
    }

    /** Frees the memory; idempotent. */
    @Override
    public void close() {
        if (arena != null) {
            arena.close();
            arena = null;
            chunks.clear();
        }
    }

    private void ensureOpen() {
        if (arena == null) {
            throw new IllegalStateException("memory artifact is closed");
        }
    }
}
