/**
 * The errors tenpak reports: {@link dev.tenpak.error.TenpakException} and its subtypes, each naming the file, tensor and what was expected, and each with the exit code the command line uses.
 *
 * <p>May import: nothing of tenpak (the bottom layer). docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.error;
