package dev.tenpak.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The vector grid decoder against the scalar specification ({@link GridDequantCheck}'s cases), in
 * this JVM's width and in child JVMs with 256-bit vectors (the AVX2 path, also on an AVX-512
 * machine), and the scalar fallbacks: the floats must not depend on which kernel ran.
 */
class GridDequantKernelsTest {
    @Test
    void holderPicksTheVectorKernelWhenTheModuleIsPresent() {
        // Surefire runs with --add-modules jdk.incubator.vector (parent pom); CPUs without 8/16 lanes fall back.
        assertThat(GridDequantKernels.get().description()).startsWith("vector(");
        assertThat(ScalarGridDequantKernels.INSTANCE.description()).isEqualTo("scalar");
    }

    @Test
    void vectorKernelMatchesTheScalarSpecification() {
        assertThat(GridDequantCheck.check(VectorGridDequantKernels.create())).startsWith("ok ");
    }

    @Test
    void childJvmsWith256BitVectorsAndWithoutTheModuleMatch() throws Exception {
        // Started together: each child is a cold JVM, and they are independent.
        Process bits = child(List.of("--add-modules", "jdk.incubator.vector", "-Dtenpak.vector.bits=256"));
        Process max = child(List.of("--add-modules", "jdk.incubator.vector", "-XX:MaxVectorSize=32"));
        Process disabled = child(List.of("--add-modules", "jdk.incubator.vector", "-Dtenpak.vector=false"));
        assertThat(answer(bits)).as("-Dtenpak.vector.bits=256").startsWith("vector(256-bit) ok ");
        assertThat(answer(max)).as("-XX:MaxVectorSize=32").startsWith("vector(256-bit) ok ");
        assertThat(answer(disabled)).as("-Dtenpak.vector=false").startsWith("scalar ok ");
    }

    private static Process child(List<String> flags) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), GridDequantCheck.class.getName()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static String answer(Process p) throws IOException, InterruptedException {
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
