/** Benchmarks (JMH and plain mains); run by the scripts under scripts/ and written up in docs/PERFORMANCE.md. Never part of the test suite. */
package dev.tenpak.bench;
