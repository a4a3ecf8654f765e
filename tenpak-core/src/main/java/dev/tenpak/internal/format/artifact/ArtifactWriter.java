package dev.tenpak.internal.format.artifact;

import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.TenpakIOException;
import dev.tenpak.error.UnknownCodecException;
import dev.tenpak.internal.entropy.EntropyStage;
import dev.tenpak.internal.io.AtomicFiles;
import dev.tenpak.internal.io.CountingChannel;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Writes an artifact in one streaming pass: the preamble, then each tensor's payload as it is
 * added, then the index and trailer on {@link #finish()}. Memory is bounded by the largest encoded
 * tensor. Writing to a path goes to a temporary file beside the target that is renamed over it only
 * when {@link #finish()} succeeds; closing an unfinished writer deletes the temporary file, so an
 * error never leaves a half-written artifact under the target name.
 *
 * <p>The format version: 1 while no entry goes through a stage, so that such artifacts are byte
 * for byte what a v1 writer wrote; 2 as soon as one does. The preamble (which holds the version) is
 * written before any payload, so the writer rewrites its version field on {@link #finish()}: in
 * its own temporary file or in memory. Where it cannot go back (a device, a FIFO, a caller's
 * channel), a caller that may stage payloads says so with {@link #allowStage()} before the first
 * one, and the preamble says 2 from the start.
 */
public final class ArtifactWriter implements AutoCloseable {
    private final WritableByteChannel out;
    private final String description;
    private final Path target;
    private final AtomicFiles.Output file;
    private final boolean sync;
    private final List<TensorEntry> entries = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private String artifactCodec;
    private long metadataBytes;
    private long indexBytes;
    private long maxIndexBytes = ArtifactFormat.MAX_INDEX_BYTES;
    private long position;
    private boolean finished;
    private boolean closed;
    /** The version the preamble holds once written; {@link #finish()} raises it to 2 when an entry is staged. */
    private int preambleVersion = ArtifactFormat.VERSION_1;

    private boolean preambleWritten;
    private boolean staged;

    private ArtifactWriter(
            WritableByteChannel out, String description, Path target, AtomicFiles.Output file, boolean sync) {
        this.out = out;
        this.sync = sync;
        this.description = description;
        this.target = target;
        this.file = file;
    }

    /** Writes the preamble before the first payload (or the index of an empty artifact). */
    private void ensurePreamble() {
        if (preambleWritten) {
            return;
        }
        preambleWritten = true;
        ByteBuffer pre = ByteBuffer.allocate(ArtifactFormat.PREAMBLE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        pre.put(ArtifactFormat.MAGIC); // magic
        pre.putShort((short) preambleVersion); // version: u16
        pre.putShort((short) ArtifactFormat.PREAMBLE_SIZE); // preamble_size: u16
        pre.putInt(0); // flags: u32, zero in v1 and v2
        pre.position(ArtifactFormat.PREAMBLE_SIZE); // reserved: 48 zero bytes
        writeFully(pre.flip());
    }

    /** Whether {@link #finish()} can rewrite the preamble's version: its own temporary file, or memory. */
    private boolean canRewriteVersion() {
        // a counting channel keeps no bytes: "rewriting" it changes nothing, and its count is then the
        // size a file writer gives the same entries (version 1, one index byte fewer per entry, when
        // nothing was staged)
        return out instanceof MemoryChannel
                || out instanceof CountingChannel
                || (file != null && out instanceof FileChannel && !file.special());
    }

    /**
     * Says that payloads may go through a stage ({@link #writeEncoded(String, DType, Shape, String,
     * byte[], MemorySegment, int, int)}). Changes nothing where the writer can set the version on
     * {@link #finish()}; on an output it cannot go back in, it makes the preamble say version 2 from
     * the start, and must then come before the first payload.
     */
    public ArtifactWriter allowStage() {
        ensureOpen();
        if (!canRewriteVersion()) {
            if (preambleWritten && preambleVersion < ArtifactFormat.VERSION) {
                throw new IllegalStateException(
                        description + ": allowStage() after the first payload of an output that cannot be rewritten");
            }
            preambleVersion = ArtifactFormat.VERSION;
        }
        return this;
    }

    /** A writer that creates {@code target} atomically when {@link #finish()} succeeds. */
    public static ArtifactWriter create(Path target) {
        return create(target, false);
    }

    /**
     * As {@link #create(Path)}; with {@code sync}, {@link #finish()} forces the file to disk before
     * the rename and the folder after it, so a finished artifact survives a crash (see
     * {@link AtomicFiles}).
     */
    public static ArtifactWriter create(Path target, boolean sync) {
        AtomicFiles.Output file = null;
        try {
            file = AtomicFiles.open(target, false); // sequential writes: a device or FIFO is written through
            return new ArtifactWriter(file.channel(), target.toString(), target, file, sync);
        } catch (IOException e) {
            if (file != null) {
                file.close();
            }
            throw TenpakIOException.of(target, e);
        }
    }

    /** A writer onto a channel the caller owns (it is not closed). */
    public static ArtifactWriter to(WritableByteChannel channel, String description) {
        return new ArtifactWriter(channel, description, null, null, false);
    }

    /** A writer into memory; {@link #finish()} then {@link #bytes()}. */
    public static ArtifactWriter toMemory() {
        return new ArtifactWriter(new MemoryChannel(), "<memory>", null, null, false);
    }

    /** The artifact bytes of a finished in-memory writer. */
    public byte[] bytes() {
        if (!(out instanceof MemoryChannel m) || !finished) {
            throw new IllegalStateException("bytes() is for a finished in-memory writer");
        }
        return m.toByteArray();
    }

    /** Sets the artifact-level codec string; by default the tensors' codec, or "mixed". */
    public ArtifactWriter artifactCodec(String codec) {
        if (codec != null && codec.getBytes(StandardCharsets.UTF_8).length > 65_535) {
            throw new InvalidInputException(description + ": artifact codec string longer than 65535 bytes");
        }
        this.artifactCodec = codec;
        return this;
    }

    /**
     * Adds free-form string metadata to the index (safetensors' __metadata__ travels here). Refused
     * as soon as the index would outgrow {@link ArtifactFormat#MAX_INDEX_BYTES}.
     */
    public ArtifactWriter metadata(Map<String, String> values) {
        ensureOpen();
        metadata.putAll(values);
        long bytes = 0;
        for (var m : metadata.entrySet()) {
            bytes += 8L + utf8Length(m.getKey()) + utf8Length(m.getValue());
        }
        metadataBytes = bytes;
        checkIndexSize();
        return this;
    }

    /** The index's size so far, at least: fixed fields, metadata and entries (the exact size is checked on finish). */
    private long indexSoFar() {
        return 4 + 2 + 4 + metadataBytes + indexBytes;
    }

    private void checkIndexSize() {
        long size = indexSoFar();
        if (size > maxIndexBytes) {
            throw indexTooLarge(size);
        }
    }

    /** Lowers the index limit (tests reach it without a gigabyte of metadata). */
    ArtifactWriter maxIndexBytes(long limit) {
        this.maxIndexBytes = limit;
        return this;
    }

    private InvalidInputException indexTooLarge(long size) {
        return new InvalidInputException(description + ": the artifact's index would take " + size
                + " bytes, over the format's limit of " + maxIndexBytes + " that every reader enforces ("
                + metadataBytes + " bytes of metadata, carried folder files included, and " + entries.size()
                + " tensor entries); carry fewer or smaller files");
    }

    private static long entryBytes(String name, Shape shape, String codec, byte[] params, int stage) {
        return (stage == ArtifactFormat.STAGE_NONE ? 0 : 1 + 8)
                + 2L
                + utf8Length(name)
                + 1
                + 1
                + 8L * shape.rank()
                + 1
                + utf8Length(codec)
                + 2
                + params.length
                + 8
                + 8
                + 4;
    }

    private static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x80) {
                n += 1;
            } else if (ch < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(ch)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * Encodes {@code tensor} with {@code codec} and writes its payload: one tensor at a time, on this
     * thread (the compress pipeline encodes on several threads and calls {@link #writeEncoded}).
     */
    public TensorEntry write(Tensor tensor, Codec codec) {
        if (!codec.accepts(tensor.dtype())) {
            throw new InvalidInputException("tensor '" + tensor.name() + "': codec " + codec.name() + " cannot encode "
                    + tensor.dtype() + " tensors (use raw_v1)");
        }
        try (Arena arena = Arena.ofConfined()) {
            long size = codec.encodedSize(tensor.dtype(), tensor.shape());
            MemorySegment buf =
                    arena.allocate(Math.max(size, 1), ArtifactFormat.ALIGNMENT).asSlice(0, size);
            Codec.Encoded enc = codec.encodeSized(tensor, buf); // a variable-size codec keeps a prefix
            return writeEncoded(
                    tensor.name(),
                    tensor.dtype(),
                    tensor.shape(),
                    codec.name(),
                    enc.params(),
                    buf.asSlice(0, enc.length()));
        }
    }

    /**
     * Writes a payload that is already encoded (materialize copies payloads this way, without
     * decoding them).
     */
    public TensorEntry writeEncoded(
            String name, DType dtype, Shape shape, String codec, byte[] params, MemorySegment payload) {
        return writeEncoded(name, dtype, shape, codec, params, payload, Checksums.crc32c(payload));
    }

    /**
     * As {@link #writeEncoded(String, DType, Shape, String, byte[], MemorySegment)} with the payload's
     * CRC32C already computed (the compressor computes it on a worker thread, off the writing one).
     */
    public TensorEntry writeEncoded(
            String name, DType dtype, Shape shape, String codec, byte[] params, MemorySegment payload, int crc32c) {
        return writeEncoded(name, dtype, shape, codec, params, payload, crc32c, ArtifactFormat.STAGE_NONE);
    }

    /**
     * Writes a payload that is already encoded and, with {@link ArtifactFormat#STAGE_ENTROPY}, already
     * through the entropy stage ({@code payload} is then the stage's bytes, and its header gives the
     * length the codec wrote). The CRC32C is over the bytes written. A staged entry makes the
     * artifact version 2 (see the class comment).
     */
    public TensorEntry writeEncoded(
            String name,
            DType dtype,
            Shape shape,
            String codec,
            byte[] params,
            MemorySegment payload,
            int crc32c,
            int stage) {
        ensureOpen();
        if (name.isEmpty()) {
            throw new InvalidInputException(
                    description + ": a tensor name is empty (an artifact's index refuses that)");
        }
        if (!names.add(name)) {
            throw new InvalidInputException(description + ": duplicate tensor name '" + name + "'");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > ArtifactFormat.MAX_NAME_BYTES) {
            throw new InvalidInputException("tensor name longer than " + ArtifactFormat.MAX_NAME_BYTES + " bytes: "
                    + name.substring(0, 64) + "...");
        }
        if (codec.isEmpty() || codec.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new InvalidInputException("tensor '" + name + "': codec name must be 1 to 255 bytes");
        }
        if (params.length > ArtifactFormat.MAX_PARAMS_BYTES) {
            throw new InvalidInputException(
                    "tensor '" + name + "': codec parameters exceed " + ArtifactFormat.MAX_PARAMS_BYTES + " bytes");
        }
        // the reader's checks, so that no artifact is written that no reader opens
        Codec c = Codecs.find(codec);
        if (c == null) {
            throw new UnknownCodecException(description + ": tensor '" + name + "'", codec, Codecs.names());
        }
        long codecLength = payload.byteSize();
        if (stage == ArtifactFormat.STAGE_ENTROPY) {
            codecLength = stagedLength(name, c, payload);
            if (!canRewriteVersion() && preambleVersion < ArtifactFormat.VERSION) {
                throw new IllegalStateException(description
                        + ": a staged payload on an output that cannot be rewritten needs allowStage() first");
            }
        } else if (stage != ArtifactFormat.STAGE_NONE) {
            throw new InvalidInputException(description + ": tensor '" + name + "': unknown payload stage " + stage);
        }
        String problem = c.validate(dtype, shape, params, codecLength);
        if (problem != null) {
            throw new InvalidInputException(description + ": tensor '" + name + "': " + problem);
        }
        indexBytes = Math.addExact(indexBytes, entryBytes(name, shape, codec, params, stage));
        checkIndexSize();
        ensurePreamble();
        pad();
        long offset = position;
        writeSegment(payload);
        TensorEntry e = new TensorEntry(
                name, dtype, shape, codec, params, offset, payload.byteSize(), crc32c, stage, codecLength);
        entries.add(e);
        staged |= stage != ArtifactFormat.STAGE_NONE;
        return e;
    }

    /** The codec length an entropy-stage payload declares, after the reader's own checks on it. */
    private long stagedLength(String name, Codec c, MemorySegment payload) {
        if (c.lossless() || c.variableSize()) {
            throw new InvalidInputException(description + ": tensor '" + name
                    + "': the entropy stage does not apply to " + c.name()
                    + " (exact and entropy-coded codecs are stored as written)");
        }
        if (payload.byteSize() < EntropyStage.HEADER_BYTES) {
            throw new InvalidInputException(description + ": tensor '" + name + "': a staged payload of "
                    + payload.byteSize() + " bytes is shorter than the stage's header");
        }
        try {
            return EntropyStage.decodedSize(payload);
        } catch (CorruptArtifactException e) {
            throw new InvalidInputException(description + ": tensor '" + name + "': " + e.getMessage());
        }
    }

    /** Entries written so far, in order. */
    public List<TensorEntry> entries() {
        return List.copyOf(entries);
    }

    /** Writes the index and trailer and, for a path, moves the file into place. Returns the artifact size. */
    public long finish() {
        ensureOpen();
        ensurePreamble();
        int version = staged ? ArtifactFormat.VERSION : preambleVersion;
        if (version != preambleVersion) {
            rewriteVersion(version);
        }
        byte[] index = encodeIndex(version);
        if (index.length > maxIndexBytes) {
            throw indexTooLarge(index.length);
        }
        long indexOffset = position;
        writeFully(ByteBuffer.wrap(index));
        CRC32C crc = new CRC32C();
        crc.update(index);
        ByteBuffer tr = ByteBuffer.allocate(ArtifactFormat.TRAILER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        tr.putLong(indexOffset); // index_offset: u64
        tr.putLong(index.length); // index_length: u64
        tr.putInt((int) crc.getValue()); // index_crc32c: u32
        tr.putInt(0); // reserved: u32
        tr.put(ArtifactFormat.MAGIC); // magic again, so truncation is detected
        writeFully(tr.flip());
        finished = true;
        if (target != null) {
            try {
                file.commit(sync);
            } catch (IOException e) {
                file.close();
                throw TenpakIOException.of(target, e);
            }
        }
        return position;
    }

    /** Puts {@code version} in the preamble already written (the output is one {@link #canRewriteVersion} allows). */
    private void rewriteVersion(int version) {
        ByteBuffer v = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) version);
        if (out instanceof MemoryChannel m) {
            m.patch(8, v.array());
            return;
        }
        if (out instanceof CountingChannel) {
            return; // nothing kept, nothing to patch
        }
        try {
            FileChannel fc = (FileChannel) out;
            while (v.hasRemaining()) {
                fc.write(v, 8 + v.position()); // positional: the channel's position stays at the end
            }
        } catch (IOException e) {
            throw TenpakIOException.of(target, e);
        }
    }

    private byte[] encodeIndex(int version) {
        String codec = artifactCodec;
        if (codec == null) {
            Set<String> used = new LinkedHashSet<>();
            entries.forEach(e -> used.add(e.codec()));
            codec = used.size() == 1 ? used.iterator().next() : used.isEmpty() ? "raw_v1" : "mixed";
        }
        IndexBuffer b = new IndexBuffer();
        b.u32(entries.size()); // entry_count: u32
        b.str16(codec); // artifact codec: u16 length + UTF-8
        b.u32(metadata.size()); // metadata_count: u32
        metadata.forEach((k, v) -> {
            b.str32(k); // key: u32 length + UTF-8
            b.str32(v); // value: u32 length + UTF-8
        });
        for (TensorEntry e : entries) {
            b.str16(e.name()); // name: u16 length + UTF-8
            b.u8(e.dtype().id()); // dtype id: u8
            b.u8(e.shape().rank()); // rank: u8
            for (long d : e.shape().dims()) {
                b.i64(d); // dims: i64 x rank
            }
            b.str8(e.codec()); // codec: u8 length + ASCII
            b.bytes16(e.params()); // params: u16 length + bytes
            b.i64(e.offset()); // payload offset: u64
            b.i64(e.length()); // payload length: u64
            b.u32(e.crc32c()); // payload crc32c: u32
            if (version >= 2) {
                b.u8(e.stage()); // v2: stage: u8
                if (e.stage() == ArtifactFormat.STAGE_ENTROPY) {
                    b.i64(e.codecLength()); // v2, entropy stage: decoded payload length: u64
                }
            }
        }
        return b.toByteArray();
    }

    private void pad() {
        long aligned = ArtifactFormat.align(position);
        if (aligned > position) {
            writeFully(ByteBuffer.allocate((int) (aligned - position)));
        }
    }

    private void writeSegment(MemorySegment segment) {
        long size = segment.byteSize();
        // 1 MiB a call: with 64 MiB calls, writing a 1.1 GB artifact while the encoders ran took 3x longer
        long slice = 1L << 20;
        for (long at = 0; at < size; at += slice) {
            writeFully(segment.asSlice(at, Math.min(slice, size - at)).asByteBuffer());
        }
    }

    private void writeFully(ByteBuffer buf) {
        try {
            while (buf.hasRemaining()) {
                position += out.write(buf);
            }
        } catch (IOException e) {
            throw target != null
                    ? TenpakIOException.of(target, e)
                    : new TenpakIOException(description + ": " + e.getMessage(), e);
        }
    }

    private void ensureOpen() {
        if (finished || closed) {
            throw new IllegalStateException("artifact writer for " + description + " is already finished");
        }
    }

    /** Deletes the temporary file if {@link #finish()} did not complete. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (file != null && !finished) {
            file.close(); // deletes the temporary file
        }
    }

    /** Little-endian builder for the index. */
    private static final class IndexBuffer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void u8(int v) {
            out.write(v);
        }

        void u16(int v) {
            scratch.clear();
            out.write(scratch.putShort((short) v).array(), 0, 2);
        }

        void u32(int v) {
            scratch.clear();
            out.write(scratch.putInt(v).array(), 0, 4);
        }

        void i64(long v) {
            scratch.clear();
            out.write(scratch.putLong(v).array(), 0, 8);
        }

        void str8(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u8(b.length);
            out.writeBytes(b);
        }

        void str16(String s) {
            bytes16(s.getBytes(StandardCharsets.UTF_8));
        }

        void bytes16(byte[] b) {
            u16(b.length);
            out.writeBytes(b);
        }

        void str32(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u32(b.length);
            out.writeBytes(b);
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }

    private static final class MemoryChannel implements WritableByteChannel {
        final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private final WritableByteChannel ch = Channels.newChannel(buffer);
        private final Map<Integer, byte[]> patches = new LinkedHashMap<>();

        /** Replaces bytes already written at {@code at} in what {@link #toByteArray} returns. */
        void patch(int at, byte[] bytes) {
            patches.put(at, bytes.clone());
        }

        byte[] toByteArray() {
            byte[] b = buffer.toByteArray();
            patches.forEach((at, p) -> System.arraycopy(p, 0, b, at, p.length));
            return b;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return ch.write(src);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }
}
