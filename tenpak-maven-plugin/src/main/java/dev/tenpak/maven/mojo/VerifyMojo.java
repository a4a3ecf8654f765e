package dev.tenpak.maven.mojo;

import dev.tenpak.maven.build.ModelBuildException;
import dev.tenpak.maven.build.ModelVerifier;
import java.io.File;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Re-opens every artifact listed in {@code tenpak-manifest.json}: checks its size and SHA-256 against the
 * manifest, every tensor's checksum, and that every tensor decodes. Fails the build naming each artifact
 * with a problem. The work is done by {@link ModelVerifier}.
 */
@Mojo(name = "verify", defaultPhase = LifecyclePhase.VERIFY, threadSafe = true)
public final class VerifyMojo extends AbstractMojo {
    /**
     * The folder holding the artifacts and {@code tenpak-manifest.json}: the compress goal's
     * {@code outputDirectory}.
     *
     * <pre>&lt;outputDirectory&gt;${project.build.outputDirectory}/weights&lt;/outputDirectory&gt;</pre>
     */
    @Parameter(property = "tenpak.outputDirectory", defaultValue = "${project.build.outputDirectory}/models")
    private File outputDirectory;

    /**
     * Fail the build when there is no manifest or it lists no artifact, instead of logging a warning.
     *
     * <pre>{@code <failIfNoModels>true</failIfNoModels>}</pre>
     */
    @Parameter(property = "tenpak.failIfNoModels", defaultValue = "false")
    private boolean failIfNoModels;

    /**
     * Skip tenpak: verify nothing.
     *
     * <pre>{@code <skip>true</skip>}</pre>
     */
    @Parameter(property = "tenpak.skip", defaultValue = "false")
    private boolean skip;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("tenpak: skipped (tenpak.skip)");
            return;
        }
        try {
            new ModelVerifier(outputDirectory.toPath(), failIfNoModels, new MavenBuildLog(getLog())).run();
        } catch (ModelBuildException e) {
            MavenBuildLog.rethrow(e);
        }
    }
}
