/**
 * Input and output format dispatch: which reader opens an input ({@code Inputs}, with detection) and which format a decompress output gets ({@code Outputs}).
 *
 * <p>May import: every format package and the layers below. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.format;
