/**
 * The facade: {@link dev.tenpak.Tenpak}, one static method per operation (compress, decompress, inspect, plan, bench, delta, materialize, open). It holds no logic: each method hands its options record to the engine's internals.
 *
 * <p>May import: every other package of tenpak-core. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak;
