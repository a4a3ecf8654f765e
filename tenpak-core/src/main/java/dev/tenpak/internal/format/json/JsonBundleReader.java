package dev.tenpak.internal.format.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
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
 * error (they are usually typos), unknown top-level fields are skipped.
 */
public final class JsonBundleReader implements TensorSource {
    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private final JsonParser parser;
    private final String source;
    private final Set<String> seen = new HashSet<>();
    private boolean inTensors;
    private boolean done;
    private int index;

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
        } catch (JsonParseException e) {
            throw new InvalidInputException(source + ": malformed JSON at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new TenpakIOException(source + ": " + e.getMessage(), e);
        }
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
    }

    private Tensor readTensor() throws IOException {
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
                }
                case "shape" -> shape = readShape(v, name);
                case "data" -> {
                    if (v != JsonToken.START_ARRAY) {
                        throw bad(what(name) + ": \"data\" must be an array of numbers");
                    }
                    long limit = Integer.MAX_VALUE - 8L;
                    long expected = shape == null ? -1 : Shape.of(shape).elementCount();
                    data = new float[(int) (expected >= 0 ? Math.min(Math.min(expected, limit), maxPreallocated) : 1024)];
                    JsonToken e;
                    while ((e = parser.nextToken()) != JsonToken.END_ARRAY) {
                        if (count == data.length) {
                            if (count >= limit) {
                                throw bad(what(name) + ": more than " + count + " values, too many for one JSON tensor");
                            }
                            long grown = Math.min(limit, Math.max(16, 2L * count));
                            if (expected > count && expected < grown) {
                                grown = expected;   // land exactly on the declared size: no final trim copy
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
            return parser.getFloatValue();
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
                default -> { }
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
