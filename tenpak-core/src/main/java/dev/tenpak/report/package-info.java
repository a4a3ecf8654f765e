/**
 * What each operation gives back: reports of compress, delta, materialize, bench and inspect, the plan, and the error metrics every report carries.
 *
 * <p>May import: the layers below {@code codec} and {@code codec} itself. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.report;
