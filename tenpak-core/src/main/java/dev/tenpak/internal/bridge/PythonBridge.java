package dev.tenpak.internal.bridge;

import dev.tenpak.internal.pipeline.Compression;
import dev.tenpak.options.MaterializeOptions;

import dev.tenpak.options.InputFormat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tenpak.error.ChecksumMismatchException;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.Tenpak;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.Checksums;
import dev.tenpak.report.CompressReport;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.codec.Codecs;
import dev.tenpak.internal.kernel.QuantKernels;
import dev.tenpak.options.DeltaOptions;
import dev.tenpak.internal.format.Inputs;
import dev.tenpak.options.PlanOptions;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The glue the Python package ({@code python/src/tenpak}) calls through JPype. It holds no engine
 * logic: it turns flat arrays that Python can pass cheaply (names, dtype names, ranks, dimensions,
 * raw addresses) into {@link Tensor}s over memory that numpy or PyTorch owns, and hands them to the
 * facade; and it decodes artifact tensors straight into memory that Python allocated.
 *
 * <p>Zero copy: a tensor's bytes are read and written where Python keeps them, through
 * {@link MemorySegment#ofAddress} and {@link MemorySegment#reinterpret}. That is a restricted
 * operation, so the JVM must run with {@code --enable-native-access=ALL-UNNAMED} (the Python package
 * starts it so). The caller must keep every addressed buffer alive and unchanged for the duration of
 * the call that uses it; Python does so by holding the arrays in local variables.
 *
 * <p>Shapes travel flattened: tensor {@code i} has {@code ranks[i]} dimensions, taken in order from
 * {@code dims}, so a call costs a handful of JNI conversions however many tensors there are.
 */
public final class PythonBridge {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PythonBridge() {}

    /** Names of the registered codecs, in registration order. */
    public static String[] codecNames() {
        return Codecs.names().toArray(String[]::new);
    }

    /** Names of the registered codecs that give back their input bit for bit. */
    public static String[] losslessCodecNames() {
        return Codecs.all().stream().filter(c -> c.lossless()).map(c -> c.name()).toArray(String[]::new);
    }

    /** The quantization kernels this JVM uses ("scalar" or a vector description). */
    public static String kernels() {
        return QuantKernels.get().description();
    }

    /** Whether the {@code jdk.incubator.vector} module is in this JVM's boot layer. */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /**
     * A source over tensors in native memory owned by the caller. Validates the arrays' lengths and
     * each tensor's byte size against its shape and dtype before anything is read.
     *
     * @param dtypes    {@link DType} names ("F32", "BF16", ...)
     * @param addresses start address of each tensor's contiguous little-endian data
     * @param byteSizes byte length of each tensor's data
     * @param metaKeys  metadata keys, parallel to {@code metaValues}
     */
    public static TensorSource source(String[] names, String[] dtypes, int[] ranks, long[] dims, long[] addresses,
                                      long[] byteSizes, String[] metaKeys, String[] metaValues, String description) {
        int n = names.length;
        if (dtypes.length != n || ranks.length != n || addresses.length != n || byteSizes.length != n
                || metaKeys.length != metaValues.length) {
            throw new IllegalArgumentException("bridge arrays disagree in length");
        }
        Tensor[] tensors = new Tensor[n];
        int at = 0;
        for (int i = 0; i < n; i++) {
            DType dtype = dtype(names[i], dtypes[i]);
            if (ranks[i] < 0 || at + ranks[i] > dims.length) {
                throw new IllegalArgumentException("bridge dims array too short for tensor '" + names[i] + "'");
            }
            Shape shape = Shape.of(Arrays.copyOfRange(dims, at, at + ranks[i]));
            at += ranks[i];
            MemorySegment data = MemorySegment.ofAddress(addresses[i]).reinterpret(byteSizes[i]);
            tensors[i] = new Tensor(names[i], dtype, shape, data);
        }
        Map<String, String> meta = new LinkedHashMap<>();
        for (int i = 0; i < metaKeys.length; i++) {
            meta.put(metaKeys[i], metaValues[i]);
        }
        return TensorSource.of(java.util.Arrays.asList(tensors), meta, description);
    }

    /** Compresses {@code source} into an artifact file at {@code path}, written atomically. */
    public static CompressReport compressToFile(TensorSource source, long inputBytes, String path, String codec) {
        return compressToFile(source, inputBytes, path, codec, false);
    }

    /** As {@link #compressToFile(TensorSource, long, String, String)}; {@code sync} forces the file to disk. */
    public static CompressReport compressToFile(TensorSource source, long inputBytes, String path, String codec,
                                                boolean sync) {
        return Tenpak.compress(source, inputBytes, Path.of(path), options(codec).withSync(sync));
    }

    /**
     * Compresses {@code source} into native memory; Python then copies it once into a {@code bytes}
     * object with {@link MemoryArtifact#copyTo} and closes it.
     */
    public static MemoryArtifact compressToMemory(TensorSource source, long inputBytes, String codec) {
        MemoryArtifact out = new MemoryArtifact();
        try {
            out.report(Compression.compress(source, inputBytes, out, "<memory>", options(codec)));
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /** {@link Tenpak#plan}; returns the plan as JSON (the format it is written in). */
    public static String plan(String input, String planOutput, double maxMae, boolean perTensor, String[] codecs,
                              String inputFormat) {
        PlanOptions o = PlanOptions.of(maxMae).withPerTensor(perTensor).withCodecs(List.of(codecs))
                .withInputFormat(InputFormat.parse(inputFormat));
        return Tenpak.plan(Path.of(input), planOutput == null ? null : Path.of(planOutput), o).toJson();
    }

    /** {@link Tenpak#delta}; returns the report as JSON. {@code codec} null keeps the default. */
    public static String delta(String base, String variant, String output, double epsilon, String codec,
                               String inputFormat) {
        DeltaOptions o = DeltaOptions.of(epsilon).withInputFormat(InputFormat.parse(inputFormat));
        if (codec != null) {
            o = o.withCodec(codec);
        }
        return json(Tenpak.delta(Path.of(base), Path.of(variant), Path.of(output), o));
    }

    /** {@link Tenpak#materialize}; returns the report as JSON. */
    public static String materialize(String base, String delta, String output, String residualCodec) {
        return json(Tenpak.materialize(Path.of(base), Path.of(delta), Path.of(output),
                MaterializeOptions.defaults().withResidualCodec(residualCodec == null || residualCodec.isEmpty() ? null : residualCodec)));
    }

    private static String json(Object report) {
        try {
            return JSON.writeValueAsString(report);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write report as JSON", e);
        }
    }

    /** Opens an artifact held in memory at {@code address} that the caller keeps alive while reading. */
    public static ArtifactReader openMemory(long address, long byteSize, String description) {
        return ArtifactReader.of(MemorySegment.ofAddress(address).reinterpret(byteSize), description);
    }

    /** The index of an artifact in flat arrays, in index order. */
    public static Listing list(ArtifactReader reader) {
        List<TensorEntry> entries = reader.entries();
        int n = entries.size();
        String[] names = new String[n];
        String[] dtypes = new String[n];
        String[] codecs = new String[n];
        int[] ranks = new int[n];
        int total = 0;
        for (TensorEntry e : entries) {
            total += e.shape().rank();
        }
        long[] dims = new long[total];
        long[] offsets = new long[n];
        int at = 0;
        for (int i = 0; i < n; i++) {
            TensorEntry e = entries.get(i);
            names[i] = e.name();
            dtypes[i] = e.dtype().name();
            codecs[i] = e.codec();
            ranks[i] = e.shape().rank();
            offsets[i] = e.offset();
            for (long d : e.shape().dims()) {
                dims[at++] = d;
            }
        }
        return new Listing(names, dtypes, codecs, ranks, dims, offsets);
    }

    /**
     * Decodes the named tensors into caller-owned memory: tensor {@code names[i]} into
     * {@code byteSizes[i]} bytes at {@code addresses[i]}, which must be its original byte size.
     * Tensors are independent and the reader is thread-safe, so they are decoded in parallel, on
     * the common fork-join pool; the first failure is rethrown.
     */
    public static void decodeInto(ArtifactReader reader, String[] names, long[] addresses, long[] byteSizes) {
        if (addresses.length != names.length || byteSizes.length != names.length) {
            throw new IllegalArgumentException("bridge arrays disagree in length");
        }
        TensorEntry[] entries = new TensorEntry[names.length];
        for (int i = 0; i < names.length; i++) {
            entries[i] = reader.entry(names[i]);
        }
        IntStream.range(0, names.length).parallel().forEach(i ->
                reader.decodeInto(entries[i], MemorySegment.ofAddress(addresses[i]).reinterpret(byteSizes[i])));
    }

    /**
     * Checks that the bytes at {@code addresses[i]} match the recorded checksum of tensor
     * {@code names[i]}, in parallel; throws {@link ChecksumMismatchException} for the first that does
     * not. Python maps {@code raw_v1} payloads straight from the file instead of decoding them, and
     * checks what it maps (not this reader's own mapping, which could be another file by then).
     */
    public static void verifyAt(ArtifactReader reader, String[] names, long[] addresses) {
        if (addresses.length != names.length) {
            throw new IllegalArgumentException("bridge arrays disagree in length");
        }
        TensorEntry[] entries = new TensorEntry[names.length];
        for (int i = 0; i < names.length; i++) {
            entries[i] = reader.entry(names[i]);
        }
        IntStream.range(0, names.length).parallel().forEach(i -> {
            TensorEntry e = entries[i];
            int actual = Checksums.crc32c(MemorySegment.ofAddress(addresses[i]).reinterpret(e.length()));
            if (actual != e.crc32c()) {
                throw new ChecksumMismatchException(reader.source(), e.name(), e.offset(), e.crc32c(), actual);
            }
        });
    }

    /**
     * An artifact's index as parallel arrays (see the class comment for the shape encoding);
     * {@code offsets} are the absolute payload offsets, multiples of 64.
     */
    public record Listing(String[] names, String[] dtypes, String[] codecs, int[] ranks, long[] dims,
                          long[] offsets) {}

    private static DType dtype(String tensor, String name) {
        try {
            return DType.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("tensor '" + tensor + "': unknown dtype '" + name + "'; known: "
                    + Arrays.toString(DType.values()));
        }
    }

    private static CompressOptions options(String codec) {
        return CompressOptions.defaults().withCodec(codec == null || codec.isEmpty() ? Codecs.DEFAULT : codec);
    }
}
