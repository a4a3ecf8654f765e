package dev.tenpak.internal.entropy;

import dev.tenpak.error.CorruptArtifactException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The entropy stage for any codec's payload bytes (int8 or packed int4 codes, scales): the bytes as
 * one plane, cut into blocks of {@link #BLOCK_BYTES}, each block coded by a {@link PlaneCoder}
 * (raw, constant, Huffman or rANS, whichever is smallest), located by a table of block ends so that
 * blocks decode independently. {@link #encode} says when the stage does not pay, and the caller
 * then keeps its bytes as they are: the decision is by size, per payload.
 *
 * <p>Layout (little-endian):
 * <pre>
 *   u8  format = 1 | u8 0 | u16 0 | u32 blockBytes | u64 n (bytes decoded)
 *   u64[B] block ends, relative to the first block, B = ceil(n / blockBytes)
 *   blocks: block b is one PlaneCoder record of min(blockBytes, n - b * blockBytes) symbols
 * </pre>
 * An artifact index entry of format v2 records that its payload went through the stage (stage id 1
 * and the decoded length, docs/FORMAT.md); readers undo it before the codec reads the payload.
 */
public final class EntropyStage {
    public static final int FORMAT = 1;
    public static final int BLOCK_BYTES = 256 * 1024;
    /** Bytes of the header before the block table: the least a coded payload holds. */
    public static final int HEADER_BYTES = 16;

    private static final int MAX_BLOCK_BYTES = 16 * 1024 * 1024;
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final String SOURCE = "entropy-coded payload";

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private EntropyStage() {}

    private static final class Scratch {
        final PlaneCoder coder = new PlaneCoder();
        final byte[] in = new byte[BLOCK_BYTES];
        final byte[] out = new byte[PlaneCoder.maxEncodedSize(BLOCK_BYTES)];
    }

    /** The most {@link #encode} may write for {@code n} input bytes. */
    public static long maxEncodedSize(long n) {
        long blocks = (n + BLOCK_BYTES - 1) / BLOCK_BYTES;
        return HEADER_BYTES + 9 * blocks + n;
    }

    /**
     * Codes {@code src} into {@code dst} (at least {@link #maxEncodedSize} bytes) and returns the
     * bytes written, or -1 when they would not be fewer than {@code src}'s: keep {@code src} then.
     */
    public static long encode(MemorySegment src, MemorySegment dst) {
        long n = src.byteSize();
        long blocks = (n + BLOCK_BYTES - 1) / BLOCK_BYTES;
        if (dst.byteSize() < maxEncodedSize(n)) {
            throw new IllegalArgumentException(
                    "entropy stage needs " + maxEncodedSize(n) + " bytes, got " + dst.byteSize());
        }
        dst.set(ValueLayout.JAVA_BYTE, 0, (byte) FORMAT);
        dst.set(ValueLayout.JAVA_BYTE, 1, (byte) 0);
        dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2, (short) 0);
        dst.set(INT_LE, 4, BLOCK_BYTES);
        dst.set(LONG_LE, 8, n);
        long area = HEADER_BYTES + 8 * blocks;
        long at = area;
        Scratch s = SCRATCH.get();
        for (long b = 0; b < blocks; b++) {
            int m = (int) Math.min(BLOCK_BYTES, n - b * BLOCK_BYTES);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, b * BLOCK_BYTES, s.in, 0, m);
            int w = s.coder.encode(s.in, 0, m, s.out, 0);
            MemorySegment.copy(s.out, 0, dst, ValueLayout.JAVA_BYTE, at, w);
            at += w;
            dst.set(LONG_LE, HEADER_BYTES + 8 * b, at - area);
        }
        return at < n ? at : -1;
    }

    /**
     * The most bytes a coded payload of {@code stored} bytes can decode to: every block takes an
     * 8-byte table entry and a record of at least 2 bytes (a constant block) and decodes to at most
     * 16 MiB. Readers refuse a larger claim before allocating for it.
     */
    public static long maxDecodedSize(long stored) {
        return Math.max(0, stored - HEADER_BYTES) / 10 * MAX_BLOCK_BYTES;
    }

    /** The decoded size a coded payload declares (checked against its table by {@link #decode}). */
    public static long decodedSize(MemorySegment src) {
        if (src.byteSize() < HEADER_BYTES) {
            throw corrupt(
                    0, "payload of " + src.byteSize() + " bytes is shorter than its " + HEADER_BYTES + "-byte header");
        }
        long n = src.get(LONG_LE, 8);
        if (n < 0) {
            throw corrupt(8, "decoded size " + n + " is negative");
        }
        return n;
    }

    /** Decodes {@code src} into {@code dst}, which must hold exactly {@link #decodedSize} bytes. */
    public static void decode(MemorySegment src, MemorySegment dst) {
        long n = decodedSize(src);
        int format = src.get(ValueLayout.JAVA_BYTE, 0) & 0xFF;
        if (format != FORMAT) {
            throw corrupt(0, "format " + format + ", this reader knows " + FORMAT);
        }
        if (src.get(ValueLayout.JAVA_BYTE, 1) != 0 || src.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2) != 0) {
            throw corrupt(1, "reserved header bytes are not 0");
        }
        int blockBytes = src.get(INT_LE, 4);
        if (blockBytes <= 0 || blockBytes > MAX_BLOCK_BYTES) {
            throw corrupt(4, "block of " + blockBytes + " bytes, outside 1.." + MAX_BLOCK_BYTES);
        }
        if (dst.byteSize() != n) {
            throw corrupt(8, "payload decodes to " + n + " bytes, destination holds " + dst.byteSize());
        }
        long blocks = (n + blockBytes - 1) / blockBytes;
        if (blocks > (src.byteSize() - HEADER_BYTES) / 8) {
            throw corrupt(
                    HEADER_BYTES,
                    blocks + " blocks need a table of " + 8 * blocks + " bytes, payload has "
                            + (src.byteSize() - HEADER_BYTES) + " after the header");
        }
        long area = HEADER_BYTES + 8 * blocks;
        long limit = src.byteSize() - area;
        Scratch s = SCRATCH.get();
        byte[] plane = blockBytes <= s.in.length ? s.in : new byte[blockBytes];
        long start = 0;
        for (long b = 0; b < blocks; b++) {
            long end = src.get(LONG_LE, HEADER_BYTES + 8 * b);
            if (end < start || end > limit) {
                throw corrupt(
                        HEADER_BYTES + 8 * b,
                        "block " + b + " ends at " + end + ", before its start " + start + " or past the " + limit
                                + " bytes of blocks");
            }
            int m = (int) Math.min(blockBytes, n - b * blockBytes);
            long used = s.coder.decode(src, area + start, area + end, plane, 0, m);
            if (used != end - start) {
                throw corrupt(
                        area + start + used, "block " + b + " has " + (end - start - used) + " bytes after its plane");
            }
            MemorySegment.copy(plane, 0, dst, ValueLayout.JAVA_BYTE, b * blockBytes, m);
            start = end;
        }
        if (start != limit) {
            throw corrupt(area + start, (limit - start) + " bytes after the last block");
        }
    }

    private static CorruptArtifactException corrupt(long offset, String reason) {
        return new CorruptArtifactException(SOURCE, null, offset, reason);
    }
}
