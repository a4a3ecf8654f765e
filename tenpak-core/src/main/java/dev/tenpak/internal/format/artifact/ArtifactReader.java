package dev.tenpak.internal.format.artifact;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.ChecksumMismatchException;
import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.TenpakIOException;
import dev.tenpak.error.UnknownCodecException;
import dev.tenpak.error.UnsupportedVersionException;
import dev.tenpak.internal.entropy.EntropyStage;
import dev.tenpak.internal.io.MappedFiles;
import dev.tenpak.tensor.Artifact;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorInfo;
import dev.tenpak.tensor.TensorSource;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * Reads an artifact: validates the preamble, trailer and the whole index when opened, then hands
 * out tensors one at a time. A file is memory-mapped, so reading one tensor touches only that
 * tensor's payload; each payload's CRC32C is checked the first time it is read.
 *
 * <p>Every structural problem is a {@link CorruptArtifactException} with the offset and, where it
 * applies, the tensor: nothing in the file can make the reader allocate more than the file's own
 * index size or index outside the file. Thread-safe once opened.
 */
public final class ArtifactReader implements Artifact {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment data;
    private final String source;
    private final Arena arena;
    private final int version;
    private final String codec;
    private final Map<String, String> metadata;
    private final List<TensorEntry> entries;
    private final Map<String, TensorEntry> byName;
    private final Map<String, Boolean> verified = new ConcurrentHashMap<>();

    private ArtifactReader(MemorySegment data, String source, Arena arena, int supported) {
        this.data = data;
        this.source = source;
        this.arena = arena;
        long size = data.byteSize();
        if (size < ArtifactFormat.PREAMBLE_SIZE + ArtifactFormat.TRAILER_SIZE) {
            throw corrupt(
                    null,
                    size,
                    "file is " + size + " bytes, shorter than preamble and trailer ("
                            + (ArtifactFormat.PREAMBLE_SIZE + ArtifactFormat.TRAILER_SIZE)
                            + "); truncated or not an artifact");
        }
        // preamble
        checkMagic(0, "not a tenpak artifact (bad magic at start)");
        this.version = Short.toUnsignedInt(data.get(U16, 8));
        if (version > supported) {
            throw new UnsupportedVersionException(source, version, supported);
        }
        if (version == 0) {
            throw corrupt(null, 8, "format version 0 does not exist");
        }
        int preambleSize = Short.toUnsignedInt(data.get(U16, 10));
        if (preambleSize != ArtifactFormat.PREAMBLE_SIZE) {
            throw corrupt(null, 10, "preamble size " + preambleSize + ", expected " + ArtifactFormat.PREAMBLE_SIZE);
        }
        int flags = data.get(U32, 12);
        if (flags != 0) {
            throw corrupt(null, 12, "unknown flags 0x" + Integer.toHexString(flags) + " (v1 and v2 have none)");
        }
        for (long i = 16; i < ArtifactFormat.PREAMBLE_SIZE; i++) {
            if (data.get(ValueLayout.JAVA_BYTE, i) != 0) {
                throw corrupt(null, i, "reserved preamble byte is not zero");
            }
        }
        // trailer
        long t = size - ArtifactFormat.TRAILER_SIZE;
        checkMagic(t + 24, "trailer magic missing; the file is truncated or not an artifact");
        long indexOffset = data.get(U64, t);
        long indexLength = data.get(U64, t + 8);
        int indexCrc = data.get(U32, t + 16);
        if (data.get(U32, t + 20) != 0) {
            throw corrupt(null, t + 20, "reserved trailer field is not zero");
        }
        if (indexOffset < ArtifactFormat.PREAMBLE_SIZE
                || indexLength < 0
                || indexLength > ArtifactFormat.MAX_INDEX_BYTES
                || indexOffset > t
                || indexLength != t - indexOffset) {
            throw corrupt(
                    null,
                    t,
                    "index at " + indexOffset + " length " + indexLength + " does not end where the trailer starts ("
                            + t + ")");
        }
        MemorySegment index = data.asSlice(indexOffset, indexLength);
        CRC32C crc = new CRC32C();
        crc.update(index.asByteBuffer());
        if ((int) crc.getValue() != indexCrc) {
            throw corrupt(
                    null,
                    indexOffset,
                    String.format(
                            "index checksum mismatch (trailer says crc32c %08x, index has %08x)",
                            indexCrc, (int) crc.getValue()));
        }
        IndexParser p = new IndexParser(index, indexOffset);
        long count = Integer.toUnsignedLong(p.u32("entry count"));
        if (count > indexLength / 24) { // every entry takes at least 24 bytes of index
            throw corrupt(
                    null,
                    indexOffset,
                    "index claims " + count + " tensors, more than its " + indexLength + " bytes can hold");
        }
        this.codec = p.str(p.u16("codec length"), "artifact codec");
        long metaCount = Integer.toUnsignedLong(p.u32("metadata count"));
        if (metaCount > indexLength / 8) {
            throw corrupt(null, p.absolute(), "index claims " + metaCount + " metadata entries, more than it can hold");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        for (long i = 0; i < metaCount; i++) {
            long at = p.absolute();
            String k = p.str(p.u32len("metadata key length"), "metadata key"); // key: u32 length + UTF-8
            String v = p.str(p.u32len("metadata value length"), "metadata value"); // value: u32 length + UTF-8
            if (meta.putIfAbsent(k, v) != null) {
                throw corrupt(null, at, "duplicate metadata key '" + k + "'");
            }
        }
        this.metadata = Collections.unmodifiableMap(meta);
        List<TensorEntry> list = new ArrayList<>((int) count);
        Map<String, TensorEntry> map = new LinkedHashMap<>();
        for (long i = 0; i < count; i++) {
            long at = p.absolute();
            String name = p.str(p.u16("name length"), "tensor name");
            if (name.isEmpty()) {
                throw corrupt(null, at, "tensor entry " + i + " has an empty name");
            }
            int dtypeId = p.u8("dtype");
            DType dtype = DType.byId(dtypeId);
            if (dtype == null) {
                throw corrupt(name, p.absolute() - 1, "unknown dtype id " + dtypeId);
            }
            int rank = p.u8("rank");
            if (rank > Shape.MAX_RANK) {
                throw corrupt(name, p.absolute() - 1, "rank " + rank + " exceeds " + Shape.MAX_RANK);
            }
            long[] dims = new long[rank];
            for (int d = 0; d < rank; d++) {
                dims[d] = p.i64("dimension");
            }
            Shape shape;
            try {
                shape = Shape.of(dims);
                dtype.byteSizeFor(shape.elementCount());
            } catch (InvalidInputException e) {
                throw corrupt(name, at, "bad shape " + Arrays.toString(dims) + ": " + e.getMessage());
            }
            String codecName = p.str(p.u8("codec length"), "codec name");
            byte[] params = p.bytes(p.u16("params length"), "codec parameters");
            long offset = p.i64("payload offset");
            long length = p.i64("payload length");
            int crc32c = p.u32("payload checksum");
            int stage = ArtifactFormat.STAGE_NONE;
            long codecLength = length;
            if (version >= 2) {
                long stageAt = p.absolute();
                stage = p.u8("payload stage");
                if (stage == ArtifactFormat.STAGE_ENTROPY) {
                    codecLength = p.i64("decoded payload length");
                    if (codecLength < 0) {
                        throw corrupt(name, stageAt + 1, "decoded payload length " + codecLength + " is negative");
                    }
                } else if (stage != ArtifactFormat.STAGE_NONE) {
                    throw corrupt(
                            name,
                            stageAt,
                            "unknown payload stage id " + stage + " (this reader knows " + ArtifactFormat.STAGE_NONE
                                    + " none and " + ArtifactFormat.STAGE_ENTROPY + " entropy)");
                }
            }
            if (offset < ArtifactFormat.PREAMBLE_SIZE
                    || length < 0
                    || offset % ArtifactFormat.ALIGNMENT != 0
                    || offset > indexOffset
                    || length > indexOffset - offset) {
                throw corrupt(
                        name,
                        at,
                        "payload at " + offset + " length " + length + " is outside the payload area [64, "
                                + indexOffset + ") or not 64-byte aligned");
            }
            Codec c = Codecs.find(codecName);
            if (c == null) {
                throw new UnknownCodecException(source + ": tensor '" + name + "'", codecName, Codecs.names());
            }
            if (stage == ArtifactFormat.STAGE_ENTROPY) {
                if (c.lossless() || c.variableSize()) {
                    // an entropy-coded codec behind the stage would multiply two expansions: a few
                    // bytes could claim terabytes
                    throw corrupt(
                            name,
                            at,
                            "the entropy stage does not apply to " + codecName
                                    + " (exact and entropy-coded codecs are stored as written, raw_v1 so that it"
                                    + " maps)");
                }
                if (length < EntropyStage.HEADER_BYTES) {
                    throw corrupt(
                            name,
                            at,
                            "entropy-coded payload of " + length + " bytes is shorter than the stage's "
                                    + EntropyStage.HEADER_BYTES + "-byte header");
                }
                if (codecLength > EntropyStage.maxDecodedSize(length)) {
                    throw corrupt(
                            name,
                            at,
                            "an entropy-coded payload of " + length + " bytes cannot decode to " + codecLength
                                    + " bytes (at most " + EntropyStage.maxDecodedSize(length) + ")");
                }
            }
            String problem = c.validate(dtype, shape, params, codecLength);
            if (problem != null) {
                throw corrupt(name, at, problem);
            }
            TensorEntry e =
                    new TensorEntry(name, dtype, shape, codecName, params, offset, length, crc32c, stage, codecLength);
            if (map.putIfAbsent(name, e) != null) {
                throw corrupt(name, at, "duplicate tensor name in index");
            }
            list.add(e);
        }
        if (p.remaining() != 0) {
            throw corrupt(null, p.absolute(), p.remaining() + " unexpected bytes after the last index entry");
        }
        List<TensorEntry> sorted = new ArrayList<>(list);
        sorted.sort(Comparator.comparingLong(TensorEntry::offset));
        for (int i = 1; i < sorted.size(); i++) {
            TensorEntry a = sorted.get(i - 1);
            TensorEntry b = sorted.get(i);
            if (a.offset() + a.length() > b.offset()) {
                throw corrupt(b.name(), b.offset(), "payload overlaps tensor '" + a.name() + "'");
            }
        }
        this.entries = List.copyOf(list);
        this.byName = Collections.unmodifiableMap(map);
    }

    /** Opens and validates the artifact at {@code path}, mapping it into memory. */
    public static ArtifactReader open(Path path) {
        return open(path, 0, -1, path.toString());
    }

    /**
     * Opens and validates the artifact held in the {@code length} bytes at {@code offset} of {@code file}
     * (the whole file from {@code offset} when {@code length} is negative), mapping just that region;
     * errors name {@code source}.
     */
    public static ArtifactReader open(Path file, long offset, long length, String source) {
        return MappedFiles.open(
                file, offset, length, (seg, arena) -> new ArtifactReader(seg, source, arena, ArtifactFormat.VERSION));
    }

    /** Reads an artifact held in memory that the caller keeps alive. */
    public static ArtifactReader of(MemorySegment bytes, String source) {
        return new ArtifactReader(bytes, source, null, ArtifactFormat.VERSION);
    }

    /**
     * A reader that knows format versions up to {@code supported} only: what a reader built before
     * a newer version says when it meets one (tests).
     */
    static ArtifactReader of(byte[] bytes, String source, int supported) {
        return new ArtifactReader(MemorySegment.ofArray(bytes), source, null, supported);
    }

    public static ArtifactReader of(byte[] bytes, String source) {
        return of(MemorySegment.ofArray(bytes), source);
    }

    /** Reads a whole stream (a classpath resource, say) into memory and opens it. */
    public static ArtifactReader of(InputStream in, String source) {
        try (in) {
            return of(in.readAllBytes(), source);
        } catch (IOException e) {
            throw new TenpakIOException(source + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public int version() {
        return version;
    }

    /** The artifact-level codec string: the codec every tensor uses, or "mixed". */
    @Override
    public String codec() {
        return codec;
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public List<TensorInfo> index() {
        return entries.stream()
                .map(e -> new TensorInfo(e.name(), e.dtype(), e.shape(), e.codec(), e.length(), e.originalBytes()))
                .toList();
    }

    /** The index entries with everything the format stores (offsets, parameters, checksums). */
    public List<TensorEntry> entries() {
        return entries;
    }

    /** Size of the artifact in bytes. */
    @Override
    public long byteSize() {
        return data.byteSize();
    }

    /** The entry for {@code name}, or null. */
    public TensorEntry find(String name) {
        return byName.get(name);
    }

    /** The entry for {@code name}; an {@link InvalidInputException} naming the artifact when absent. */
    public TensorEntry entry(String name) {
        TensorEntry e = byName.get(name);
        if (e == null) {
            throw new InvalidInputException(source + ": no tensor named '" + name + "'");
        }
        return e;
    }

    /**
     * The stored payload bytes of {@code e}, checksum-verified (once per tensor). A view, not a copy.
     * For a staged entry these are the entropy stage's bytes, not what the codec reads: decoders use
     * {@link #codecPayload}; copying an entry as it is stored (materialize) uses this.
     */
    public MemorySegment payload(TensorEntry e) {
        MemorySegment p = data.asSlice(e.offset(), e.length());
        if (!verified.containsKey(e.name())) {
            int actual = Checksums.crc32c(p);
            if (actual != e.crc32c()) {
                throw new ChecksumMismatchException(source, e.name(), e.offset(), e.crc32c(), actual);
            }
            verified.put(e.name(), Boolean.TRUE);
        }
        return p;
    }

    /**
     * The payload bytes of {@code e} before its checksum is checked: for the parallel decoder, which
     * checks it with {@link #payload} on a worker while other workers decode, and fails the whole
     * output (never renamed into place) on a mismatch.
     */
    public MemorySegment unverifiedPayload(TensorEntry e) {
        return data.asSlice(e.offset(), e.length());
    }

    /** Checks the payload checksum of {@code e}; true when it matches. */
    public boolean verify(TensorEntry e) {
        try {
            payload(e);
            return true;
        } catch (ChecksumMismatchException ex) {
            return false;
        }
    }

    /**
     * The checksum-verified payload of {@code e} as its codec reads it: the stored bytes (a view)
     * when the entry has no stage, else the stage decoded into {@code codecLength()} bytes from
     * {@code arena} (one tensor's codec payload: the caller frees it with the arena). A stage stream
     * that does not decode, or decodes to another length than the index says, is a
     * {@link CorruptArtifactException} naming the tensor.
     */
    public MemorySegment codecPayload(TensorEntry e, Arena arena) {
        MemorySegment stored = payload(e);
        if (!e.staged()) {
            return stored;
        }
        long declared;
        try {
            declared = EntropyStage.decodedSize(stored);
        } catch (CorruptArtifactException x) {
            throw stageCorrupt(e, x);
        }
        if (declared != e.codecLength()) {
            throw corrupt(
                    e.name(),
                    e.offset() + 8,
                    "entropy-coded payload decodes to " + declared + " bytes, the index says " + e.codecLength());
        }
        MemorySegment dst =
                arena.allocate(Math.max(1, declared), ArtifactFormat.ALIGNMENT).asSlice(0, declared);
        try {
            EntropyStage.decode(stored, dst);
        } catch (CorruptArtifactException x) {
            throw stageCorrupt(e, x);
        }
        return dst;
    }

    /** The stage decoder's error (offsets within the payload) as this artifact's, naming the tensor. */
    private CorruptArtifactException stageCorrupt(TensorEntry e, CorruptArtifactException x) {
        String m = x.getMessage();
        int at = m.indexOf(": ", m.indexOf("at offset"));
        String reason = at < 0 ? m : m.substring(at + 2);
        return corrupt(e.name(), e.offset() + x.offset(), "entropy-coded payload: " + reason);
    }

    /** Decodes {@code e} into {@code dst}, which holds {@code e.originalBytes()} bytes in the original dtype. */
    public void decodeInto(TensorEntry e, MemorySegment dst) {
        if (dst.byteSize() != e.originalBytes()) {
            throw new InvalidInputException("tensor '" + e.name() + "' decodes to " + e.originalBytes()
                    + " bytes, destination has " + dst.byteSize());
        }
        Codec c = Codecs.byName(e.codec());
        if (!e.staged()) {
            c.decode(e.dtype(), e.shape(), e.params(), payload(e), dst);
            return;
        }
        try (Arena a = Arena.ofConfined()) { // one tensor's codec payload, freed before the next
            c.decode(e.dtype(), e.shape(), e.params(), codecPayload(e, a), dst);
        }
    }

    /** Decodes {@code e} into memory from {@code arena}. */
    public Tensor read(TensorEntry e, Arena arena) {
        MemorySegment dst = arena.allocate(Math.max(1, e.originalBytes()), ArtifactFormat.ALIGNMENT)
                .asSlice(0, e.originalBytes());
        decodeInto(e, dst);
        return new Tensor(e.name(), e.dtype(), e.shape(), dst);
    }

    /** Decodes the tensor called {@code name} into garbage-collected memory. */
    @Override
    public Tensor read(String name) {
        return read(entry(name), Arena.ofAuto());
    }

    /** Decodes every tensor in index order, one at a time; each tensor's memory is garbage-collected. */
    @Override
    public TensorSource tensors() {
        var it = entries.iterator();
        return new TensorSource() {
            @Override
            public Tensor next() {
                return it.hasNext() ? read(it.next(), Arena.ofAuto()) : null;
            }

            @Override
            public Map<String, String> metadata() {
                return metadata;
            }

            @Override
            public String description() {
                return source;
            }

            @Override
            public void close() {}
        };
    }

    /** Unmaps a file opened with {@link #open(Path)}; segments handed out become invalid. */
    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }

    private void checkMagic(long at, String reason) {
        for (int i = 0; i < ArtifactFormat.MAGIC.length; i++) {
            if (data.get(ValueLayout.JAVA_BYTE, at + i) != ArtifactFormat.MAGIC[i]) {
                throw corrupt(null, at + i, reason);
            }
        }
    }

    private CorruptArtifactException corrupt(String tensor, long offset, String reason) {
        return new CorruptArtifactException(source, tensor, offset, reason);
    }

    /** Bounds-checked little-endian cursor over the index. */
    private final class IndexParser {
        private final MemorySegment index;
        private final long base;
        private long pos;

        IndexParser(MemorySegment index, long base) {
            this.index = index;
            this.base = base;
        }

        long absolute() {
            return base + pos;
        }

        long remaining() {
            return index.byteSize() - pos;
        }

        private void need(long n, String what) {
            if (n > remaining()) {
                throw corrupt(
                        null,
                        absolute(),
                        "index ends inside " + what + " (needs " + n + " bytes, " + remaining() + " left)");
            }
        }

        int u8(String what) {
            need(1, what);
            return Byte.toUnsignedInt(index.get(ValueLayout.JAVA_BYTE, pos++));
        }

        int u16(String what) {
            need(2, what);
            int v = Short.toUnsignedInt(index.get(U16, pos));
            pos += 2;
            return v;
        }

        int u32(String what) {
            need(4, what);
            int v = index.get(U32, pos);
            pos += 4;
            return v;
        }

        long u32len(String what) {
            return Integer.toUnsignedLong(u32(what));
        }

        long i64(String what) {
            need(8, what);
            long v = index.get(U64, pos);
            pos += 8;
            return v;
        }

        byte[] bytes(long n, String what) {
            need(n, what);
            byte[] b = new byte[(int) n];
            MemorySegment.copy(index, ValueLayout.JAVA_BYTE, pos, b, 0, (int) n);
            pos += n;
            return b;
        }

        String str(long n, String what) {
            long at = absolute();
            byte[] b = bytes(n, what);
            try {
                return StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(b))
                        .toString();
            } catch (CharacterCodingException e) {
                throw corrupt(null, at, what + " is not valid UTF-8");
            }
        }
    }
}
