package dev.tenpak.internal.format.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.MalformedInputException;
import dev.tenpak.error.TenpakIOException;
import dev.tenpak.internal.format.artifact.ReservedKeys;
import dev.tenpak.internal.format.safetensors.SafetensorsReader;
import dev.tenpak.internal.io.AtomicFiles;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Hugging Face checkpoint folders: {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json} ({@code {"metadata": {...}, "weight_map": {tensor: shard}}}).
 *
 * <p>Reading ({@link #open}) gives one {@link TensorSource} over every shard, one after another in
 * file-name order, each tensor under its own name. The index must name every tensor of every shard
 * and nothing else. The shards' {@code __metadata__} maps are merged: the union of keys, the first
 * shard's value winning when shards disagree (in practice they all say {@code format: pt}).
 *
 * <p>The folder's small non-weight files (config, tokenizer, generation config, the index itself,
 * sub-folders such as sentence-transformers' {@code 1_Pooling/}) travel inside the artifact as
 * metadata entries {@code tenpak.hf.file:<relative path>} holding the file's bytes in base64, so an
 * artifact alone restores a loadable folder on any machine ({@link #write}). Weight files
 * ({@code *.safetensors}, {@code *.bin}, {@code *.pt}, ...) and hidden files are not stored;
 * files over {@link #MAX_FILE_BYTES} are listed under {@code tenpak.hf.skipped} instead.
 *
 * <p>Writing ({@link #write}) recreates those files and writes the weights as the source had them:
 * the shards of the embedded index when there is one, otherwise {@code model.safetensors}.
 */
public final class HfFolder {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    /** Metadata key prefix of an embedded folder file. */
    public static final String FILE_PREFIX = ReservedKeys.HF_FILE_PREFIX;
    /** Metadata key listing files that were too large to embed. */
    public static final String SKIPPED = ReservedKeys.HF_SKIPPED;
    /** Largest folder file embedded in an artifact. */
    public static final long MAX_FILE_BYTES = 64L << 20;

    private static final Set<String> WEIGHT_EXTENSIONS = Set.of(
            ".safetensors",
            ".bin",
            ".pt",
            ".pth",
            ".ckpt",
            ".h5",
            ".msgpack",
            ".onnx",
            ".gguf",
            ".tflite",
            ".ot",
            ".npz",
            ".pb",
            ".mlmodel",
            ".xml",
            ".tenpak");
    private static final ObjectMapper JSON = new ObjectMapper();

    private HfFolder() {}

    /** True when {@code dir} looks like a checkpoint folder (holds the single file or the index). */
    public static boolean isCheckpointFolder(Path dir) {
        return Files.isDirectory(dir)
                && (Files.isRegularFile(dir.resolve(SINGLE)) || Files.isRegularFile(dir.resolve(INDEX)));
    }

    /** Opens the checkpoint folder {@code dir} with the default cap on carried files. */
    public static TensorSource open(Path dir) {
        return open(dir, CompressOptions.DEFAULT_MAX_CARRIED_BYTES);
    }

    /**
     * Opens the checkpoint folder {@code dir}, validating the index and every shard's header; the
     * non-weight files it carries may total {@code maxCarriedBytes} at most.
     */
    public static TensorSource open(Path dir, long maxCarriedBytes) {
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException(dir + ": not a folder");
        }
        List<Path> shards;
        Map<String, String> weightMap = null;
        Path index = dir.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            weightMap = readWeightMap(index);
            Set<String> files = new TreeSet<>(weightMap.values());
            shards = new ArrayList<>();
            for (String f : files) {
                shards.add(inside(dir, f, index.toString()));
            }
        } else if (Files.isRegularFile(dir.resolve(SINGLE))) {
            shards = List.of(dir.resolve(SINGLE));
        } else {
            throw new InvalidInputException(dir + ": not a Hugging Face checkpoint folder (no " + SINGLE + " or "
                    + INDEX + "; only safetensors weights are supported)");
        }
        List<SafetensorsReader> readers = new ArrayList<>();
        try {
            Map<String, String> meta = new LinkedHashMap<>();
            long bytes = 0;
            Set<String> seen = new LinkedHashSet<>();
            for (Path shard : shards) {
                if (!Files.isRegularFile(shard)) {
                    throw new MalformedInputException(
                            index.toString(),
                            null,
                            "weight_map names shard " + dir.relativize(shard) + ", which does not exist");
                }
                SafetensorsReader r = SafetensorsReader.open(shard);
                readers.add(r);
                r.metadata().forEach(meta::putIfAbsent);
                bytes += r.dataBytes();
                String file = dir.relativize(shard).toString().replace('\\', '/');
                for (SafetensorsReader.Entry e : r.entries()) {
                    if (!seen.add(e.name())) {
                        throw new MalformedInputException(
                                shard.toString(), e.name(), "tensor appears in more than one shard");
                    }
                    if (weightMap != null && !file.equals(weightMap.get(e.name()))) {
                        throw new MalformedInputException(
                                index.toString(),
                                e.name(),
                                "tensor is in shard " + file + " but weight_map says " + weightMap.get(e.name()));
                    }
                }
            }
            if (weightMap != null) {
                for (String name : weightMap.keySet()) {
                    if (!seen.contains(name)) {
                        throw new MalformedInputException(
                                index.toString(),
                                name,
                                "weight_map names a tensor that shard " + weightMap.get(name) + " does not hold");
                    }
                }
            }
            embedFiles(dir, meta, maxCarriedBytes);
            return new Source(dir.toString(), List.copyOf(readers), Collections.unmodifiableMap(meta), bytes);
        } catch (RuntimeException e) {
            readers.forEach(SafetensorsReader::close);
            throw e;
        }
    }

    private static Map<String, String> readWeightMap(Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (JsonProcessingException e) {
            throw new MalformedInputException(index.toString(), null, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw TenpakIOException.of(index, e);
        }
        return weightMap(root, index.toString());
    }

    private static Map<String, String> weightMap(JsonNode root, String source) {
        JsonNode wm = root == null ? null : root.get("weight_map");
        if (wm == null || !wm.isObject()) {
            throw new MalformedInputException(source, null, "index has no \"weight_map\" object");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (var it = wm.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isTextual()) {
                throw new MalformedInputException(source, e.getKey(), "weight_map value must be a file name");
            }
            map.put(e.getKey(), e.getValue().asText());
        }
        return map;
    }

    /**
     * {@code dir.resolve(rel)}, refusing absolute paths, paths that climb out of {@code dir} and
     * names no file system accepts (a NUL byte).
     */
    private static Path inside(Path dir, String rel, String source) {
        Path p;
        try {
            p = dir.resolve(rel).normalize();
            if (rel.isEmpty()
                    || Path.of(rel).isAbsolute()
                    || !p.startsWith(dir.normalize())
                    || p.equals(dir.normalize())) {
                throw new MalformedInputException(source, null, "file name '" + rel + "' points outside the folder");
            }
        } catch (InvalidPathException e) {
            throw new MalformedInputException(
                    source, null, "file name '" + printable(rel) + "' is not a valid path (" + e.getReason() + ")");
        }
        return p;
    }

    /** {@code s} with control characters shown as {@code <U+XXXX>}, for messages. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.chars()
                .forEach(c -> b.append(
                        c < 0x20 || c == 0x7f ? String.format(Locale.ROOT, "<U+%04X>", c) : String.valueOf((char) c)));
        return b.toString();
    }

    /**
     * The real location a carried file may resolve to: {@code dir} itself, or, for a folder of the
     * Hugging Face cache ({@code <repo>/snapshots/<revision>}), also the cache's {@code <repo>/blobs}
     * that its links point into.
     */
    private static List<Path> allowedRoots(Path dir) throws IOException {
        Path real = dir.toRealPath();
        Path parent = real.getParent();
        if (parent != null
                && parent.getFileName() != null
                && parent.getFileName().toString().equals("snapshots")
                && parent.getParent() != null) {
            return List.of(real, parent.getParent().resolve("blobs"));
        }
        return List.of(real);
    }

    private static void embedFiles(Path dir, Map<String, String> meta, long maxCarriedBytes) {
        List<String> skipped = new ArrayList<>();
        Map<String, Path> files = new TreeMap<>();
        List<Path> roots;
        try {
            roots = allowedRoots(dir);
        } catch (IOException e) {
            throw TenpakIOException.of(dir, e);
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile).forEach(p -> {
                Path rel = dir.relativize(p);
                for (Path part : rel) {
                    if (part.toString().startsWith(".")) {
                        return;
                    }
                }
                String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
                int dot = name.lastIndexOf('.');
                if (dot >= 0 && WEIGHT_EXTENSIONS.contains(name.substring(dot))) {
                    return;
                }
                if (Files.isSymbolicLink(p)) {
                    Path real;
                    try {
                        real = p.toRealPath();
                    } catch (IOException e) {
                        throw TenpakIOException.of(p, e);
                    }
                    if (roots.stream().noneMatch(real::startsWith)) {
                        throw new InvalidInputException(p + ": a symbolic link to " + real + ", outside the folder "
                                + dir + "; its bytes would travel in the artifact, so copy the file into the folder "
                                + "if it belongs there");
                    }
                }
                files.put(rel.toString().replace('\\', '/'), p);
            });
        } catch (UncheckedIOException e) {
            throw TenpakIOException.of(dir, e.getCause());
        } catch (IOException e) {
            throw TenpakIOException.of(dir, e);
        }
        long carried = 0;
        Map<String, Long> sizes = new TreeMap<>();
        for (var f : files.entrySet()) {
            try {
                long size = Files.size(f.getValue());
                if (size > MAX_FILE_BYTES) {
                    skipped.add(f.getKey());
                    continue;
                }
                carried += size;
                sizes.put(f.getKey(), size);
            } catch (IOException e) {
                throw TenpakIOException.of(f.getValue(), e);
            }
        }
        if (carried > maxCarriedBytes) {
            String largest = sizes.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .limit(3)
                    .map(e -> e.getKey() + " " + e.getValue() + " B")
                    .collect(Collectors.joining(", "));
            throw InvalidInputException.forOption(
                    "max-carried-bytes",
                    dir + ": the folder's non-weight files (config, "
                            + "tokenizer and the like, carried inside the artifact) total " + carried
                            + " bytes, over the cap of "
                            + maxCarriedBytes + " (largest: " + largest
                            + "); move files that are not part of the model out of "
                            + "the folder, or raise the cap");
        }
        for (String rel : sizes.keySet()) {
            Path f = files.get(rel);
            try {
                meta.put(FILE_PREFIX + rel, Base64.getEncoder().encodeToString(Files.readAllBytes(f)));
            } catch (IOException e) {
                throw TenpakIOException.of(f, e);
            }
        }
        if (!skipped.isEmpty()) {
            meta.put(SKIPPED, String.join(",", skipped));
        }
    }

    /** Writes the named tensors (in this order, with {@code metadata}) as one safetensors file. */
    @FunctionalInterface
    public interface ShardWriter {
        long write(List<String> tensors, Map<String, String> metadata, Path file);
    }

    /**
     * What {@link #write} will put in a folder, decoded and checked before anything is written:
     * each carried file's bytes, and each weight file with its tensors in order (the shards of the
     * embedded index, or {@code model.safetensors}). Paths are relative, with {@code '/'}.
     */
    public record Layout(Map<String, byte[]> files, Map<String, List<String>> shards) {
        /** Every file the folder will hold, carried files and weights. */
        public Set<String> paths() {
            Set<String> all = new TreeSet<>(files.keySet());
            all.addAll(shards.keySet());
            return all;
        }
    }

    /**
     * Decodes and checks everything a folder written from an artifact's {@code meta} and
     * {@code tensors} needs ({@code source} names the artifact in errors): carried files must be
     * valid base64 with names inside the folder, the embedded index valid JSON naming a shard for
     * every tensor. Throws before any file is touched.
     */
    public static Layout layout(String source, Map<String, String> meta, List<String> tensors) {
        Path root = Path.of("/"); // only to check the names; nothing is resolved against it
        Map<String, byte[]> files = new TreeMap<>();
        String indexText = null;
        for (var m : meta.entrySet()) {
            if (!m.getKey().startsWith(FILE_PREFIX)) {
                continue;
            }
            String rel = m.getKey().substring(FILE_PREFIX.length());
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(m.getValue());
            } catch (IllegalArgumentException e) {
                throw new CorruptArtifactException(
                        source, null, 0, "carried file '" + printable(rel) + "' is not valid base64");
            }
            checkName(root, rel, source);
            if (rel.equals(INDEX)) {
                indexText = new String(bytes, StandardCharsets.UTF_8);
            }
            files.put(rel, bytes);
        }
        Map<String, List<String>> byShard = new TreeMap<>();
        if (indexText == null) {
            byShard.put(SINGLE, List.copyOf(tensors));
        } else {
            Map<String, String> weightMap;
            try {
                weightMap = weightMap(JSON.readTree(indexText), source + " (embedded " + INDEX + ")");
            } catch (JsonProcessingException e) {
                throw new CorruptArtifactException(source, null, 0, "embedded " + INDEX + " is not valid JSON");
            }
            for (String name : tensors) {
                String shard = weightMap.get(name);
                if (shard == null) {
                    throw new InvalidInputException(source + ": tensor '" + name + "' is not in the embedded " + INDEX
                            + "; write the safetensors output format instead");
                }
                checkName(root, shard, source + " (embedded " + INDEX + ")");
                byShard.computeIfAbsent(shard, k -> new ArrayList<>()).add(name);
            }
        }
        for (String shard : byShard.keySet()) {
            if (files.containsKey(shard)) {
                throw new CorruptArtifactException(
                        source, null, 0, "carried file '" + shard + "' has the name of a weight file");
            }
        }
        return new Layout(Collections.unmodifiableMap(files), Collections.unmodifiableMap(byShard));
    }

    private static void checkName(Path root, String rel, String source) {
        inside(root.resolve("d"), rel, source);
    }

    /**
     * Writes a checkpoint folder at {@code dir} from an artifact's {@code metadata} and tensor names
     * ({@code source} names the artifact in errors); see {@link #write(Layout, Map, Path, boolean, ShardWriter)}.
     */
    public static long write(
            String source, Map<String, String> meta, List<String> tensors, Path dir, boolean sync, ShardWriter shards) {
        return write(layout(source, meta, tensors), meta, dir, sync, shards);
    }

    /**
     * Writes {@code layout} as the folder {@code dir}: the carried files, then the weights through
     * {@code shards}. The folder is built beside {@code dir} and swapped in when complete
     * ({@link AtomicFiles#openFolder}), so {@code dir} holds its old files or the new ones, never a
     * mix; files of an existing {@code dir} that the new folder does not write are kept, except
     * safetensors weights and an index, which would mix with the new ones: an existing {@code dir}
     * holding such files the new folder does not replace is refused before anything is written.
     * Nothing is written through a link inside {@code dir}. Returns bytes of weights.
     */
    public static long write(Layout layout, Map<String, String> meta, Path dir, boolean sync, ShardWriter shards) {
        refuseStaleWeights(dir, layout.paths());
        try (AtomicFiles.Folder folder = AtomicFiles.openFolder(dir)) {
            Path root = folder.path();
            for (var f : layout.files().entrySet()) {
                Path target = inside(root, f.getKey(), dir.toString());
                byte[] bytes = f.getValue();
                AtomicFiles.write(target, sync, out -> {
                    try {
                        out.write(bytes);
                    } catch (IOException e) {
                        throw TenpakIOException.of(target, e);
                    }
                });
            }
            long total = 0;
            for (var shard : layout.shards().entrySet()) {
                Path file = inside(root, shard.getKey(), dir.toString());
                createParent(file);
                total += shards.write(shard.getValue(), meta, file);
            }
            folder.commit(sync);
            return total;
        } catch (IOException e) {
            throw TenpakIOException.of(dir, e);
        }
    }

    private static void createParent(Path file) {
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw TenpakIOException.of(file.getParent(), e);
        }
    }

    /**
     * Refuses an existing folder holding safetensors weights or an index that {@code paths} do not
     * replace: kept beside the new weights, they would make a folder of two models.
     */
    private static void refuseStaleWeights(Path dir, Set<String> paths) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<String> stale = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir.toRealPath())) {
            Path real = dir.toRealPath();
            walk.forEach(p -> {
                Path relative = real.relativize(p);
                String rel = relative.toString().replace('\\', '/');
                String name = p.getFileName().toString();
                for (Path part : relative) {
                    if (part.toString().startsWith(".")) {
                        return; // hidden: not part of the checkpoint (and where temporaries live)
                    }
                }
                if ((name.endsWith(".safetensors") || name.equals(INDEX))
                        && !Files.isDirectory(p)
                        && !paths.contains(rel)) {
                    stale.add(rel);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw new TenpakIOException(dir + ": " + e.getMessage(), e instanceof IOException io ? io : null);
        }
        if (!stale.isEmpty()) {
            throw new InvalidInputException(dir + ": holds weights this artifact does not write ("
                    + String.join(", ", stale.subList(0, Math.min(3, stale.size()))) + (stale.size() > 3 ? ", ..." : "")
                    + "); they would mix with the new ones, so remove them or decompress into a new folder");
        }
    }

    /** Tensors of the shards, one shard after another; every mapping stays open until close. */
    private static final class Source implements TensorSource {
        private final String description;
        private final List<SafetensorsReader> readers;
        private final Map<String, String> metadata;
        private final long bytes;
        private int current;

        Source(String description, List<SafetensorsReader> readers, Map<String, String> metadata, long bytes) {
            this.description = description;
            this.readers = readers;
            this.metadata = metadata;
            this.bytes = bytes;
        }

        @Override
        public Tensor next() {
            while (current < readers.size()) {
                Tensor t = readers.get(current).next();
                if (t != null) {
                    return t;
                }
                current++;
            }
            return null;
        }

        @Override
        public Map<String, String> metadata() {
            return metadata;
        }

        @Override
        public long dataBytes() {
            return bytes;
        }

        @Override
        public String description() {
            return description;
        }

        @Override
        public void close() {
            readers.forEach(SafetensorsReader::close);
        }
    }
}
