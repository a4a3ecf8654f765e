package dev.tenpak.cli;

import dev.tenpak.error.MissingDependencyException;
import dev.tenpak.error.TenpakException;
import dev.tenpak.error.TenpakIOException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code tenpak runeval}: perplexity and size of a causal language model under each codec, and the
 * storage of a fine-tune as a delta. A thin shell: it finds a suitable Python
 * ({@link PythonEnvironment}) and runs the harness {@code python -m tenpak.eval} with the same
 * arguments, streaming its tables to stdout and its progress to stderr. The harness drives the
 * engine in-process through the Python package's JPype bridge, with this jar on its classpath.
 */
@Command(
        name = "runeval",
        mixinStandardHelpOptions = true,
        description = {
            "Measure what each codec costs a causal language model: perplexity (sliding window) and "
                    + "on-disk size for FP and every codec, each model saved and reloaded through tenpak; then a short "
                    + "real fine-tune, its delta against the compressed base, and the materialized fine-tune's "
                    + "perplexity. Prints the README's results tables.",
            "",
            "Needs a Python 3.10+ with torch, transformers and tenpak: TENPAK_PYTHON, else <home>/.venv/bin/python, "
                    + "else python3 on PATH. Options not listed here go to the harness (python -m tenpak.eval --help "
                    + "lists them: --finetune-steps, --finetune-text, --base-codec, --fleet, ...)."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  tenpak runeval                              # gpt2 on WikiText-2 (needs network)",
            "  tenpak runeval --model ./my-model --text held_out.txt --samples 64",
            "  TENPAK_PYTHON=/opt/venv/bin/python tenpak runeval --json > results.json"
        })
final class RunevalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--model",
            paramLabel = "ID|DIR",
            description = "Hugging Face model id or local folder. Default: gpt2.")
    String model;

    @Option(names = "--samples", paramLabel = "N", description = "Evaluation windows. Default: 128.")
    Integer samples;

    @Option(
            names = "--codecs",
            paramLabel = "LIST",
            description = "Comma-separated codecs. Default: every lossy codec the engine registers.")
    String codecs;

    @Option(
            names = "--dataset",
            paramLabel = "NAME",
            description = "wikitext-2 (test split; needs the 'datasets' package and network). Default.")
    String dataset;

    @Option(
            names = "--text",
            paramLabel = "FILE",
            description = "Evaluate on this UTF-8 text file instead of a dataset.")
    Path text;

    @Option(names = "--device", paramLabel = "DEV", description = "auto, cpu or cuda. Default: auto.")
    String device;

    @Option(
            names = "--write-readme",
            description = "Replace the results section of <home>/README.md (between the runeval markers).")
    boolean writeReadme;

    @Option(
            names = "--readme",
            paramLabel = "FILE",
            description = "README for --write-readme. Default: <home>/README.md.")
    Path readme;

    @Option(names = "--json", description = "Print the measurements as JSON instead of the tables.")
    boolean json;

    @Option(
            names = "--python",
            paramLabel = "FILE",
            description = "The Python to run the harness with (overrides TENPAK_PYTHON).")
    Path python;

    @Unmatched
    List<String> passThrough = new ArrayList<>();

    @Override
    public Integer call() {
        PythonEnvironment pyenv = PythonEnvironment.fromSystem();
        PythonEnvironment.Found found = pyenv.find(python);
        List<String> cmd = new ArrayList<>(List.of(found.python().toString(), "-u", "-m", "tenpak.eval"));
        add(cmd, "--model", model);
        add(cmd, "--samples", samples == null ? null : samples.toString());
        add(cmd, "--codecs", codecs);
        add(cmd, "--dataset", dataset);
        add(cmd, "--text", text == null ? null : text.toAbsolutePath().toString());
        add(cmd, "--device", device);
        if (writeReadme) {
            cmd.add("--write-readme");
            cmd.add("--readme");
            cmd.add((readme != null ? readme : pyenv.homeDir().resolve("README.md"))
                    .toAbsolutePath()
                    .toString());
        }
        if (json) {
            cmd.add("--json");
        }
        cmd.addAll(passThrough);
        return run(cmd, found, spec.commandLine().getOut());
    }

    private static void add(List<String> cmd, String flag, String value) {
        if (value != null) {
            cmd.add(flag);
            cmd.add(value);
        }
    }

    /**
     * Runs {@code cmd} (a Python command line) with {@code found}'s environment and this engine's jar
     * and Java runtime, streaming its stdout to {@code out} and its stderr to ours; its exit status.
     */
    static int run(List<String> cmd, PythonEnvironment.Found found, PrintWriter out) {
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(found.env());
        // the harness drives this very engine: same jar, same Java runtime
        Path jar = PythonEnvironment.ownJar();
        if (jar != null && !pb.environment().containsKey("TENPAK_JAR")) {
            pb.environment().put("TENPAK_JAR", jar.toString());
        }
        if (!pb.environment().containsKey("TENPAK_JAVA_HOME")) {
            pb.environment().put("TENPAK_JAVA_HOME", System.getProperty("java.home"));
        }
        Process proc;
        try {
            proc = pb.start();
        } catch (IOException e) {
            throw new MissingDependencyException(found.python() + " cannot be started (" + e.getMessage()
                    + "); set TENPAK_PYTHON to a working Python");
        }
        Thread stopper = new Thread(proc::destroy);
        Runtime.getRuntime().addShutdownHook(stopper);
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                out.println(line);
                out.flush();
            }
            return proc.waitFor();
        } catch (IOException e) {
            throw new TenpakIOException(
                    "reading the output of " + String.join(" ", cmd.subList(0, Math.min(4, cmd.size()))), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            proc.destroy();
            throw new TenpakException("interrupted");
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down; the hook will stop the harness
            }
        }
    }
}
