/**
 * {@code plan} and {@code bench}: every candidate codec measured on every tensor in one pass, and the choice under an error budget or, per tensor, under a size budget ({@code RateAllocator}).
 *
 * <p>May import: {@code internal.pipeline} and the layers below. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.plan;
