package dev.tenpak.internal.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.Tenpak;
import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.ShapeMismatchException;
import dev.tenpak.error.TenpakException;
import dev.tenpak.error.UnknownCodecException;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.tensor.Bundle;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java half of libtenpak, driven as the C code drives it: through raw addresses of C strings
 * and {@code tenpak_tensor} structs laid out in native memory. The C half is tested by
 * {@code tenpak-c/test/test_tenpak.c} (scripts/test-c.sh).
 */
class NativeBridgeTest {
    private static final long SEED = 0x16C0DE;

    @TempDir
    Path dir;

    /** The header's status numbers are the engine's exit codes (TenpakException.EXIT_*), which the CLI also uses. */
    @Test
    void headerStatusesAreTheCliExitCodes() throws Exception {
        Path header = Path.of("..", "tenpak-c", "include", "tenpak.h");
        Map<String, Integer> statuses = new LinkedHashMap<>();
        Matcher m = Pattern.compile("#define TENPAK_(OK|ERR_\\w+) (\\d+)").matcher(Files.readString(header));
        while (m.find()) {
            statuses.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        assertThat(statuses)
                .containsExactly(
                        Map.entry("OK", 0),
                        Map.entry("ERR_INTERNAL", NativeBridge.EXIT_INTERNAL),
                        Map.entry("ERR_USAGE", NativeBridge.EXIT_USAGE),
                        Map.entry("ERR_INPUT", TenpakException.EXIT_INVALID_INPUT),
                        Map.entry("ERR_CORRUPT", TenpakException.EXIT_CORRUPT),
                        Map.entry("ERR_UNSUPPORTED", TenpakException.EXIT_UNSUPPORTED),
                        Map.entry("ERR_IO", TenpakException.EXIT_IO),
                        Map.entry("ERR_BUDGET", TenpakException.EXIT_BUDGET),
                        Map.entry("ERR_MISSING_DEPENDENCY", TenpakException.EXIT_MISSING_DEPENDENCY));
    }

    @Test
    void statusAndMessageFollowTheCli() {
        assertThat(NativeBridge.status(new UnknownCodecException("x", List.of("raw_v1"))))
                .isEqualTo(5);
        assertThat(NativeBridge.status(new CorruptArtifactException("a", null, 7, "bad")))
                .isEqualTo(4);
        assertThat(NativeBridge.status(new InvalidInputException("bad"))).isEqualTo(3);
        assertThat(NativeBridge.status(new IllegalStateException("bug"))).isEqualTo(1);
        assertThat(text(NativeBridge.message(new IllegalStateException("bug"))))
                .startsWith("internal error: ")
                .contains("bug");
        assertThat(NativeBridge.status(new OutOfMemoryError("Java heap space"))).isEqualTo(1);
        assertThat(text(NativeBridge.message(new OutOfMemoryError("Java heap space"))))
                .contains("TENPAK_JVM_HEAP");
        assertThat(text(NativeBridge.message(new InvalidInputException("caf\u00e9 \ud83d\ude00"))))
                .isEqualTo("caf\u00e9 \ud83d\ude00");
    }

    @Test
    void optionsSplitAtSemicolonsOrAtNewlinesWhenThereAreAny() {
        NativeBridge.Options o = NativeBridge.Options.parse(
                " threads=2; keep-raw=^a ;keep-raw=b;; sync=yes", "threads", "keep-raw", "sync");
        assertThat(o.integer("threads")).isEqualTo(2);
        assertThat(o.all("keep-raw")).containsExactly("^a", "b");
        assertThat(o.bool("sync")).isTrue();
        NativeBridge.Options lines =
                NativeBridge.Options.parse("keep-raw=a;b\nmin-elements=16\n", "keep-raw", "min-elements");
        assertThat(lines.all("keep-raw")).containsExactly("a;b");
        CompressOptions c = NativeBridge.compressOptions(null, lines);
        assertThat(c.codec()).isEqualTo("int8_sym_v1");
        assertThat(c.minElements()).isEqualTo(16);
        assertThatThrownBy(() -> NativeBridge.Options.parse("thread=2", "threads"))
                .satisfies(e -> assertThat(NativeBridge.status(e)).isEqualTo(2))
                .hasMessageContaining("unknown key 'thread'")
                .hasMessageContaining("threads");
        assertThatThrownBy(
                        () -> NativeBridge.Options.parse("threads", "threads").integer("threads"))
                .hasMessageContaining("not key=value");
        assertThatThrownBy(
                        () -> NativeBridge.Options.parse("threads=x", "threads").integer("threads"))
                .satisfies(e -> assertThat(NativeBridge.status(e)).isEqualTo(2));
    }

    /** Tensors in native memory, described by tenpak_tensor structs as C lays them out. */
    private record CTensors(MemorySegment structs, int count, List<Tensor> tensors) {}

    private static CTensors cTensors(Arena arena, List<Tensor> tensors) {
        MemorySegment structs = arena.allocate(NativeBridge.TENSOR_SIZE * tensors.size(), 8);
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            long at = i * NativeBridge.TENSOR_SIZE;
            MemorySegment shape =
                    arena.allocate(ValueLayout.JAVA_LONG, Math.max(1, t.shape().rank()));
            shape.copyFrom(MemorySegment.ofArray(t.shape().dims()));
            MemorySegment data = arena.allocate(Math.max(1, t.byteSize()), 64).asSlice(0, t.byteSize());
            data.copyFrom(t.data());
            structs.set(
                    ValueLayout.JAVA_LONG,
                    at + NativeBridge.NAME,
                    arena.allocateFrom(t.name()).address());
            structs.set(
                    ValueLayout.JAVA_LONG,
                    at + NativeBridge.DTYPE,
                    arena.allocateFrom(t.dtype().safetensorsName()).address());
            structs.set(ValueLayout.JAVA_INT, at + NativeBridge.NDIM, t.shape().rank());
            structs.set(ValueLayout.JAVA_LONG, at + NativeBridge.SHAPE, shape.address());
            structs.set(ValueLayout.JAVA_LONG, at + NativeBridge.DATA, data.address());
            structs.set(ValueLayout.JAVA_LONG, at + NativeBridge.NBYTES, t.byteSize());
        }
        return new CTensors(structs, tensors.size(), tensors);
    }

    private static List<Tensor> tensors() {
        SplittableRandom rnd = new SplittableRandom(SEED);
        float[] w = new float[64 * 48];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian() * 0.02f;
        }
        short[] b = new short[48];
        for (int i = 0; i < b.length; i++) {
            b[i] = (short) rnd.nextInt(0x3000, 0x4000);
        }
        long[] ids = {3, 1, 4, 1, 5};
        return List.of(
                Tensor.ofFloats("layer.\u00e9.weight", w, 64, 48),
                new Tensor("layer.bias", DType.BF16, Shape.of(48), MemorySegment.ofArray(b)),
                new Tensor("ids", DType.I64, Shape.of(5), MemorySegment.ofArray(ids)),
                Tensor.ofFloats("scale", new float[] {0.5f}));
    }

    @ParameterizedTest
    @ValueSource(strings = {"raw_v1", "int8_sym_v1", "int4_sym_g32_v1"})
    void tensorsReadInPlaceCompressAsTheFacadeDoesAndDecodeIntoCallerMemory(String codec) throws Exception {
        System.out.println("seed " + SEED);
        try (Arena arena = Arena.ofShared()) {
            List<Tensor> tensors = tensors();
            Path viaFacade = dir.resolve("facade.tenpak");
            Tenpak.compress(
                    Bundle.of(tensors, Map.of()).asSource("bundle"),
                    0,
                    viaFacade,
                    CompressOptions.defaults().withCodec(codec));
            CTensors c = cTensors(arena, tensors);
            Path viaBridge = dir.resolve("bridge.tenpak");
            NativeBridge.compressTensors(
                    c.structs().address(),
                    c.count(),
                    arena.allocateFrom(viaBridge.toString()).address(),
                    arena.allocateFrom(codec).address(),
                    arena.allocateFrom("threads=2").address());
            assertThat(Files.readAllBytes(viaBridge)).isEqualTo(Files.readAllBytes(viaFacade));

            Object[] listing = NativeBridge.listTensors(
                    arena.allocateFrom(viaBridge.toString()).address());
            assertThat(text((byte[]) listing[0])).isEqualTo("layer.\u00e9.weight\0layer.bias\0ids\0scale\0");
            assertThat(text((byte[]) listing[1])).isEqualTo("F32\0BF16\0I64\0F32\0");
            assertThat((int[]) listing[2]).containsExactly(2, 1, 1, 0);
            assertThat((long[]) listing[3]).containsExactly(64, 48, 48, 5);
            assertThat((long[]) listing[4]).containsExactly(64 * 48 * 4, 96, 40, 4);

            CTensors out = cTensors(
                    arena,
                    tensors.stream()
                            .map(t -> new Tensor(
                                    t.name(),
                                    t.dtype(),
                                    t.shape(),
                                    MemorySegment.ofArray(new byte[(int) t.byteSize()])))
                            .toList());
            NativeBridge.decodeTensors(
                    arena.allocateFrom(viaBridge.toString()).address(),
                    out.structs().address(),
                    out.count());
            try (var reader = Tenpak.open(viaFacade)) {
                for (int i = 0; i < tensors.size(); i++) {
                    long at = i * NativeBridge.TENSOR_SIZE;
                    MemorySegment decoded = MemorySegment.ofAddress(
                                    out.structs().get(ValueLayout.JAVA_LONG, at + NativeBridge.DATA))
                            .reinterpret(tensors.get(i).byteSize());
                    Tensor expected = reader.read(tensors.get(i).name());
                    assertThat(decoded.mismatch(expected.data()))
                            .as(tensors.get(i).name())
                            .isEqualTo(-1);
                }
            }
        }
    }

    @Test
    void badStructsAreTypedErrorsNamingTheTensor() {
        try (Arena arena = Arena.ofShared()) {
            CTensors c = cTensors(arena, tensors());
            long out = arena.allocateFrom(dir.resolve("x.tenpak").toString()).address();
            c.structs().set(ValueLayout.JAVA_LONG, NativeBridge.NBYTES, 12);
            assertThatThrownBy(() -> NativeBridge.compressTensors(c.structs().address(), c.count(), out, 0, 0))
                    .isInstanceOf(ShapeMismatchException.class)
                    .hasMessageContaining("layer.\u00e9.weight");
            c.structs()
                    .set(
                            ValueLayout.JAVA_LONG,
                            NativeBridge.DTYPE,
                            arena.allocateFrom("F12").address());
            assertThatThrownBy(() -> NativeBridge.compressTensors(c.structs().address(), c.count(), out, 0, 0))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("unknown dtype 'F12'");
            c.structs().set(ValueLayout.JAVA_LONG, NativeBridge.NAME, 0);
            assertThatThrownBy(() -> NativeBridge.compressTensors(c.structs().address(), c.count(), out, 0, 0))
                    .hasMessageContaining("tensors[0]: name is NULL");
            assertThatThrownBy(() -> NativeBridge.compressTensors(0, 3, out, 0, 0))
                    .satisfies(e -> assertThat(NativeBridge.status(e)).isEqualTo(2));
            assertThatThrownBy(() -> NativeBridge.compressTensors(c.structs().address(), c.count(), 0, 0, 0))
                    .hasMessageContaining("output_path is NULL");
        }
    }

    @Test
    void jsonEntryPointsMatchTheFacade() throws Exception {
        byte[] json = Files.readAllBytes(Path.of("..", "examples", "simple_bundle.json"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocateFrom(ValueLayout.JAVA_BYTE, json);
            byte[] artifact = NativeBridge.compressJsonBundle(in.address(), json.length, 0);
            assertThat(artifact).isEqualTo(Tenpak.compressJsonBundle(json, null));
            MemorySegment a = arena.allocateFrom(ValueLayout.JAVA_BYTE, artifact);
            assertThat(NativeBridge.decompressArtifactToJson(a.address(), artifact.length))
                    .isEqualTo(Tenpak.decompressArtifactToJson(artifact));
            assertThatThrownBy(() -> NativeBridge.decompressArtifactToJson(a.address(), artifact.length / 2))
                    .isInstanceOf(CorruptArtifactException.class);
        }
    }

    private static String text(byte[] utf8) {
        return new String(utf8, StandardCharsets.UTF_8);
    }
}
