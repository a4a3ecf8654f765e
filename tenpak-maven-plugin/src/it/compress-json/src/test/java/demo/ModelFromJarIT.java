package demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tenpak.Tenpak;
import dev.tenpak.options.InputFormat;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorInfo;
import dev.tenpak.tensor.TensorSource;
import java.net.URL;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Run by surefire after `package`, against the packaged jar: the compressed model loads from it and matches the source. */
class ModelFromJarIT {
    @Test
    void theModelComesOutOfTheJar() {
        URL url = ModelService.class.getClassLoader().getResource("models/encoder.tenpak");
        assertTrue(
                url != null && url.getProtocol().equals("jar"), "models/encoder.tenpak should be inside a jar: " + url);
        assertTrue(url.toString().contains("compress-json-1.0.jar!"), url.toString());
        assertTrue(ModelService.class.getClassLoader().getResource("models/decoder.tenpak") != null);
        assertTrue(ModelService.class.getClassLoader().getResource("models/tenpak-manifest.json") != null);
    }

    @Test
    void theJsonBundleDecodesToTheSourceWithinHalfAQuantizationStep() {
        try (ModelService service = new ModelService("models/encoder.tenpak")) {
            assertEquals(2, compare(service, "src/main/models/encoder.json"));
        }
    }

    @Test
    void theSafetensorsFileDecodesToTheSourceWithinHalfAQuantizationStep() {
        try (ModelService service = new ModelService("models/decoder.tenpak")) {
            assertEquals(2, compare(service, "src/main/models/decoder.safetensors"));
        }
    }

    /** Compares every tensor of the model file with its decoded copy from the jar; returns the count. */
    private static int compare(ModelService service, String modelFile) {
        try (TensorSource source = Tenpak.openInput(Path.of(modelFile), InputFormat.AUTO)) {
            int tensors = 0;
            for (Tensor t = source.next(); t != null; t = source.next()) {
                float[] want = t.toFloatArray();
                float[] got = service.weights(t.name());
                assertEquals(want.length, got.length, t.name());
                String name = t.name();
                TensorInfo e = service.artifact().index().stream()
                        .filter(i -> i.name().equals(name))
                        .findFirst()
                        .orElseThrow();
                float max = 0;
                for (float v : want) {
                    max = Math.max(max, Math.abs(v));
                }
                // int8_sym_v1 stores q = rint(x / s) with s = max|x| / 127; 1-D tensors may be kept exact
                float bound = e.codec().equals("raw_v1") ? 0f : max / 127f / 2f + 1e-7f;
                for (int i = 0; i < want.length; i++) {
                    assertTrue(
                            Math.abs(got[i] - want[i]) <= bound,
                            t.name() + "[" + i + "]: " + got[i] + " vs " + want[i] + " (bound " + bound + ")");
                }
                tensors++;
            }
            return tensors;
        }
    }
}
