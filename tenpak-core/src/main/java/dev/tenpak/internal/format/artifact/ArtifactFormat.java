package dev.tenpak.internal.format.artifact;

/**
 * Constants of artifact formats v1 and v2; docs/FORMAT.md is the full description. All integers are
 * little-endian. Version 2 differs only in its index entries, which end with a stage byte (and the
 * decoded length of a staged payload); a writer writes 1 whenever no entry uses a stage, so
 * artifacts without one stay byte for byte what v1 readers read.
 *
 * <pre>
 * [0, 64)            preamble: magic(8) version:u16 preamble_size:u16 flags:u32 zero(48)
 * [64, index_offset) payloads, each starting at a multiple of 64, zero padding between
 * [index_offset, +index_length) index: artifact codec, metadata, one entry per tensor
 * [size - 32, size)  trailer: index_offset:u64 index_length:u64 index_crc32c:u32 zero:u32 magic(8)
 * </pre>
 */
public final class ArtifactFormat {
    /** The highest format version this build reads and writes. */
    public static final int VERSION = 2;

    /** The version written when no entry goes through a stage: every v1 reader reads it. */
    public static final int VERSION_1 = 1;

    /** Stage id of a payload stored as its codec wrote it (every v1 entry). */
    public static final int STAGE_NONE = 0;

    /** Stage id of a payload stored through {@code internal.entropy.EntropyStage} (v2 only). */
    public static final int STAGE_ENTROPY = 1;

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
