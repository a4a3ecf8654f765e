package dev.tenpak.internal.bridge;

import dev.tenpak.Tenpak;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.ShapeMismatchException;
import dev.tenpak.error.TenpakException;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.options.InputFormat;
import dev.tenpak.options.OutputFormat;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The Java half of the C library {@code libtenpak} ({@code tenpak-c/}): the static methods its JNI
 * code calls. Like the Python bridge it holds no engine logic; it reads what C hands over (raw
 * addresses of UTF-8 strings, byte buffers and {@code tenpak_tensor} structs) and calls the
 * {@link Tenpak} facade.
 *
 * <p>Why addresses rather than Java strings and arrays: a C string goes in as its address and is
 * decoded here as standard UTF-8 ({@link MemorySegment#getString}), because JNI's
 * {@code NewStringUTF} wants "modified" UTF-8 and would mangle a path with characters outside the
 * BMP; tensors are read where C keeps them, with no copy, through {@link MemorySegment#ofAddress}
 * and {@link MemorySegment#reinterpret} (a restricted method: the C library starts the JVM with
 * {@code --enable-native-access=ALL-UNNAMED}). For the same reason every string coming back is a
 * UTF-8 {@code byte[]}. The C caller keeps every addressed buffer alive and unchanged for the call.
 *
 * <p>Errors: every method throws; the C side catches the throwable and asks {@link #status} and
 * {@link #message} for the number and the one line to return. The numbers are the CLI's exit codes
 * ({@link TenpakException#exitCode()}); {@code tenpak.h} repeats them and {@code NativeBridgeTest}
 * checks that the two agree.
 *
 * <p>The {@code tenpak_tensor} struct, LP64 (x86-64 and aarch64; {@code tenpak.c} asserts the
 * offsets at compile time): {@code const char *name} at 0, {@code const char *dtype} at 8,
 * {@code int32_t ndim} at 16, {@code const int64_t *shape} at 24, {@code void *data} at 32,
 * {@code size_t nbytes} at 40; 48 bytes each.
 */
public final class NativeBridge {
    static final long TENSOR_SIZE = 48;
    static final long NAME = 0;
    static final long DTYPE = 8;
    static final long NDIM = 16;
    static final long SHAPE = 24;
    static final long DATA = 32;
    static final long NBYTES = 40;

    /** Exit code 2 of the CLI, "bad usage": here an options string with an unknown key or a bad value. */
    static final int EXIT_USAGE = TenpakException.EXIT_USAGE;
    /** Exit code 1 of the CLI: anything that is not a {@link TenpakException} is a bug. */
    static final int EXIT_INTERNAL = TenpakException.EXIT_INTERNAL;

    private NativeBridge() {}

    /** An options string that names an unknown key: the CLI's "bad usage" (exit code 2). */
    static final class UsageException extends TenpakException {
        UsageException(String message) {
            super(message);
        }

        @Override
        public int exitCode() {
            return EXIT_USAGE;
        }
    }

    /** The engine's version, UTF-8. */
    public static byte[] version() {
        return utf8(Tenpak.version());
    }

    /** The status the C function returns for {@code t}: the CLI's exit code for the same error. */
    public static int status(Throwable t) {
        if (t instanceof TenpakException te) {
            return te.exitCode();
        }
        if (t instanceof UncheckedIOException) {
            return TenpakException.EXIT_IO;
        }
        return EXIT_INTERNAL;
    }

    /** The one-line message for {@code t}, UTF-8, as the CLI would print it after "tenpak: error: ". */
    public static byte[] message(Throwable t) {
        String m;
        if (t instanceof TenpakException) {
            m = t.getMessage();
        } else if (t instanceof OutOfMemoryError) {
            m = "the JVM ran out of memory (" + t.getMessage()
                    + "); give it more heap: TENPAK_JVM_HEAP=8g, or -Xmx8g in " + "tenpak_options.jvm_args";
        } else if (t instanceof UncheckedIOException u) {
            m = "I/O error: " + u.getCause().getMessage();
        } else {
            m = "internal error: " + t + (t.getStackTrace().length > 0 ? " at " + t.getStackTrace()[0] : "");
        }
        return utf8(m == null ? t.getClass().getName() : m);
    }

    /** {@code tenpak_compress_json_bundle}: the artifact's bytes. {@code codec} 0 means the default. */
    public static byte[] compressJsonBundle(long json, long length, long codec) {
        byte[] bytes = bytes(json, length, "JSON bundle", "tenpak_compress_file");
        return Tenpak.compressJsonBundle(bytes, cstring(codec));
    }

    /** {@code tenpak_decompress_artifact_to_json}: the JSON bundle's bytes. */
    public static byte[] decompressArtifactToJson(long artifact, long length) {
        return Tenpak.decompressArtifactToJson(bytes(artifact, length, "artifact", "tenpak_decompress_file"));
    }

    /**
     * {@code tenpak_compress_file}: as {@code tenpak compress}. {@code options}: see
     * {@link #compressOptions}; a {@code plan} entry compresses as that plan says.
     */
    public static void compressFile(long input, long output, long codec, long options) {
        Path in = path(input, "input_path");
        Path out = path(output, "output_path");
        Options o = Options.parse(cstring(options), "format", "threads", "keep-raw", "min-elements", "sync", "plan");
        CompressOptions c = compressOptions(cstring(codec), o);
        String plan = o.last("plan");
        if (plan != null) {
            Tenpak.compress(in, out, c.withPlan(Path.of(plan)));
        } else {
            Tenpak.compress(in, out, c);
        }
    }

    /** {@code tenpak_decompress_file}: as {@code tenpak decompress}; options {@code format}, {@code threads}, {@code sync}. */
    public static void decompressFile(long artifact, long output, long options) {
        Path in = path(artifact, "artifact_path");
        Path out = path(output, "output_path");
        Options o = Options.parse(cstring(options), "format", "threads", "sync");
        String format = o.last("format");
        OutputFormat f = format == null ? OutputFormat.AUTO : OutputFormat.parse(format);
        int threads = o.last("threads") == null ? CompressOptions.defaultThreads() : o.integer("threads");
        Tenpak.decompress(
                in,
                out,
                DecompressOptions.defaults().withFormat(f).withThreads(threads).withSync(o.bool("sync")));
    }

    /**
     * {@code tenpak_compress_tensors}: the {@code count} structs at {@code tensors}, read in place,
     * into an artifact file. Options as {@link #compressFile} less {@code format} and {@code plan}.
     */
    public static void compressTensors(long tensors, long count, long output, long codec, long options) {
        Path out = path(output, "output_path");
        Options o = Options.parse(cstring(options), "threads", "keep-raw", "min-elements", "sync");
        CompressOptions c = compressOptions(cstring(codec), o);
        List<Tensor> list = new ArrayList<>();
        long bytes = 0;
        MemorySegment structs = structs(tensors, count);
        for (int i = 0; i < count; i++) {
            long at = i * TENSOR_SIZE;
            String name = cstring(structs.get(ValueLayout.JAVA_LONG, at + NAME));
            if (name == null) {
                throw new InvalidInputException("tensors[" + i + "]: name is NULL");
            }
            DType dtype = dtype(name, cstring(structs.get(ValueLayout.JAVA_LONG, at + DTYPE)));
            Shape shape = shape(
                    name, structs.get(ValueLayout.JAVA_INT, at + NDIM), structs.get(ValueLayout.JAVA_LONG, at + SHAPE));
            MemorySegment data = data(
                    name,
                    structs.get(ValueLayout.JAVA_LONG, at + DATA),
                    structs.get(ValueLayout.JAVA_LONG, at + NBYTES));
            list.add(new Tensor(name, dtype, shape, data));
            bytes += data.byteSize();
        }
        try (TensorSource source = TensorSource.of(list, Map.of(), "<tenpak_tensor array>")) {
            Tenpak.compress(source, bytes, out, c);
        }
    }

    /**
     * {@code tenpak_list_tensors}: an artifact's index in index order, as
     * {@code {byte[] names, byte[] dtypes, int[] ranks, long[] dims, long[] nbytes}}; names and dtype
     * names are UTF-8, each followed by a NUL, and tensor {@code i}'s {@code ranks[i]} dimensions
     * follow those of the tensors before it in {@code dims}.
     */
    public static Object[] listTensors(long artifact) {
        try (ArtifactReader r = ArtifactReader.open(path(artifact, "artifact_path"))) {
            List<TensorEntry> entries = r.entries();
            int n = entries.size();
            ByteArrayOutputStream names = new ByteArrayOutputStream();
            ByteArrayOutputStream dtypes = new ByteArrayOutputStream();
            int[] ranks = new int[n];
            long[] nbytes = new long[n];
            long[] dims = entries.stream()
                    .flatMapToLong(e -> Arrays.stream(e.shape().dims()))
                    .toArray();
            for (int i = 0; i < n; i++) {
                TensorEntry e = entries.get(i);
                names.writeBytes(utf8(e.name()));
                names.write(0);
                dtypes.writeBytes(utf8(e.dtype().safetensorsName()));
                dtypes.write(0);
                ranks[i] = e.shape().rank();
                nbytes[i] = e.originalBytes();
            }
            return new Object[] {names.toByteArray(), dtypes.toByteArray(), ranks, dims, nbytes};
        }
    }

    /**
     * {@code tenpak_decompress_tensors_into}: decodes tensor {@code name} of each struct into its
     * {@code data}, which must hold exactly the tensor's original byte size; a non-NULL {@code dtype}
     * or {@code shape} must match the artifact's. Tensors are independent and the reader thread-safe,
     * so they decode in parallel on the common pool; the first failure is rethrown.
     */
    public static void decodeTensors(long artifact, long tensors, long count) {
        MemorySegment structs = structs(tensors, count);
        try (ArtifactReader r = ArtifactReader.open(path(artifact, "artifact_path"))) {
            TensorEntry[] entries = new TensorEntry[(int) count];
            MemorySegment[] targets = new MemorySegment[(int) count];
            for (int i = 0; i < count; i++) {
                long at = i * TENSOR_SIZE;
                String name = cstring(structs.get(ValueLayout.JAVA_LONG, at + NAME));
                if (name == null) {
                    throw new InvalidInputException("tensors[" + i + "]: name is NULL");
                }
                TensorEntry e = r.entry(name);
                String dtype = cstring(structs.get(ValueLayout.JAVA_LONG, at + DTYPE));
                if (dtype != null && !dtype.equals(e.dtype().safetensorsName())) {
                    throw new ShapeMismatchException("tensor '" + name + "' is "
                            + e.dtype().safetensorsName() + " in " + r.source() + ", the caller asked for " + dtype);
                }
                long shapeAddress = structs.get(ValueLayout.JAVA_LONG, at + SHAPE);
                if (shapeAddress != 0) {
                    Shape asked = shape(name, structs.get(ValueLayout.JAVA_INT, at + NDIM), shapeAddress);
                    if (!asked.equals(e.shape())) {
                        throw new ShapeMismatchException("tensor '" + name + "' has shape " + e.shape() + " in "
                                + r.source() + ", the caller asked for " + asked);
                    }
                }
                long nbytes = structs.get(ValueLayout.JAVA_LONG, at + NBYTES);
                if (nbytes != e.originalBytes()) {
                    throw new ShapeMismatchException("tensor '" + name + "' decodes to " + e.originalBytes()
                            + " bytes, its buffer has nbytes " + nbytes);
                }
                entries[i] = e;
                targets[i] = data(name, structs.get(ValueLayout.JAVA_LONG, at + DATA), nbytes);
            }
            IntStream.range(0, entries.length).parallel().forEach(i -> r.decodeInto(entries[i], targets[i]));
        }
    }

    /**
     * Compress options from the options string (keys as the CLI's long flags: {@code threads=4},
     * {@code keep-raw=^embeddings\.} (repeatable), {@code min-elements=4096}, {@code sync=true},
     * {@code format=safetensors}); {@code codec} null or empty means the default.
     */
    static CompressOptions compressOptions(String codec, Options o) {
        CompressOptions c =
                CompressOptions.defaults().withCodec(codec == null || codec.isEmpty() ? Codecs.DEFAULT : codec);
        if (o.last("format") != null) {
            c = c.withInputFormat(InputFormat.parse(o.last("format")));
        }
        if (o.last("threads") != null) {
            c = c.withThreads(o.integer("threads"));
        }
        if (!o.all("keep-raw").isEmpty()) {
            c = c.withKeepRaw(o.all("keep-raw"));
        }
        if (o.last("min-elements") != null) {
            c = c.withMinElements(o.longValue("min-elements"));
        }
        return c.withSync(o.bool("sync"));
    }

    /**
     * A parsed options string: {@code key=value} entries separated by newlines, or by {@code ';'}
     * when the string has no newline (so a {@code keep-raw} regex that contains {@code ';'} can still
     * be given, one entry per line). Blank entries are skipped; keys may repeat.
     */
    record Options(List<String[]> entries) {
        static Options parse(String s, String... known) {
            List<String[]> entries = new ArrayList<>();
            if (s != null) {
                for (String part : s.split(s.indexOf('\n') >= 0 ? "\n" : ";")) {
                    String p = part.strip();
                    if (p.isEmpty()) {
                        continue;
                    }
                    int eq = p.indexOf('=');
                    if (eq <= 0) {
                        throw new UsageException("options: '" + p + "' is not key=value");
                    }
                    String key = p.substring(0, eq).strip();
                    if (!Arrays.asList(known).contains(key)) {
                        throw new UsageException(
                                "options: unknown key '" + key + "'; known: " + String.join(", ", known));
                    }
                    entries.add(new String[] {key, p.substring(eq + 1).strip()});
                }
            }
            return new Options(entries);
        }

        List<String> all(String key) {
            return entries.stream().filter(e -> e[0].equals(key)).map(e -> e[1]).toList();
        }

        String last(String key) {
            List<String> v = all(key);
            return v.isEmpty() ? null : v.getLast();
        }

        long longValue(String key) {
            try {
                return Long.parseLong(last(key));
            } catch (NumberFormatException e) {
                throw new UsageException("options: " + key + "=" + last(key) + " is not a whole number");
            }
        }

        int integer(String key) {
            long v = longValue(key);
            if (v != (int) v) {
                throw new UsageException("options: " + key + "=" + v + " is out of range");
            }
            return (int) v;
        }

        boolean bool(String key) {
            String v = last(key);
            if (v == null) {
                return false;
            }
            return switch (v.toLowerCase(Locale.ROOT)) {
                case "true", "1", "yes" -> true;
                case "false", "0", "no" -> false;
                default -> throw new UsageException("options: " + key + "=" + v + " is not true or false");
            };
        }
    }

    private static MemorySegment structs(long address, long count) {
        if (count < 0 || count > Integer.MAX_VALUE / TENSOR_SIZE) {
            throw new InvalidInputException("tensor count " + count + " is out of range");
        }
        if (address == 0 && count > 0) {
            throw new UsageException("tensors is NULL but count is " + count);
        }
        return MemorySegment.ofAddress(address).reinterpret(count * TENSOR_SIZE);
    }

    private static Shape shape(String tensor, int ndim, long address) {
        if (ndim < 0 || ndim > Shape.MAX_RANK) {
            throw new InvalidInputException(
                    "tensor '" + tensor + "': ndim " + ndim + " is not in 0.." + Shape.MAX_RANK);
        }
        if (address == 0 && ndim > 0) {
            throw new InvalidInputException("tensor '" + tensor + "': shape is NULL but ndim is " + ndim);
        }
        return Shape.of(
                MemorySegment.ofAddress(address).reinterpret(ndim * 8L).toArray(ValueLayout.JAVA_LONG_UNALIGNED));
    }

    private static MemorySegment data(String tensor, long address, long nbytes) {
        if (nbytes < 0) {
            throw new InvalidInputException(
                    "tensor '" + tensor + "': nbytes " + Long.toUnsignedString(nbytes) + " is out of range");
        }
        if (address == 0 && nbytes > 0) {
            throw new InvalidInputException("tensor '" + tensor + "': data is NULL but nbytes is " + nbytes);
        }
        return MemorySegment.ofAddress(address).reinterpret(nbytes);
    }

    private static DType dtype(String tensor, String name) {
        DType d = name == null ? null : DType.bySafetensorsName(name);
        if (d == null) {
            throw new InvalidInputException("tensor '" + tensor + "': unknown dtype "
                    + (name == null ? "NULL" : "'" + name + "'") + "; known: "
                    + Arrays.stream(DType.values()).map(DType::safetensorsName).toList());
        }
        return d;
    }

    /** The {@code length} bytes at {@code address} as an array (the facade's in-memory entry points take one). */
    private static byte[] bytes(long address, long length, String what, String instead) {
        if (length < 0 || length > Integer.MAX_VALUE - 8) {
            throw new InvalidInputException("a " + what + " of " + Long.toUnsignedString(length)
                    + " bytes does not fit in memory as one array (2 GiB at most); use " + instead);
        }
        return MemorySegment.ofAddress(address).reinterpret(length).toArray(ValueLayout.JAVA_BYTE);
    }

    private static Path path(long address, String what) {
        String s = cstring(address);
        if (s == null || s.isEmpty()) {
            throw new UsageException(what + " is " + (s == null ? "NULL" : "empty"));
        }
        try {
            return Path.of(s);
        } catch (InvalidPathException e) {
            throw new InvalidInputException(what + " '" + s + "' is not a valid path: " + e.getReason());
        }
    }

    /** The NUL-terminated UTF-8 string at {@code address}; null for address 0. */
    static String cstring(long address) {
        return address == 0
                ? null
                : MemorySegment.ofAddress(address).reinterpret(Long.MAX_VALUE).getString(0);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
