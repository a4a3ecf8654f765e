package dev.tenpak.maven.build;

import dev.tenpak.Tenpak;
import dev.tenpak.error.TenpakException;
import dev.tenpak.report.ArtifactSummary;
import dev.tenpak.tensor.Artifact;
import dev.tenpak.tensor.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Checks the output folder against the model files and the {@link Manifest}: every artifact listed is
 * the one the manifest describes and decodes (the file exists with the recorded size and SHA-256, every
 * payload matches its CRC32C ({@link Tenpak#inspect}), every tensor decodes), its model file still
 * exists with the recorded SHA-256, no {@code .tenpak} file in the folder lacks a model file (a stale
 * artifact would ship in the jar), and no model file lacks an artifact. All problems are collected and
 * reported together, each naming its artifact or model file.
 */
public final class ModelVerifier {
    private final Path baseDirectory;
    private final Path outputDirectory;
    private final boolean failIfNoModels;
    private final BuildLog log;

    /**
     * @param baseDirectory   the project folder, which the manifest's model file paths are relative to
     * @param outputDirectory the folder holding the artifacts and {@value Manifest#FILE_NAME}
     * @param failIfNoModels  whether a missing or empty manifest fails the build (otherwise a warning)
     */
    public ModelVerifier(Path baseDirectory, Path outputDirectory, boolean failIfNoModels, BuildLog log) {
        this.baseDirectory = baseDirectory.toAbsolutePath().normalize();
        this.outputDirectory = outputDirectory.toAbsolutePath().normalize();
        this.failIfNoModels = failIfNoModels;
        this.log = Objects.requireNonNull(log);
    }

    /** Returns the number of artifacts verified. */
    public int run() throws ModelBuildException {
        Path manifestFile = outputDirectory.resolve(Manifest.FILE_NAME);
        List<String> inFolder = artifactsInFolder();
        if (!Files.isRegularFile(manifestFile)) {
            if (!inFolder.isEmpty()) {
                throw ModelBuildException.user("tenpak: " + outputDirectory + " holds " + inFolder.size()
                        + " artifact(s) but no " + Manifest.FILE_NAME + " saying which model files they come from: "
                        + String.join(", ", inFolder) + " (run the compress goal, or remove them)");
            }
            return nothing("tenpak: no " + manifestFile + "; nothing to verify (did the compress goal run?)");
        }
        Manifest manifest;
        try {
            manifest = Manifest.read(manifestFile);
        } catch (IOException e) {
            throw ModelBuildException.user("tenpak: cannot read " + manifestFile + ": " + e.getMessage(), e);
        }
        List<String> problems = new ArrayList<>();
        long tensors = 0;
        for (Manifest.Entry e : manifest.models()) {
            String problem = check(e);
            if (problem == null) {
                problem = checkSource(e);
            }
            if (problem == null) {
                tensors += e.tensors();
            } else {
                problems.add(problem);
            }
        }
        List<String> unmatched = unmatched(manifest, inFolder);
        if (!problems.isEmpty() || !unmatched.isEmpty()) {
            List<String> parts = new ArrayList<>();
            if (!problems.isEmpty()) {
                parts.add(problems.size() + " of " + manifest.models().size() + " artifact(s) failed verification: "
                        + String.join("; ", problems));
            }
            if (!unmatched.isEmpty()) {
                parts.add(outputDirectory + " does not match the model files: " + String.join("; ", unmatched)
                        + " (run the compress goal)");
            }
            throw ModelBuildException.user("tenpak: " + String.join("; and ", parts));
        }
        if (manifest.models().isEmpty()) {
            return nothing("tenpak: " + manifestFile + " lists no artifacts; nothing to verify");
        }
        log.info("tenpak: verified " + manifest.models().size() + " artifact(s) in " + outputDirectory
                + " against their model files: sizes, SHA-256, checksums and decoding of " + tensors + " tensor(s) OK");
        return manifest.models().size();
    }

    private List<String> artifactsInFolder() throws ModelBuildException {
        try {
            return ModelFiles.artifacts(outputDirectory, ModelCompressor.ARTIFACT_EXTENSION);
        } catch (IOException | UncheckedIOException e) {
            throw ModelBuildException.environment(
                    "tenpak: cannot list the artifacts in " + outputDirectory + ": " + e, e);
        }
    }

    /**
     * The folder against the manifest and the sources: artifacts the manifest does not list, and model
     * files (found as the compress goal found them, {@link Manifest#sources()}) with no entry.
     */
    private List<String> unmatched(Manifest manifest, List<String> inFolder) throws ModelBuildException {
        List<String> out = new ArrayList<>();
        Set<String> listed = new HashSet<>();
        Set<String> inputs = new HashSet<>();
        for (Manifest.Entry e : manifest.models()) {
            listed.add(e.artifact());
            inputs.add(e.input());
        }
        for (String a : inFolder) {
            if (!listed.contains(a)) {
                out.add(a + ": no model file produced it (the manifest does not list it)");
            }
        }
        Manifest.Sources sources = manifest.sources();
        if (sources == null) {
            return out; // a manifest of an older tenpak: it does not say where its model files are
        }
        Path dir = baseDirectory.resolve(sources.directory()).normalize();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try {
            for (Path f : ModelFiles.scan(dir, sources.includes(), sources.excludes())) {
                String input = ModelFiles.projectPath(baseDirectory, f);
                if (!inputs.contains(input)) {
                    out.add("model file " + input + " has no artifact");
                }
            }
        } catch (IOException | UncheckedIOException e) {
            throw ModelBuildException.environment("tenpak: cannot list model files under " + dir + ": " + e, e);
        }
        return out;
    }

    /** The problem with an entry's model file (gone, or changed since it was compressed), or null. */
    private String checkSource(Manifest.Entry e) throws ModelBuildException {
        Path input = baseDirectory.resolve(e.input()).normalize();
        String name = e.artifact() + " (from " + e.input() + ")";
        if (!Files.isRegularFile(input)) {
            return name + ": its model file is gone, so the artifact is stale";
        }
        try {
            if (!Digests.modelKey(input).equals(e.inputSha256())) {
                return name + ": the model file changed since it was compressed";
            }
        } catch (IOException ex) {
            throw ModelBuildException.environment("tenpak: cannot read " + input + ": " + ex, ex);
        }
        return null;
    }

    private int nothing(String msg) throws ModelBuildException {
        if (failIfNoModels) {
            throw ModelBuildException.user(msg + " (failIfNoModels is set)");
        }
        log.warn(msg);
        return 0;
    }

    /** The problem with one artifact, naming it, or null when it is sound. */
    private String check(Manifest.Entry e) throws ModelBuildException {
        Path artifact = outputDirectory.resolve(e.artifact()).normalize();
        String name = e.artifact() + " (from " + e.input() + ")";
        if (!artifact.startsWith(outputDirectory)) {
            return name + ": path leaves " + outputDirectory;
        }
        if (!Files.isRegularFile(artifact)) {
            return name + ": missing";
        }
        try {
            long size = Files.size(artifact);
            if (size != e.artifactBytes()) {
                return name + ": " + size + " bytes, the manifest says " + e.artifactBytes();
            }
            String sha = Digests.sha256(artifact);
            if (!sha.equals(e.artifactSha256())) {
                return name + ": SHA-256 " + sha + " differs from the manifest's " + e.artifactSha256()
                        + " (changed after it was compressed)";
            }
        } catch (IOException ex) {
            throw ModelBuildException.environment("tenpak: cannot read " + artifact + ": " + ex, ex);
        }
        try {
            ArtifactSummary summary = Tenpak.inspect(artifact);
            if (!summary.checksumsOk()) {
                List<String> bad = summary.tensors().stream()
                        .filter(t -> !t.checksumOk())
                        .map(ArtifactSummary.Entry::name)
                        .toList();
                return name + ": checksum mismatch in tensor(s) " + bad;
            }
            if (summary.tensors().size() != e.tensors()) {
                return name + ": " + summary.tensors().size() + " tensors, the manifest says " + e.tensors();
            }
            try (Artifact r = Tenpak.open(artifact)) {
                for (TensorInfo t : r.index()) {
                    r.read(t.name()); // decodes every tensor: a codec or shape fault fails here
                }
            }
        } catch (TenpakException ex) {
            return name + ": " + ex.getMessage();
        }
        return null;
    }
}
