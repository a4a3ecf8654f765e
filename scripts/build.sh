#!/usr/bin/env bash
# Builds every module (engine + CLI jar, benchmarks, Maven plugin) without running the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/jdk.sh
./mvnw -B -ntp package -DskipTests "$@"
