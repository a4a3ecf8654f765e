package dev.tenpak.internal.io;

import dev.tenpak.error.TenpakIOException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.BiFunction;

/** Read-only memory mapping of a whole file for the readers, with the arena closed on any failure. */
public final class MappedFiles {
    private MappedFiles() {}

    /**
     * Maps {@code path} into a shared arena and hands the segment and the arena to {@code reader},
     * which takes ownership of the arena (and closes it when it is closed). If mapping or
     * {@code reader} fails, the arena is closed here. An empty file maps to an empty segment.
     */
    public static <R> R open(Path path, BiFunction<MemorySegment, Arena, R> reader) {
        return open(path, 0, -1, reader);
    }

    /**
     * As {@link #open(Path, BiFunction)}, mapping only the {@code length} bytes at {@code offset} (a
     * region of a larger file: an entry stored uncompressed in a jar, say); a negative {@code length}
     * maps from {@code offset} to the end. A region past the end of the file is an I/O error.
     */
    public static <R> R open(Path path, long offset, long length, BiFunction<MemorySegment, Arena, R> reader) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            long n = length < 0 ? size - offset : length;
            if (offset < 0 || n < 0 || offset > size - n) {
                throw new java.io.EOFException("bytes " + offset + " to " + (offset + n)
                        + " are past the end of the file (" + size + " bytes)");
            }
            MemorySegment seg = n == 0
                    ? MemorySegment.ofArray(new byte[0])
                    : ch.map(FileChannel.MapMode.READ_ONLY, offset, n, arena);
            return reader.apply(seg, arena);
        } catch (IOException e) {
            arena.close();
            throw TenpakIOException.of(path, e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }
}
