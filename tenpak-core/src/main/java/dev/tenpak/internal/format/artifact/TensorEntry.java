package dev.tenpak.internal.format.artifact;

import dev.tenpak.tensor.DType;
import dev.tenpak.tensor.Shape;

/**
 * One tensor's record in an artifact index: enough to find, check and decode its payload without
 * touching any other tensor.
 *
 * @param name   unique tensor name
 * @param dtype  the tensor's original element type, restored on decode
 * @param shape  the tensor's dimensions
 * @param codec  the registry name of the codec that encoded the payload
 * @param params codec parameters (layout per codec, docs/FORMAT.md)
 * @param offset absolute payload offset in the artifact, a multiple of 64
 * @param length payload length in bytes
 * @param crc32c CRC32C of the payload bytes
 */
public record TensorEntry(
        String name, DType dtype, Shape shape, String codec, byte[] params, long offset, long length, int crc32c) {
    public TensorEntry {
        params = params.clone();
    }

    @Override
    public byte[] params() {
        return params.clone();
    }

    /** Bytes of the original tensor in its own dtype. */
    public long originalBytes() {
        return dtype.byteSizeFor(shape.elementCount());
    }
}
