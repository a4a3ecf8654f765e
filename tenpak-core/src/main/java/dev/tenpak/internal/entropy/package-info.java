/**
 * Entropy coding of byte planes: a length-limited canonical Huffman coder with a multi-symbol
 * decoder ({@link dev.tenpak.internal.entropy.Huffman}), a static rANS coder with one or two
 * frequency tables ({@link dev.tenpak.internal.entropy.Rans}), the per-plane choice between raw,
 * constant, Huffman and rANS ({@link dev.tenpak.internal.entropy.PlaneCoder}), and a self-describing byte-array
 * entropy stage for codec payloads ({@link dev.tenpak.internal.entropy.EntropyStage}). Scalar,
 * integer-only code: the same bytes on every JVM. Hostile streams fail with
 * {@link dev.tenpak.error.CorruptArtifactException}.
 *
 * <p>May import: {@code error}. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.entropy;
