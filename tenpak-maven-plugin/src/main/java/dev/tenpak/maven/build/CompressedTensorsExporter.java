package dev.tenpak.maven.build;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tenpak.Tenpak;
import dev.tenpak.error.TenpakException;
import dev.tenpak.error.TenpakIOException;
import dev.tenpak.internal.io.AtomicFiles;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.options.OutputFormat;
import dev.tenpak.report.ExportReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Writes one artifact as a compressed-tensors folder through {@link Tenpak#exportCompressedTensors} (all
 * the work happens in the core, which builds the folder beside its place and swaps it in, so a failed
 * export leaves no folder, or the previous one untouched) and logs what it did: how many Linear layers
 * were exported quantized and with which codec, which stayed dense and why, and the bytes of weights.
 *
 * <p>Incremental like the compress goal: after an export it records, in a state file under the build
 * folder, the artifact's SHA-256, the tenpak version and the SHA-256 of every file of the folder. A later
 * run with the same artifact and engine, finding the folder exactly as it was left, does not export
 * again. The state lives outside the folder so that the folder holds only what a model hub or vLLM reads.
 */
public final class CompressedTensorsExporter {
    /** The value of a state file's {@code format}. */
    static final String STATE_FORMAT = "tenpak-export-state-v1";

    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path baseDirectory;
    private final Path artifact;
    private final Path folder;
    private final Path stateDirectory;
    private final boolean force;
    private final Integer threads;
    private final String tenpakVersion;
    private final BuildLog log;

    /**
     * @param baseDirectory  the project folder; paths in the log are relative to it
     * @param artifact       the artifact to export, or null (a user error naming the parameter)
     * @param folder         the compressed-tensors folder to write
     * @param stateDirectory where the state of the incremental build is kept
     * @param force          export even when the folder is up to date
     * @param threads        tensors decoded at once, or null for the available processors
     * @param tenpakVersion  the engine's version, or null for {@link Tenpak#version()} (tests simulate an
     *                       upgrade with it)
     */
    public CompressedTensorsExporter(
            Path baseDirectory,
            Path artifact,
            Path folder,
            Path stateDirectory,
            boolean force,
            Integer threads,
            String tenpakVersion,
            BuildLog log) {
        this.baseDirectory = baseDirectory.toAbsolutePath().normalize();
        this.artifact =
                artifact == null ? null : this.baseDirectory.resolve(artifact).normalize();
        this.folder = this.baseDirectory.resolve(folder).normalize();
        this.stateDirectory = this.baseDirectory.resolve(stateDirectory).normalize();
        this.force = force;
        this.threads = threads;
        this.tenpakVersion = tenpakVersion == null ? Tenpak.version() : tenpakVersion;
        this.log = Objects.requireNonNull(log);
    }

    /**
     * What the state file records of one export.
     *
     * @param format         {@link #STATE_FORMAT}
     * @param tenpakVersion  the engine that exported (a new one exports again)
     * @param artifact       the artifact's absolute path
     * @param artifactSha256 its SHA-256, lowercase hex
     * @param folder         the folder's absolute path
     * @param files          every file of the folder, relative to it with {@code '/'}, with its SHA-256
     */
    record State(
            String format,
            String tenpakVersion,
            String artifact,
            String artifactSha256,
            String folder,
            Map<String, String> files) {}

    /**
     * What a run did: the core's report, or null when the folder was up to date and nothing was written.
     */
    public record Result(ExportReport report) {
        public boolean upToDate() {
            return report == null;
        }
    }

    public Result run() throws ModelBuildException {
        if (artifact == null) {
            throw ModelBuildException.user(
                    "tenpak: no artifact to export: set <artifact> (tenpak.artifact) to a .tenpak file compressed"
                            + " from a Hugging Face folder");
        }
        String artifactName = ModelFiles.projectPath(baseDirectory, artifact);
        String folderName = ModelFiles.projectPath(baseDirectory, folder);
        if (!Files.isRegularFile(artifact)) {
            throw ModelBuildException.user("tenpak: the artifact to export, " + artifactName
                    + ", does not exist (is <artifact> right, and did the goal that writes it run first?)");
        }
        if (threads != null && threads < 1) {
            throw ModelBuildException.user("tenpak: bad <threads> (tenpak.threads): " + threads
                    + "; it is the number of tensors decoded at once, at least 1");
        }
        String artifactSha = sha256(artifact, "artifact " + artifactName);
        Path stateFile = stateFile();
        if (!force && upToDate(stateFile, artifactSha)) {
            log.info("tenpak: " + artifactName + " -> " + folderName
                    + ": up to date (artifact, folder and tenpak version unchanged), not exported again");
            return new Result(null);
        }
        DecompressOptions options = DecompressOptions.defaults().withFormat(OutputFormat.COMPRESSED_TENSORS);
        if (threads != null) {
            options = options.withThreads(threads);
        }
        ExportReport report;
        try {
            report = Tenpak.exportCompressedTensors(artifact, folder, options);
        } catch (TenpakIOException e) {
            throw ModelBuildException.environment(
                    "tenpak: I/O error exporting " + artifactName + " to " + folderName + ": " + e.getMessage(), e);
        } catch (TenpakException e) {
            throw ModelBuildException.user(
                    "tenpak: cannot export " + artifactName + " as compressed-tensors: "
                            + withoutPath(e.getMessage(), artifact),
                    e);
        } catch (RuntimeException e) {
            throw ModelBuildException.environment("tenpak: unexpected failure exporting " + artifactName + ": " + e, e);
        }
        logReport(report, artifactName, folderName);
        writeState(stateFile, artifactSha);
        return new Result(report);
    }

    /** The core's message starts with the artifact's absolute path; the line already names it. */
    static String withoutPath(String message, Path file) {
        String msg = String.valueOf(message);
        String prefix = file + ": ";
        return msg.startsWith(prefix) ? msg.substring(prefix.length()) : msg;
    }

    /**
     * {@code tenpak: exported src/main/models/tiny.tenpak to target/compressed-tensors as compressed-tensors:
     * 2 Linear layer(s) quantized [int4_sym_g32_v1], 1 left dense, 9.50 KiB of weights (artifact 7.20 KiB)},
     * then one line per dense layer with the reason.
     */
    private void logReport(ExportReport r, String artifactName, String folderName) throws ModelBuildException {
        long artifactBytes;
        try {
            artifactBytes = Files.size(artifact);
        } catch (IOException e) {
            throw ModelBuildException.environment("tenpak: cannot read " + artifactName + ": " + e, e);
        }
        log.info("tenpak: exported " + artifactName + " to " + folderName + " as compressed-tensors: "
                + r.quantized().size() + " Linear layer(s) quantized "
                + new TreeSet<>(r.quantized().values()) + ", " + r.dense().size() + " left dense, "
                + Sizes.bytes(r.weightBytes()) + " of weights (artifact " + Sizes.bytes(artifactBytes) + ")");
        new TreeMap<>(r.dense()).forEach((module, why) -> log.info("tenpak:   dense " + module + ": " + why));
    }

    /** One state file per export folder, named by a hash of its path, so executions do not share one. */
    private Path stateFile() {
        String key = HexFormat.of()
                .formatHex(digest(folder.toString().getBytes(StandardCharsets.UTF_8)))
                .substring(0, 16);
        String name =
                folder.getFileName() == null ? "root" : folder.getFileName().toString();
        return stateDirectory.resolve(name + "-" + key + ".json");
    }

    private boolean upToDate(Path stateFile, String artifactSha) throws ModelBuildException {
        if (!Files.isRegularFile(stateFile) || !Files.isDirectory(folder)) {
            return false;
        }
        State old;
        try {
            old = JSON.readValue(stateFile.toFile(), State.class);
        } catch (IOException | RuntimeException e) {
            log.warn("tenpak: ignoring unreadable " + stateFile + " (" + e.getMessage() + "); exporting again");
            return false;
        }
        return old != null
                && STATE_FORMAT.equals(old.format())
                && tenpakVersion.equals(old.tenpakVersion())
                && artifact.toString().equals(old.artifact())
                && artifactSha.equals(old.artifactSha256())
                && folder.toString().equals(old.folder())
                && folderFiles().equals(old.files());
    }

    /** Every regular file of the folder, relative with {@code '/'}, with its SHA-256. */
    private Map<String, String> folderFiles() throws ModelBuildException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p)) {
                    files.put(ModelFiles.relative(folder, p), Digests.sha256(p));
                }
            }
        } catch (IOException | UncheckedIOException e) {
            throw ModelBuildException.environment("tenpak: cannot read the exported folder " + folder + ": " + e, e);
        }
        return files;
    }

    /** Best effort: without it the next build exports again, which is slower but right. */
    private void writeState(Path stateFile, String artifactSha) {
        try {
            State s = new State(
                    STATE_FORMAT, tenpakVersion, artifact.toString(), artifactSha, folder.toString(), folderFiles());
            Files.createDirectories(stateDirectory);
            byte[] json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(s);
            AtomicFiles.write(stateFile, out -> {
                try {
                    out.write(json);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (ModelBuildException | IOException | RuntimeException e) {
            log.warn("tenpak: cannot record the export in " + stateFile + " (" + e.getMessage()
                    + "); the next build exports again");
        }
    }

    private static String sha256(Path file, String what) throws ModelBuildException {
        try {
            return Digests.sha256(file);
        } catch (IOException e) {
            throw ModelBuildException.environment("tenpak: cannot read " + what + ": " + e, e);
        }
    }

    private static byte[] digest(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
