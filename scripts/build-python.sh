#!/usr/bin/env bash
# Builds the engine jar and the Python wheel (and sdist) with the jar inside: python/dist/tenpak-*.whl.
# The jar is copied into python/src/tenpak/lib only for the build and removed afterwards, so the
# source tree keeps finding the fresh jar in tenpak-cli/target during development.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/jdk.sh   # JAVA_HOME: a JDK >= 25
python="${PYTHON:-.venv/bin/python}"
[ -x "$python" ] || { scripts/setup-python.sh; python=.venv/bin/python; }

./mvnw -B -ntp -pl tenpak-cli -am package -DskipTests
jar="$(ls -t tenpak-cli/target/tenpak-cli-*-all.jar | head -n1)"

lib=python/src/tenpak/lib
mkdir -p "$lib"
rm -f "$lib"/*.jar
cp "$jar" "$lib/"
trap 'rm -f "$lib"/*.jar; rm -rf python/build python/src/*.egg-info' EXIT

# --no-isolation: build with the setuptools already in the venv (no download needed)
"$python" -m build --no-isolation --outdir python/dist python
ls -l python/dist
