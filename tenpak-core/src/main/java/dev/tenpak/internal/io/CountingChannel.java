package dev.tenpak.internal.io;

import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * A channel that discards what is written and counts it. Plans, benchmarks and deltas write
 * candidate artifacts through {@code ArtifactWriter.to} onto one of these, so the sizes they report
 * are exact (preamble, padding, index and trailer included) without touching the disk.
 */
public final class CountingChannel implements WritableByteChannel {
    private long count;

    @Override
    public int write(ByteBuffer src) {
        int n = src.remaining();
        src.position(src.limit());
        count += n;
        return n;
    }

    /** Bytes written so far. */
    public long count() {
        return count;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {}
}
