/**
 * The codec SPI: {@link dev.tenpak.codec.Codec} (and {@link dev.tenpak.codec.ChunkEncoder} for codecs that encode in parallel chunks), the registry {@link dev.tenpak.codec.Codecs} and {@link dev.tenpak.codec.CodecProvider}, through which codec families register with {@link java.util.ServiceLoader}.
 *
 * <p>May import: {@code error}, {@code internal.io}, {@code internal.kernel}, {@code tensor}. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.codec;
