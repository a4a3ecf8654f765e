#!/usr/bin/env bash
# Builds tenpak-bench and runs the JMH kernel/codec benchmarks on a 256 MiB F32 tensor, one thread:
# first with the engine's default kernels (Vector API), then with -Dtenpak.vector=false (scalar).
# Prints GB/s and the ratio to System.arraycopy measured in the same run (docs/PERFORMANCE.md).
#
#   scripts/bench-kernels.sh                 # both runs, ~5 minutes on 2 cores
#   BENCH_SCALAR=0 scripts/bench-kernels.sh  # vector run only
#   BENCH_FILTER='QuantBench\.(arraycopy|kernelInt4.*)' scripts/bench-kernels.sh
#   BENCH_ITERATIONS=10 BENCH_WARMUP=5 scripts/bench-kernels.sh   # longer, steadier runs
#   BENCH_JMH_ARGS='-prof gc' scripts/bench-kernels.sh         # any other JMH options
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/jdk.sh   # JAVA_HOME: a JDK >= 25

./mvnw -B -ntp -pl tenpak-bench -am package -DskipTests
jar=tenpak-bench/target/benchmarks.jar
out=tenpak-bench/target/bench-results
mkdir -p "$out"

filter="${BENCH_FILTER:-QuantBench}"
# Short on purpose: each op moves 256 MiB, so 1 s iterations hold several ops.
jmh_args=(-wi "${BENCH_WARMUP:-3}" -w 1s -i "${BENCH_ITERATIONS:-5}" -r 1s -f 1 ${BENCH_JMH_ARGS:-})

echo "== machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; $(java -version 2>&1 | head -n1)"
java -jar "$jar" "$filter" "${jmh_args[@]}" -rf json -rff "$out/vector.json"
runs=("vector=$out/vector.json")
if [ "${BENCH_SCALAR:-1}" != 0 ]; then
  java -jar "$jar" "$filter" "${jmh_args[@]}" -jvmArgsAppend -Dtenpak.vector=false -rf json -rff "$out/scalar.json"
  runs+=("scalar=$out/scalar.json")
fi

echo
echo "== GB/s of float data (input floats for encode, output floats for decode); x copy = arraycopy time / time"
java -cp "$jar" dev.tenpak.bench.BenchSummary "${runs[@]}" | tee "$out/summary.txt"
