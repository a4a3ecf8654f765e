package dev.tenpak.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tenpak.error.TenpakException;
import dev.tenpak.internal.format.safetensors.SafetensorsReader;
import dev.tenpak.tensor.Tensor;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Safetensors bytes from anywhere: {@link SafetensorsReader} parses the header and hands out every
 * tensor, or throws a {@link TenpakException}; anything else is a finding. Seeds: files laid out
 * by {@code SafetensorsWriter} over every dtype family.
 */
class SafetensorsReaderFuzzTest {
    static Stream<byte[]> seeds() {
        return Seeds.safetensorsFiles().stream();
    }

    @MethodSource("seeds")
    // the header's keys and dtype names
    @DictionaryEntries(
            value = {
                "\"dtype\"",
                "\"shape\"",
                "\"data_offsets\"",
                "\"__metadata__\"",
                "F32",
                "F16",
                "BF16",
                "F64",
                "I64",
                "BOOL",
                "F8_E4M3",
                "U64"
            })
    @FuzzTest(maxDuration = "30s")
    void fuzz(byte[] bytes) {
        try (SafetensorsReader r = SafetensorsReader.of(bytes, "fuzz.safetensors")) {
            r.metadata().forEach((k, v) -> {});
            r.dataBytes();
            r.entries();
            for (Tensor t = r.next(); t != null; t = r.next()) {
                Touch.all(t);
            }
        } catch (TenpakException expected) {
            // the contract: a typed error for bytes that are not a valid safetensors file
        }
    }
}
