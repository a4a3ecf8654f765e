/**
 * The tenpak artifact format (docs/FORMAT.md): writer, validating reader, format constants, checksums and the reserved metadata keys. It reads and writes tensors and payloads and knows nothing of the pipeline that drives it.
 *
 * <p>May import: the codec SPI and the layers below; never another format. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.format.artifact;
