/**
 * The compress and decompress pipelines over any source and sink: codec choice per tensor (keep-raw rules, plans), parallel encoding in a bounded window with error measurement, parallel decoding into place, and the operations the facade hands over to.
 *
 * <p>May import: every format package, the codec families and the layers below. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.pipeline;
