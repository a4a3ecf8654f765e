/**
 * What each operation takes: one immutable options record per operation (compress, decompress, plan, bench, delta, materialize), the input and output formats, and the progress listener.
 *
 * <p>May import: the layers below {@code codec} and {@code codec} itself. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.options;
