package dev.tenpak.tensor;

import java.util.List;
import java.util.Map;

/**
 * An artifact opened for reading (from {@code Tenpak.open} or {@code Tenpak.openResource}): its
 * index, and any tensor decoded on demand into its original dtype. Close it to release the file
 * mapping; tensors read before stay valid (their memory is garbage-collected).
 */
public interface Artifact extends AutoCloseable {
    /** The file or resource it was read from, as errors name it. */
    String source();

    /** The format version of the file. */
    int version();

    /** The artifact-level codec: the one every tensor uses, or "mixed". */
    String codec();

    /** String metadata carried in the index (safetensors' {@code __metadata__} travels here). */
    Map<String, String> metadata();

    /** Size of the artifact in bytes. */
    long byteSize();

    /** Every tensor of the index, in index order, without decoding anything. */
    List<TensorInfo> index();

    /** Decodes the tensor called {@code name}; an input error naming the artifact when there is none. */
    Tensor read(String name);

    /** Decodes every tensor in index order, one at a time. */
    TensorSource tensors();

    @Override
    void close();
}
