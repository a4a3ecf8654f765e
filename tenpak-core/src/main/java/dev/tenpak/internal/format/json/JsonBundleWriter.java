package dev.tenpak.internal.format.json;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.TenpakIOException;
import dev.tenpak.tensor.FloatConversions;
import dev.tenpak.tensor.Tensor;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes tensors as a JSON bundle with Jackson's streaming generator, one tensor at a time. Float
 * values are printed in their shortest round-tripping form; F16 and BF16 tensors are widened to
 * float first. Non-float tensors cannot be written as a JSON bundle.
 */
public final class JsonBundleWriter implements AutoCloseable {
    private final JsonGenerator gen;
    private final String target;
    private final float[] buf = new float[8192];

    /** Starts a bundle on {@code out}, which this writer closes. */
    public JsonBundleWriter(OutputStream out, String target) {
        this.target = target;
        try {
            this.gen = JsonBundleReader.FACTORY.createGenerator(out);
            gen.writeStartObject();
            gen.writeArrayFieldStart("tensors");
        } catch (IOException e) {
            throw new TenpakIOException(target + ": " + e.getMessage(), e);
        }
    }

    public void write(Tensor t) {
        if (!t.dtype().isCompressible()) {
            throw new InvalidInputException("tensor '" + t.name() + "' is " + t.dtype()
                    + "; JSON bundles hold float tensors only (write safetensors instead)");
        }
        try {
            gen.writeStartObject();
            gen.writeStringField("name", t.name());
            gen.writeArrayFieldStart("shape");
            for (long d : t.shape().dims()) {
                gen.writeNumber(d);
            }
            gen.writeEndArray();
            gen.writeArrayFieldStart("data");
            long n = t.elementCount();
            for (long from = 0; from < n; from += buf.length) {
                int len = (int) Math.min(buf.length, n - from);
                FloatConversions.toFloats(t.data(), t.dtype(), from, buf, 0, len);
                for (int i = 0; i < len; i++) {
                    gen.writeNumber(buf[i]);
                }
            }
            gen.writeEndArray();
            gen.writeEndObject();
        } catch (IOException e) {
            throw new TenpakIOException(target + ": " + e.getMessage(), e);
        }
    }

    /** Closes the arrays and the document, and the stream. */
    @Override
    public void close() {
        try {
            gen.writeEndArray();
            gen.writeEndObject();
            gen.close();
        } catch (IOException e) {
            throw new TenpakIOException(target + ": " + e.getMessage(), e);
        }
    }
}
