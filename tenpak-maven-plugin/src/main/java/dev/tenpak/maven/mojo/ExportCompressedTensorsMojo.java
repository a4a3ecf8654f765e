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
 * Writes a tenpak artifact compressed from a Hugging Face folder as a compressed-tensors folder, which
 * transformers (with the compressed-tensors package) and vLLM load quantized: the stored codes of the
 * symmetric int4 and int8 group codecs are laid out again without quantizing again, so the served model
 * is the one that was measured. Linear layers stored raw or with a codec the format cannot express stay
 * dense. Logs how many layers were quantized and with which codec, which stayed dense and why, and the
 * bytes of weights. A failed export leaves no folder, or the previous one as it was. An artifact, folder
 * and tenpak version unchanged since the last export are not exported again. Runs in the package phase,
 * after the artifact is built and beside the jar. Needs Maven 3.9 or newer running on JDK 25 or newer.
 */
@Mojo(name = "export-compressed-tensors", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public final class ExportCompressedTensorsMojo extends AbstractMojo {
    /** The project being built; its folder anchors relative paths. */
    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    /** Where the state of the incremental export is kept. */
    @Parameter(defaultValue = "${project.build.directory}/tenpak/exports", readonly = true, required = true)
    private File stateDirectory;

    /**
     * The tenpak artifact to export: a .tenpak file compressed from a Hugging Face folder (one holding
     * config.json), by tenpak compress, by tenpak.hf, or by the compress goal when it includes the folder's
     * model.safetensors.index.json. An artifact without config.json, or whose Linear layers no symmetric
     * group codec stored, fails the build with the reason.
     */
    @Parameter(property = "tenpak.artifact")
    private File artifact;

    /**
     * The compressed-tensors folder to write: config.json with its quantization_config, the weights, and
     * the tokenizer and generation files the artifact carries. It is built beside its place and swapped in
     * when complete. An existing folder keeps files the export does not write, except other weight files.
     */
    @Parameter(property = "tenpak.exportDirectory", defaultValue = "${project.build.directory}/compressed-tensors")
    private File exportDirectory;

    /**
     * How many tensors are decoded at once. Default: the available processors. The folder's bytes do not
     * depend on it.
     */
    @Parameter(property = "tenpak.threads")
    private Integer threads;

    /**
     * Export again even when the folder is up to date.
     */
    @Parameter(property = "tenpak.force", defaultValue = "false")
    private boolean force;

    /**
     * Skip tenpak: export nothing (the compress and verify goals honour the same switch).
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
        EngineCall.run("exportCompressedTensors", settings(), getLog());
    }

    /** The parameters as Maven injected them; package-private for the mapping tests. */
    ExportSettings settings() {
        return new ExportSettings(project.getBasedir(), stateDirectory, artifact, exportDirectory, threads, force);
    }
}
