package dev.tenpak.maven.build;

import dev.tenpak.Tenpak;
import dev.tenpak.error.TenpakException;
import dev.tenpak.error.TenpakIOException;
import dev.tenpak.report.CompressReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Runs a {@link CompressRequest}: finds the model files, hands each one to {@link Tenpak#compress} (all
 * compression happens in the core), and keeps {@link Manifest} up to date. A file whose SHA-256, settings
 * and artifact are unchanged since the manifest was written is not recompressed. After a successful run
 * the output folder holds exactly this run's artifacts: those the previous manifest listed but this run
 * did not produce (a model file was deleted or renamed), and any other {@code .tenpak} file there, are
 * removed, so the jar never ships a stale model. A failed run removes nothing and its manifest loses no
 * entry: it lists what this run compressed and, for every other model, the previous entry (whose
 * artifact is still in place), so the next successful run still knows what to remove.
 *
 * <p>Not thread-safe per instance; separate instances on separate output folders may run in parallel
 * (a {@code -T} build runs one per module).
 */
public final class ModelCompressor {
    /** The extension of the artifacts it writes. */
    public static final String ARTIFACT_EXTENSION = ".tenpak";

    private final CompressRequest request;
    private final BuildLog log;

    public ModelCompressor(CompressRequest request, BuildLog log) {
        this.request = Objects.requireNonNull(request);
        this.log = Objects.requireNonNull(log);
    }

    /** What a run did. {@code entries} is the manifest's content. */
    public record Result(List<Manifest.Entry> entries, int compressed, int upToDate) {}

    public Result run() throws ModelBuildException {
        Path source = request.sourceDirectory();
        Path output = request.outputDirectory();
        List<Path> files = findModels(source);
        Path manifestFile = output.resolve(Manifest.FILE_NAME);
        if (files.isEmpty()) {
            String msg = "tenpak: no model files under " + source + " match includes " + request.includes()
                    + (request.excludes().isEmpty() ? "" : " minus excludes " + request.excludes());
            if (request.failIfNoModels()) {
                throw ModelBuildException.user(msg + " (failIfNoModels is set)");
            }
            log.warn(msg + "; nothing to compress");
            // the models are gone: so must be what an earlier build made of them
            removeStale(output, previousEntries(manifestFile).values(), List.of());
            try {
                Files.deleteIfExists(manifestFile);
            } catch (IOException e) {
                throw ModelBuildException.environment("tenpak: cannot delete stale " + manifestFile + ": " + e, e);
            }
            return new Result(List.of(), 0, 0);
        }
        Map<Path, String> artifactNames = artifactNames(source, files);
        Map<String, Manifest.Entry> previous = previousEntries(manifestFile);
        Map<String, String> settings = request.settings();

        List<Manifest.Entry> entries = new ArrayList<>();
        int compressed = 0;
        try {
            for (Path file : files) {
                String input = inputPath(file);
                String artifactName = artifactNames.get(file);
                Path artifact = output.resolve(artifactName);
                String inputSha = modelKey(file, "model file " + input);
                Manifest.Entry old = previous.get(input);
                if (!request.force() && upToDate(old, inputSha, settings, artifactName, artifact)) {
                    log.info(line(old) + " (up to date: input and settings unchanged, not recompressed)");
                    entries.add(old);
                    continue;
                }
                CompressReport report;
                try {
                    report = compress(file, artifact, artifactName);
                } catch (TenpakIOException e) {
                    throw ModelBuildException.environment(
                            "tenpak: I/O error compressing " + input + ": " + e.getMessage(), e);
                } catch (TenpakException e) {
                    throw ModelBuildException.user(
                            "tenpak: cannot compress model file " + input + ": " + withoutPath(e, file), e);
                } catch (RuntimeException e) {
                    throw ModelBuildException.environment(
                            "tenpak: unexpected failure compressing " + input + ": " + e, e);
                }
                Manifest.Entry entry = new Manifest.Entry(
                        input,
                        inputSha,
                        report.inputBytes(),
                        artifactName,
                        sha256(artifact, "artifact " + artifact),
                        report.artifactBytes(),
                        report.tensorBytes(),
                        report.tensors().size(),
                        report.codec(),
                        report.ratio(),
                        report.error().count(),
                        report.error().mse(),
                        report.error().mae(),
                        report.error().maxAbsError(),
                        request.tenpakVersion(),
                        settings);
                log.info(line(entry));
                entries.add(entry);
                compressed++;
            }
        } catch (ModelBuildException | RuntimeException e) {
            keepProgress(manifestFile, entries, previous.values());
            throw e;
        }
        writeManifest(manifestFile, entries);
        removeStale(output, previous.values(), entries);
        logTotal(entries, compressed, output);
        checkBudget(entries);
        return new Result(List.copyOf(entries), compressed, entries.size() - compressed);
    }

    /**
     * One file through the core: with a fixed codec, or (with {@code maxMae} or {@code maxBitsPerWeight}) planned first and then
     * compressed as the plan says. The plan is kept in the plan folder for inspection.
     */
    private CompressReport compress(Path file, Path artifact, String artifactName) {
        if (request.plan().isEmpty()) {
            return Tenpak.compress(file, artifact, request.options());
        }
        String stem = artifactName.substring(0, artifactName.length() - ARTIFACT_EXTENSION.length());
        Path planFile = request.planDirectory().resolve(stem + ".plan.json");
        Tenpak.plan(file, planFile, request.plan().get());
        return Tenpak.compress(file, artifact, request.options().withPlan(planFile));
    }

    /** The core's message names the file by its absolute path; the line above already names it. */
    private static String withoutPath(TenpakException e, Path file) {
        String msg = String.valueOf(e.getMessage());
        String prefix = file + ": ";
        return msg.startsWith(prefix) ? msg.substring(prefix.length()) : msg;
    }

    private List<Path> findModels(Path source) throws ModelBuildException {
        if (!Files.isDirectory(source)) {
            return List.of();
        }
        try {
            return ModelFiles.scan(source, request.includes(), request.excludes());
        } catch (IOException | UncheckedIOException e) {
            throw ModelBuildException.environment(
                    "tenpak: cannot list model files under " + source + ": " + e.getMessage(), e);
        }
    }

    /** {@code sub/encoder.json -> sub/encoder.tenpak}; two inputs with one artifact name are a user error. */
    static Map<Path, String> artifactNames(Path source, List<Path> files) throws ModelBuildException {
        Map<Path, String> names = new LinkedHashMap<>();
        Map<String, Path> owners = new HashMap<>();
        for (Path f : files) {
            String rel = ModelFiles.relative(source, f);
            int slash = rel.lastIndexOf('/');
            int dot = rel.lastIndexOf('.');
            String stem = dot > slash + 1 ? rel.substring(0, dot) : rel;
            String name = stem + ARTIFACT_EXTENSION;
            Path other = owners.putIfAbsent(name.toLowerCase(Locale.ROOT), f);
            if (other != null) {
                throw ModelBuildException.user("tenpak: model files " + other + " and " + f
                        + " would both be written to " + name + "; rename one or exclude it");
            }
            names.put(f, name);
        }
        return names;
    }

    private String inputPath(Path file) {
        return ModelFiles.projectPath(request.baseDirectory(), file);
    }

    private Map<String, Manifest.Entry> previousEntries(Path manifestFile) {
        if (!Files.isRegularFile(manifestFile)) {
            return Map.of();
        }
        try {
            Map<String, Manifest.Entry> byInput = new HashMap<>();
            for (Manifest.Entry e : Manifest.read(manifestFile).models()) {
                byInput.put(e.input(), e);
            }
            return byInput;
        } catch (IOException e) {
            log.warn("tenpak: ignoring unreadable " + manifestFile + " (" + e.getMessage()
                    + "); compressing every model file");
            return Map.of();
        }
    }

    private boolean upToDate(
            Manifest.Entry old, String inputSha, Map<String, String> settings, String artifactName, Path artifact)
            throws ModelBuildException {
        if (old == null
                || !inputSha.equals(old.inputSha256())
                || !settings.equals(old.settings())
                || !artifactName.equals(old.artifact())
                || !Files.isRegularFile(artifact)) {
            return false;
        }
        // the artifact itself must be the one the manifest describes (not edited, not from another build)
        return sha256(artifact, "artifact " + artifact).equals(old.artifactSha256());
    }

    private static String modelKey(Path file, String what) throws ModelBuildException {
        return digest(file, what, true);
    }

    private static String sha256(Path file, String what) throws ModelBuildException {
        return digest(file, what, false);
    }

    private static String digest(Path file, String what, boolean modelKey) throws ModelBuildException {
        try {
            return modelKey ? Digests.modelKey(file) : Digests.sha256(file);
        } catch (IOException e) {
            throw ModelBuildException.environment("tenpak: cannot read " + what + ": " + e, e);
        }
    }

    private void writeManifest(Path manifestFile, List<Manifest.Entry> entries) throws ModelBuildException {
        var sources = new Manifest.Sources(
                ModelFiles.projectPath(request.baseDirectory(), request.sourceDirectory()),
                request.includes(),
                request.excludes());
        try {
            new Manifest(Manifest.FORMAT, request.tenpakVersion(), sources, entries).write(manifestFile);
        } catch (TenpakException | UncheckedIOException e) {
            throw ModelBuildException.environment("tenpak: cannot write the manifest: " + e.getMessage(), e);
        }
    }

    /**
     * Before a failure is reported: records the files done so far, so the next build does not redo them,
     * and keeps every previous entry this run did not replace (models not reached yet, the one that
     * failed, models deleted since): their artifacts are still in place, nothing was removed, and the
     * next successful build needs them to know what to remove. Best effort; the failure being reported
     * matters more than this one.
     */
    private void keepProgress(Path manifestFile, List<Manifest.Entry> done, Collection<Manifest.Entry> previous) {
        Set<String> inputs = new HashSet<>();
        Set<String> artifacts = new HashSet<>();
        for (Manifest.Entry e : done) {
            inputs.add(e.input());
            artifacts.add(e.artifact());
        }
        List<Manifest.Entry> kept = new ArrayList<>(done);
        for (Manifest.Entry e : previous) {
            if (!inputs.contains(e.input()) && !artifacts.contains(e.artifact())) {
                kept.add(e);
            }
        }
        kept.sort(Comparator.comparing(Manifest.Entry::input));
        try {
            writeManifest(manifestFile, kept);
        } catch (ModelBuildException e) {
            log.warn(e.getMessage());
        }
    }

    /**
     * Deletes what this run did not produce: artifacts of the previous manifest, and any other
     * {@code .tenpak} file in {@code output} (left by a build whose manifest was lost, or put there by
     * hand); only inside {@code output}, and never in a sub-folder that holds another execution's manifest.
     */
    private void removeStale(Path output, Collection<Manifest.Entry> previous, List<Manifest.Entry> current)
            throws ModelBuildException {
        var kept = current.stream().map(Manifest.Entry::artifact).collect(Collectors.toSet());
        Set<String> listed = new HashSet<>();
        for (Manifest.Entry old : previous) {
            listed.add(old.artifact());
            if (kept.contains(old.artifact())) {
                continue;
            }
            Path stale = output.resolve(old.artifact()).normalize();
            if (!stale.startsWith(output) || !stale.getFileName().toString().endsWith(ARTIFACT_EXTENSION)) {
                continue; // never delete outside the artifacts' folder, whatever an old manifest says
            }
            try {
                if (Files.deleteIfExists(stale)) {
                    log.info("tenpak: removed " + old.artifact() + " (its model file " + old.input()
                            + " is gone or no longer included)");
                }
            } catch (IOException e) {
                throw ModelBuildException.environment("tenpak: cannot delete stale artifact " + stale + ": " + e, e);
            }
        }
        List<String> found;
        try {
            found = ModelFiles.artifacts(output, ARTIFACT_EXTENSION);
        } catch (IOException | UncheckedIOException e) {
            throw ModelBuildException.environment("tenpak: cannot list the artifacts in " + output + ": " + e, e);
        }
        for (String name : found) {
            if (kept.contains(name) || listed.contains(name)) {
                continue; // this run's, or already handled above
            }
            Path stale = output.resolve(name);
            try {
                if (Files.deleteIfExists(stale)) {
                    log.info("tenpak: removed " + name + " (no model file produces it; it is in no manifest)");
                }
            } catch (IOException e) {
                throw ModelBuildException.environment("tenpak: cannot delete stale artifact " + stale + ": " + e, e);
            }
        }
    }

    /**
     * {@code src/main/models/encoder.json: 31.74 KiB -> 3.29 KiB, ratio 3.70x of 12.19 KiB raw tensor data, MAE
     * 1.482e-04 [int8_sym_v1]}: the ratio is against the tensors' own bytes, as the CLI reports it, because
     * a JSON file's size says more about number formatting than about the model.
     */
    static String line(Manifest.Entry e) {
        return e.input() + ": " + Sizes.bytes(e.inputBytes()) + " -> " + Sizes.bytes(e.artifactBytes()) + ", ratio "
                + Sizes.ratio(e.ratio()) + " of " + Sizes.bytes(e.tensorBytes()) + " raw tensor data, MAE "
                + Sizes.sci(e.mae()) + " [" + e.codec() + "]";
    }

    private void logTotal(List<Manifest.Entry> entries, int compressed, Path output) {
        long in = 0;
        long out = 0;
        long tensorBytes = 0;
        long elements = 0;
        double absSum = 0;
        for (Manifest.Entry e : entries) {
            in += e.inputBytes();
            out += e.artifactBytes();
            tensorBytes += e.tensorBytes();
            elements += e.elements();
            absSum += e.mae() * e.elements();
        }
        double ratio = out == 0 ? 0 : (double) tensorBytes / out;
        log.info("tenpak: " + entries.size() + " model file(s), " + compressed + " compressed, "
                + (entries.size() - compressed) + " up to date; total " + Sizes.bytes(in) + " -> " + Sizes.bytes(out)
                + ", ratio " + Sizes.ratio(ratio) + " of " + Sizes.bytes(tensorBytes) + " raw tensor data, MAE "
                + Sizes.sci(elements == 0 ? 0 : absSum / elements)
                + " -> " + output);
    }

    private void checkBudget(List<Manifest.Entry> entries) throws ModelBuildException {
        if (request.failOnErrorAbove().isEmpty()) {
            return;
        }
        double budget = request.failOnErrorAbove().getAsDouble();
        List<String> over = new ArrayList<>();
        for (Manifest.Entry e : entries) {
            if (e.mae() > budget) {
                over.add(e.input() + ": MAE " + Sizes.sci(e.mae()) + " exceeds failOnErrorAbove " + Sizes.sci(budget)
                        + " (codec " + e.codec() + ")");
            }
        }
        if (!over.isEmpty()) {
            throw ModelBuildException.user("tenpak: error budget exceeded: " + String.join("; ", over)
                    + ". Use a more precise codec or raise failOnErrorAbove.");
        }
    }
}
