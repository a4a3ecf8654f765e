#!/usr/bin/env bash
# The whole test suite: Java (unit + integration) and Python. Creates the Python venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/jdk.sh

scripts/setup-python.sh

./mvnw -B -ntp verify

# Python package (python/): the tests load the engine jar that verify just built in tenpak-cli/target
ls tenpak-cli/target/tenpak-cli-*-all.jar >/dev/null 2>&1 || ./mvnw -B -ntp -pl tenpak-cli -am package -DskipTests

# C ABI (tenpak-c/): builds libtenpak, which the Python tests below also load through ctypes
scripts/test-c.sh

.venv/bin/python -m pytest -p no:faulthandler python/tests

# release tarball: build it, unpack it in a temporary folder, run it from there
scripts/test-package.sh
