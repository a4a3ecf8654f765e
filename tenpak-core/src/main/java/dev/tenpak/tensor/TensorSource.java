package dev.tenpak.tensor;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Tensors read one at a time from a file or a stream, so that memory stays bounded by the largest
 * tensor rather than the whole model. A tensor returned by {@link #next()} stays valid until the
 * source is closed. Names are unique; a source that finds a duplicate throws.
 */
public interface TensorSource extends AutoCloseable {
    /** The next tensor, or null when there are no more. */
    Tensor next();

    /** Free-form string metadata carried with the tensors (safetensors' {@code __metadata__}). */
    Map<String, String> metadata();

    /**
     * Bytes of tensor data this source will hand out in total, for progress reporting; -1 when
     * unknown until the end (a JSON stream).
     */
    default long dataBytes() {
        return -1;
    }

    /** What this source reads, for messages (usually a path). */
    String description();

    @Override
    void close();

    /** A source over tensors already in memory, in list order (names must be unique). */
    static TensorSource of(List<Tensor> tensors, Map<String, String> metadata, String description) {
        Iterator<Tensor> it = List.copyOf(tensors).iterator();
        // ordered: metadata is written to the index in this order, and artifact bytes must be reproducible
        Map<String, String> meta = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
        return new TensorSource() {
            @Override
            public Tensor next() {
                return it.hasNext() ? it.next() : null;
            }

            @Override
            public Map<String, String> metadata() {
                return meta;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public void close() {}
        };
    }
}
