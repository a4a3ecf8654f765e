package dev.tenpak.internal.format.artifact;

/**
 * Constants of artifact format v1; docs/FORMAT.md is the full description. All integers are
 * little-endian.
 *
 * <pre>
 * [0, 64)            preamble: magic(8) version:u16 preamble_size:u16 flags:u32 zero(48)
 * [64, index_offset) payloads, each starting at a multiple of 64, zero padding between
 * [index_offset, +index_length) index: artifact codec, metadata, one entry per tensor
 * [size - 32, size)  trailer: index_offset:u64 index_length:u64 index_crc32c:u32 zero:u32 magic(8)
 * </pre>
 */
public final class ArtifactFormat {
    /** The format version this build writes and the highest it reads. */
    public static final int VERSION = 1;

    /** {@code 0x89 'T' 'P' 'K' '\r' '\n' 0x1A '\n'}: a non-ASCII first byte and line endings catch text-mode damage. */
    public static final byte[] MAGIC = {(byte) 0x89, 'T', 'P', 'K', '\r', '\n', 0x1A, '\n'};

    public static final int PREAMBLE_SIZE = 64;
    public static final int TRAILER_SIZE = 32;
    /** Payload offsets are multiples of this, so a reader can map them and view them as any primitive type. */
    public static final int ALIGNMENT = 64;

    /** Upper bounds that keep a hostile index from asking for huge allocations. */
    public static final int MAX_NAME_BYTES = 65_535;

    public static final int MAX_PARAMS_BYTES = 65_535;
    public static final long MAX_INDEX_BYTES = 1L << 30;

    private ArtifactFormat() {}

    static long align(long offset) {
        return (offset + ALIGNMENT - 1) & -ALIGNMENT;
    }
}
