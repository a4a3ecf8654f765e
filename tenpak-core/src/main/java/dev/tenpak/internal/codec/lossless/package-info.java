/**
 * The lossless codec family: {@code lossless_v1} splits elements into byte planes (exponents apart
 * from mantissas for F32, F16 and BF16) in independent blocks and entropy-codes the planes that pay.
 * The plane transforms are kernels ({@code internal.kernel.PlaneKernels}); the coder is
 * {@code internal.entropy}.
 *
 * <p>May import: the API packages below {@code options}, and the layers below them; never another
 * codec family. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.codec.lossless;
