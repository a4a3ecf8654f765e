package dev.tenpak.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tenpak.Tenpak;
import dev.tenpak.codec.Codec;
import dev.tenpak.codec.Codecs;
import dev.tenpak.codec.MiniLmWeights;
import dev.tenpak.internal.format.artifact.ArtifactFormat;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.TensorEntry;
import dev.tenpak.options.CompressOptions;
import dev.tenpak.options.DecompressOptions;
import dev.tenpak.options.EntropyMode;
import dev.tenpak.options.OutputFormat;
import dev.tenpak.report.ArtifactSummary;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The entropy stage through compress and every decode path, on the real all-MiniLM-L6-v2 weights:
 * for each lossy codec, {@code --entropy auto} must give back exactly what the same codec gives
 * without the stage (the codec's payload bytes, the decoded tensors, the decompressed file), and
 * {@code --entropy off} must write format version 1.
 */
class EntropyStageMiniLmTest {
    @TempDir
    static Path dir;

    static Path model;

    @BeforeAll
    static void locate() throws Exception {
        model = MiniLmWeights.locate();
    }

    static Stream<String> lossyCodecs() {
        return Codecs.all().stream().filter(c -> !c.lossless()).map(Codec::name);
    }

    private static Path compress(String codec, EntropyMode mode) {
        Path out = dir.resolve(codec + "-" + mode + ".tenpak");
        CompressOptions o =
                CompressOptions.defaults().withCodec(codec).withThreads(2).withEntropy(mode);
        if (codec.startsWith("kq") || codec.startsWith("int4_sym16")) {
            // the K-quant-class encoders search scales (about 10 s a pass over the model on two
            // threads): layer 0's real weights (1.8M) are enough here, the rest stays raw_v1
            o = o.withKeepRaw(List.of("^(?!encoder\\.layer\\.0\\.)"));
        }
        Tenpak.compress(model, out, o);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lossyCodecs")
    void autoDecodesBitForBitAsTheCodecWithoutTheStage(String codec) throws Exception {
        Path off = compress(codec, EntropyMode.OFF);
        Path auto = compress(codec, EntropyMode.AUTO);
        int staged = 0;
        try (ArtifactReader a = ArtifactReader.open(off);
                ArtifactReader b = ArtifactReader.open(auto)) {
            assertThat(a.version()).isEqualTo(1);
            assertThat(b.entries()).hasSameSizeAs(a.entries());
            for (TensorEntry ea : a.entries()) {
                TensorEntry eb = b.entry(ea.name());
                assertThat(eb.codec()).isEqualTo(ea.codec());
                assertThat(eb.params()).isEqualTo(ea.params());
                assertThat(eb.codecLength()).isEqualTo(ea.length());
                if (eb.staged()) {
                    staged++;
                    assertThat(Codecs.byName(eb.codec()).lossless()).isFalse();
                    assertThat(eb.length()).as(eb.name()).isLessThan(ea.length());
                }
                try (Arena arena = Arena.ofConfined()) {
                    assertThat(bytes(b.codecPayload(eb, arena))).as(eb.name()).isEqualTo(bytes(a.payload(ea)));
                    assertThat(bytes(b.read(eb, arena).data()))
                            .as(eb.name())
                            .isEqualTo(bytes(a.read(ea, arena).data()));
                }
            }
            assertThat(b.version()).isEqualTo(staged > 0 ? 2 : 1);
            // the Python package's path: several tensors decoded at once into caller memory
            try (Arena arena = Arena.ofShared(); // the decoder's workers write the targets
                    ParallelDecoder d = new ParallelDecoder(2)) {
                List<MemorySegment> targets = new ArrayList<>();
                for (TensorEntry e : b.entries()) {
                    targets.add(arena.allocate(Math.max(1, e.originalBytes())).asSlice(0, e.originalBytes()));
                }
                d.decodeInto(b, b.entries(), targets);
                for (int i = 0; i < targets.size(); i++) {
                    TensorEntry ea = a.entry(b.entries().get(i).name());
                    assertThat(bytes(targets.get(i)))
                            .isEqualTo(bytes(a.read(ea, arena).data()));
                }
            }
        }
        if (codec.equals("int8_sym_v1")) {
            assertThat(staged)
                    .as("int8 codes of MiniLM take far fewer than 8 bits")
                    .isGreaterThan(30);
        }
        // the command line's path: ranges of every tensor decoded on several threads into a file
        Path fa = dir.resolve(codec + "-off.safetensors");
        Path fb = dir.resolve(codec + "-auto.safetensors");
        DecompressOptions o = DecompressOptions.defaults()
                .withFormat(OutputFormat.SAFETENSORS)
                .withThreads(2);
        Tenpak.decompress(off, fa, o);
        Tenpak.decompress(auto, fb, o);
        assertThat(Files.mismatch(fa, fb)).isEqualTo(-1L);
        for (Path p : List.of(off, auto, fa, fb)) {
            Files.delete(p);
        }
    }

    @Test
    void stagedArtifactsDoNotDependOnTheThreadCount() throws Exception {
        Path two = compress("int8_sym_v1", EntropyMode.AUTO);
        Path one = dir.resolve("one-thread.tenpak");
        Tenpak.compress(
                model,
                one,
                CompressOptions.defaults()
                        .withCodec("int8_sym_v1")
                        .withThreads(1)
                        .withEntropy(EntropyMode.AUTO));
        assertThat(Files.mismatch(one, two)).isEqualTo(-1L);
    }

    @Test
    void autoWhereTheStageNeverPaysWritesTheVersion1GoldenBytes() throws Exception {
        // the example bundle's payloads are 4 and 2 bytes: the stage declines, the file stays v1
        Path json = dir.resolve("simple.json");
        Files.writeString(json, """
                {"tensors": [
                  {"name": "dense.weight", "shape": [2, 2], "data": [0.1, 0.2, -0.3, 0.4]},
                  {"name": "dense.bias", "shape": [2], "data": [0.01, -0.02]}
                ]}""");
        Path out = dir.resolve("simple.tenpak");
        Tenpak.compress(
                json, out, CompressOptions.defaults().withCodec("int8_sym_v1").withEntropy(EntropyMode.AUTO));
        try (var in = getClass().getResourceAsStream("/golden/v1/simple_int8.tenpak")) {
            assertThat(Files.readAllBytes(out)).isEqualTo(in.readAllBytes());
        }
    }

    @Test
    void inspectShowsTheStageAndBitsAsStored() {
        Path auto = compress("int8_sym_v1", EntropyMode.AUTO);
        ArtifactSummary s = Tenpak.inspect(auto);
        assertThat(s.version()).isEqualTo(ArtifactFormat.VERSION);
        assertThat(s.checksumsOk()).isTrue();
        ArtifactSummary.Entry q = s.tensors().stream()
                .filter(e -> e.name().equals("encoder.layer.0.attention.self.query.weight"))
                .findFirst()
                .orElseThrow();
        assertThat(q.stage()).isEqualTo("entropy");
        assertThat(q.bitsPerWeight()).isLessThan(8.0).isEqualTo(8.0 * q.storedBytes() / (384 * 384));
    }

    private static byte[] bytes(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }
}
