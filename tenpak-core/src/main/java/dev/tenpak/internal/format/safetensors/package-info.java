/**
 * safetensors files: a reader over a mapped file (tensors are views, not copies) and a writer whose header matches the reference serializer's; the tensor bytes come from the caller.
 *
 * <p>May import: {@code internal.format.artifact} (its reserved keys) and the layers below. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.format.safetensors;
