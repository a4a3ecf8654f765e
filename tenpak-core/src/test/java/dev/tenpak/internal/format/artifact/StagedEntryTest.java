package dev.tenpak.internal.format.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.codec.Codecs;
import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.TenpakException;
import dev.tenpak.error.UnsupportedVersionException;
import dev.tenpak.internal.io.CountingChannel;
import dev.tenpak.internal.pipeline.EncodedTensor;
import dev.tenpak.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Format v2's stage field: what the writer writes (version 1 while no entry is staged, 2 once one
 * is), what an older reader says of a v2 file, and hostile v2 entries (an unknown stage, a stage on
 * bytes that are no stage stream, lengths that disagree), which must fail as typed errors naming the
 * tensor. Hand-made files come from {@link FormatV1} with version 2 and correct checksums, so the
 * reader's own checks must catch them.
 */
class StagedEntryTest {
    private static final byte[] GOLDEN = GoldenArtifacts.resource("v2", "staged.tenpak");
    /** The staged payload of the golden's {@code codes}: 364 stage bytes for 512 int8 codes. */
    private static final byte[] STAGED = Arrays.copyOfRange(GOLDEN, 64, 64 + 364);

    private static final byte[] SCALE = FormatV1.f32(0.6875f / 127f);

    /** A v2 file holding one int8_sym_v1 tensor of 512 elements with {@code payload} and this entry. */
    private static byte[] file(byte[] payload, java.util.function.UnaryOperator<FormatV1.Entry> entry) {
        FormatV1.Builder b = new FormatV1.Builder();
        b.version = 2;
        ByteArrayOutputStream area = new ByteArrayOutputStream();
        long[] at = FormatV1.layout(List.of(payload), area);
        b.payloads(area.toByteArray());
        b.add(entry.apply(new FormatV1.Entry(
                        "codes",
                        1,
                        new long[] {16, 32},
                        "int8_sym_v1",
                        SCALE,
                        at[0],
                        payload.length,
                        FormatV1.crc32c(payload))
                .stage(1, 512)));
        return b.build();
    }

    private static TenpakException failure(byte[] file) {
        return HostileArtifactTest.openAndReadAll(file);
    }

    @Test
    void aHandMadeV2FileAgreesWithTheWriter() {
        // the same entry the writer made, rebuilt from the documented layout, reads the same
        assertThat(failure(file(STAGED, e -> e))).isNull();
        try (ArtifactReader a = ArtifactReader.of(file(STAGED, e -> e), "hand");
                ArtifactReader g = ArtifactReader.of(GOLDEN, "golden")) {
            assertThat(a.read("codes").toFloatArray()).isEqualTo(g.read("codes").toFloatArray());
        }
    }

    @Test
    void anUnknownStageIdIsCorruptNamingTheTensor() {
        assertThat(failure(file(STAGED, e -> e.stage(7, 0))))
                .isInstanceOfSatisfying(
                        CorruptArtifactException.class,
                        x -> assertThat(x.tensor()).isEqualTo("codes"))
                .hasMessageContaining("unknown payload stage id 7");
    }

    @Test
    void aStageOnBytesThatAreNoStageStreamIsCorruptNamingTheTensor() {
        byte[] codes = new byte[512]; // plain int8 codes, flagged as staged
        Arrays.fill(codes, (byte) 3);
        assertThat(failure(file(codes, e -> e)))
                .isInstanceOfSatisfying(
                        CorruptArtifactException.class,
                        x -> assertThat(x.tensor()).isEqualTo("codes"))
                .hasMessageContaining("hostile.tenpak")
                .hasMessageContaining("entropy-coded payload");
    }

    @Test
    void aStoredStreamDecodingToAnotherLengthThanTheIndexIsCorrupt() {
        // the index says 640 codes (a [20, 32] tensor) but the stream decodes to 512
        assertThat(failure(file(STAGED, e -> e.dims(20, 32).stage(1, 640))))
                .isInstanceOfSatisfying(
                        CorruptArtifactException.class,
                        x -> assertThat(x.tensor()).isEqualTo("codes"))
                .hasMessageContaining("decodes to 512 bytes, the index says 640");
    }

    @Test
    void aDecodedLengthTheCodecRefusesIsCorruptAtOpen() {
        assertThat(failure(file(STAGED, e -> e.stage(1, 511))))
                .isInstanceOfSatisfying(
                        CorruptArtifactException.class,
                        x -> assertThat(x.tensor()).isEqualTo("codes"));
        assertThat(failure(file(STAGED, e -> e.stage(1, -1))))
                .isInstanceOf(CorruptArtifactException.class)
                .hasMessageContaining("negative");
    }

    @Test
    void aDecodedLengthNoStageStreamOfThatSizeCanHoldIsCorruptAtOpen() {
        // 364 stored bytes hold at most 34 blocks of 16 MiB: a 1 GiB claim is refused before any allocation
        assertThat(failure(file(STAGED, e -> e.dims(1 << 20, 1024).stage(1, 1L << 30))))
                .isInstanceOfSatisfying(
                        CorruptArtifactException.class,
                        x -> assertThat(x.tensor()).isEqualTo("codes"))
                .hasMessageContaining("cannot decode to 1073741824 bytes");
    }

    @Test
    void aStageOnAnExactCodecIsCorrupt() {
        assertThat(failure(
                        file(STAGED, e -> e.codec("raw_v1").params(new byte[0]).stage(1, 2048))))
                .isInstanceOf(CorruptArtifactException.class)
                .hasMessageContaining("does not apply to raw_v1");
    }

    @Test
    void aStageOnAnEntropyCodedCodecIsCorrupt() {
        // ecq4_v1 is lossy but entropy-coded already: a stage in front of it would let a few bytes
        // claim a tensor of terabytes (each coder's constant blocks expand a hundred-thousandfold)
        assertThat(failure(
                        file(STAGED, e -> e.codec("ecq4_v1").params(new byte[4]).stage(1, 2048))))
                .isInstanceOf(CorruptArtifactException.class)
                .hasMessageContaining("does not apply to ecq4_v1");
    }

    @Test
    void aStagedPayloadShorterThanTheHeaderIsCorrupt() {
        byte[] tiny = Arrays.copyOf(STAGED, 8);
        assertThat(failure(file(tiny, e -> e)))
                .isInstanceOf(CorruptArtifactException.class)
                .hasMessageContaining("shorter than the stage's 16-byte header");
    }

    @Test
    void aV1IndexUnderAV2PreambleIsCorrupt() {
        // a version-1 entry layout read as version 2: the stage byte is missing
        FormatV1.Builder b = new FormatV1.Builder();
        byte[] p = {1, 2, 3, 4};
        b.payloads(p);
        b.add(new FormatV1.Entry("w", 1, new long[] {4}, "int8_sym_v1", SCALE, 64, 4, FormatV1.crc32c(p)));
        byte[] v1 = b.build();
        assertThat(failure(v1)).isNull();
        b.version = 2;
        byte[] index = b.index();
        byte[] v2 = FormatV1.withIndex(b.build(), Arrays.copyOf(index, index.length - 1));
        assertThat(failure(v2)).isInstanceOf(CorruptArtifactException.class);
    }

    @Test
    void everyByteChangeInAStagedPayloadIsATypedErrorOrDecodes() {
        SplittableRandom random = new SplittableRandom(20240611L);
        for (int i = 0; i < STAGED.length; i++) {
            byte[] p = STAGED.clone();
            p[i] ^= (byte) (1 + random.nextInt(255));
            TenpakException e = failure(file(p, x -> x)); // the CRC is recomputed: the stage's checks must hold
            if (e != null) {
                assertThat(e).as("byte %d", i).isInstanceOf(CorruptArtifactException.class);
                assertThat(((CorruptArtifactException) e).tensor()).isEqualTo("codes");
            }
        }
    }

    @Test
    void truncationOfTheV2GoldenAtEveryOffsetIsATypedError() {
        for (int n = 0; n < GOLDEN.length; n++) {
            HostileArtifactTest.assertTyped(Arrays.copyOf(GOLDEN, n), "staged.tenpak truncated to " + n + " bytes");
        }
    }

    @Test
    void aReaderOfVersion1OnlyRefusesV2NamingBothVersions() {
        assertThatThrownBy(() -> ArtifactReader.of(GOLDEN, "staged.tenpak", 1))
                .isInstanceOfSatisfying(
                        UnsupportedVersionException.class,
                        e -> assertThat(e.version()).isEqualTo(2))
                .hasMessageContaining("staged.tenpak")
                .hasMessageContaining("version 2")
                .hasMessageContaining("up to 1");
    }

    @Test
    void aNewerVersionThanThisReaderIsRefusedNamingBoth() {
        byte[] v3 = GOLDEN.clone();
        ByteBuffer.wrap(v3).order(ByteOrder.LITTLE_ENDIAN).putShort(8, (short) 3);
        assertThatThrownBy(() -> ArtifactReader.of(v3, "v3.tenpak"))
                .isInstanceOf(UnsupportedVersionException.class)
                .hasMessageContaining("version 3")
                .hasMessageContaining("up to 2");
    }

    @Test
    void theWriterWritesVersion1UntilAnEntryIsStaged() {
        try (ArtifactWriter w = ArtifactWriter.toMemory()) {
            w.allowStage(); // in memory the version is set at the end: no staged entry, version 1
            w.write(Tensor.ofFloats("w", new float[] {0.1f, 0.2f}, 2), Codecs.byName("int8_sym_v1"));
            w.finish();
            assertThat(w.bytes()[8]).isEqualTo((byte) 1);
        }
    }

    @Test
    void anOutputThatCannotBeRewrittenSaysVersion2FromTheStart() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (ArtifactWriter w = ArtifactWriter.to(Channels.newChannel(sink), "stream")) {
            w.allowStage();
            w.write(Tensor.ofFloats("w", new float[] {0.1f, 0.2f}, 2), Codecs.byName("int8_sym_v1"));
            w.finish();
        }
        byte[] b = sink.toByteArray();
        assertThat(b[8]).isEqualTo((byte) 2);
        try (ArtifactReader r = ArtifactReader.of(b, "stream")) {
            assertThat(r.version()).isEqualTo(2);
            assertThat(r.entry("w").staged()).isFalse();
            assertThat(r.read("w").toFloatArray()).hasSize(2);
        }
    }

    @Test
    void aCountingWriterCountsWhatAFileWriterWrites() {
        // plans and bench size candidates on a counting channel, with the stage allowed: the count
        // must be the version-1 size while nothing is staged (one index byte fewer per entry), the
        // version-2 size once something is
        for (boolean stage : new boolean[] {false, true}) {
            try (ArtifactWriter counted = ArtifactWriter.to(new CountingChannel(), "count");
                    ArtifactWriter kept = ArtifactWriter.toMemory();
                    Arena arena = Arena.ofConfined()) {
                counted.allowStage();
                kept.allowStage();
                for (ArtifactWriter w : List.of(counted, kept)) {
                    w.write(Tensor.ofFloats("w", new float[] {0.1f, 0.2f}, 2), Codecs.byName("int8_sym_v1"));
                    EncodedTensor enc = EncodedTensor.encode(codesTensor(), Codecs.byName("int8_sym_v1"), arena);
                    if (stage) {
                        assertThat(enc.writeToStaged(w, arena).staged()).isTrue();
                    } else {
                        enc.writeTo(w);
                    }
                }
                long size = counted.finish();
                kept.finish();
                assertThat(size).as("staged %s", stage).isEqualTo(kept.bytes().length);
                assertThat(kept.bytes()[8]).isEqualTo((byte) (stage ? 2 : 1));
            }
        }
    }

    @Test
    void aStagedPayloadOnAStreamWithoutAllowStageIsAProgrammingError() {
        try (ArtifactWriter w = ArtifactWriter.to(Channels.newChannel(new ByteArrayOutputStream()), "stream");
                Arena arena = Arena.ofConfined()) {
            EncodedTensor enc = EncodedTensor.encode(codesTensor(), Codecs.byName("int8_sym_v1"), arena);
            assertThatThrownBy(() -> enc.writeToStaged(w, arena)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void theWriterRefusesAStageOnAnExactCodecOrAStreamThatIsNone() {
        try (ArtifactWriter w = ArtifactWriter.toMemory()) {
            MemorySegment p = MemorySegment.ofArray(STAGED);
            assertThatThrownBy(() -> w.writeEncoded(
                            "r",
                            dev.tenpak.tensor.DType.U8,
                            dev.tenpak.tensor.Shape.of(512),
                            "raw_v1",
                            new byte[0],
                            p,
                            Checksums.crc32c(p),
                            ArtifactFormat.STAGE_ENTROPY))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("does not apply to raw_v1");
            MemorySegment wrong = MemorySegment.ofArray(new byte[] {9, 9});
            assertThatThrownBy(() -> w.writeEncoded(
                            "c",
                            dev.tenpak.tensor.DType.F32,
                            dev.tenpak.tensor.Shape.of(2),
                            "int8_sym_v1",
                            SCALE,
                            wrong,
                            Checksums.crc32c(wrong),
                            ArtifactFormat.STAGE_ENTROPY))
                    .isInstanceOf(InvalidInputException.class);
        }
    }

    private static Tensor codesTensor() {
        float[] x = new float[512];
        for (int i = 0; i < x.length; i++) {
            x[i] = ((37 * i) % 23 - 11) / 16f;
        }
        return Tensor.ofFloats("codes", x, 16, 32);
    }
}
