package dev.tenpak.maven.mojo;

import dev.tenpak.codec.Codecs;

import dev.tenpak.maven.build.CompressRequest;
import dev.tenpak.maven.build.ModelBuildException;
import dev.tenpak.maven.build.ModelCompressor;
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
 * {@code target/classes/models}, so they ship inside the jar, and writes {@code tenpak-manifest.json}
 * beside them. Logs one line per model file (sizes, ratio, MAE) and a total. A model file whose content
 * and settings are unchanged since the last build is not recompressed.
 *
 * <p>The goal only collects its parameters into a {@link CompressRequest}; the work is done by
 * {@link ModelCompressor} over the tenpak core.
 */
@Mojo(name = "compress", defaultPhase = LifecyclePhase.PROCESS_RESOURCES, threadSafe = true)
public final class CompressMojo extends AbstractMojo {
    /** The project being built; its folder anchors relative paths. */
    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    /**
     * The folder searched for model files.
     *
     * <pre>&lt;sourceDirectory&gt;${project.basedir}/models&lt;/sourceDirectory&gt;</pre>
     */
    @Parameter(property = "tenpak.sourceDirectory", defaultValue = "${project.basedir}/src/main/models")
    private File sourceDirectory;

    /**
     * Ant-style patterns, relative to {@code sourceDirectory}, of the model files to compress. Defaults to
     * every JSON bundle and safetensors file: {@code **}{@code /*.json} and {@code **}{@code /*.safetensors}.
     *
     * <pre>{@code
     * <includes>
     *   <include>encoders/*.safetensors</include>
     * </includes>
     * }</pre>
     */
    @Parameter(property = "tenpak.includes")
    private List<String> includes;

    /**
     * Ant-style patterns, relative to {@code sourceDirectory}, of files not to compress even though an
     * include matches them.
     *
     * <pre>{@code
     * <excludes>
     *   <exclude>**}{@code /config.json</exclude>
     * </excludes>
     * }</pre>
     */
    @Parameter(property = "tenpak.excludes")
    private List<String> excludes;

    /**
     * Where the artifacts and {@code tenpak-manifest.json} are written. A model file
     * {@code sub/encoder.json} becomes {@code sub/encoder.tenpak} here. The default puts them in the jar
     * under {@code models/}. Give each execution of the goal its own folder (a sub-folder holding another
     * execution's manifest is left alone): after a successful build it holds exactly that execution's
     * artifacts, and any other {@code .tenpak} file there is removed as stale.
     *
     * <pre>&lt;outputDirectory&gt;${project.build.outputDirectory}/weights&lt;/outputDirectory&gt;</pre>
     */
    @Parameter(property = "tenpak.outputDirectory", defaultValue = "${project.build.outputDirectory}/models")
    private File outputDirectory;

    /**
     * The codec for float tensors: any name of the tenpak codec registry
     * ({@link dev.tenpak.codec.Codecs#names()}; {@code tenpak compress --help} lists them, and an unknown
     * name fails the build with the list). The default is the registry's {@link dev.tenpak.codec.Codecs#DEFAULT}.
     * Changing it recompresses every model file.
     * Unused when {@code maxMae} is set.
     *
     * <pre>{@code <codec>int4_sym_v1</codec>}</pre>
     */
    @Parameter(property = "tenpak.codec", defaultValue = Codecs.DEFAULT)
    private String codec;

    /**
     * Let the planner choose the codecs: the smallest artifact whose mean absolute error (MAE) is at most
     * this, among the {@code candidates} (every lossy codec by default); when none meets it, the most
     * precise one. Replaces {@code codec}. Each file's plan is kept in {@code planDirectory}. Changing it
     * recompresses every model file.
     *
     * <pre>{@code <maxMae>0.0005</maxMae>}</pre>
     */
    @Parameter(property = "tenpak.maxMae")
    private Double maxMae;

    /**
     * With {@code maxMae}: apply the budget to each tensor and choose a codec per tensor, so the artifact
     * may mix codecs.
     *
     * <pre>{@code <perTensor>true</perTensor>}</pre>
     */
    @Parameter(property = "tenpak.perTensor", defaultValue = "false")
    private boolean perTensor;

    /**
     * With {@code maxMae}: the codecs the planner may choose from. Default: every lossy codec; {@code raw_v1}
     * competes only when listed (its error is 0, so it would always meet the budget).
     *
     * <pre>{@code
     * <candidates>
     *   <candidate>int8_sym_v1</candidate>
     *   <candidate>int4_sym_v1</candidate>
     * </candidates>
     * }</pre>
     */
    @Parameter(property = "tenpak.candidates")
    private List<String> candidates;

    /**
     * With {@code maxMae}: where each model file's plan ({@code <name>.plan.json}: every candidate's size
     * and error, the choice and why) is written. Not packaged.
     *
     * <pre>&lt;planDirectory&gt;${project.build.directory}/tenpak-plans&lt;/planDirectory&gt;</pre>
     */
    @Parameter(property = "tenpak.planDirectory", defaultValue = "${project.build.directory}/tenpak/plans")
    private File planDirectory;

    /**
     * An error budget: the build fails when a model file's mean absolute error (MAE) after compression is
     * larger than this. The failure names each file with its MAE and the budget. Unset: no budget.
     *
     * <pre>{@code <failOnErrorAbove>0.0005</failOnErrorAbove>}</pre>
     */
    @Parameter(property = "tenpak.failOnErrorAbove")
    private Double failOnErrorAbove;

    /**
     * Fail the build when no model file matches, instead of logging a warning.
     *
     * <pre>{@code <failIfNoModels>true</failIfNoModels>}</pre>
     */
    @Parameter(property = "tenpak.failIfNoModels", defaultValue = "false")
    private boolean failIfNoModels;

    /**
     * Recompress every model file, even those that are up to date.
     *
     * <pre>{@code <force>true</force>}</pre>
     */
    @Parameter(property = "tenpak.force", defaultValue = "false")
    private boolean force;

    /**
     * Regular expressions of tensor names to keep exact ({@code raw_v1}) whatever the codec; a name
     * matches when the expression is found anywhere in it (anchor with {@code ^} and {@code $}).
     * Changing them recompresses every model file. Unused with {@code maxMae}: the plan decides every tensor.
     *
     * <pre>{@code
     * <keepRaw>
     *   <regex>embeddings</regex>
     *   <regex>^lm_head\.weight$</regex>
     * </keepRaw>
     * }</pre>
     */
    @Parameter(property = "tenpak.keepRaw")
    private List<String> keepRaw;

    /**
     * The small-tensor rule: 1-D tensors and tensors with fewer than this many elements stay exact
     * ({@code raw_v1}); 0 quantizes them too. Default: the codec's own threshold
     * ({@link dev.tenpak.codec.Codec#defaultMinElements()}: 4096 for the group-wise codecs, 0 for the per-tensor ones). The group size itself is part of the codec's
     * name ({@code int4_sym_g32_v1}). Unused with {@code maxMae}.
     *
     * <pre>{@code <minElements>1024</minElements>}</pre>
     */
    @Parameter(property = "tenpak.minElements")
    private Long minElements;

    /**
     * How many tensors of a model file are encoded at once. Default: the available processors. The
     * artifact's bytes do not depend on it; in a {@code -T} build each module compresses with its own.
     *
     * <pre>{@code <threads>2</threads>}</pre>
     */
    @Parameter(property = "tenpak.threads")
    private Integer threads;

    /**
     * Skip tenpak: compress nothing (the {@code verify} goal honours the same switch).
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
            new ModelCompressor(request(), new MavenBuildLog(getLog())).run();
        } catch (ModelBuildException e) {
            MavenBuildLog.rethrow(e);
        }
    }

    /** The parameters as a checked request; package-private for the mapping tests. */
    CompressRequest request() throws ModelBuildException {
        return new CompressRequest.Builder()
                .baseDirectory(project.getBasedir())
                .sourceDirectory(sourceDirectory)
                .includes(includes)
                .excludes(excludes)
                .outputDirectory(outputDirectory)
                .codec(codec)
                .maxMae(maxMae)
                .perTensor(perTensor)
                .candidates(candidates)
                .planDirectory(planDirectory)
                .failOnErrorAbove(failOnErrorAbove)
                .failIfNoModels(failIfNoModels)
                .force(force)
                .threads(threads)
                .keepRaw(keepRaw)
                .minElements(minElements)
                .build();
    }
}
