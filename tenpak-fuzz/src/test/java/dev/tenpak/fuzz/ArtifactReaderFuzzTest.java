package dev.tenpak.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tenpak.codec.Codecs;
import dev.tenpak.error.TenpakException;
import dev.tenpak.internal.entropy.EntropyStage;
import dev.tenpak.internal.format.artifact.ArtifactFormat;
import dev.tenpak.internal.format.artifact.ArtifactReader;
import dev.tenpak.internal.format.artifact.Checksums;
import dev.tenpak.internal.format.artifact.TensorEntry;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Artifact bytes from anywhere: {@link ArtifactReader} opens them and decodes every tensor, or
 * throws a {@link TenpakException}. Any other throwable (an index out of bounds, an
 * IllegalArgumentException, an OutOfMemoryError) is a finding. Seeds: the committed goldens
 * (copied by the build) and one artifact per registered codec.
 *
 * <p>Checksums stop almost every mutant at the door, so each input is read twice: as it is, and
 * with the trailer's index CRC32C recomputed, which lets mutated indexes reach the index parser.
 * Every payload is also decoded before its own checksum is checked, as the parallel decoder does,
 * so the codecs meet hostile payload bytes too (a staged payload through the entropy stage's
 * decoder first).
 */
class ArtifactReaderFuzzTest {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Tensors larger than this are checked (index, checksum) but not decoded: lossless_v1 can store
     * a constant 256 KiB block in a few bytes, so a 1 KiB input may describe gigabytes, which would
     * make each run slow and the fuzzer's memory grow without finding anything new.
     */
    static final long MAX_DECODED_BYTES = 16L << 20;

    /**
     * The most any codec expands its payload: lossless_v1's constant block of 16 MiB behind one 8-byte
     * table entry. An index entry claiming more is a tensor no payload can hold, accepted anyway.
     */
    static final long MAX_EXPANSION = 2L << 20;

    /**
     * The most a codec's payload expands when decoded: 2-bit K-quant codes to f32, 16 times (a
     * staged entry is bounded by what its stage stream can hold times this).
     */
    static final long MAX_CODEC_EXPANSION = 16;

    static Stream<byte[]> seeds() {
        return Seeds.artifacts().stream();
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "30s")
    void fuzz(byte[] bytes) {
        read(bytes);
        byte[] fixed = withIndexChecksum(bytes);
        if (fixed != null) {
            read(fixed);
        }
    }

    private static void read(byte[] bytes) {
        try (ArtifactReader r = ArtifactReader.of(bytes, "fuzz.tenpak")) {
            r.version();
            r.codec();
            r.metadata().forEach((k, v) -> {});
            r.index();
            for (TensorEntry e : r.entries()) {
                long bound = e.staged()
                        ? EntropyStage.maxDecodedSize(e.length()) * MAX_CODEC_EXPANSION
                        : Math.max(1, e.length()) * MAX_EXPANSION;
                if (e.originalBytes() > bound) {
                    // the reader allocates this much before the codec reads the payload
                    throw new AssertionError("index accepted tensor '" + e.name() + "' of " + e.originalBytes()
                            + " bytes from a " + e.length() + "-byte " + e.codec() + " payload");
                }
                if (e.originalBytes() > MAX_DECODED_BYTES) {
                    r.verify(e);
                    continue; // an entropy-coded payload may stand for far more bytes than it has
                }
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment dst =
                            arena.allocate(Math.max(1, e.originalBytes())).asSlice(0, e.originalBytes());
                    try {
                        MemorySegment payload = r.unverifiedPayload(e);
                        if (e.staged()) { // the stage undone on unchecked bytes too, as a hostile file has them
                            long n = EntropyStage.decodedSize(payload);
                            if (n != e.codecLength()) {
                                throw new dev.tenpak.error.CorruptArtifactException("fuzz", e.name(), 0, "length");
                            }
                            MemorySegment codes = arena.allocate(Math.max(1, n)).asSlice(0, n);
                            EntropyStage.decode(payload, codes);
                            payload = codes;
                        }
                        Codecs.byName(e.codec()).decode(e.dtype(), e.shape(), e.params(), payload, dst);
                    } catch (TenpakException expected) {
                        // a payload the codec refuses; the checksum below decides what the user sees
                    }
                    if (r.verify(e)) {
                        Touch.all(r.read(e, arena));
                    }
                }
            }
        } catch (TenpakException expected) {
            // the contract: a typed error for bytes that are not a valid artifact
        }
    }

    /**
     * A copy of {@code bytes} whose trailer holds the CRC32C of the index it points at (docs/FORMAT.md,
     * "Trailer"), or null when the trailer does not point inside the file or already holds it.
     */
    static byte[] withIndexChecksum(byte[] bytes) {
        int trailer = bytes.length - ArtifactFormat.TRAILER_SIZE;
        if (trailer < ArtifactFormat.PREAMBLE_SIZE) {
            return null;
        }
        MemorySegment s = MemorySegment.ofArray(bytes);
        long offset = s.get(U64, trailer);
        long length = s.get(U64, trailer + 8);
        if (offset < ArtifactFormat.PREAMBLE_SIZE || length < 0 || offset > trailer || length != trailer - offset) {
            return null;
        }
        int crc = Checksums.crc32c(s.asSlice(offset, length));
        if (s.get(U32, trailer + 16) == crc) {
            return null; // read as it is already
        }
        byte[] copy = bytes.clone();
        MemorySegment.ofArray(copy).set(U32, trailer + 16, crc);
        return copy;
    }
}
