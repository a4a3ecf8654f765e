#!/usr/bin/env bash
# Kernel-level benchmark of the group-wise codecs (one thread) against System.arraycopy in the same
# run. Usage: scripts/bench-groupwise.sh [elements] [rounds]. Set TENPAK_BENCH_JAVA_OPTS for extra
# JVM flags (e.g. -Dtenpak.vector=false to time the scalar fallback through the provider).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/jdk.sh   # JAVA_HOME: a JDK >= 25
./mvnw -B -ntp -q -pl tenpak-bench -am package -DskipTests
exec java --add-modules jdk.incubator.vector ${TENPAK_BENCH_JAVA_OPTS:-} \
  -cp tenpak-bench/target/benchmarks.jar dev.tenpak.bench.GroupKernelBench "$@"
