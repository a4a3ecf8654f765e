/**
 * {@code delta} and {@code materialize}: a fine-tune stored as the tensors that changed against a base artifact, and the full artifact rebuilt from the two.
 *
 * <p>May import: {@code internal.pipeline} and the layers below. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.delta;
