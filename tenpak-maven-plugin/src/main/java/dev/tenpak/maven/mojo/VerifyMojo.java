package dev.tenpak.maven.mojo;

import java.io.File;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * Checks the output folder against the model files: re-opens every artifact listed in
 * {@code tenpak-manifest.json} (its size and SHA-256 against the manifest, every tensor's checksum, every
 * tensor decodes), checks that its model file still exists unchanged, that no {@code .tenpak} file in the
 * folder lacks a model file (a stale artifact would ship in the jar), and that no model file (found as
 * the compress goal found them) lacks an artifact. Fails the build naming each artifact or model file
 * with a problem. Needs Maven 3.9 or newer running on JDK 25 or newer.
 */
@Mojo(name = "verify", defaultPhase = LifecyclePhase.VERIFY, threadSafe = true)
public final class VerifyMojo extends AbstractMojo {
    /** The project being built; the manifest's model file paths are relative to its folder. */
    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    /**
     * The folder holding the artifacts and {@code tenpak-manifest.json}: the compress goal's
     * {@code outputDirectory}.
     */
    @Parameter(property = "tenpak.outputDirectory", defaultValue = "${project.build.outputDirectory}/models")
    private File outputDirectory;

    /**
     * Fail the build when there is no manifest or it lists no artifact, instead of logging a warning.
     */
    @Parameter(property = "tenpak.failIfNoModels", defaultValue = "false")
    private boolean failIfNoModels;

    /**
     * Skip tenpak: verify nothing.
     */
    @Parameter(property = "tenpak.skip", defaultValue = "false")
    private boolean skip;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("tenpak: skipped (tenpak.skip)");
            return;
        }
        EngineCall.checkJdk();
        EngineCall.run("verify", new VerifySettings(project.getBasedir(), outputDirectory, failIfNoModels), getLog());
    }
}
