package dev.tenpak.internal.format.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tenpak.error.TenpakIOException;
import dev.tenpak.internal.format.artifact.ReservedKeys;
import dev.tenpak.internal.io.AtomicFiles;
import dev.tenpak.internal.io.PositionalWrites;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes tensors of an artifact as a safetensors file that the Python {@code safetensors} package
 * and {@code transformers} load unchanged: every tensor in its original dtype (a BF16 tensor stays
 * BF16), {@code __metadata__} carried over from the artifact, and the header laid out like the
 * reference serializer's: compact JSON with {@code __metadata__} first, tensors in artifact order
 * with contiguous {@code data_offsets} from 0, padded with spaces to a multiple of 8 bytes so that
 * the data buffer starts 8-byte aligned.
 *
 * <p>Streaming: the output is created as a temporary file beside the target; the header is
 * written first and tensors are decoded range by range into their place in the file (by the caller's
 * {@link DataWriter}, in parallel with positional writes when it is the decompress pipeline); the temporary file is renamed over the
 * target only when every tensor decoded ({@link AtomicFiles}: a link is followed, a device or FIFO
 * receives the finished file's bytes). Memory is bounded by the decoder's per-thread buffers
 * whatever the file size. Metadata keys starting with {@code tenpak.} are
 * tenpak's own bookkeeping and are not written.
 */
public final class SafetensorsWriter {
    /** One tensor of the file: its header entry; its data is {@code dtype.byteSizeFor(shape)} bytes. */
    public record Entry(String name, DType dtype, Shape shape) {
        public long bytes() {
            return dtype.byteSizeFor(shape.elementCount());
        }
    }

    /** Writes every entry's bytes at its offset of the file; the caller's decoder, typically. */
    @FunctionalInterface
    public interface DataWriter {
        /** Fills {@code entries.get(i)}'s bytes at file position {@code offsets[i]} of {@code file}. */
        void write(FileChannel file, long[] offsets) throws IOException;
    }

    /** Metadata keys with this prefix belong to tenpak and stay out of {@code __metadata__}. */
    public static final String TENPAK_PREFIX = ReservedKeys.PREFIX;

    private static final JsonFactory JSON = new JsonFactory();

    private SafetensorsWriter() {}

    /**
     * Writes {@code entries} (in this order) with {@code metadata} to {@code target}; returns the file
     * size. With {@code sync} the file is forced to disk before it is renamed into place, and the
     * folder after ({@link AtomicFiles.Output#commit(boolean)}).
     */
    public static long write(
            List<Entry> entries, Map<String, String> metadata, Path target, boolean sync, DataWriter data) {
        byte[] header = header(entries, metadata);
        long dataStart = 8L + header.length;
        long total = dataStart;
        for (Entry e : entries) {
            total = Math.addExact(total, e.bytes());
        }
        try (AtomicFiles.Output file = AtomicFiles.open(target, true)) { // positional writes: always a regular file
            FileChannel ch = file.channel();
            ByteBuffer head = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(header.length).put(header).flip(); // u64 N, then the JSON header
            PositionalWrites.write(ch, MemorySegment.ofBuffer(head), 0, target);
            long[] offsets = new long[entries.size()];
            long at = dataStart;
            for (int i = 0; i < offsets.length; i++) {
                offsets[i] = at;
                at += entries.get(i).bytes();
            }
            data.write(ch, offsets);
            if (ch.size() != total) {
                throw new TenpakIOException(target + ": wrote " + ch.size() + " bytes, expected " + total, null);
            }
            file.commit(sync);
            return total;
        } catch (IOException e) {
            throw TenpakIOException.of(target, e);
        }
    }

    /** The header JSON for {@code entries}, padded with spaces to a multiple of 8 bytes. */
    public static byte[] header(List<Entry> entries, Map<String, String> metadata) {
        Map<String, String> meta = new LinkedHashMap<>();
        metadata.forEach((k, v) -> {
            if (!k.startsWith(TENPAK_PREFIX)) {
                meta.put(k, v);
            }
        });
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(buf)) {
            g.writeStartObject();
            if (!meta.isEmpty()) {
                g.writeObjectFieldStart(SafetensorsReader.METADATA_KEY);
                for (var m : meta.entrySet()) {
                    g.writeStringField(m.getKey(), m.getValue());
                }
                g.writeEndObject();
            }
            long begin = 0;
            for (Entry e : entries) {
                long end = begin + e.bytes();
                g.writeObjectFieldStart(e.name());
                g.writeStringField("dtype", e.dtype().safetensorsName());
                g.writeArrayFieldStart("shape");
                for (long d : e.shape().dims()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(begin);
                g.writeNumber(end);
                g.writeEndArray();
                g.writeEndObject();
                begin = end;
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON to memory cannot fail", e);
        }
        byte[] json = buf.toByteArray();
        int padded = (json.length + 7) & -8; // the reference pads with spaces to 8-byte alignment
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }
}
