/**
 * File helpers with no knowledge of tensors: read-only mapping, atomic writes of files and folders (temporary file then rename, optionally forced to disk; links, devices and FIFOs handled as {@code cp} does), the check that an output is none of the inputs, positional writes and a byte-counting channel.
 *
 * <p>May import: {@code error}. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.io;
