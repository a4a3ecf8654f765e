/**
 * What the codec families share: {@link dev.tenpak.internal.codec.BlockedPayload} writes a payload
 * of independent blocks (a header, a table of block ends, the blocks) as parallel tasks with the
 * same bytes on any executor, and {@link dev.tenpak.internal.codec.BlockedCodec} is how the compress
 * pipeline hands such a codec ({@code lossless_v1}, the {@code ecq*}) one tensor's blocks as tasks.
 *
 * <p>May import: the API packages below {@code options}, and the layers below them; the codec
 * families ({@code internal.codec.*}) import it, never the reverse. docs/ARCHITECTURE.md draws the
 * layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.codec;
