/**
 * The doors other languages come in by: {@code PythonBridge} for the Python package (zero-copy views of Python memory). It sits above the facade and may use any package.
 *
 * <p>May import: every package of tenpak-core. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.bridge;
