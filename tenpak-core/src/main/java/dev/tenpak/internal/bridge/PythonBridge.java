package dev.tenpak.internal.bridge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tenpak.Tenpak;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.ArtifactKindException;
import dev.tenpak.error.BaseMismatchException;
import dev.tenpak.error.BudgetExceededException;
import dev.tenpak.error.ChecksumMismatchException;
import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.MalformedInputException;
import dev.tenpak.error.MissingDependencyException;
import dev.tenpak.error.NonFiniteValueException;
import dev.tenpak.error.PlanMismatchException;
import dev.tenpak.error.ShapeMismatchException;
import dev.tenpak.error.TenpakException;
import dev.tenpak.error.TenpakIOException;
import dev.tenpak.error.UnknownCodecException;
import dev.tenpak.error.UnsupportedVersionException;
import dev.tenpak.error.ValueOutOfRangeException;
import dev.tenpak.internal.codec.lossless.LosslessCodec;
import dev.tenpak.internal.delta.DeltaFormat;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.Checksums;
import dev.tenpak.internal.format.artifact.ReservedKeys;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.internal.kernel.QuantKernels;
import dev.tenpak.internal.kernel.VectorizationProvider;
import dev.tenpak.internal.pipeline.Compression;
import dev.tenpak.internal.pipeline.ParallelDecoder;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.options.DeltaOptions;
import dev.tenpak.options.InputFormat;
import dev.tenpak.options.MaterializeOptions;
import dev.tenpak.options.OutputFormat;
import dev.tenpak.options.PlanOptions;
import dev.tenpak.options.ProgressListener;
import dev.tenpak.report.CompressReport;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

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
 *
 * <p>This is the only class the Python package names (from {@code _engine.py}): every fact Python
 * needs from the engine (the default codec, reserved metadata keys, the error classes and exit
 * codes) comes from here rather than from a copy, and paths travel as strings.
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
        return Codecs.all().stream()
                .filter(c -> c.lossless())
                .map(c -> c.name())
                .toArray(String[]::new);
    }

    /** The quantization kernels this JVM uses ("scalar" or a vector description). */
    public static String kernels() {
        return QuantKernels.get().description();
    }

    /** The tenpak version, from the build. */
    public static String version() {
        return Tenpak.version();
    }

    /** The command line's and the specification's default codec ({@link Codecs#DEFAULT}). */
    public static String defaultCodec() {
        return Codecs.DEFAULT;
    }

    /**
     * The codec a Python save uses when none is named ({@link Codecs#DEFAULT_LOSSLESS}): exact, like
     * safetensors; lossy codecs are a named choice. {@link #options} applies it to a null codec.
     */
    public static String libraryDefaultCodec() {
        return Codecs.DEFAULT_LOSSLESS;
    }

    /** The smallest element count a tensor needs before {@code codec} compresses it (0: none). */
    public static long codecMinElements(String codec) {
        return Codecs.byName(codec).defaultMinElements();
    }

    /** The metadata key where Python records tensors that share another's storage ({@link ReservedKeys#ALIASES}). */
    public static String aliasesKey() {
        return ReservedKeys.ALIASES;
    }

    /** Every reserved metadata key and prefix ({@link ReservedKeys#all()}). */
    public static String[] reservedKeys() {
        return ReservedKeys.all().toArray(String[]::new);
    }

    /** {@code java.home} and {@code java.version} of this JVM. */
    public static String[] javaRuntime() {
        return new String[] {System.getProperty("java.home"), System.getProperty("java.version")};
    }

    /**
     * One error class of the engine: its simple name, its superclass's simple name (null for
     * {@link TenpakException}, whose superclass is not tenpak's) and the exit code the command line
     * gives it. Python builds its error map from these.
     */
    public record ErrorClass(String name, String parent, int exitCode) {}

    /**
     * Every class of {@code dev.tenpak.error}, root first, each as a prototype instance (an instance
     * is the only way to ask a subclass for its {@link TenpakException#exitCode()}, which it
     * overrides). {@code PythonBridgeTest} checks this list against the package's class files.
     */
    private static List<TenpakException> errorPrototypes() {
        return List.of(
                new TenpakException(""),
                new InvalidInputException(""),
                new ArtifactKindException(""),
                new BaseMismatchException("", "", "", ""),
                new MalformedInputException("", null, ""),
                new NonFiniteValueException("", 0, Float.NaN),
                new PlanMismatchException(""),
                new ShapeMismatchException(""),
                new ValueOutOfRangeException("", 0, 0f, "", ""),
                new CorruptArtifactException("", null, 0, ""),
                new ChecksumMismatchException("", null, 0, 0, 0),
                new MissingDependencyException(""),
                new TenpakIOException("", new IOException("")),
                new UnknownCodecException("", List.of()),
                new UnsupportedVersionException("", 0, 0),
                new BudgetExceededException("", 0, 0));
    }

    /** The engine's error classes, root first (see {@link ErrorClass}). */
    public static ErrorClass[] errorClasses() {
        return errorPrototypes().stream()
                .map(e -> {
                    Class<?> c = e.getClass();
                    String parent = c == TenpakException.class
                            ? null
                            : c.getSuperclass().getSimpleName();
                    return new ErrorClass(c.getSimpleName(), parent, e.exitCode());
                })
                .toArray(ErrorClass[]::new);
    }

    /**
     * The command line's exit codes by constant name ({@code EXIT_INVALID_INPUT} -> 3, ...): every
     * public static final int {@code EXIT_*} field of the error classes.
     */
    public static Map<String, Integer> exitCodes() {
        Map<String, Integer> codes = new LinkedHashMap<>();
        for (TenpakException e : errorPrototypes()) {
            for (Field f : e.getClass().getDeclaredFields()) {
                int m = f.getModifiers();
                if (f.getName().startsWith("EXIT_")
                        && f.getType() == int.class
                        && Modifier.isStatic(m)
                        && Modifier.isFinal(m)
                        && Modifier.isPublic(m)) {
                    try {
                        codes.put(f.getName(), f.getInt(null));
                    } catch (IllegalAccessException ex) {
                        throw new IllegalStateException(ex);
                    }
                }
            }
        }
        return codes;
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
    public static TensorSource source(
            String[] names,
            String[] dtypes,
            int[] ranks,
            long[] dims,
            long[] addresses,
            long[] byteSizes,
            String[] metaKeys,
            String[] metaValues,
            String description) {
        int n = names.length;
        if (dtypes.length != n
                || ranks.length != n
                || addresses.length != n
                || byteSizes.length != n
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
    public static CompressReport compressToFile(
            TensorSource source, long inputBytes, String path, String codec, boolean sync) {
        return Tenpak.compress(source, inputBytes, Path.of(path), options(codec).withSync(sync));
    }

    /**
     * As {@link #compressToFile(TensorSource, long, String, String, boolean)} with the command line's
     * other options: {@code keepRaw} patterns, {@code minElements} ({@link
     * CompressOptions#AUTO_MIN_ELEMENTS} for the codec's own), {@code threads} (0: every processor)
     * and a {@code progress} counter Python polls (null: none).
     */
    public static CompressReport compressToFile(
            TensorSource source,
            long inputBytes,
            String path,
            String codec,
            boolean sync,
            String[] keepRaw,
            long minElements,
            int threads,
            Progress progress) {
        return Tenpak.compress(
                source,
                inputBytes,
                Path.of(path),
                options(codec, keepRaw, minElements, threads, progress).withSync(sync));
    }

    /**
     * Compresses {@code source} into native memory; Python then copies it once into a {@code bytes}
     * object with {@link MemoryArtifact#copyTo} and closes it.
     */
    public static MemoryArtifact compressToMemory(TensorSource source, long inputBytes, String codec) {
        return compressToMemory(source, inputBytes, codec, new String[0], CompressOptions.AUTO_MIN_ELEMENTS, 0, null);
    }

    /** As {@link #compressToMemory(TensorSource, long, String)} with the options of the long {@code compressToFile}. */
    public static MemoryArtifact compressToMemory(
            TensorSource source,
            long inputBytes,
            String codec,
            String[] keepRaw,
            long minElements,
            int threads,
            Progress progress) {
        MemoryArtifact out = new MemoryArtifact();
        try {
            out.report(Compression.compress(
                    source, inputBytes, out, "<memory>", options(codec, keepRaw, minElements, threads, progress)));
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /**
     * {@link Tenpak#plan}; returns the plan as JSON (the format it is written in). Exactly one of
     * {@code maxMae} and {@code maxBitsPerWeight} is non-null ({@link PlanOptions} says so otherwise).
     * {@code entropy} is {@code off} or {@code auto} ({@link dev.tenpak.options.EntropyMode#parse}).
     */
    public static String plan(
            String input,
            String planOutput,
            Double maxMae,
            Double maxBitsPerWeight,
            boolean perTensor,
            String[] codecs,
            String inputFormat,
            String entropy) {
        PlanOptions o = new PlanOptions(
                maxMae,
                maxBitsPerWeight,
                perTensor,
                List.of(codecs),
                InputFormat.parse(inputFormat),
                false,
                dev.tenpak.options.EntropyMode.parse(entropy));
        return Tenpak.plan(Path.of(input), planOutput == null ? null : Path.of(planOutput), o)
                .toJson();
    }

    /**
     * {@link Tenpak#delta}; returns the report as JSON. {@code exact} makes an exact delta (then
     * {@code epsilon} must be 0); {@code codec} null keeps the kind's default.
     */
    public static String delta(
            String base,
            String variant,
            String output,
            double epsilon,
            boolean exact,
            String codec,
            String inputFormat) {
        DeltaOptions o = deltaOptions(epsilon, exact, codec).withInputFormat(InputFormat.parse(inputFormat));
        return json(Tenpak.delta(Path.of(base), Path.of(variant), Path.of(output), o));
    }

    private static DeltaOptions deltaOptions(double epsilon, boolean exact, String codec) {
        DeltaOptions o = exact
                ? new DeltaOptions(
                        epsilon,
                        codec == null ? Codecs.DEFAULT_LOSSLESS : codec,
                        InputFormat.AUTO,
                        false,
                        ProgressListener.NONE,
                        true)
                : DeltaOptions.of(epsilon);
        return codec == null ? o : o.withCodec(codec);
    }

    /**
     * {@link Tenpak#compress(Path, Path, CompressOptions)} of a file or a Hugging Face folder (whose
     * config, tokenizer and generation files the artifact carries); {@code codec} null is the library
     * default ({@link Codecs#DEFAULT_LOSSLESS}). Returns the report as JSON.
     */
    public static String compressPath(String input, String output, String codec) {
        return compressPath(input, output, codec, null);
    }

    /**
     * As {@link #compressPath(String, String, String)} with the entropy stage ({@code "auto"} or
     * {@code "off"}; null is off, the default: the artifact is then format v1).
     */
    public static String compressPath(String input, String output, String codec, String entropy) {
        CompressOptions o = options(codec);
        if (entropy != null) {
            o = o.withEntropy(dev.tenpak.options.EntropyMode.parse(entropy));
        }
        return json(Tenpak.compress(Path.of(input), Path.of(output), o));
    }

    /**
     * {@link Tenpak#decompress} into a JSON bundle, a safetensors file or a Hugging Face folder
     * ({@code format}: auto, json, safetensors or hf).
     */
    public static void decompressPath(String artifact, String output, String format) {
        Tenpak.decompress(
                Path.of(artifact),
                Path.of(output),
                DecompressOptions.defaults().withFormat(OutputFormat.parse(format)));
    }

    /** {@link Tenpak#exportCompressedTensors} with default options; returns the report as JSON. */
    public static String exportCompressedTensors(String artifact, String folder) {
        return json(Tenpak.exportCompressedTensors(Path.of(artifact), Path.of(folder), DecompressOptions.defaults()));
    }

    /** {@link Tenpak#materialize}; returns the report as JSON. */
    public static String materialize(String base, String delta, String output, String residualCodec) {
        return json(Tenpak.materialize(
                Path.of(base),
                Path.of(delta),
                Path.of(output),
                MaterializeOptions.defaults()
                        .withResidualCodec(residualCodec == null || residualCodec.isEmpty() ? null : residualCodec)));
    }

    /**
     * {@link Tenpak#delta(Path, TensorSource, Path, DeltaOptions)} of tensors Python holds (a
     * state_dict, see {@link #source}); returns the report as JSON. {@code codec} null keeps the default.
     */
    public static String deltaOfSource(
            String base, TensorSource variant, String output, double epsilon, boolean exact, String codec) {
        return json(Tenpak.delta(Path.of(base), variant, Path.of(output), deltaOptions(epsilon, exact, codec)));
    }

    /** {@link Tenpak#inspect}. */
    public static dev.tenpak.report.ArtifactSummary inspect(String artifact) {
        return Tenpak.inspect(Path.of(artifact));
    }

    /** {@link Tenpak#compressJsonBundle}; {@code codec} null is the default. */
    public static byte[] compressJsonBundle(byte[] json, String codec) {
        return Tenpak.compressJsonBundle(json, codec);
    }

    /** {@link Tenpak#decompressArtifactToJson}. */
    public static byte[] decompressArtifactToJson(byte[] artifact) {
        return Tenpak.decompressArtifactToJson(artifact);
    }

    private static String json(Object report) {
        try {
            return JSON.writeValueAsString(report);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write report as JSON", e);
        }
    }

    /**
     * Opens the artifact file at {@code path} (mapped until the reader is closed) to load it as a
     * model. A delta artifact is refused with {@link ArtifactKindException}, as the command line
     * refuses one where a full artifact is needed: its payloads are differences against a base, not
     * weights.
     */
    public static ArtifactReader openFile(String path) {
        return fullArtifact(ArtifactReader.open(Path.of(path)));
    }

    /**
     * Opens an artifact held in memory at {@code address} that the caller keeps alive while reading;
     * a delta is refused as by {@link #openFile}.
     */
    public static ArtifactReader openMemory(long address, long byteSize, String description) {
        return fullArtifact(ArtifactReader.of(MemorySegment.ofAddress(address).reinterpret(byteSize), description));
    }

    private static ArtifactReader fullArtifact(ArtifactReader r) {
        try {
            DeltaFormat.requireFull(r, "the model to load (materialize the delta against its base first)");
            return r;
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
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
     * Through the {@link ParallelDecoder} the command line uses (ranges of large tensors decode on
     * several threads), which returns or throws only once every worker has stopped: Python may free
     * the arrays as soon as this call ends.
     */
    public static void decodeInto(ArtifactReader reader, String[] names, long[] addresses, long[] byteSizes) {
        decodeInto(reader, names, addresses, byteSizes, Runtime.getRuntime().availableProcessors());
    }

    /** As {@link #decodeInto(ArtifactReader, String[], long[], long[])} on {@code threads} threads. */
    static void decodeInto(ArtifactReader reader, String[] names, long[] addresses, long[] byteSizes, int threads) {
        if (addresses.length != names.length || byteSizes.length != names.length) {
            throw new IllegalArgumentException("bridge arrays disagree in length");
        }
        if (names.length == 0) {
            return;
        }
        List<TensorEntry> entries = new ArrayList<>(names.length);
        List<MemorySegment> targets = new ArrayList<>(names.length);
        for (int i = 0; i < names.length; i++) {
            TensorEntry e = reader.entry(names[i]);
            if (byteSizes[i] != e.originalBytes()) {
                throw new InvalidInputException("tensor '" + e.name() + "' decodes to " + e.originalBytes()
                        + " bytes, destination has " + byteSizes[i]);
            }
            entries.add(e);
            targets.add(MemorySegment.ofAddress(addresses[i]).reinterpret(byteSizes[i]));
        }
        // no more threads than pieces of work: a few small tensors decode on this thread alone
        long pieces = 0;
        for (TensorEntry e : entries) {
            pieces += 1 + e.shape().elementCount() / ParallelDecoder.CHUNK_ELEMENTS;
        }
        try (ParallelDecoder decoder = new ParallelDecoder((int) Math.max(1, Math.min(threads, pieces)))) {
            decoder.decodeInto(reader, entries, targets);
        }
    }

    /**
     * Checks that the bytes at {@code addresses[i]} match the recorded checksum of tensor
     * {@code names[i]}, in parallel; throws {@link ChecksumMismatchException} for the first that does
     * not. Python maps {@code raw_v1} payloads straight from the file instead of decoding them, and
     * checks what it maps (not this reader's own mapping, which could be another file by then).
     * Returns or throws only once every check has stopped reading Python's memory.
     */
    public static void verifyAt(ArtifactReader reader, String[] names, long[] addresses) {
        if (addresses.length != names.length) {
            throw new IllegalArgumentException("bridge arrays disagree in length");
        }
        TensorEntry[] entries = new TensorEntry[names.length];
        for (int i = 0; i < names.length; i++) {
            entries[i] = reader.entry(names[i]);
        }
        AtomicBoolean failed = new AtomicBoolean();
        List<Future<?>> checks = new ArrayList<>(names.length);
        // close() waits for every task, and runs before an exception thrown in the block propagates
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < names.length; i++) {
                TensorEntry e = entries[i];
                long address = addresses[i];
                checks.add(pool.submit(() -> {
                    if (failed.get()) {
                        return;
                    }
                    int actual =
                            Checksums.crc32c(MemorySegment.ofAddress(address).reinterpret(e.length()));
                    if (actual != e.crc32c()) {
                        failed.set(true);
                        throw new ChecksumMismatchException(reader.source(), e.name(), e.offset(), e.crc32c(), actual);
                    }
                }));
            }
        }
        for (Future<?> f : checks) {
            if (f.state() == Future.State.FAILED) {
                Throwable t = f.exceptionNow();
                if (t instanceof RuntimeException re) {
                    throw re;
                }
                if (t instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(t);
            }
        }
    }

    /**
     * An artifact's index as parallel arrays (see the class comment for the shape encoding);
     * {@code offsets} are the absolute payload offsets, multiples of 64.
     */
    public record Listing(String[] names, String[] dtypes, String[] codecs, int[] ranks, long[] dims, long[] offsets) {}

    private static DType dtype(String tensor, String name) {
        try {
            return DType.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(
                    "tensor '" + tensor + "': unknown dtype '" + name + "'; known: " + Arrays.toString(DType.values()));
        }
    }

    private static CompressOptions options(String codec) {
        return CompressOptions.defaults().withCodec(codec == null || codec.isEmpty() ? Codecs.DEFAULT_LOSSLESS : codec);
    }

    private static CompressOptions options(
            String codec, String[] keepRaw, long minElements, int threads, Progress progress) {
        CompressOptions o = options(codec).withKeepRaw(List.of(keepRaw)).withMinElements(minElements);
        if (threads != 0) {
            o = o.withThreads(threads);
        }
        return progress == null ? o : o.withProgress(progress);
    }

    /** A progress counter for one save; Python polls it from another thread while the save runs. */
    public static Progress newProgress() {
        return new Progress();
    }

    /**
     * Progress of one save in bytes of tensor data, written by the engine's driving thread and read
     * by a Python thread that draws a bar (JPype releases the GIL during the save): no call goes back
     * from Java into Python.
     */
    public static final class Progress implements dev.tenpak.options.ProgressListener {
        private volatile long total = -1;
        private volatile long done;
        private volatile boolean finished;

        @Override
        public void start(String task, long totalBytes) {
            total = totalBytes;
            done = 0;
        }

        @Override
        public void advance(long bytes) {
            done += bytes; // one writing thread (see ProgressListener)
        }

        @Override
        public void finish() {
            finished = true;
        }

        /** The bytes to do, -1 before the work starts or when unknown. */
        public long total() {
            return total;
        }

        public long done() {
            return done;
        }

        public boolean finished() {
            return finished;
        }
    }

    /**
     * Decodes elements {@code [from, from + count)} of tensor {@code name} (in row-major order) in its
     * own dtype into {@code byteSize} bytes at {@code address}. A lossy codec decodes only the
     * aligned ranges that hold them ({@link dev.tenpak.codec.Codec#RANGE_ALIGN}), {@code lossless_v1}
     * only the blocks that hold them; other payloads (raw, non-float) are decoded whole into a
     * temporary buffer and the range is copied.
     * The payload's checksum is verified first either way.
     */
    public static void decodeRange(
            ArtifactReader reader, String name, long from, long count, long address, long byteSize) {
        TensorEntry e = reader.entry(name);
        long n = e.shape().elementCount();
        if (from < 0 || count < 0 || from + count > n) {
            throw new InvalidInputException(
                    "tensor '" + name + "': elements [" + from + ", " + (from + count) + ") are outside its " + n);
        }
        DType dtype = e.dtype();
        if (byteSize != dtype.byteSizeFor(count)) {
            throw new InvalidInputException("tensor '" + name + "': " + count + " elements take "
                    + dtype.byteSizeFor(count) + " bytes, destination has " + byteSize);
        }
        MemorySegment dst = MemorySegment.ofAddress(address).reinterpret(byteSize);
        if (count == 0) {
            return;
        }
        dev.tenpak.codec.Codec codec = Codecs.byName(e.codec());
        if (codec instanceof LosslessCodec lossless && !e.staged()) {
            // only the blocks that hold the range, through the block table; the header and table
            // checked as a whole decode checks them
            lossless.decodeRange(dtype, e.shape(), reader.payload(e), from, count, dst);
            return;
        }
        if (codec.lossless() || !dtype.isCompressible()) {
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                MemorySegment all = arena.allocate(e.originalBytes(), 64);
                reader.decodeInto(e, all);
                MemorySegment.copy(all, dtype.byteSizeFor(from), dst, 0, byteSize);
            }
            return;
        }
        // a staged payload is decoded back to the codec's bytes first (the whole payload: its
        // blocks do not line up with element ranges), freed when the range is done
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment payload = reader.codecPayload(e, arena);
            long align = dev.tenpak.codec.Codec.RANGE_ALIGN;
            long start = from / align * align;
            float[] buf = new float[(int) Math.min(16 * align, from + count - start)];
            for (long at = start; at < from + count; at += buf.length) {
                int len = (int) Math.min(buf.length, n - at);
                codec.decodeFloats(dtype, e.shape(), e.params(), payload, at, buf, 0, len);
                long lo = Math.max(at, from);
                long hi = Math.min(at + len, from + count);
                if (hi > lo) {
                    FloatConversions.fromFloats(buf, (int) (lo - at), (int) (hi - lo), dst, dtype, lo - from);
                }
            }
        }
    }

    /**
     * Takes the kernel choice's log lines off the JVM's stderr and returns them: the Python package
     * calls this once, right after starting the JVM, and hands them to Python's {@code logging}, so a
     * notebook shows no JVM lines. Makes the choice now (it happens once per JVM).
     */
    public static String[] takeKernelLog() {
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(VectorizationProvider.class.getName());
        List<String> lines = new ArrayList<>();
        java.util.logging.Handler keep = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (isLoggable(r) && lines.size() < 16) {
                    lines.add(r.getLevel().getName() + " " + r.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        log.setUseParentHandlers(false);
        log.addHandler(keep);
        VectorizationProvider.get();
        log.removeHandler(keep);
        return lines.toArray(String[]::new);
    }
}
