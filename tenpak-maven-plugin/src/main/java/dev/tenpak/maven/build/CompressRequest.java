package dev.tenpak.maven.build;

import dev.tenpak.Tenpak;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.TenpakException;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.EntropyMode;
import dev.tenpak.options.PlanOptions;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * Everything the compress goal needs, resolved and checked: absolute folders, patterns, the core's
 * {@link CompressOptions}. Immutable. Built from the goal's raw parameter values by {@link Builder},
 * which applies the defaults and turns every bad value into a {@link ModelBuildException} that names
 * the parameter.
 *
 * @param baseDirectory    the project folder; manifest input paths are relative to it
 * @param sourceDirectory  where model files are looked for
 * @param includes         Ant patterns of model files, relative to {@code sourceDirectory}
 * @param excludes         Ant patterns taken out of {@code includes}
 * @param outputDirectory  where artifacts and the manifest are written
 * @param options          how the core compresses each file (its codec is unused when {@code plan} is set)
 * @param plan             when set, each file's codecs are chosen by {@link Tenpak#plan} under an MAE budget
 *                         or a bits-per-weight budget
 * @param planDirectory    where the plans are written ({@code <artifact name>.plan.json}), for inspection
 * @param failOnErrorAbove the largest MAE a model file may have, or empty for no budget
 * @param failIfNoModels   whether finding no model file fails the build (otherwise a warning)
 * @param force            whether to recompress files that are up to date
 * @param tenpakVersion    the engine's version; part of the settings, so a new engine recompresses
 */
public record CompressRequest(
        Path baseDirectory,
        Path sourceDirectory,
        List<String> includes,
        List<String> excludes,
        Path outputDirectory,
        CompressOptions options,
        Optional<PlanOptions> plan,
        Path planDirectory,
        OptionalDouble failOnErrorAbove,
        boolean failIfNoModels,
        boolean force,
        String tenpakVersion) {
    /** Model files compressed when no includes are given: JSON bundles and safetensors files. */
    public static final List<String> DEFAULT_INCLUDES = List.of("**/*.json", "**/*.safetensors");
    /** Where model files live unless {@code sourceDirectory} says otherwise, relative to the project. */
    public static final String DEFAULT_SOURCE_DIRECTORY = "src/main/models";
    /** Where artifacts go unless {@code outputDirectory} says otherwise, relative to the project. */
    public static final String DEFAULT_OUTPUT_DIRECTORY = "target/classes/models";
    /** Where plans go unless {@code planDirectory} says otherwise, relative to the project. */
    public static final String DEFAULT_PLAN_DIRECTORY = "target/tenpak/plans";

    public CompressRequest {
        includes = List.copyOf(includes);
        excludes = List.copyOf(excludes);
    }

    /**
     * The settings that shape an artifact, as recorded in the manifest. An input is recompressed when
     * any of them changes; the error budget is not among them because it does not change the bytes.
     */
    public Map<String, String> settings() {
        Map<String, String> s = new TreeMap<>();
        if (plan.isPresent()) {
            PlanOptions p = plan.get();
            if (p.maxMae() != null) {
                s.put("plan.maxMae", Double.toString(p.maxMae()));
            } else {
                s.put("plan.maxBitsPerWeight", Double.toString(p.maxBitsPerWeight()));
            }
            s.put("plan.perTensor", Boolean.toString(p.perTensor()));
            s.put("plan.candidates", p.codecs().isEmpty() ? "all" : String.join(",", p.codecs()));
        } else {
            s.put("codec", options.codec());
        }
        if (options.entropy() != EntropyMode.OFF) {
            // only when on: artifacts without the stage are the bytes they were before it existed
            s.put("entropy", options.entropy().name().toLowerCase(Locale.ROOT));
        }
        s.put("inputFormat", options.inputFormat().name().toLowerCase(Locale.ROOT));
        s.put("keepRaw", options.keepRaw().toString());
        s.put("minElements", Long.toString(options.minElements()));
        s.put("tenpakVersion", tenpakVersion);
        return Collections.unmodifiableMap(s);
    }

    /** Collects the goal's parameters as Maven hands them over (nulls for unset values). */
    public static final class Builder {
        private File baseDirectory;
        private File sourceDirectory;
        private List<String> includes;
        private List<String> excludes;
        private File outputDirectory;
        private String codec;
        private Double failOnErrorAbove;
        private Double maxMae;
        private Double maxBitsPerWeight;
        private boolean perTensor;
        private List<String> candidates;
        private File planDirectory;
        private boolean failIfNoModels;
        private boolean force;
        private Integer threads;
        private List<String> keepRaw;
        private Long minElements;
        private String entropy;
        private String tenpakVersion;

        public Builder baseDirectory(File v) {
            baseDirectory = v;
            return this;
        }

        public Builder sourceDirectory(File v) {
            sourceDirectory = v;
            return this;
        }

        public Builder includes(List<String> v) {
            includes = v;
            return this;
        }

        public Builder excludes(List<String> v) {
            excludes = v;
            return this;
        }

        public Builder outputDirectory(File v) {
            outputDirectory = v;
            return this;
        }

        public Builder codec(String v) {
            codec = v;
            return this;
        }

        public Builder failOnErrorAbove(Double v) {
            failOnErrorAbove = v;
            return this;
        }

        public Builder maxMae(Double v) {
            maxMae = v;
            return this;
        }

        /** The size budget in stored bits per float weight; null for none. */
        public Builder maxBitsPerWeight(Double v) {
            maxBitsPerWeight = v;
            return this;
        }

        public Builder perTensor(boolean v) {
            perTensor = v;
            return this;
        }

        public Builder candidates(List<String> v) {
            candidates = v;
            return this;
        }

        public Builder planDirectory(File v) {
            planDirectory = v;
            return this;
        }

        public Builder failIfNoModels(boolean v) {
            failIfNoModels = v;
            return this;
        }

        public Builder force(boolean v) {
            force = v;
            return this;
        }

        /** Tensors encoded at once per model file; null for the core's default (the available processors). */
        public Builder threads(Integer v) {
            threads = v;
            return this;
        }

        /** Regexes of tensor names kept {@code raw_v1}; null or empty for none. */
        public Builder keepRaw(List<String> v) {
            keepRaw = v;
            return this;
        }

        /** The small-tensor threshold; null for the codec's default ({@code CompressOptions.AUTO_MIN_ELEMENTS}). */
        public Builder minElements(Long v) {
            minElements = v;
            return this;
        }

        /** {@code off} or {@code auto}, for compress and the planner alike; null for off. */
        public Builder entropy(String v) {
            entropy = v;
            return this;
        }

        /** Overrides {@link Tenpak#version()} (tests simulate an engine upgrade with it). */
        public Builder tenpakVersion(String v) {
            tenpakVersion = v;
            return this;
        }

        /** Applies defaults and checks every value; a user error names the parameter at fault. */
        public CompressRequest build() throws ModelBuildException {
            if (baseDirectory == null) {
                throw ModelBuildException.user("tenpak: the project folder (basedir) is not known");
            }
            Path base = baseDirectory.toPath().toAbsolutePath().normalize();
            Path source = resolve(base, sourceDirectory, DEFAULT_SOURCE_DIRECTORY);
            Path output = resolve(base, outputDirectory, DEFAULT_OUTPUT_DIRECTORY);
            if (output.startsWith(source)) {
                throw ModelBuildException.user(
                        "tenpak: outputDirectory " + output + " lies inside sourceDirectory " + source
                                + "; the artifacts would be read back as models. Choose an outputDirectory outside it.");
            }
            List<String> inc = patterns(includes);
            if (inc.isEmpty()) {
                inc = DEFAULT_INCLUDES;
            }
            String codecName = codec == null || codec.isBlank() ? Codecs.DEFAULT : codec.strip();
            CompressOptions options;
            try {
                options = CompressOptions.defaults().withCodec(codecName);
            } catch (TenpakException e) {
                throw ModelBuildException.user("tenpak: bad <codec> (tenpak.codec): " + e.getMessage(), e);
            }
            try {
                options = options.withKeepRaw(trimmed(keepRaw));
            } catch (TenpakException e) {
                throw ModelBuildException.user("tenpak: bad <keepRaw> (tenpak.keepRaw): " + e.getMessage(), e);
            }
            if (minElements != null) {
                if (minElements < 0) {
                    throw ModelBuildException.user("tenpak: bad <minElements> (tenpak.minElements): " + minElements
                            + "; 0 turns the small-tensor rule off, N > 0 keeps tensors under N elements raw");
                }
                options = options.withMinElements(minElements);
            }
            if (entropy != null && !entropy.isBlank()) {
                try {
                    options = options.withEntropy(EntropyMode.parse(entropy));
                } catch (TenpakException e) {
                    throw ModelBuildException.user("tenpak: bad <entropy> (tenpak.entropy): " + e.getMessage(), e);
                }
            }
            if (threads != null) {
                if (threads < 1) {
                    throw ModelBuildException.user("tenpak: bad <threads> (tenpak.threads): " + threads
                            + "; it is the number of tensors encoded at once, at least 1");
                }
                options = options.withThreads(threads);
            }
            OptionalDouble budget = OptionalDouble.empty();
            if (failOnErrorAbove != null) {
                budget = OptionalDouble.of(requireBudget("failOnErrorAbove", failOnErrorAbove));
            }
            Optional<PlanOptions> plan = Optional.empty();
            if (maxMae != null && maxBitsPerWeight != null) {
                throw ModelBuildException.user("tenpak: <maxMae> (tenpak.maxMae) and <maxBitsPerWeight> "
                        + "(tenpak.maxBitsPerWeight) are two kinds of plan budget; set one");
            }
            if (maxBitsPerWeight != null) {
                if (!(maxBitsPerWeight > 0) || Double.isInfinite(maxBitsPerWeight)) {
                    throw ModelBuildException.user("tenpak: bad <maxBitsPerWeight> (tenpak.maxBitsPerWeight): "
                            + maxBitsPerWeight + "; it is stored bits per float weight, a finite number > 0");
                }
                if (perTensor) {
                    throw ModelBuildException.user("tenpak: <perTensor> (tenpak.perTensor) goes with <maxMae>; "
                            + "<maxBitsPerWeight> always chooses a codec per tensor");
                }
            }
            if (maxMae != null || maxBitsPerWeight != null) {
                try {
                    plan = Optional.of((maxMae != null
                                    ? PlanOptions.of(requireBudget("maxMae", maxMae))
                                            .withPerTensor(perTensor)
                                    : PlanOptions.ofBitsPerWeight(maxBitsPerWeight))
                            .withCodecs(trimmed(candidates))
                            .withInputFormat(options.inputFormat())
                            .withEntropy(options.entropy()));
                } catch (TenpakException e) {
                    throw ModelBuildException.user(
                            "tenpak: bad <candidates> (tenpak.candidates): " + e.getMessage(), e);
                }
            }
            Path plans = resolve(base, planDirectory, DEFAULT_PLAN_DIRECTORY);
            String version = tenpakVersion == null ? Tenpak.version() : tenpakVersion;
            return new CompressRequest(
                    base,
                    source,
                    inc,
                    patterns(excludes),
                    output,
                    options,
                    plan,
                    plans,
                    budget,
                    failIfNoModels,
                    force,
                    version);
        }

        private static double requireBudget(String parameter, double b) throws ModelBuildException {
            if (!(b >= 0) || Double.isInfinite(b)) {
                throw ModelBuildException.user("tenpak: bad <" + parameter + "> (tenpak." + parameter + "): " + b
                        + "; it is a mean absolute error, a finite number >= 0");
            }
            return b;
        }

        private static Path resolve(Path base, File dir, String fallback) {
            Path p = dir == null ? base.resolve(fallback) : base.resolve(dir.toPath());
            return p.toAbsolutePath().normalize();
        }

        /** Path patterns: {@link #trimmed} with {@code '/'} separators. */
        private static List<String> patterns(List<String> raw) {
            return trimmed(raw).stream().map(s -> s.replace('\\', '/')).toList();
        }

        /** Trims values and drops blank ones (an empty XML element); regexes and names stay as written. */
        private static List<String> trimmed(List<String> raw) {
            List<String> out = new ArrayList<>();
            if (raw != null) {
                for (String s : raw) {
                    if (s != null && !s.isBlank()) {
                        out.add(s.strip());
                    }
                }
            }
            return out;
        }
    }
}
