/**
 * compressed-tensors folders ({@code pack-quantized}): the layout that {@code transformers} (with the
 * {@code compressed-tensors} package) and vLLM load as quantized models, written from an artifact's
 * stored codes without quantizing again ({@link dev.tenpak.internal.format.compressedtensors.CompressedTensorsExport}).
 *
 * <p>May import: {@code internal.format.hf}, {@code internal.format.safetensors},
 * {@code internal.format.artifact}, {@code internal.codec.*} (to read their payload layouts) and the
 * layers below. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.format.compressedtensors;
