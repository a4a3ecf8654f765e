package dev.tenpak.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.error.MissingDependencyException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python check of {@code tenpak runeval}: which interpreter it picks and the one line it prints
 * when none fits. Fake interpreters are shell scripts that answer the probe (version line, then the
 * missing modules), so each case is exact; one case runs the project's real venv
 * ({@code <repo>/.venv}, made by scripts/setup-python.sh), which must pass.
 */
class RunevalCommandTest {
    @TempDir
    Path tmp;

    private Path fakePython(String name, String version, String missing) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, "#!/bin/sh\necho " + version + "\necho " + missing + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = TenpakCli.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void noPythonAnywhereSaysWhatToInstall() throws IOException {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path emptyBin = Files.createDirectories(tmp.resolve("bin"));
        PythonEnvironment env = new PythonEnvironment(Map.of("PATH", emptyBin.toString()), home);
        assertThatThrownBy(() -> env.find(null))
                .isInstanceOf(MissingDependencyException.class)
                .hasMessageStartingWith("no Python found")
                .hasMessageContaining(home.resolve(".venv/bin/python").toString())
                .hasMessageContaining("-m pip install torch transformers 'tenpak[torch]'")
                .hasMessageNotContaining("\n");
    }

    @Test
    void missingModulesAreNamedWithTheInstallCommand() throws IOException {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path py = fakePython("python3", "3.12.3", "torch transformers");
        PythonEnvironment env = new PythonEnvironment(Map.of("PATH", tmp.toString()), home);
        assertThatThrownBy(() -> env.find(null))
                .isInstanceOf(MissingDependencyException.class)
                .hasMessage(py + " (Python 3.12.3, from PATH) lacks torch, transformers; install with: " + py
                        + " -m pip install torch transformers");
    }

    @Test
    void theWheelBesideAReleaseIsWhatToInstallForTenpak() throws IOException {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path wheel = Files.createFile(
                Files.createDirectories(home.resolve("python")).resolve("tenpak-0.1.0-py3-none-any.whl"));
        Path py = fakePython("py", "3.11.9", "tenpak");
        PythonEnvironment env = new PythonEnvironment(Map.of("TENPAK_PYTHON", py.toString()), home);
        assertThatThrownBy(() -> env.find(null))
                .isInstanceOf(MissingDependencyException.class)
                .hasMessageEndingWith(py + " -m pip install '" + wheel + "[torch]'");
    }

    @Test
    void tooOldPythonIsRefused() throws IOException {
        Path py = fakePython("py", "3.8.10", "");
        PythonEnvironment env = new PythonEnvironment(Map.of("TENPAK_PYTHON", py.toString()), tmp);
        assertThatThrownBy(() -> env.find(null))
                .isInstanceOf(MissingDependencyException.class)
                .hasMessageContaining("is Python 3.8.10; runeval needs Python 3.10+");
    }

    @Test
    void venvWinsOverPathAndAFullPythonIsAccepted() throws IOException {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path venvBin = Files.createDirectories(home.resolve(".venv/bin"));
        Path venvPy = venvBin.resolve("python");
        Files.writeString(venvPy, "#!/bin/sh\necho 3.13.1\necho\n");
        Files.setPosixFilePermissions(venvPy, PosixFilePermissions.fromString("rwxr-xr-x"));
        fakePython("python3", "3.12.3", "torch");
        PythonEnvironment.Found found = new PythonEnvironment(Map.of("PATH", tmp.toString()), home).find(null);
        assertThat(found.python()).isEqualTo(venvPy);
        assertThat(found.source()).isEqualTo(".venv");
        assertThat(found.version()).isEqualTo("3.13.1");
    }

    @Test
    void theCliPrintsOneLineAndExits8ForAMissingPython() {
        String[] r = run("runeval", "--python", tmp.resolve("no-such-python").toString(), "--text", "x.txt");
        assertThat(r[0]).isEqualTo("8");
        assertThat(r[1]).isEmpty();
        assertThat(r[2].strip())
                .startsWith("tenpak: error: --python " + tmp.resolve("no-such-python") + ": no such executable")
                .doesNotContain("\n");
    }

    @Test
    void theProjectVenvPassesTheCheck() {
        Path home = PythonEnvironment.home();
        Path venv = home.resolve(".venv/bin/python");
        assertThat(venv)
                .as("the project's venv (scripts/setup-python.sh creates it) at " + venv)
                .isExecutable();
        PythonEnvironment.Found found = new PythonEnvironment(Map.of("PATH", "/usr/bin:/bin"), home).find(venv);
        assertThat(found.env()).containsKey("PYTHONPATH");
        assertThat(found.env().get("PYTHONPATH"))
                .startsWith(home.resolve("python/src").toString());
    }

    @Test
    void helpListsTheOptionsAndTheLookupOrder() {
        String[] r = run("runeval", "--help");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1])
                .contains(
                        "--model",
                        "--samples",
                        "--codecs",
                        "--dataset",
                        "--text",
                        "--device",
                        "--write-readme",
                        "--json",
                        "TENPAK_PYTHON");
    }
}
