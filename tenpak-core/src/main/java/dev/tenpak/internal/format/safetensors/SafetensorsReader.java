package dev.tenpak.internal.format.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.MalformedInputException;
import dev.tenpak.internal.io.MappedFiles;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a safetensors file: the file is memory-mapped once and every tensor is a zero-copy slice of
 * the mapping, so the file is never loaded whole and memory stays bounded by what the caller
 * touches. Tensors come out in file order (ascending {@code data_offsets}).
 *
 * <p>Layout (huggingface/safetensors): {@code u64 N} (little-endian), then {@code N} bytes of UTF-8
 * JSON, then the data buffer. The JSON object maps each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the data buffer);
 * the optional {@code "__metadata__"} maps strings to strings.
 *
 * <p>The checks of the reference implementation's {@code validate} are all applied when the file is
 * opened, each failure a {@link MalformedInputException} naming the file and tensor: {@code N} at
 * most 100 MB and inside the file; the header valid UTF-8 holding one JSON object and nothing but
 * whitespace after it; known dtypes; offsets sorted by begin that start at 0 and are contiguous
 * ({@code begin == previous end}, {@code end >= begin}); each tensor's byte size equal to its
 * element count times its dtype size, computed with overflow checks; and the last end equal to
 * the data buffer's size, so the buffer exactly covers the rest of the file. Unknown fields inside
 * a tensor entry are ignored, as the reference does. Thread-safe once opened; segments stay valid
 * until {@link #close()}.
 */
public final class SafetensorsReader implements TensorSource {
    /** The reference implementation's cap on the header length. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Key of the free-form string map in the header. */
    public static final String METADATA_KEY = "__metadata__";

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength((int) MAX_HEADER_BYTES)
                    .maxNestingDepth(8)
                    .build())
            .build();

    /** One tensor's header entry, validated. */
    public record Entry(String name, DType dtype, Shape shape, long begin, long end) {
        public long byteSize() {
            return end - begin;
        }
    }

    private final String source;
    private final Arena arena;
    private final MemorySegment file;
    private final long dataStart;
    private final List<Entry> entries;
    private final Map<String, String> metadata;
    private int next;

    private SafetensorsReader(String source, Arena arena, MemorySegment file) {
        this.source = source;
        this.arena = arena;
        this.file = file;
        long size = file.byteSize();
        if (size < 8) {
            throw bad(null, "file is " + size + " bytes; a safetensors file starts with an 8-byte header length");
        }
        long n = file.get(U64, 0); // header length: u64 little-endian
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw bad(
                    null,
                    "header length " + Long.toUnsignedString(n) + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
        }
        if (n > size - 8) {
            throw bad(null, "header length " + n + " runs past the end of the " + size + "-byte file");
        }
        if (n < 2) {
            throw bad(null, "header of " + n + " bytes cannot hold a JSON object");
        }
        this.dataStart = 8 + n;
        String header = utf8(file.asSlice(8, n));
        Map<String, String> meta = new LinkedHashMap<>();
        List<Entry> list = parseHeader(header, meta);
        list.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long bufferSize = size - dataStart;
        long expectedBegin = 0;
        for (Entry e : list) {
            // contiguous, non-overlapping, starting at 0: begin == previous end
            if (e.begin() != expectedBegin) {
                throw bad(
                        e.name(),
                        "data_offsets [" + e.begin() + ", " + e.end() + "] "
                                + (e.begin() < expectedBegin ? "overlap the previous tensor" : "leave a gap")
                                + "; expected begin " + expectedBegin);
            }
            long nbytes;
            try {
                nbytes = Math.multiplyExact(
                        e.shape().elementCount(), (long) e.dtype().byteSize());
            } catch (ArithmeticException ex) {
                throw bad(e.name(), "shape " + e.shape() + " of " + e.dtype() + " overflows a 64-bit byte size");
            }
            if (e.end() - e.begin() != nbytes) {
                throw bad(
                        e.name(),
                        "data_offsets [" + e.begin() + ", " + e.end() + "] hold " + (e.end() - e.begin())
                                + " bytes but shape " + e.shape() + " of " + e.dtype() + " needs " + nbytes);
            }
            if (e.end() > bufferSize) {
                throw bad(
                        e.name(),
                        "data_offsets end " + e.end() + " is past the data buffer (" + bufferSize + " bytes)");
            }
            expectedBegin = e.end();
        }
        if (expectedBegin != bufferSize) {
            throw bad(
                    null,
                    "tensors cover " + expectedBegin + " bytes but the data buffer after the header has " + bufferSize
                            + "; the file is truncated or has trailing bytes");
        }
        this.entries = List.copyOf(list);
        this.metadata = Collections.unmodifiableMap(meta);
    }

    /** Opens and validates {@code path}, mapping it read-only. */
    public static SafetensorsReader open(Path path) {
        return MappedFiles.open(path, (seg, arena) -> new SafetensorsReader(path.toString(), arena, seg));
    }

    /** Reads safetensors bytes held in memory that the caller keeps alive (tests, the Python bridge). */
    public static SafetensorsReader of(MemorySegment bytes, String source) {
        return new SafetensorsReader(source, null, bytes);
    }

    public static SafetensorsReader of(byte[] bytes, String source) {
        return of(MemorySegment.ofArray(bytes), source);
    }

    private String utf8(MemorySegment header) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(header.asByteBuffer());
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw bad(null, "header is not valid UTF-8");
        }
    }

    private List<Entry> parseHeader(String header, Map<String, String> meta) {
        List<Entry> list = new ArrayList<>();
        try (JsonParser p = JSON.createParser(header)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw bad(null, "header must be a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (METADATA_KEY.equals(name)) {
                    readMetadata(p, v, meta);
                    continue;
                }
                if (name.isEmpty()) {
                    throw bad(null, "a tensor has an empty name");
                }
                if (v != JsonToken.START_OBJECT) {
                    throw bad(name, "header entry must be an object with dtype, shape and data_offsets");
                }
                list.add(readEntry(p, name));
            }
            if (p.nextToken() != null) {
                throw bad(null, "unexpected content after the header's JSON object");
            }
        } catch (JsonProcessingException e) {
            throw bad(null, "header is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw bad(null, "header cannot be parsed: " + e.getMessage(), e);
        }
        return list;
    }

    private void readMetadata(JsonParser p, JsonToken v, Map<String, String> meta) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return;
        }
        if (v != JsonToken.START_OBJECT) {
            throw bad(null, METADATA_KEY + " must be an object of strings");
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String k = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw bad(null, METADATA_KEY + " value of '" + k + "' must be a string");
            }
            meta.put(k, p.getText());
        }
    }

    private Entry readEntry(JsonParser p, String name) throws IOException {
        String dtypeName = null;
        long[] shape = null;
        long[] offsets = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "dtype" -> {
                    if (v != JsonToken.VALUE_STRING) {
                        throw bad(name, "dtype must be a string");
                    }
                    dtypeName = p.getText();
                }
                case "shape" -> shape = longs(p, v, name, "shape", Shape.MAX_RANK);
                case "data_offsets" -> offsets = longs(p, v, name, "data_offsets", 2);
                default -> p.skipChildren(); // the reference ignores unknown fields
            }
        }
        if (dtypeName == null || shape == null || offsets == null) {
            throw bad(name, "entry needs dtype, shape and data_offsets");
        }
        DType dtype = DType.bySafetensorsName(dtypeName);
        if (dtype == null) {
            throw bad(
                    name,
                    "unknown dtype '" + dtypeName + "' (tenpak reads "
                            + java.util.Arrays.stream(DType.values())
                                    .map(DType::safetensorsName)
                                    .toList() + ")");
        }
        if (offsets.length != 2) {
            throw bad(name, "data_offsets must be [begin, end]");
        }
        if (offsets[1] < offsets[0]) {
            throw bad(name, "data_offsets end " + offsets[1] + " is before begin " + offsets[0]);
        }
        Shape s;
        try {
            s = Shape.of(shape);
        } catch (InvalidInputException e) {
            throw bad(name, e.getMessage());
        }
        return new Entry(name, dtype, s, offsets[0], offsets[1]);
    }

    /** A JSON array of non-negative integers that fit in a signed 64-bit value. */
    private long[] longs(JsonParser p, JsonToken v, String name, String field, int max) throws IOException {
        if (v != JsonToken.START_ARRAY) {
            throw bad(name, field + " must be an array of non-negative integers");
        }
        long[] out = new long[Math.min(max, 8)];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT) {
                throw bad(name, field + " must be an array of non-negative integers");
            }
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER || p.getLongValue() < 0) {
                throw bad(name, field + " value " + p.getText() + " is negative or does not fit in 64 bits");
            }
            if (n == max) {
                throw bad(name, field + " has more than " + max + " values");
            }
            if (n == out.length) {
                out = java.util.Arrays.copyOf(out, Math.min(max, 2 * n));
            }
            out[n++] = p.getLongValue();
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** The validated header entries in file order. */
    public List<Entry> entries() {
        return entries;
    }

    /** Byte offset of the data buffer in the file ({@code 8 + N}). */
    public long dataStart() {
        return dataStart;
    }

    /** The tensor of {@code e}, a zero-copy slice of the file. */
    public Tensor tensor(Entry e) {
        return new Tensor(e.name(), e.dtype(), e.shape(), file.asSlice(dataStart + e.begin(), e.byteSize()));
    }

    @Override
    public Tensor next() {
        return next < entries.size() ? tensor(entries.get(next++)) : null;
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public long dataBytes() {
        return file.byteSize() - dataStart;
    }

    @Override
    public String description() {
        return source;
    }

    /** Unmaps the file; tensors handed out become invalid. */
    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }

    private MalformedInputException bad(String tensor, String reason) {
        return new MalformedInputException(source, tensor, "safetensors " + reason);
    }

    private MalformedInputException bad(String tensor, String reason, Throwable cause) {
        return new MalformedInputException(source, tensor, "safetensors " + reason, cause);
    }
}
