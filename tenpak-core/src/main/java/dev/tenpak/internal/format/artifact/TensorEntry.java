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
 * @param length payload length in bytes as stored (after the stage, if any)
 * @param crc32c CRC32C of the stored payload bytes
 * @param stage  {@link ArtifactFormat#STAGE_NONE}, or {@link ArtifactFormat#STAGE_ENTROPY} when the
 *               stored bytes must go through the entropy stage's decoder before the codec reads them
 * @param codecLength the payload length the codec wrote and reads: {@code length} without a stage,
 *               the decoded length with one
 */
public record TensorEntry(
        String name,
        DType dtype,
        Shape shape,
        String codec,
        byte[] params,
        long offset,
        long length,
        int crc32c,
        int stage,
        long codecLength) {
    public TensorEntry {
        params = params.clone();
    }

    /** An entry whose payload is stored as its codec wrote it (no stage). */
    public TensorEntry(
            String name, DType dtype, Shape shape, String codec, byte[] params, long offset, long length, int crc32c) {
        this(name, dtype, shape, codec, params, offset, length, crc32c, ArtifactFormat.STAGE_NONE, length);
    }

    /** True when the stored payload must be decoded by the entropy stage before its codec reads it. */
    public boolean staged() {
        return stage != ArtifactFormat.STAGE_NONE;
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
