package dev.tenpak.internal.io;

import dev.tenpak.error.TenpakIOException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** Positional writes of memory into a file, safe to run from several threads on one channel. */
public final class PositionalWrites {
    private PositionalWrites() {}

    /** Writes all of {@code src} to {@code out} starting at byte {@code position}; errors name {@code target}. */
    public static void write(FileChannel out, MemorySegment src, long position, Path target) {
        long size = src.byteSize();
        long slice = 1L << 20; // 1 MiB a call: much larger calls were slower while other threads encoded
        try {
            for (long done = 0; done < size; done += slice) {
                ByteBuffer b = src.asSlice(done, Math.min(slice, size - done)).asByteBuffer();
                long at = position + done;
                while (b.hasRemaining()) {
                    at += out.write(b, at);
                }
            }
        } catch (IOException e) {
            throw TenpakIOException.of(target, e);
        }
    }
}
