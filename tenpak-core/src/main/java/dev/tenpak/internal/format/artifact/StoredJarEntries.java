package dev.tenpak.internal.format.artifact;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;

/**
 * Finds where the bytes of a jar (zip) entry stored uncompressed lie in the jar file, so that the entry
 * can be mapped in place. Reads the end of central directory record (and its zip64 form, for jars and
 * entries over 4 GiB), walks the central directory to the entry, and skips its local header. Anything
 * unusual (a compressed or encrypted entry, a split archive, a header that does not add up) gives
 * empty: the caller then copies the entry out through the ordinary zip reader, which reports real
 * damage.
 */
final class StoredJarEntries {
    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    private static final int MAX_COMMENT = 0xFFFF;

    /** An entry's stored bytes: {@code length} bytes at {@code offset} of the jar file. */
    record Region(long offset, long length) {}

    private StoredJarEntries() {}

    /** The region of {@code entry} in {@code jar} when it is stored uncompressed, else empty. */
    static Optional<Region> find(Path jar, String entry) throws IOException {
        byte[] wanted = entry.getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(jar, StandardOpenOption.READ)) {
            long size = ch.size();
            int tailLength = (int) Math.min(size, 22 + MAX_COMMENT);
            ByteBuffer tail = read(ch, size - tailLength, tailLength);
            int eocd = -1;
            for (int i = tailLength - 22; i >= 0; i--) {
                if (tail.getInt(i) == EOCD) {
                    eocd = i;
                    break;
                }
            }
            if (eocd < 0) {
                return Optional.empty();
            }
            long entries = Short.toUnsignedInt(tail.getShort(eocd + 10));
            long cdSize = Integer.toUnsignedLong(tail.getInt(eocd + 12));
            long cdOffset = Integer.toUnsignedLong(tail.getInt(eocd + 16));
            long eocdAt = size - tailLength + eocd;
            if (entries == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
                if (eocdAt < 20) {
                    return Optional.empty();
                }
                ByteBuffer locator = read(ch, eocdAt - 20, 20);
                if (locator.getInt(0) != ZIP64_LOCATOR) {
                    return Optional.empty();
                }
                ByteBuffer z = read(ch, locator.getLong(8), 56);
                if (z.getInt(0) != ZIP64_EOCD) {
                    return Optional.empty();
                }
                entries = z.getLong(32);
                cdSize = z.getLong(40);
                cdOffset = z.getLong(48);
            }
            if (cdOffset < 0 || cdSize < 0 || cdSize > Integer.MAX_VALUE - 8 || cdOffset > size - cdSize) {
                return Optional.empty();
            }
            ByteBuffer cd = read(ch, cdOffset, (int) cdSize);
            int p = 0;
            for (long n = 0; n < entries && p + 46 <= cd.limit(); n++) {
                if (cd.getInt(p) != CENTRAL) {
                    return Optional.empty();
                }
                int flags = Short.toUnsignedInt(cd.getShort(p + 8));
                int method = Short.toUnsignedInt(cd.getShort(p + 10));
                long compressed = Integer.toUnsignedLong(cd.getInt(p + 20));
                long uncompressed = Integer.toUnsignedLong(cd.getInt(p + 24));
                int nameLength = Short.toUnsignedInt(cd.getShort(p + 28));
                int extraLength = Short.toUnsignedInt(cd.getShort(p + 30));
                int commentLength = Short.toUnsignedInt(cd.getShort(p + 32));
                long local = Integer.toUnsignedLong(cd.getInt(p + 42));
                int next = p + 46 + nameLength + extraLength + commentLength;
                if (next > cd.limit()) {
                    return Optional.empty();
                }
                if (nameLength == wanted.length
                        && Arrays.equals(cd.array(), p + 46, p + 46 + nameLength, wanted, 0, wanted.length)) {
                    if (method != 0 || (flags & 1) != 0) {
                        return Optional.empty();
                    }
                    // zip64 extended information: the fields that overflowed, in this order
                    for (int e = p + 46 + nameLength; e + 4 <= p + 46 + nameLength + extraLength; ) {
                        int id = Short.toUnsignedInt(cd.getShort(e));
                        int len = Short.toUnsignedInt(cd.getShort(e + 2));
                        if (id == 1) {
                            int f = e + 4;
                            if (uncompressed == 0xFFFFFFFFL && f + 8 <= e + 4 + len) {
                                uncompressed = cd.getLong(f);
                                f += 8;
                            }
                            if (compressed == 0xFFFFFFFFL && f + 8 <= e + 4 + len) {
                                compressed = cd.getLong(f);
                                f += 8;
                            }
                            if (local == 0xFFFFFFFFL && f + 8 <= e + 4 + len) {
                                local = cd.getLong(f);
                            }
                        }
                        e += 4 + len;
                    }
                    if (compressed != uncompressed || local < 0 || local > size - 30) {
                        return Optional.empty();
                    }
                    ByteBuffer header = read(ch, local, 30);
                    if (header.getInt(0) != LOCAL) {
                        return Optional.empty();
                    }
                    long data = local
                            + 30
                            + Short.toUnsignedInt(header.getShort(26))
                            + Short.toUnsignedInt(header.getShort(28));
                    if (compressed < 0 || data > size - compressed) {
                        return Optional.empty();
                    }
                    return Optional.of(new Region(data, compressed));
                }
                p = next;
            }
            return Optional.empty();
        }
    }

    private static ByteBuffer read(FileChannel ch, long at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new java.io.EOFException("jar ends at " + (at + b.position()));
            }
        }
        return b.flip();
    }
}
