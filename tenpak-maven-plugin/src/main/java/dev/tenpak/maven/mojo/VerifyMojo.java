package dev.tenpak.maven.mojo;

import java.io.File;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Re-opens every artifact listed in tenpak-manifest.json: checks its size and SHA-256 against the
 * manifest, every tensor's checksum, and that every tensor decodes. Fails the build naming each
 * artifact with a problem. Needs Maven 3.9 or newer running on JDK 25 or newer.
 */
@Mojo(name = "verify", defaultPhase = LifecyclePhase.VERIFY, threadSafe = true)
public final class VerifyMojo extends AbstractMojo {
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
        EngineCall.run("verify", new VerifySettings(outputDirectory, failIfNoModels), getLog());
    }
}
