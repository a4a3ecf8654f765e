package dev.tenpak.internal.format.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tenpak.error.ChecksumMismatchException;
import dev.tenpak.error.CorruptArtifactException;
import dev.tenpak.error.TenpakException;
import dev.tenpak.error.UnknownCodecException;
import dev.tenpak.error.UnsupportedVersionException;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile and damaged artifacts. Whatever the bytes, the reader answers with a typed
 * {@link TenpakException} (corrupt, unsupported version, unknown codec): never an
 * OutOfMemoryError, an index-out-of-bounds, a negative allocation or an IllegalArgumentException.
 * Hand-made artifacts come from {@link FormatV1} with correct checksums, so it is the reader's
 * structural checks, not the index CRC, that must catch them.
 */
class HostileArtifactTest {
    static final List<Class<? extends TenpakException>> TYPED =
            List.of(CorruptArtifactException.class, UnsupportedVersionException.class, UnknownCodecException.class);

    @TempDir
    Path dir;

    /** Opens {@code file} and reads every tensor; returns the typed error, or null when all was fine. */
    static TenpakException openAndReadAll(byte[] file) {
        try (ArtifactReader r = ArtifactReader.of(file, "hostile.tenpak")) {
            for (TensorEntry e : r.entries()) {
                r.read(e.name());
            }
            return null;
        } catch (TenpakException e) {
            return e;
        } catch (RuntimeException | Error e) {
            throw new AssertionError("untyped failure on a damaged artifact: " + e, e);
        }
    }

    static void assertTyped(byte[] file, String what) {
        TenpakException e = openAndReadAll(file);
        assertThat(e).as("%s must fail", what).isNotNull();
        assertThat(TYPED).as("%s failed with %s", what, e).anyMatch(c -> c.isInstance(e));
        assertThat(e.getMessage()).as(what).contains("hostile.tenpak");
    }

    static Stream<String> goldens() {
        return Stream.of("simple_int8.tenpak", "mixed.tenpak");
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void truncationAtEveryOffsetIsATypedError(String golden) {
        byte[] full = GoldenArtifacts.resource(golden);
        for (int n = 0; n < full.length; n++) {
            assertTyped(Arrays.copyOf(full, n), golden + " truncated to " + n + " bytes");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 8, 63, 64, 95, 96, 200, 312})
    void truncatedFilesAreTypedErrorsWhenMapped(int n) throws Exception {
        Path p = dir.resolve("t" + n + ".tenpak");
        Files.write(p, Arrays.copyOf(GoldenArtifacts.resource("simple_int8.tenpak"), n));
        assertThatThrownBy(() -> ArtifactReader.open(p).close())
                .isInstanceOf(CorruptArtifactException.class)
                .hasMessageContaining(p.toString());
    }

    static Stream<Arguments> flips() {
        return goldens().flatMap(g -> Stream.of(Arguments.of(g, 0xFF), Arguments.of(g, 0x01), Arguments.of(g, 0x80)));
    }

    /**
     * Every byte of the preamble, the index and the trailer, flipped: a typed error. Payload bytes:
     * a checksum error naming the tensor and its offset, the other tensors still readable. Padding
     * between payloads is not covered by any checksum (docs/FORMAT.md) and changes nothing.
     */
    @ParameterizedTest(name = "{0} xor {1}")
    @MethodSource("flips")
    void everyFlippedByteIsDetected(String golden, int mask) {
        byte[] full = GoldenArtifacts.resource(golden);
        List<TensorEntry> entries;
        long indexOffset;
        List<float[]> clean = new ArrayList<>();
        try (ArtifactReader r = ArtifactReader.of(full, "hostile.tenpak")) {
            entries = r.entries();
            for (TensorEntry e : entries) {
                clean.add(e.dtype().isCompressible() ? r.read(e.name()).toFloatArray() : null);
            }
        }
        indexOffset = FormatV1.u64(full, full.length - 32);
        int structural = 0;
        int payload = 0;
        for (int at = 0; at < full.length; at++) {
            byte[] b = full.clone();
            b[at] ^= (byte) mask;
            TensorEntry owner = ownerOf(entries, at);
            if (at < 64 || at >= indexOffset) {
                structural++;
                assertTyped(b, golden + " byte " + at + " xor " + mask);
            } else if (owner != null) {
                payload++;
                int flipped = at;
                try (ArtifactReader r = ArtifactReader.of(b, "hostile.tenpak")) {
                    assertThatThrownBy(() -> r.read(owner.name()))
                            .as("payload byte %d of %s", flipped, owner.name())
                            .isInstanceOfSatisfying(ChecksumMismatchException.class, e -> {
                                assertThat(e.tensor()).isEqualTo(owner.name());
                                assertThat(e.offset()).isEqualTo(owner.offset());
                            })
                            .hasMessageContaining("'" + owner.name() + "'")
                            .hasMessageContaining("offset " + owner.offset());
                    for (int i = 0; i < entries.size(); i++) {
                        TensorEntry other = entries.get(i);
                        if (other != owner && clean.get(i) != null) {
                            assertThat(r.read(other.name()).toFloatArray()).containsExactly(clean.get(i));
                        }
                    }
                }
            } else {
                assertThat(openAndReadAll(b)).as("padding byte %d", at).isNull();
            }
        }
        assertThat(structural).isEqualTo(64 + full.length - indexOffset);
        assertThat(payload)
                .isEqualTo(entries.stream().mapToLong(TensorEntry::length).sum());
    }

    private static TensorEntry ownerOf(List<TensorEntry> entries, long at) {
        for (TensorEntry e : entries) {
            if (at >= e.offset() && at < e.offset() + e.length()) {
                return e;
            }
        }
        return null;
    }

    // ---- hand-made artifacts ----

    /** A valid artifact: raw F32 "a" [4] at 64, int8 "b" [2,2] at 128. Each test breaks one thing. */
    static FormatV1.Builder valid() {
        byte[] a = new byte[16];
        a[3] = 0x3F; // a[0] = 0.5f
        byte[] q = {1, 2, 3, 127};
        ByteArrayOutputStream area = new ByteArrayOutputStream();
        long[] offsets = FormatV1.layout(List.of(a, q), area);
        return new FormatV1.Builder()
                .payloads(area.toByteArray())
                .add(new FormatV1.Entry(
                        "a", 1, new long[] {4}, "raw_v1", new byte[0], offsets[0], 16, FormatV1.crc32c(a)))
                .add(new FormatV1.Entry(
                        "b",
                        1,
                        new long[] {2, 2},
                        "int8_sym_v1",
                        FormatV1.f32(0.5f),
                        offsets[1],
                        4,
                        FormatV1.crc32c(q)));
    }

    static FormatV1.Builder valid(Consumer<FormatV1.Builder> change) {
        FormatV1.Builder b = valid();
        change.accept(b);
        return b;
    }

    static void replace(FormatV1.Builder b, int i, java.util.function.UnaryOperator<FormatV1.Entry> f) {
        b.entries.set(i, f.apply(b.entries.get(i)));
    }

    @Test
    void theHandMadeBaseIsValid() {
        try (ArtifactReader r = ArtifactReader.of(valid().build(), "base")) {
            assertThat(r.read("a").toFloatArray()).containsExactly(0.5f, 0, 0, 0);
            assertThat(r.read("b").toFloatArray()).containsExactly(0.5f, 1f, 1.5f, 63.5f);
        }
    }

    static Stream<Arguments> corruptions() {
        return Stream.of(
                Arguments.of("huge entry count", valid(b -> b.entryCountOverride = 0xFFFF_FFFFL), "tensors"),
                Arguments.of("entry count one too many", valid(b -> b.entryCountOverride = 3L), "index ends inside"),
                Arguments.of("huge metadata count", valid(b -> b.metadataCountOverride = 0x7FFF_FFFFL), "metadata"),
                Arguments.of(
                        "huge name length past the index",
                        valid(b -> {
                            b.entries.clear();
                            b.entryCountOverride = 1L;
                            b.artifactCodec = "x".repeat(40); // room enough that only the name is short
                            b.indexSuffix = new byte[] {(byte) 0xFF, (byte) 0xFF, 'a'};
                        }),
                        "index ends inside tensor name"),
                Arguments.of(
                        "duplicate metadata key",
                        valid(b -> {
                            b.entries.clear();
                            b.metadata.put("key", "one");
                            b.metadataCountOverride = 2L;
                            FormatV1.Out again = new FormatV1.Out();
                            again.str32("key");
                            again.str32("two");
                            b.indexSuffix = again.bytes();
                        }),
                        "duplicate metadata key 'key'"),
                Arguments.of("empty name", valid(b -> replace(b, 0, e -> e.name(""))), "empty name"),
                Arguments.of(
                        "name not UTF-8",
                        valid(b -> {
                            b.entries.clear();
                            b.entryCountOverride = 1L;
                            b.artifactCodec = "x".repeat(40);
                            b.indexSuffix = new byte[] {2, 0, (byte) 0xC3, (byte) 0x28};
                        }),
                        "not valid UTF-8"),
                Arguments.of(
                        "duplicate name",
                        valid(b -> replace(
                                b,
                                1,
                                e -> e.name("a")
                                        .codec("raw_v1")
                                        .params(new byte[0])
                                        .dims(1))),
                        "duplicate"),
                Arguments.of(
                        "dims whose product overflows",
                        valid(b -> replace(b, 0, e -> e.dims(1L << 32, 1L << 32))),
                        "overflows"),
                Arguments.of("byte size overflows", valid(b -> replace(b, 0, e -> e.dims(1L << 62))), "overflow"),
                Arguments.of("negative dim", valid(b -> replace(b, 0, e -> e.dims(-4))), "negative"),
                Arguments.of("rank 33", valid(b -> replace(b, 0, e -> e.dims(new long[33]))), "rank 33"),
                Arguments.of("dtype id 0", valid(b -> replace(b, 0, e -> e.dtypeId(0))), "unknown dtype id 0"),
                Arguments.of("dtype id 255", valid(b -> replace(b, 0, e -> e.dtypeId(255))), "unknown dtype id 255"),
                Arguments.of("offset past the end", valid(b -> replace(b, 0, e -> e.offset(1L << 40))), "outside"),
                Arguments.of("negative offset", valid(b -> replace(b, 0, e -> e.offset(-64))), "outside"),
                Arguments.of("offset in the preamble", valid(b -> replace(b, 0, e -> e.offset(0))), "outside"),
                Arguments.of("length into the index", valid(b -> replace(b, 1, e -> e.length(64))), "outside"),
                Arguments.of("huge length", valid(b -> replace(b, 1, e -> e.length(Long.MAX_VALUE))), "outside"),
                Arguments.of("negative length", valid(b -> replace(b, 1, e -> e.length(-1))), "outside"),
                Arguments.of("unaligned offset", valid(b -> replace(b, 1, e -> e.offset(129))), "aligned"),
                Arguments.of(
                        "overlapping payloads", valid(b -> replace(b, 1, e -> e.offset(64))), "overlaps tensor 'a'"),
                Arguments.of(
                        "raw length does not match shape",
                        valid(b -> replace(b, 0, e -> e.dims(5))),
                        "must be 20 bytes"),
                Arguments.of(
                        "int8 length does not match shape",
                        valid(b -> replace(b, 1, e -> e.dims(2, 3))),
                        "must be 6 bytes"),
                Arguments.of("int8 params too short", valid(b -> replace(b, 1, e -> e.params(new byte[2]))), "4 bytes"),
                Arguments.of(
                        "int8 scale NaN", valid(b -> replace(b, 1, e -> e.params(FormatV1.f32(Float.NaN)))), "scale"),
                Arguments.of("int8 scale zero", valid(b -> replace(b, 1, e -> e.params(FormatV1.f32(0f)))), "scale"),
                Arguments.of(
                        "int8 on an integer dtype", valid(b -> replace(b, 1, e -> e.dtypeId(5))), "cannot hold I8"),
                Arguments.of(
                        "trailing bytes after the last entry",
                        valid(b -> b.indexSuffix = new byte[3]),
                        "unexpected bytes"),
                Arguments.of("preamble size 128", valid(b -> b.preambleSize = 128), "preamble size 128"),
                Arguments.of("unknown flags", valid(b -> b.flags = 1), "flags"),
                Arguments.of("version 0", valid(b -> b.version = 0), "version 0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptions")
    void handMadeCorruptionIsReportedWithTheReason(String what, FormatV1.Builder b, String reason) {
        TenpakException e = openAndReadAll(b.build());
        assertThat(e).as(what).isInstanceOf(CorruptArtifactException.class);
        assertThat(e.getMessage()).as(what).contains("hostile.tenpak").contains(reason);
        assertThat(e.exitCode()).isEqualTo(TenpakException.EXIT_CORRUPT);
    }

    @Test
    void aHigherVersionNamesTheVersion() {
        for (int v : new int[] {3, 255, 65_535}) { // 2 is read: StagedEntryTest
            byte[] file = valid(b -> b.version = v).build();
            assertThat(openAndReadAll(file))
                    .isInstanceOfSatisfying(UnsupportedVersionException.class, e -> {
                        assertThat(e.version()).isEqualTo(v);
                        assertThat(e.exitCode()).isEqualTo(TenpakException.EXIT_UNSUPPORTED);
                    })
                    .hasMessageContaining("version " + v)
                    .hasMessageContaining("hostile.tenpak");
        }
    }

    @Test
    void anUnknownCodecNamesTheCodecAndTheTensor() {
        byte[] file = valid(b -> replace(b, 1, e -> e.codec("int3_magic_v9"))).build();
        assertThat(openAndReadAll(file))
                .isInstanceOfSatisfying(
                        UnknownCodecException.class, e -> assertThat(e.codec()).isEqualTo("int3_magic_v9"))
                .hasMessageContaining("'int3_magic_v9'")
                .hasMessageContaining("tensor 'b'")
                .hasMessageContaining("int8_sym_v1");
    }

    @Test
    void indexLengthPastTheEndIsCorrupt() {
        byte[] good = valid().build();
        long indexOffset = FormatV1.u64(good, good.length - 32);
        long indexLength = FormatV1.u64(good, good.length - 24);
        for (long[] t : new long[][] {
            {indexOffset, indexLength + 1},
            {indexOffset, 1L << 40},
            {indexOffset, -1},
            {indexOffset, Long.MAX_VALUE},
            {-1, indexLength},
            {0, indexLength},
            {indexOffset + 1, indexLength},
            {Long.MIN_VALUE, Long.MIN_VALUE},
            {good.length, 0}
        }) {
            byte[] file = FormatV1.withTrailer(good, t[0], t[1]);
            assertThat(openAndReadAll(file))
                    .as("index_offset %d index_length %d", t[0], t[1])
                    .isInstanceOfSatisfying(
                            CorruptArtifactException.class,
                            e -> assertThat(e.tensor()).isNull());
        }
    }

    @Test
    void anIndexThatFailsItsChecksumIsCorrupt() {
        byte[] file = valid().build();
        file[file.length - 16] ^= 1; // index_crc32c
        assertThat(openAndReadAll(file))
                .isInstanceOf(CorruptArtifactException.class)
                .hasMessageContaining("index checksum mismatch");
    }

    @Test
    void badMagicIsCorrupt() {
        byte[] file = valid().build();
        file[1] = 'X';
        assertThat(openAndReadAll(file))
                .isInstanceOf(CorruptArtifactException.class)
                .hasMessageContaining("not a tenpak artifact");
        assertThat(openAndReadAll(("{\"tensors\": []}" + " ".repeat(100)).getBytes()))
                .isInstanceOf(CorruptArtifactException.class)
                .hasMessageContaining("not a tenpak artifact");
    }
}
