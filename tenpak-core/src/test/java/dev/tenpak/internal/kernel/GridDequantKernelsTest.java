package dev.tenpak.internal.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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
        Process bits = ChildJvm.start(
                GridDequantCheck.class, List.of("--add-modules", "jdk.incubator.vector", "-Dtenpak.vector.bits=256"));
        Process max = ChildJvm.start(
                GridDequantCheck.class, List.of("--add-modules", "jdk.incubator.vector", "-XX:MaxVectorSize=32"));
        Process disabled = ChildJvm.start(
                GridDequantCheck.class, List.of("--add-modules", "jdk.incubator.vector", "-Dtenpak.vector=false"));
        assertThat(ChildJvm.answer(bits)).as("-Dtenpak.vector.bits=256").startsWith("vector(256-bit) ok ");
        assertThat(ChildJvm.answer(max)).as("-XX:MaxVectorSize=32").startsWith("vector(256-bit) ok ");
        assertThat(ChildJvm.answer(disabled)).as("-Dtenpak.vector=false").startsWith("scalar ok ");
    }
}
