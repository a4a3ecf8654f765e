package dev.tenpak.internal.format.artifact;

import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;

/** CRC32C over memory segments of any size (ByteBuffer views are limited to 2 GiB). */
public final class Checksums {
    private static final long SLICE = 1L << 28;

    private Checksums() {}

    public static int crc32c(MemorySegment segment) {
        CRC32C crc = new CRC32C();
        update(crc, segment);
        return (int) crc.getValue();
    }

    static void update(CRC32C crc, MemorySegment segment) {
        long size = segment.byteSize();
        for (long at = 0; at < size; at += SLICE) {
            crc.update(segment.asSlice(at, Math.min(SLICE, size - at)).asByteBuffer());
        }
    }
}
