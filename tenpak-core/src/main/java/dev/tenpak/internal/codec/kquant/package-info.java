/**
 * The grid codecs: each value an index into a fixed table of levels times a block scale found by an
 * error-minimising search; {@code int4_sym16_g32_v1} (16 uniform levels, blocks of 32) and the
 * K-quant-class super-block codecs {@code kq2_v1} to {@code kq6_v1} (super-blocks of 256 with an f16
 * super-scale, sub-blocks of 16 with quantized sub-scales, non-uniform level tables), and the same
 * codecs over values rotated in runs of 16 ({@code *h_v1}: a sign flip and a Walsh-Hadamard
 * transform, undone at decode). The scalar
 * math is in {@code internal.kernel} ({@code GridQuantizer}, {@code SuperBlockQuantizer},
 * {@code HadamardKernels}).
 *
 * <p>May import: the API packages below {@code options}, and the layers below them; never another
 * codec family. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.codec.kquant;
