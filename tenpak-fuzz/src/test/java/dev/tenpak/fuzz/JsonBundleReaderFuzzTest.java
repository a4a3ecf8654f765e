package dev.tenpak.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tenpak.error.TenpakException;
import dev.tenpak.internal.format.json.JsonBundleReader;
import dev.tenpak.tensor.Tensor;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * JSON bundle bytes from anywhere: {@link JsonBundleReader} reads every tensor or throws a
 * {@link TenpakException}; anything else is a finding. Seeds: examples/*.json (copied by the
 * build) and bundles written by {@code JsonBundleWriter}.
 */
class JsonBundleReaderFuzzTest {
    static Stream<byte[]> seeds() {
        return Seeds.jsonBundles().stream();
    }

    @MethodSource("seeds")
    // the bundle's field names and the literals the reader treats specially
    @DictionaryEntries(
            value = {
                "\"tensors\"",
                "\"metadata\"",
                "\"name\"",
                "\"shape\"",
                "\"data\"",
                "NaN",
                "Infinity",
                "-Infinity",
                "1e309",
                "\\u0000",
                "\\ud800"
            })
    @FuzzTest(maxDuration = "30s")
    void fuzz(byte[] bytes) {
        try (JsonBundleReader r = JsonBundleReader.open(bytes, "fuzz.json")) {
            for (Tensor t = r.next(); t != null; t = r.next()) {
                Touch.all(t);
            }
            r.metadata().forEach((k, v) -> {});
        } catch (TenpakException expected) {
            // the contract: a typed error for bytes that are not a valid bundle
        }
    }
}
