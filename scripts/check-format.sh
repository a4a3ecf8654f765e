#!/usr/bin/env bash
# Formatting checks: Java with Spotless (palantir-java-format; fix with ./mvnw spotless:apply) and
# Python with ruff (fix with .venv/bin/ruff check --fix python && .venv/bin/ruff format python).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/jdk.sh
scripts/setup-python.sh
./mvnw -B -ntp spotless:check
.venv/bin/ruff check python
.venv/bin/ruff format --check python
