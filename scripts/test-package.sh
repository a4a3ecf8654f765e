#!/usr/bin/env bash
# Builds the release tarball, unpacks it in a temporary folder and runs it from there:
# bin/tenpak compress + inspect on an artifact, runeval --help, runeval's Python check, libtenpak
# through ctypes, and the evaluation entry point scripts/run_full_eval.sh for real on a small
# GPT-2-style model (python/tests/eval/tinymodel.py), with the tarball's own wheel.
# Needs a Python with torch, transformers and tokenizers: TENPAK_TEST_PYTHON, or the checkout's
# .venv/bin/python (scripts/setup-python.sh). TENPAK_EVAL_FIXTURE: a folder to build the model in
# once and reuse.
set -euo pipefail
cd "$(dirname "$0")/.."
src="$PWD"

tarball="$(scripts/package.sh | tail -n1)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tarball" -C "$tmp"
cd "$tmp"/tenpak-*/
fail() { echo "package test: FAILED: $*" >&2; exit 1; }

for f in bin/tenpak INSTALL.md README.md scripts/run_full_eval.sh examples/fleet/base.json examples/simple_bundle.json; do
  [ -f "$f" ] || fail "$f is missing"
done
# only scripts that can run without a source checkout
extra="$(cd scripts && ls | grep -vx 'run_full_eval.sh' || true)"
[ -z "$extra" ] || fail "the tarball ships scripts that need a source checkout: $extra"

ls lib/tenpak-cli-*-all.jar >/dev/null || fail "no jar in lib/"
wheel="$(ls python/tenpak-*.whl)" || fail "no wheel in python/"
python3 -m zipfile -l "$wheel" > "$tmp/wheel.txt"   # a file, not a pipe into grep -q (pipefail + SIGPIPE)
grep -q 'tenpak/lib/tenpak-cli-.*-all\.jar' "$tmp/wheel.txt" || fail "the wheel lacks the engine jar"
grep -q 'tenpak/eval/__main__\.py' "$tmp/wheel.txt" || fail "the wheel lacks the runeval harness"

# the launcher must use the jar in lib/, even with a source tree's jar elsewhere
bin/tenpak compress --input examples/simple_bundle.json --output "$tmp/simple.tenpak" >/dev/null
bin/tenpak inspect --input "$tmp/simple.tenpak" > "$tmp/inspect.txt" || fail "inspect failed"
grep -q '^codec: *int8_sym_v1' "$tmp/inspect.txt" || fail "inspect printed: $(cat "$tmp/inspect.txt")"
bin/tenpak runeval --help > "$tmp/help.txt" || fail "runeval --help failed"
grep -q -- '--write-readme' "$tmp/help.txt" || fail "runeval --help lacks --write-readme"

# the C ABI from the unpacked folder: lib/libtenpak.so finds the jar beside it (TENPAK_JAR unset)
[ -f include/tenpak.h ] || fail "include/tenpak.h is missing"
ctypes_out="$(env -u TENPAK_JAR -u TENPAK_LIB python3 examples/ctypes/tenpak_ctypes.py examples/simple_bundle.json 2>/dev/null)" \
  || fail "the ctypes example could not call lib/libtenpak.so"
case "$ctypes_out" in *"2 tensors back"*) ;; *) fail "the ctypes example printed: $ctypes_out" ;; esac

# no suitable Python: one line and exit code 8
status=0
msg="$(bin/tenpak runeval --python "$tmp/no-python" 2>&1 >/dev/null)" || true
bin/tenpak runeval --python "$tmp/no-python" >/dev/null 2>&1 || status=$?
[ "$status" = 8 ] || fail "runeval without Python exited $status, expected 8"
case "$msg" in "tenpak: error: --python $tmp/no-python: no such executable"*) ;; *) fail "runeval without Python said: $msg" ;; esac
[ "$(printf '%s\n' "$msg" | wc -l)" = 1 ] || fail "runeval without Python printed more than one line: $msg"

# the evaluation entry point, for real: --help, then a run on the small model, on CPU, with the
# Python package from the tarball's wheel (unpacked onto PYTHONPATH) and the jar from lib/
scripts/run_full_eval.sh --help > "$tmp/eval-help.txt" || fail "run_full_eval.sh --help failed"
grep -q 'TENPAK_EVAL_MODEL' "$tmp/eval-help.txt" || fail "run_full_eval.sh --help printed: $(cat "$tmp/eval-help.txt")"
py="${TENPAK_TEST_PYTHON:-$src/.venv/bin/python}"
[ -x "$py" ] || fail "no Python for the evaluation run: set TENPAK_TEST_PYTHON or run scripts/setup-python.sh"
fixture="${TENPAK_EVAL_FIXTURE:-$tmp/tinymodel}"
if [ ! -f "$fixture/model/model.safetensors" ]; then
  "$py" -c 'import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); import tinymodel
tinymodel.build(Path(sys.argv[2]), steps=int(sys.argv[3]))' "$src/python/tests/eval" "$fixture" 40 >&2 \
    || fail "could not build the small test model with $py (it needs torch, transformers and tokenizers)"
fi
"$py" -m zipfile -e "$wheel" "$tmp/wheel-site"
env -u TENPAK_JAR TENPAK_PYTHON="$py" PYTHONPATH="$tmp/wheel-site" scripts/run_full_eval.sh \
    --model "$fixture/model" --text "$fixture/eval.txt" --samples 4 --codecs int8_sym_v1 --device cpu \
    --finetune-text "$fixture/finetune.txt" --finetune-steps 2 --finetune-seq-len 64 --fleet 2 --threads 1 \
    > "$tmp/eval.txt" 2> "$tmp/eval-err.txt" || fail "run_full_eval.sh failed: $(tail -n 20 "$tmp/eval-err.txt")"
results="$(ls eval-results/model-*.json 2>/dev/null | head -n1)"
[ -n "$results" ] || fail "run_full_eval.sh wrote no eval-results/model-*.json"
"$py" - "$results" <<'PY' || fail "run_full_eval.sh's results are not what was asked for: $(head -c 2000 "$results")"
import json, math, sys
r = json.load(open(sys.argv[1]))
rows = {row["codec"]: row for row in r["codecs"]}
assert set(rows) == {"raw_v1", "int8_sym_v1"}, sorted(rows)
assert all(math.isfinite(row["perplexity"]) and row["bytes"] > 0 for row in rows.values()), rows
assert rows["int8_sym_v1"]["bytes"] < rows["raw_v1"]["bytes"], rows
assert r["samples"] == 4 and r["device"].startswith("cpu"), (r["samples"], r["device"])
PY
[ -s "${results%.json}.md" ] || fail "run_full_eval.sh wrote no tables"
grep -q 'int8_sym_v1' "$tmp/eval.txt" || fail "run_full_eval.sh printed no int8_sym_v1 row: $(head -c 2000 "$tmp/eval.txt")"
echo "package test: ok ($(basename "$tarball"): inspect, runeval --help, Python check, libtenpak via ctypes, run_full_eval.sh on a small model)"
