package dev.tenpak.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a kernel check's {@code main} in a fresh JVM with other flags (module absent, narrower
 * vectors, kernels switched off), since the kernel choice is made once per JVM.
 */
final class ChildJvm {
    private ChildJvm() {}

    /** Starts {@code main} on this test's class path with {@code flags} and a 256 MiB heap. */
    static Process start(Class<?> main, List<String> flags) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** The child's last line of output, once it has exited with status 0. */
    static String answer(Process p) throws IOException, InterruptedException {
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue())
                .as("child %s output:%n%s", p.info().commandLine().orElse("?"), text)
                .isZero();
        // The JVM may print a warning about the incubator module first; the answer is the last line.
        String[] lines = text.strip().split("\\R");
        return lines[lines.length - 1];
    }
}
