package dev.tenpak.internal.format.artifact;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A second, test-only encoder of artifact format v1, written from docs/FORMAT.md rather than from
 * {@link ArtifactWriter}. It takes raw field values, so tests can build artifacts no writer would
 * produce (hostile lengths, offsets, ids) while keeping every checksum right, which forces the
 * reader's structural checks to do the work. {@code ArtifactRoundTripTest} checks that it and the
 * writer agree byte for byte on valid input.
 */
final class FormatV1 {
    static final byte[] MAGIC = {(byte) 0x89, 'T', 'P', 'K', '\r', '\n', 0x1A, '\n'};

    /**
     * One index entry, every field as it is stored; {@code stage} and {@code codecLength} are
     * written only in a version 2 index (the length only for stage 1).
     */
    record Entry(
            String name,
            int dtypeId,
            long[] dims,
            String codec,
            byte[] params,
            long offset,
            long length,
            int crc32c,
            int stage,
            long codecLength) {
        Entry(
                String name,
                int dtypeId,
                long[] dims,
                String codec,
                byte[] params,
                long offset,
                long length,
                int crc32c) {
            this(name, dtypeId, dims, codec, params, offset, length, crc32c, 0, length);
        }

        Entry stage(int s, long decodedLength) {
            return new Entry(name, dtypeId, dims, codec, params, offset, length, crc32c, s, decodedLength);
        }

        Entry crc32c(int c) {
            return new Entry(name, dtypeId, dims, codec, params, offset, length, c, stage, codecLength);
        }

        Entry with(java.util.function.UnaryOperator<Entry> f) {
            return f.apply(this);
        }

        Entry name(String n) {
            return new Entry(n, dtypeId, dims, codec, params, offset, length, crc32c, stage, codecLength);
        }

        Entry dtypeId(int id) {
            return new Entry(name, id, dims, codec, params, offset, length, crc32c, stage, codecLength);
        }

        Entry dims(long... d) {
            return new Entry(name, dtypeId, d, codec, params, offset, length, crc32c, stage, codecLength);
        }

        Entry codec(String c) {
            return new Entry(name, dtypeId, dims, c, params, offset, length, crc32c, stage, codecLength);
        }

        Entry params(byte[] p) {
            return new Entry(name, dtypeId, dims, codec, p, offset, length, crc32c, stage, codecLength);
        }

        Entry offset(long o) {
            return new Entry(name, dtypeId, dims, codec, params, o, length, crc32c, stage, codecLength);
        }

        Entry length(long l) {
            return new Entry(name, dtypeId, dims, codec, params, offset, l, crc32c, stage, codecLength);
        }
    }

    /** A whole artifact: preamble fields, payload area, index and trailer fields. */
    static final class Builder {
        int version = 1;
        int preambleSize = 64;
        int flags;
        String artifactCodec = "mixed";
        final Map<String, String> metadata = new LinkedHashMap<>();
        final List<Entry> entries = new ArrayList<>();
        byte[] payloadArea = new byte[0]; // bytes from offset 64 up to the index
        Long entryCountOverride;
        Long metadataCountOverride;
        byte[] indexSuffix = new byte[0];

        Builder payloads(byte[] area) {
            payloadArea = area;
            return this;
        }

        Builder add(Entry e) {
            entries.add(e);
            return this;
        }

        byte[] index() {
            Out o = new Out();
            o.u32(entryCountOverride != null ? entryCountOverride : entries.size()); // entry_count
            o.str16(artifactCodec); // artifact codec
            o.u32(metadataCountOverride != null ? metadataCountOverride : metadata.size());
            metadata.forEach((k, v) -> {
                o.str32(k);
                o.str32(v);
            });
            for (Entry e : entries) {
                o.str16(e.name);
                o.u8(e.dtypeId);
                o.u8(e.dims.length);
                for (long d : e.dims) {
                    o.i64(d);
                }
                byte[] c = e.codec.getBytes(StandardCharsets.UTF_8);
                o.u8(c.length);
                o.raw(c);
                o.u16(e.params.length);
                o.raw(e.params);
                o.i64(e.offset);
                o.i64(e.length);
                o.u32(e.crc32c);
                if (version >= 2) {
                    o.u8(e.stage);
                    if (e.stage == 1) {
                        o.i64(e.codecLength);
                    }
                }
            }
            o.raw(indexSuffix);
            return o.bytes();
        }

        byte[] build() {
            Out o = new Out();
            o.raw(MAGIC);
            o.u16(version);
            o.u16(preambleSize);
            o.u32(flags);
            o.raw(new byte[48]);
            o.raw(payloadArea);
            long indexOffset = o.size();
            byte[] index = index();
            o.raw(index);
            o.i64(indexOffset);
            o.i64(index.length);
            o.u32(crc32c(index));
            o.u32(0);
            o.raw(MAGIC);
            return o.bytes();
        }
    }

    /** A payload area holding {@code payloads} at 64-byte aligned offsets from 64, and their entries' offsets. */
    static long[] layout(List<byte[]> payloads, ByteArrayOutputStream area) {
        long[] offsets = new long[payloads.size()];
        long pos = 64;
        for (int i = 0; i < payloads.size(); i++) {
            long aligned = (pos + 63) & -64L;
            area.writeBytes(new byte[(int) (aligned - pos)]);
            offsets[i] = aligned;
            area.writeBytes(payloads.get(i));
            pos = aligned + payloads.get(i).length;
        }
        return offsets;
    }

    static int crc32c(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }

    static byte[] f32(float v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array();
    }

    static long u64(byte[] file, int at) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(at);
    }

    /** Replaces the trailer's index_offset and index_length fields of a finished artifact. */
    static byte[] withTrailer(byte[] file, long indexOffset, long indexLength) {
        byte[] b = file.clone();
        ByteBuffer.wrap(b)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(b.length - 32, indexOffset)
                .putLong(b.length - 24, indexLength);
        return b;
    }

    /** The artifact with its index replaced by {@code index} (a fresh trailer, checksum included). */
    static byte[] withIndex(byte[] file, byte[] index) {
        int indexOffset = (int) u64(file, file.length - 32);
        Out o = new Out();
        o.raw(Arrays.copyOf(file, indexOffset));
        o.raw(index);
        o.i64(indexOffset);
        o.i64(index.length);
        o.u32(crc32c(index));
        o.u32(0);
        o.raw(MAGIC);
        return o.bytes();
    }

    /** Little-endian output. */
    static final class Out {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void u8(int v) {
            out.write(v);
        }

        void u16(int v) {
            b.clear();
            out.write(b.putShort((short) v).array(), 0, 2);
        }

        void u32(long v) {
            b.clear();
            out.write(b.putInt((int) v).array(), 0, 4);
        }

        void i64(long v) {
            b.clear();
            out.write(b.putLong(v).array(), 0, 8);
        }

        void str16(String s) {
            byte[] x = s.getBytes(StandardCharsets.UTF_8);
            u16(x.length);
            raw(x);
        }

        void str32(String s) {
            byte[] x = s.getBytes(StandardCharsets.UTF_8);
            u32(x.length);
            raw(x);
        }

        void raw(byte[] x) {
            out.writeBytes(x);
        }

        int size() {
            return out.size();
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private FormatV1() {}
}
