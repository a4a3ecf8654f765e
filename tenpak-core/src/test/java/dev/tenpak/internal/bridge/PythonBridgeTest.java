package dev.tenpak.internal.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.Tenpak;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.ChecksumMismatchException;
import dev.tenpak.error.ShapeMismatchException;
import dev.tenpak.error.TenpakException;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.tensor.Bundle;
import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The bridge over raw addresses, as Python uses it, against the facade over ordinary tensors. */
class PythonBridgeTest {
    private static final long SEED = 0x7E9AC;

    @TempDir
    Path dir;

    /** Two tensors in native memory: a 3x5 F32 and a 2 MiB+ BF16 (so the memory sink grows). Shared
     *  arenas: the facade encodes on worker threads. */
    private static MemorySegment[] tensors(Arena arena) {
        SplittableRandom rnd = new SplittableRandom(SEED);
        MemorySegment a = arena.allocate(15 * 4);
        for (int i = 0; i < 15; i++) {
            a.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) rnd.nextGaussian() * 0.02f);
        }
        MemorySegment b = arena.allocate(1100L * 1000 * 2);
        for (long i = 0; i < b.byteSize() / 2; i++) {
            b.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) rnd.nextInt(0x3000, 0x4000));
        }
        return new MemorySegment[] {a, b};
    }

    private static dev.tenpak.tensor.TensorSource source(MemorySegment[] t, String[] metaKeys, String[] metaValues) {
        return PythonBridge.source(
                new String[] {"a", "b"},
                new String[] {"F32", "BF16"},
                new int[] {2, 2},
                new long[] {3, 5, 1100, 1000},
                new long[] {t[0].address(), t[1].address()},
                new long[] {t[0].byteSize(), t[1].byteSize()},
                metaKeys,
                metaValues,
                "<test>");
    }

    /**
     * A range of a {@code lossless_v1} tensor (what {@code safe_open(...).get_slice} asks for) is the
     * same bytes as that range of the whole decode, wherever it starts and ends: inside a block,
     * across blocks, the last element. Real weights: MiniLM's word embeddings, 45 blocks.
     */
    @Test
    void aLosslessRangeIsThatRangeOfTheWholeDecode() throws Exception {
        Path artifact = dir.resolve("minilm.tenpak");
        Tenpak.compress(
                dev.tenpak.codec.MiniLmWeights.locate(),
                artifact,
                CompressOptions.defaults().withCodec("lossless_v1"));
        try (ArtifactReader reader = ArtifactReader.open(artifact);
                Arena arena = Arena.ofConfined()) {
            var e = reader.entry("embeddings.word_embeddings.weight");
            assertThat(e.codec()).isEqualTo("lossless_v1");
            long n = e.shape().elementCount();
            MemorySegment whole = arena.allocate(e.originalBytes());
            reader.decodeInto(e, whole);
            long block = 256 * 1024 / 4;
            long[][] ranges = {{0, 1}, {5, 1000}, {block - 3, 7}, {3 * block + 11, 2 * block + 5}, {n - 1, 1}, {0, n}};
            for (long[] r : ranges) {
                MemorySegment out = arena.allocate(4 * r[1]);
                PythonBridge.decodeRange(reader, e.name(), r[0], r[1], out.address(), out.byteSize());
                assertThat(out.toArray(ValueLayout.JAVA_BYTE))
                        .as("elements [%d, +%d)", r[0], r[1])
                        .isEqualTo(whole.asSlice(4 * r[0], 4 * r[1]).toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"raw_v1", "int8_sym_v1", "int4_sym_v1"})
    void memoryAndFileArtifactsEqualTheFacadesOverTheSameTensors(String codec) throws Exception {
        System.out.println("seed " + SEED);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment[] t = tensors(arena);
            Path viaFacade = dir.resolve("facade.tenpak");
            Bundle bundle = Bundle.of(
                    java.util.List.of(
                            new Tensor("a", DType.F32, Shape.of(3, 5), t[0]),
                            new Tensor("b", DType.BF16, Shape.of(1100, 1000), t[1])),
                    java.util.Map.of("k", "v"));
            Tenpak.compress(
                    bundle.asSource("bundle"),
                    0,
                    viaFacade,
                    CompressOptions.defaults().withCodec(codec));
            byte[] expected = Files.readAllBytes(viaFacade);

            Path viaBridge = dir.resolve("bridge.tenpak");
            PythonBridge.compressToFile(
                    source(t, new String[] {"k"}, new String[] {"v"}), 0, viaBridge.toString(), codec);
            assertThat(Files.readAllBytes(viaBridge)).isEqualTo(expected);

            try (MemoryArtifact mem = PythonBridge.compressToMemory(
                    source(t, new String[] {"k"}, new String[] {"v"}), t[0].byteSize() + t[1].byteSize(), codec)) {
                assertThat(mem.size()).isEqualTo(expected.length);
                MemorySegment copy = arena.allocate(mem.size());
                mem.copyTo(copy.address());
                assertThat(copy.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expected);
                assertThat(mem.report().artifactBytes()).isEqualTo(expected.length);
            }
        }
    }

    @Test
    void decodeIntoCallerMemoryAndListTheIndex() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment[] t = tensors(arena);
            MemoryArtifact mem = PythonBridge.compressToMemory(source(t, new String[0], new String[0]), 0, "raw_v1");
            MemorySegment bytes = arena.allocate(mem.size());
            mem.copyTo(bytes.address());
            mem.close();
            try (ArtifactReader r = PythonBridge.openMemory(bytes.address(), bytes.byteSize(), "<mem>")) {
                PythonBridge.Listing l = PythonBridge.list(r);
                assertThat(l.names()).containsExactly("a", "b");
                assertThat(l.dtypes()).containsExactly("F32", "BF16");
                assertThat(l.ranks()).containsExactly(2, 2);
                assertThat(l.dims()).containsExactly(3, 5, 1100, 1000);
                MemorySegment a = arena.allocate(t[0].byteSize());
                MemorySegment b = arena.allocate(t[1].byteSize());
                PythonBridge.decodeInto(r, new String[] {"b", "a"}, new long[] {b.address(), a.address()}, new long[] {
                    b.byteSize(), a.byteSize()
                });
                assertThat(a.mismatch(t[0])).isEqualTo(-1);
                assertThat(b.mismatch(t[1])).isEqualTo(-1);
            }
        }
    }

    @Test
    void anArtifactWithNoTensorsIsReadable() {
        MemoryArtifact mem = PythonBridge.compressToMemory(
                PythonBridge.source(
                        new String[0],
                        new String[0],
                        new int[0],
                        new long[0],
                        new long[0],
                        new long[0],
                        new String[0],
                        new String[0],
                        "<empty>"),
                0,
                null);
        try (Arena arena = Arena.ofShared();
                mem) {
            MemorySegment bytes = arena.allocate(mem.size());
            mem.copyTo(bytes.address());
            try (ArtifactReader r = ArtifactReader.of(bytes, "<empty>")) {
                assertThat(r.entries()).isEmpty();
                assertThat(r.codec()).isEqualTo(Codecs.DEFAULT_LOSSLESS); // a null codec is the library default
            }
        }
    }

    @Test
    void aByteSizeThatDisagreesWithTheShapeIsAShapeMismatch() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment m = arena.allocate(40);
            assertThatThrownBy(() -> PythonBridge.source(
                            new String[] {"w"},
                            new String[] {"F32"},
                            new int[] {2},
                            new long[] {3, 4},
                            new long[] {m.address()},
                            new long[] {40},
                            new String[0],
                            new String[0],
                            "<t>"))
                    .isInstanceOf(ShapeMismatchException.class)
                    .hasMessageContaining("tensor 'w'")
                    .hasMessageContaining("48");
            assertThatThrownBy(() -> PythonBridge.source(
                            new String[] {"w"},
                            new String[] {"F12"},
                            new int[] {0},
                            new long[0],
                            new long[] {m.address()},
                            new long[] {4},
                            new String[0],
                            new String[0],
                            "<t>"))
                    .hasMessageContaining("unknown dtype 'F12'");
        }
    }

    /** Artifact bytes of {@link #tensors} under {@code codec}, in {@code arena}. */
    private static MemorySegment artifact(Arena arena, MemorySegment[] t, String codec) {
        try (MemoryArtifact mem = PythonBridge.compressToMemory(source(t, new String[0], new String[0]), 0, codec)) {
            MemorySegment bytes = arena.allocate(mem.size(), 64);
            mem.copyTo(bytes.address());
            return bytes;
        }
    }

    @ParameterizedTest
    @CsvSource({"raw_v1,1", "raw_v1,4", "int8_sym_v1,1", "int8_sym_v1,4", "int4_sym_g32_v1,3"})
    void decodeIntoGivesTheReadersBytesWhateverTheThreads(String codec, int threads) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment[] t = tensors(arena); // "b" has 1.1 Mi elements: two ranges
            try (ArtifactReader r = ArtifactReader.of(artifact(arena, t, codec), "<mem>")) {
                MemorySegment a = arena.allocate(t[0].byteSize());
                MemorySegment b = arena.allocate(t[1].byteSize());
                PythonBridge.decodeInto(
                        r,
                        new String[] {"a", "b"},
                        new long[] {a.address(), b.address()},
                        new long[] {a.byteSize(), b.byteSize()},
                        threads);
                assertThat(a.mismatch(r.read("a").data())).isEqualTo(-1);
                assertThat(b.mismatch(r.read("b").data())).isEqualTo(-1);
            }
        }
    }

    @Test
    void aFailedDecodeHasStoppedWritingWhenItThrows() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment[] t = tensors(arena);
            MemorySegment bytes = artifact(arena, t, "int8_sym_v1");
            long offsetOfB;
            try (ArtifactReader r = ArtifactReader.of(bytes, "<mem>")) {
                offsetOfB = r.entry("b").offset();
            }
            bytes.set(ValueLayout.JAVA_BYTE, offsetOfB + 12345, (byte)
                    ~bytes.get(ValueLayout.JAVA_BYTE, offsetOfB + 12345));
            try (ArtifactReader r = ArtifactReader.of(bytes, "<mem>")) {
                // "b" twenty times: many ranges queued behind the failing checksum
                int n = 20;
                MemorySegment[] dst = new MemorySegment[n];
                String[] names = new String[n];
                long[] addresses = new long[n];
                long[] sizes = new long[n];
                for (int i = 0; i < n; i++) {
                    dst[i] = arena.allocate(t[1].byteSize());
                    names[i] = "b";
                    addresses[i] = dst[i].address();
                    sizes[i] = dst[i].byteSize();
                }
                assertThatThrownBy(() -> PythonBridge.decodeInto(r, names, addresses, sizes, 4))
                        .isInstanceOf(ChecksumMismatchException.class)
                        .hasMessageContaining("tensor 'b'");
                for (MemorySegment d : dst) {
                    d.fill((byte) 0x5A);
                }
                Thread.sleep(200); // a worker still running would overwrite the marker by now
                for (MemorySegment d : dst) {
                    assertThat(d.elements(ValueLayout.JAVA_BYTE).allMatch(x -> x.get(ValueLayout.JAVA_BYTE, 0) == 0x5A))
                            .isTrue();
                }
            }
        }
    }

    @Test
    void aDestinationOfTheWrongSizeIsRefusedBeforeAnythingIsWritten() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment[] t = tensors(arena);
            try (ArtifactReader r = ArtifactReader.of(artifact(arena, t, "raw_v1"), "<mem>")) {
                MemorySegment a = arena.allocate(t[0].byteSize());
                assertThatThrownBy(() -> PythonBridge.decodeInto(
                                r, new String[] {"a"}, new long[] {a.address()}, new long[] {a.byteSize() - 4}))
                        .isInstanceOf(dev.tenpak.error.InvalidInputException.class)
                        .hasMessageContaining("tensor 'a'");
            }
        }
    }

    @Test
    void verifyAtNamesTheTensorWhoseBytesDiffer() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment[] t = tensors(arena);
            try (ArtifactReader r = ArtifactReader.of(artifact(arena, t, "raw_v1"), "<mem>")) {
                PythonBridge.verifyAt(r, new String[] {"a", "b"}, new long[] {t[0].address(), t[1].address()});
                MemorySegment changed = arena.allocate(t[1].byteSize());
                changed.copyFrom(t[1]);
                changed.set(ValueLayout.JAVA_BYTE, 7, (byte) (changed.get(ValueLayout.JAVA_BYTE, 7) + 1));
                assertThatThrownBy(() -> PythonBridge.verifyAt(
                                r, new String[] {"a", "b"}, new long[] {t[0].address(), changed.address()}))
                        .isInstanceOf(ChecksumMismatchException.class)
                        .hasMessageContaining("tensor 'b'");
            }
        }
    }

    /** A delta is differences against a base, never a model to load. */
    @Test
    void aDeltaArtifactIsRefusedAsAModelToLoadFromAFileOrMemory() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment[] t = tensors(arena);
            Path base = dir.resolve("base.tenpak");
            PythonBridge.compressToFile(source(t, new String[0], new String[0]), 0, base.toString(), "raw_v1");
            MemorySegment[] changed = tensors(arena);
            changed[0].set(ValueLayout.JAVA_FLOAT_UNALIGNED, 0, 1.5f);
            Path delta = dir.resolve("delta.tenpak");
            Tenpak.delta(
                    base,
                    source(changed, new String[0], new String[0]),
                    delta,
                    dev.tenpak.options.DeltaOptions.of(0.0));

            assertThatThrownBy(() -> PythonBridge.openFile(delta.toString()))
                    .isInstanceOf(dev.tenpak.error.ArtifactKindException.class)
                    .hasMessageContaining(delta.toString())
                    .hasMessageContaining("is a delta artifact")
                    .hasMessageContaining("model to load");
            byte[] bytes = Files.readAllBytes(delta);
            MemorySegment mem = arena.allocate(bytes.length, 64);
            mem.copyFrom(MemorySegment.ofArray(bytes));
            assertThatThrownBy(() -> PythonBridge.openMemory(mem.address(), mem.byteSize(), "<bytes>"))
                    .isInstanceOf(dev.tenpak.error.ArtifactKindException.class)
                    .hasMessageContaining("<bytes>");
            // the refused file was closed: it can be deleted and the full base still opens
            Files.delete(delta);
            try (ArtifactReader r = PythonBridge.openFile(base.toString())) {
                assertThat(r.entries()).hasSize(2);
            }
        }
    }

    /** The error classes the bridge lists are exactly the class files of {@code dev.tenpak.error}. */
    @Test
    void theErrorListIsEveryClassOfTheErrorPackage() throws Exception {
        Path dir = Path.of(TenpakException.class
                        .getResource("TenpakException.class")
                        .toURI())
                .getParent();
        List<String> onDisk;
        try (Stream<Path> files = Files.list(dir)) {
            onDisk = files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".class") && !f.contains("$") && !f.equals("package-info.class"))
                    .map(f -> f.substring(0, f.length() - ".class".length()))
                    .sorted()
                    .toList();
        }
        List<String> listed = Arrays.stream(PythonBridge.errorClasses())
                .map(PythonBridge.ErrorClass::name)
                .sorted()
                .toList();
        assertThat(listed).isEqualTo(onDisk);
        for (PythonBridge.ErrorClass e : PythonBridge.errorClasses()) {
            Class<?> c = Class.forName("dev.tenpak.error." + e.name());
            assertThat(TenpakException.class.isAssignableFrom(c)).as(e.name()).isTrue();
            assertThat(e.parent())
                    .as(e.name())
                    .isEqualTo(
                            c == TenpakException.class
                                    ? null
                                    : c.getSuperclass().getSimpleName());
        }
    }

    @Test
    void exitCodesComeFromTheErrorClasses() {
        var byName = Arrays.stream(PythonBridge.errorClasses())
                .collect(java.util.stream.Collectors.toMap(
                        PythonBridge.ErrorClass::name, PythonBridge.ErrorClass::exitCode));
        assertThat(byName)
                .containsEntry("TenpakException", TenpakException.EXIT_INVALID_INPUT)
                .containsEntry("ChecksumMismatchException", TenpakException.EXIT_CORRUPT)
                .containsEntry("UnknownCodecException", TenpakException.EXIT_UNSUPPORTED)
                .containsEntry("TenpakIOException", TenpakException.EXIT_IO)
                .containsEntry("MissingDependencyException", TenpakException.EXIT_MISSING_DEPENDENCY)
                .containsEntry("BudgetExceededException", TenpakException.EXIT_BUDGET);
        assertThat(PythonBridge.exitCodes())
                .containsEntry("EXIT_INVALID_INPUT", 3)
                .containsEntry("EXIT_CORRUPT", 4)
                .containsEntry("EXIT_UNSUPPORTED", 5)
                .containsEntry("EXIT_IO", 6)
                .containsEntry("EXIT_BUDGET", 7)
                .containsEntry("EXIT_MISSING_DEPENDENCY", 8)
                .containsEntry("EXIT_OK", 0)
                .containsEntry("EXIT_INTERNAL", 1)
                .containsEntry("EXIT_USAGE", 2)
                .hasSize(9);
    }

    @Test
    void theDefaultCodecAndReservedKeysAreTheEnginesOwn() {
        assertThat(PythonBridge.defaultCodec()).isEqualTo(dev.tenpak.codec.Codecs.DEFAULT);
        assertThat(PythonBridge.aliasesKey()).isEqualTo("tenpak.aliases");
        assertThat(PythonBridge.reservedKeys()).contains(PythonBridge.aliasesKey());
    }
}
