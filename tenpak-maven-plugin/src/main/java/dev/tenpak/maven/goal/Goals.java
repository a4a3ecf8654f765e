package dev.tenpak.maven.goal;

import dev.tenpak.maven.build.CompressRequest;
import dev.tenpak.maven.build.CompressedTensorsExporter;
import dev.tenpak.maven.build.ModelBuildException;
import dev.tenpak.maven.build.ModelCompressor;
import dev.tenpak.maven.build.ModelVerifier;
import dev.tenpak.maven.mojo.CompressSettings;
import dev.tenpak.maven.mojo.ExportSettings;
import dev.tenpak.maven.mojo.VerifySettings;
import java.nio.file.Path;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.Log;

/** What each goal does once the JDK is known to be new enough; called by name from {@code dev.tenpak.maven.mojo}. */
public final class Goals {
    private Goals() {}

    /** The compress goal: checks the settings, compresses the model files, writes the manifest. */
    public static void compress(CompressSettings settings, Log log)
            throws MojoExecutionException, MojoFailureException {
        try {
            new ModelCompressor(request(settings), new MavenBuildLog(log)).run();
        } catch (ModelBuildException e) {
            MavenBuildLog.rethrow(e);
        }
    }

    /** The verify goal: re-opens and checks every artifact of the manifest. */
    public static void verify(VerifySettings settings, Log log) throws MojoExecutionException, MojoFailureException {
        try {
            new ModelVerifier(
                            settings.baseDirectory().toPath(),
                            settings.outputDirectory().toPath(),
                            settings.failIfNoModels(),
                            new MavenBuildLog(log))
                    .run();
        } catch (ModelBuildException e) {
            MavenBuildLog.rethrow(e);
        }
    }

    /** The export-compressed-tensors goal: writes the artifact as a compressed-tensors folder, unless up to date. */
    public static void exportCompressedTensors(ExportSettings settings, Log log)
            throws MojoExecutionException, MojoFailureException {
        try {
            exporter(settings, log).run();
        } catch (ModelBuildException e) {
            MavenBuildLog.rethrow(e);
        }
    }

    /** The export goal's settings as an exporter; relative paths are resolved against the project folder. */
    public static CompressedTensorsExporter exporter(ExportSettings s, Log log) {
        Path base = s.baseDirectory().toPath();
        Path state = s.stateDirectory() == null
                ? base.resolve("target/tenpak/exports")
                : s.stateDirectory().toPath();
        Path folder = s.exportDirectory() == null
                ? base.resolve("target/compressed-tensors")
                : s.exportDirectory().toPath();
        return new CompressedTensorsExporter(
                base,
                s.artifact() == null ? null : s.artifact().toPath(),
                folder,
                state,
                s.force(),
                s.threads(),
                null,
                new MavenBuildLog(log));
    }

    /** The compress goal's settings as a checked request. */
    public static CompressRequest request(CompressSettings s) throws ModelBuildException {
        return new CompressRequest.Builder()
                .baseDirectory(s.baseDirectory())
                .sourceDirectory(s.sourceDirectory())
                .includes(s.includes())
                .excludes(s.excludes())
                .outputDirectory(s.outputDirectory())
                .codec(s.codec())
                .maxMae(s.maxMae())
                .maxBitsPerWeight(s.maxBitsPerWeight())
                .perTensor(s.perTensor())
                .candidates(s.candidates())
                .planDirectory(s.planDirectory())
                .failOnErrorAbove(s.failOnErrorAbove())
                .failIfNoModels(s.failIfNoModels())
                .force(s.force())
                .threads(s.threads())
                .keepRaw(s.keepRaw())
                .minElements(s.minElements())
                .entropy(s.entropy())
                .build();
    }
}
