package dev.tenpak.tensor;

import dev.tenpak.error.InvalidInputException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ordered collection of tensors with unique names, held in memory. Large inputs should flow
 * through a {@link TensorSource} instead, one tensor at a time.
 */
public final class Bundle implements Iterable<Tensor> {
    private final Map<String, Tensor> byName;
    private final Map<String, String> metadata;

    private Bundle(Map<String, Tensor> byName, Map<String, String> metadata) {
        this.byName = byName;
        this.metadata = metadata;
    }

    public static Bundle of(List<Tensor> tensors) {
        return of(tensors, Map.of());
    }

    /** A bundle of {@code tensors} in order; a repeated name is an {@link InvalidInputException}. */
    public static Bundle of(List<Tensor> tensors, Map<String, String> metadata) {
        Map<String, Tensor> map = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            if (map.putIfAbsent(t.name(), t) != null) {
                throw new InvalidInputException("duplicate tensor name '" + t.name() + "'");
            }
        }
        return new Bundle(Collections.unmodifiableMap(map), Collections.unmodifiableMap(new LinkedHashMap<>(metadata)));
    }

    public static Bundle of(Tensor... tensors) {
        return of(List.of(tensors));
    }

    /** Reads every tensor of {@code source} into a bundle (the source's memory must outlive it). */
    public static Bundle readAll(TensorSource source) {
        List<Tensor> list = new ArrayList<>();
        for (Tensor t = source.next(); t != null; t = source.next()) {
            list.add(t);
        }
        return of(list, source.metadata());
    }

    public List<Tensor> tensors() {
        return List.copyOf(byName.values());
    }

    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /** The tensor called {@code name}, or null. */
    public Tensor get(String name) {
        return byName.get(name);
    }

    public int size() {
        return byName.size();
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** Sum of the tensors' data sizes in their own dtypes. */
    public long dataBytes() {
        long sum = 0;
        for (Tensor t : byName.values()) {
            sum += t.byteSize();
        }
        return sum;
    }

    /** This bundle as a source, for APIs that stream. */
    public TensorSource asSource(String description) {
        return TensorSource.of(List.copyOf(byName.values()), metadata, description);
    }

    @Override
    public java.util.Iterator<Tensor> iterator() {
        return byName.values().iterator();
    }
}
