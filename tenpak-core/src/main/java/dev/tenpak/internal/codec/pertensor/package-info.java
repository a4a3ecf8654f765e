/**
 * The per-tensor symmetric codecs {@code int8_sym_v1} and {@code int4_sym_v1}: one scale for the whole tensor.
 *
 * <p>May import: the API packages below {@code options}, and the layers below them; never another codec family. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.codec.pertensor;
