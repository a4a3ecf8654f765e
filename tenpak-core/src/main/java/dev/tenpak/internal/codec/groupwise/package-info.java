/**
 * The group-wise codecs: one f16 scale (and offset) per group of 32, 64 or 128 values along the last dimension, in symmetric, clipping-search and asymmetric variants.
 *
 * <p>May import: the API packages below {@code options}, and the layers below them; never another codec family. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.codec.groupwise;
