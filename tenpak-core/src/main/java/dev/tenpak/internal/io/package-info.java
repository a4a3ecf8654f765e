/**
 * File helpers with no knowledge of tensors: read-only mapping, atomic writes (temporary file then rename, optionally forced to disk), positional writes and a byte-counting channel.
 *
 * <p>May import: {@code error}. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.io;
