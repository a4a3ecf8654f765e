#!/usr/bin/env bash
# Creates .venv (Python >= 3.10) with the packages the tests use; a no-op when it is up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-python3}"
req=python/requirements-dev.txt
stamp=.venv/.tenpak-requirements
if [ -f "$stamp" ] && cmp -s "$req" "$stamp"; then
  exit 0
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r "$req"
cp "$req" "$stamp"
