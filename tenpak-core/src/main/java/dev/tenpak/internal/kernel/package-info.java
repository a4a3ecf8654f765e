/**
 * The inner loops: quantization, group quantization, error sums and dtype conversions. Each family's scalar class is the specification; the Vector API classes give identical results and are chosen once by {@link dev.tenpak.internal.kernel.VectorizationProvider}.
 *
 * <p>May import: {@code error}, {@code internal.io}. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.kernel;
