/**
 * JSON bundles: a streaming reader (one tensor at a time, strict about what it accepts) and a writer.
 *
 * <p>May import: the API and internal layers below the codec families. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.format.json;
