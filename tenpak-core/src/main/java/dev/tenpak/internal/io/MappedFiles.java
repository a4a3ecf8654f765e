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
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = ch.size() == 0 ? MemorySegment.ofArray(new byte[0])
                    : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
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
