/**
 * The lossless codec family: {@code lossless_v1} splits elements into byte planes (exponents apart
 * from mantissas for F32, F16 and BF16) in independent blocks and entropy-codes the planes that pay.
 */
package dev.tenpak.internal.codec.lossless;
