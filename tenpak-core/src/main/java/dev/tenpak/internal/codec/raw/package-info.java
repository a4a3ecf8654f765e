/**
 * The exact codec {@code raw_v1}: the tensor's bytes unchanged.
 *
 * <p>May import: the API packages below {@code options}, and the layers below them. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.codec.raw;
