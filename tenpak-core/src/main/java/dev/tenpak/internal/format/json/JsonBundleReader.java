package dev.tenpak.internal.format.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.tenpak.error.InvalidInputException;
import dev.tenpak.error.ShapeMismatchException;
import dev.tenpak.error.TenpakIOException;
import dev.tenpak.tensor.Shape;
import dev.tenpak.tensor.Tensor;
import dev.tenpak.tensor.TensorSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Streams tensors out of a JSON bundle, {@code {"tensors":[{"name":..,"shape":[..],"data":[..]}]}},
 * with Jackson's token parser: values go straight into a float array, one tensor at a time, so
 * memory is bounded by the largest tensor (no tree model, no boxed lists). Values are read as
 * float32; {@code NaN} and {@code Infinity} are accepted as bare tokens or strings.
 *
 * <p>Checks: every tensor has a non-empty name, a shape of non-negative integers and data whose
 * length equals the product of the shape; names are unique; unknown fields inside a tensor are an
 * error (they are usually typos), unknown top-level fields are skipped. A key that appears twice in
 * one object, at any level, is an error (which value counts would be a guess); so is anything but
 * whitespace after the top-level object (a second bundle appended to the file would be dropped),
 * and a number literal beyond float32's range ({@code 1e309}, {@code 3.5e38}), which would
 * otherwise become an infinity nobody wrote. Jackson's own limits (nesting depth, number length,
 * string length) are input errors like any other malformed JSON.
 */
public final class JsonBundleReader implements TensorSource {
    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final JsonParser parser;
    private final String source;
    private final Set<String> seen = new HashSet<>();
    private boolean inTensors;
    private boolean done;
    private int index;
    /** While a tensor object is being read, and its name once known: for messages about its keys. */
    private boolean tensorOpen;

    private String tensorName;

    /**
     * Most values a tensor's data array can hold: every value takes at least two bytes of JSON
     * ("0,"), so the input's size bounds it. A shape may claim more, but the reader allocates for
     * at most this many before it has seen the values (a hostile shape cannot cause a huge
     * allocation). For a stream of unknown size, a modest start that grows as values arrive.
     */
    private final long maxPreallocated;

    private JsonBundleReader(JsonParser parser, String source, long inputBytes) {
        this.parser = parser;
        this.source = source;
        this.maxPreallocated = inputBytes < 0 ? 1 << 20 : inputBytes / 2 + 1;
    }

    public static JsonBundleReader open(Path path) {
        try {
            long size = Files.size(path);
            return open(Files.newInputStream(path), path.toString(), size);
        } catch (IOException e) {
            throw TenpakIOException.of(path, e);
        }
    }

    /** Reads from {@code in}, which this reader closes. */
    public static JsonBundleReader open(InputStream in, String source) {
        return open(in, source, -1);
    }

    private static JsonBundleReader open(InputStream in, String source, long size) {
        try {
            return new JsonBundleReader(FACTORY.createParser(in), source, size);
        } catch (IOException e) {
            throw new TenpakIOException(source + ": " + e.getMessage(), e);
        }
    }

    public static JsonBundleReader open(byte[] json, String source) {
        try {
            return new JsonBundleReader(FACTORY.createParser(json), source, json.length);
        } catch (IOException e) {
            throw new TenpakIOException(source + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Tensor next() {
        if (done) {
            return null;
        }
        try {
            if (!inTensors && !seekTensors()) {
                done = true;
                return null;
            }
            JsonToken t = parser.nextToken();
            if (t == JsonToken.END_ARRAY) {
                finishDocument();
                done = true;
                return null;
            }
            if (t != JsonToken.START_OBJECT) {
                throw bad("tensors[" + index + "] must be an object");
            }
            return readTensor();
        } catch (JsonProcessingException e) {
            // JsonParseException, and Jackson's StreamConstraintsException (nesting, number and string
            // length limits): the input's fault, never an I/O failure
            throw malformed(e);
        } catch (IOException e) {
            throw new TenpakIOException(source + ": " + e.getMessage(), e);
        }
    }

    private InvalidInputException malformed(JsonProcessingException e) {
        String reason = e.getOriginalMessage();
        if (reason != null && reason.startsWith("Duplicate field")) {
            reason = "duplicate key "
                    + reason.substring("Duplicate field".length()).trim()
                    + (tensorOpen ? " in " + what(tensorName) : "") + "; each key may appear once";
        }
        var at = e.getLocation();
        return new InvalidInputException(
                source + ": malformed JSON"
                        + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()) + ": "
                        + reason,
                e);
    }

    private boolean seekTensors() throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw bad("a bundle is a JSON object with a \"tensors\" array");
        }
        while (true) {
            JsonToken t = parser.nextToken();
            if (t == JsonToken.END_OBJECT || t == null) {
                throw bad("no \"tensors\" array found");
            }
            String field = parser.currentName();
            t = parser.nextToken();
            if ("tensors".equals(field)) {
                if (t != JsonToken.START_ARRAY) {
                    throw bad("\"tensors\" must be an array");
                }
                inTensors = true;
                return true;
            }
            parser.skipChildren();
        }
    }

    private void finishDocument() throws IOException {
        JsonToken t;
        while ((t = parser.nextToken()) != null && t != JsonToken.END_OBJECT) {
            if (t == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if ("tensors".equals(field)) {
                    throw bad("\"tensors\" appears twice");
                }
                parser.skipChildren();
            }
        }
        if (t == JsonToken.END_OBJECT && parser.nextToken() != null) {
            var at = parser.currentTokenLocation();
            throw bad("content after the end of the top-level object at line " + at.getLineNr() + ", column "
                    + at.getColumnNr() + " (one bundle per file)");
        }
    }

    private Tensor readTensor() throws IOException {
        tensorOpen = true;
        tensorName = null;
        String name = null;
        long[] shape = null;
        float[] data = null;
        int count = 0;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken v = parser.nextToken();
            switch (field) {
                case "name" -> {
                    if (v != JsonToken.VALUE_STRING) {
                        throw bad("tensors[" + index + "].name must be a string");
                    }
                    name = parser.getText();
                    tensorName = name;
                }
                case "shape" -> shape = readShape(v, name);
                case "data" -> {
                    if (v != JsonToken.START_ARRAY) {
                        throw bad(what(name) + ": \"data\" must be an array of numbers");
                    }
                    long limit = Integer.MAX_VALUE - 8L;
                    long expected = shape == null ? -1 : Shape.of(shape).elementCount();
                    data = new float
                            [(int) (expected >= 0 ? Math.min(Math.min(expected, limit), maxPreallocated) : 1024)];
                    JsonToken e;
                    while ((e = parser.nextToken()) != JsonToken.END_ARRAY) {
                        if (count == data.length) {
                            if (count >= limit) {
                                throw bad(
                                        what(name) + ": more than " + count + " values, too many for one JSON tensor");
                            }
                            long grown = Math.min(limit, Math.max(16, 2L * count));
                            if (expected > count && expected < grown) {
                                grown = expected; // land exactly on the declared size: no final trim copy
                            }
                            data = Arrays.copyOf(data, (int) grown);
                        }
                        data[count++] = number(e, name, count - 1);
                    }
                }
                default -> throw bad(what(name) + ": unknown field \"" + field + "\" (expected name, shape, data)");
            }
        }
        if (name == null || name.isEmpty()) {
            throw bad("tensors[" + index + "] has no name");
        }
        if (shape == null) {
            throw bad(what(name) + " has no \"shape\"");
        }
        if (data == null) {
            throw bad(what(name) + " has no \"data\"");
        }
        Shape s = Shape.of(shape);
        if (s.elementCount() != count) {
            throw new ShapeMismatchException(source + ": tensor '" + name + "': shape " + s + " needs "
                    + s.elementCount() + " values, data has " + count);
        }
        if (!seen.add(name)) {
            throw new InvalidInputException(source + ": duplicate tensor name '" + name + "'");
        }
        index++;
        tensorOpen = false;
        return Tensor.ofFloats(name, s, count == data.length ? data : Arrays.copyOf(data, count));
    }

    private long[] readShape(JsonToken v, String name) throws IOException {
        if (v != JsonToken.START_ARRAY) {
            throw bad(what(name) + ": \"shape\" must be an array of integers");
        }
        List<Long> dims = new ArrayList<>();
        JsonToken e;
        while ((e = parser.nextToken()) != JsonToken.END_ARRAY) {
            if (e != JsonToken.VALUE_NUMBER_INT || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw bad(what(name) + ": \"shape\" must hold non-negative integers");
            }
            long d = parser.getLongValue();
            if (d < 0) {
                throw bad(what(name) + ": \"shape\" has negative dimension " + d);
            }
            dims.add(d);
            if (dims.size() > Shape.MAX_RANK) {
                throw bad(what(name) + ": \"shape\" has more than " + Shape.MAX_RANK + " dimensions");
            }
        }
        try {
            Shape.of(dims.stream().mapToLong(Long::longValue).toArray());
        } catch (InvalidInputException ex) {
            throw bad(what(name) + ": " + ex.getMessage());
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private float number(JsonToken e, String name, int i) throws IOException {
        if (e == JsonToken.VALUE_NUMBER_FLOAT || e == JsonToken.VALUE_NUMBER_INT) {
            float f = parser.getFloatValue();
            String text;
            if (Float.isInfinite(f) && (text = parser.getText()).chars().anyMatch(Character::isDigit)) {
                // a literal too large for float32; the bare tokens Infinity and -Infinity are fine
                if (text.length() > 40) {
                    text = text.substring(0, 20) + "... (" + text.length() + " characters)";
                }
                throw bad(what(name) + ": data[" + i + "] = " + text + " is out of float32 range (magnitude at most "
                        + Float.MAX_VALUE + "; write Infinity or -Infinity for an infinity)");
            }
            return f;
        }
        if (e == JsonToken.VALUE_STRING) {
            switch (parser.getText()) {
                case "NaN" -> {
                    return Float.NaN;
                }
                case "Infinity", "+Infinity" -> {
                    return Float.POSITIVE_INFINITY;
                }
                case "-Infinity" -> {
                    return Float.NEGATIVE_INFINITY;
                }
                default -> {}
            }
        }
        throw bad(what(name) + ": data[" + i + "] is " + e + ", expected a number");
    }

    private String what(String name) {
        return name == null ? "tensors[" + index + "]" : "tensor '" + name + "'";
    }

    private InvalidInputException bad(String reason) {
        return new InvalidInputException(source + ": " + reason);
    }

    @Override
    public Map<String, String> metadata() {
        return Map.of();
    }

    @Override
    public String description() {
        return source;
    }

    @Override
    public void close() {
        try {
            parser.close();
        } catch (IOException ignored) {
            // nothing useful to report when closing a reader
        }
    }
}
