/** Benchmarks (JMH and plain mains); run by the scripts under scripts/ and written up in docs/PERFORMANCE.md. Never part of the test suite, except for the check that the synthetic {@link dev.tenpak.bench.HeavyTailedWeights} set keeps the codecs' error ordering. */
package dev.tenpak.bench;
