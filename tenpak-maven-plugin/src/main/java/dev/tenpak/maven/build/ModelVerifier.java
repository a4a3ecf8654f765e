package dev.tenpak.maven.build;

import dev.tenpak.tensor.Artifact;

import dev.tenpak.report.ArtifactSummary;
import dev.tenpak.Tenpak;
import dev.tenpak.error.TenpakException;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.tensor.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Re-opens every artifact listed in a {@link Manifest} and proves it is the artifact the manifest
 * describes and that it decodes: the file exists with the recorded size and SHA-256, every payload
 * matches its CRC32C ({@link Tenpak#inspect}), and every tensor decodes. All problems are collected
 * and reported together, each naming its artifact.
 */
public final class ModelVerifier {
    private final Path outputDirectory;
    private final boolean failIfNoModels;
    private final BuildLog log;

    /**
     * @param outputDirectory the folder holding the artifacts and {@value Manifest#FILE_NAME}
     * @param failIfNoModels  whether a missing or empty manifest fails the build (otherwise a warning)
     */
    public ModelVerifier(Path outputDirectory, boolean failIfNoModels, BuildLog log) {
        this.outputDirectory = outputDirectory.toAbsolutePath().normalize();
        this.failIfNoModels = failIfNoModels;
        this.log = Objects.requireNonNull(log);
    }

    /** Returns the number of artifacts verified. */
    public int run() throws ModelBuildException {
        Path manifestFile = outputDirectory.resolve(Manifest.FILE_NAME);
        if (!Files.isRegularFile(manifestFile)) {
            return nothing("tenpak: no " + manifestFile + "; nothing to verify (did the compress goal run?)");
        }
        Manifest manifest;
        try {
            manifest = Manifest.read(manifestFile);
        } catch (IOException e) {
            throw ModelBuildException.user("tenpak: cannot read " + manifestFile + ": " + e.getMessage(), e);
        }
        if (manifest.models().isEmpty()) {
            return nothing("tenpak: " + manifestFile + " lists no artifacts; nothing to verify");
        }
        List<String> problems = new ArrayList<>();
        long tensors = 0;
        for (Manifest.Entry e : manifest.models()) {
            String problem = check(e);
            if (problem == null) {
                tensors += e.tensors();
            } else {
                problems.add(problem);
            }
        }
        if (!problems.isEmpty()) {
            throw ModelBuildException.user("tenpak: " + problems.size() + " of " + manifest.models().size()
                    + " artifact(s) failed verification: " + String.join("; ", problems));
        }
        log.info("tenpak: verified " + manifest.models().size() + " artifact(s) in " + outputDirectory
                + ": sizes, SHA-256, checksums and decoding of " + tensors + " tensor(s) OK");
        return manifest.models().size();
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
                List<String> bad = summary.tensors().stream().filter(t -> !t.checksumOk()).map(ArtifactSummary.Entry::name).toList();
                return name + ": checksum mismatch in tensor(s) " + bad;
            }
            if (summary.tensors().size() != e.tensors()) {
                return name + ": " + summary.tensors().size() + " tensors, the manifest says " + e.tensors();
            }
            try (Artifact r = Tenpak.open(artifact)) {
                for (TensorInfo t : r.index()) {
                    r.read(t.name());   // decodes every tensor: a codec or shape fault fails here
                }
            }
        } catch (TenpakException ex) {
            return name + ": " + ex.getMessage();
        }
        return null;
    }
}
