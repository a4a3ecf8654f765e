/**
 * The tensor model: {@link dev.tenpak.tensor.DType}, {@link dev.tenpak.tensor.Shape}, {@link dev.tenpak.tensor.Tensor} (a named view of memory), {@link dev.tenpak.tensor.TensorSource} (tensors one at a time), {@link dev.tenpak.tensor.Artifact} (an opened artifact) and the float conversions between dtypes.
 *
 * <p>May import: {@code error}, {@code internal.io}, {@code internal.kernel}. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.tensor;
