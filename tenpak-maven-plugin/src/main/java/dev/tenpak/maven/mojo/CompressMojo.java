package dev.tenpak.maven.mojo;

import java.io.File;
import java.util.List;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * Compresses the project's model files (JSON bundles, safetensors files) into tenpak artifacts under
 * target/classes/models, so they ship inside the jar, and writes tenpak-manifest.json beside them.
 * Logs one line per model file (sizes, ratio, MAE) and a total. A model file whose content and
 * settings are unchanged since the last build is not recompressed. Needs Maven 3.9 or newer running
 * on JDK 25 or newer. The README's Maven section has sample configurations.
 */
@Mojo(name = "compress", defaultPhase = LifecyclePhase.PROCESS_RESOURCES, threadSafe = true)
public final class CompressMojo extends AbstractMojo {
    /**
     * The engine's default codec, Codecs.DEFAULT of tenpak-core, written out because this class must not
     * name a Java 25 class (CompressMojoTest checks that the two agree).
     */
    static final String DEFAULT_CODEC = "int8_sym_v1";

    /** The project being built; its folder anchors relative paths. */
    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    /**
     * The folder searched for model files.
     */
    @Parameter(property = "tenpak.sourceDirectory", defaultValue = "${project.basedir}/src/main/models")
    private File sourceDirectory;

    /**
     * Ant-style patterns, relative to {@code sourceDirectory}, of the model files to compress. Defaults to
     * every JSON bundle and safetensors file: {@code **}{@code /*.json} and {@code **}{@code /*.safetensors}.
     */
    @Parameter(property = "tenpak.includes")
    private List<String> includes;

    /**
     * Ant-style patterns, relative to {@code sourceDirectory}, of files not to compress even though an
     * include matches them.
     */
    @Parameter(property = "tenpak.excludes")
    private List<String> excludes;

    /**
     * Where the artifacts and {@code tenpak-manifest.json} are written. A model file
     * {@code sub/encoder.json} becomes {@code sub/encoder.tenpak} here. The default puts them in the jar
     * under {@code models/}. Give each execution of the goal its own folder (a sub-folder holding another
     * execution's manifest is left alone): after a successful build it holds exactly that execution's
     * artifacts, and any other {@code .tenpak} file there is removed as stale.
     */
    @Parameter(property = "tenpak.outputDirectory", defaultValue = "${project.build.outputDirectory}/models")
    private File outputDirectory;

    /**
     * The codec for float tensors, for example int8_sym_v1 or int4_sym_g32_v1: any codec name of tenpak
     * ({@code tenpak compress --help} lists them, and an unknown name fails the build with the list).
     * Changing it recompresses every model file.
     * Unused when {@code maxMae} or {@code maxBitsPerWeight} is set.
     */
    @Parameter(property = "tenpak.codec", defaultValue = DEFAULT_CODEC)
    private String codec;

    /**
     * Let the planner choose the codecs: the smallest artifact whose mean absolute error (MAE) is at most
     * this, among the {@code candidates} (every lossy codec by default); when none meets it, the most
     * precise one. Replaces {@code codec}. Each file's plan is kept in {@code planDirectory}. Changing it
     * recompresses every model file.
     */
    @Parameter(property = "tenpak.maxMae")
    private Double maxMae;

    /**
     * Let the planner choose a codec per tensor under a size budget: the least total squared error whose
     * stored bits (payload and codec parameters of every tensor) are at most this many per float weight,
     * among the {@code candidates} (every lossy codec by default). For example 4.5 mixes 4- to 6-bit codecs
     * where each pays most. A budget under the smallest codec of every tensor fails the build naming the
     * smallest achievable. Replaces {@code codec}; not with {@code maxMae}. Each file's plan is kept in
     * {@code planDirectory}. Changing it recompresses every model file.
     */
    @Parameter(property = "tenpak.maxBitsPerWeight")
    private Double maxBitsPerWeight;

    /**
     * With {@code maxMae}: apply the budget to each tensor and choose a codec per tensor, so the artifact
     * may mix codecs ({@code maxBitsPerWeight} always does).
     */
    @Parameter(property = "tenpak.perTensor", defaultValue = "false")
    private boolean perTensor;

    /**
     * With {@code maxMae} or {@code maxBitsPerWeight}: the codecs the planner may choose from. Default: every lossy codec; {@code raw_v1}
     * competes only when listed (its error is 0, so it would always meet the budget).
     */
    @Parameter(property = "tenpak.candidates")
    private List<String> candidates;

    /**
     * With {@code maxMae} or {@code maxBitsPerWeight}: where each model file's plan (NAME.plan.json: every candidate's size
     * and error, the choice and why) is written. Not packaged.
     */
    @Parameter(property = "tenpak.planDirectory", defaultValue = "${project.build.directory}/tenpak/plans")
    private File planDirectory;

    /**
     * An error budget: the build fails when a model file's mean absolute error (MAE) after compression is
     * larger than this. The failure names each file with its MAE and the budget. Unset: no budget.
     */
    @Parameter(property = "tenpak.failOnErrorAbove")
    private Double failOnErrorAbove;

    /**
     * Fail the build when no model file matches, instead of logging a warning.
     */
    @Parameter(property = "tenpak.failIfNoModels", defaultValue = "false")
    private boolean failIfNoModels;

    /**
     * Recompress every model file, even those that are up to date.
     */
    @Parameter(property = "tenpak.force", defaultValue = "false")
    private boolean force;

    /**
     * Regular expressions of tensor names to keep exact ({@code raw_v1}) whatever the codec; a name
     * matches when the expression is found anywhere in it (anchor with {@code ^} and {@code $}).
     * Changing them recompresses every model file. Unused with a plan budget: the plan decides every tensor.
     */
    @Parameter(property = "tenpak.keepRaw")
    private List<String> keepRaw;

    /**
     * The small-tensor rule: 1-D tensors and tensors with fewer than this many elements stay exact
     * ({@code raw_v1}); 0 quantizes them too. Default: the codec's own threshold (4096 for the group-wise
     * codecs, 0 for the per-tensor ones). The group size itself is part of the codec's name
     * ({@code int4_sym_g32_v1}). Unused with a plan budget.
     */
    @Parameter(property = "tenpak.minElements")
    private Long minElements;

    /**
     * The entropy stage: {@code auto} stores each lossy tensor's codes through it when that makes them
     * smaller (artifact format v2, which tenpak before the stage does not read), and with
     * {@code maxMae} or {@code maxBitsPerWeight} the planner counts every size so stored, so a size
     * budget can buy codes the stage shrinks (int8 codes cost about 5 bits on trained weights);
     * {@code off} never (format v1). Default: off. Changing it to auto recompresses every model file.
     */
    @Parameter(property = "tenpak.entropy", defaultValue = "off")
    private String entropy;

    /**
     * How many tensors of a model file are encoded at once. Default: the available processors. The
     * artifact's bytes do not depend on it; in a {@code -T} build each module compresses with its own.
     */
    @Parameter(property = "tenpak.threads")
    private Integer threads;

    /**
     * Skip tenpak: compress nothing (the {@code verify} goal honours the same switch).
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
        EngineCall.run("compress", settings(), getLog());
    }

    /** The parameters as Maven injected them; package-private for the mapping tests. */
    CompressSettings settings() {
        return new CompressSettings(
                project.getBasedir(),
                sourceDirectory,
                includes,
                excludes,
                outputDirectory,
                codec,
                maxMae,
                maxBitsPerWeight,
                perTensor,
                candidates,
                planDirectory,
                failOnErrorAbove,
                failIfNoModels,
                force,
                threads,
                keepRaw,
                minElements,
                entropy);
    }
}
