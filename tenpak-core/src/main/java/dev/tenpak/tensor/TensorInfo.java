package dev.tenpak.tensor;

/**
 * One tensor of an artifact's index.
 *
 * @param name          unique tensor name
 * @param dtype         the original element type, restored on decode
 * @param shape         the dimensions
 * @param codec         the registry name of the codec that encoded it
 * @param storedBytes   bytes of its payload in the artifact
 * @param originalBytes bytes of the tensor in its own dtype
 */
public record TensorInfo(String name, DType dtype, Shape shape, String codec, long storedBytes, long originalBytes) {}
