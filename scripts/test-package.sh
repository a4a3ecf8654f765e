#!/usr/bin/env bash
# Builds the release tarball, unpacks it in a temporary folder and runs it from there:
# bin/tenpak compress + inspect on an artifact, runeval --help, and runeval's Python check.
set -euo pipefail
cd "$(dirname "$0")/.."

tarball="$(scripts/package.sh | tail -n1)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tarball" -C "$tmp"
cd "$tmp"/tenpak-*/
fail() { echo "package test: FAILED: $*" >&2; exit 1; }

for f in bin/tenpak INSTALL.md README.md scripts/run_full_eval.sh; do [ -f "$f" ] || fail "$f is missing"; done
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
msg="$(bin/tenpak runeval --python "$tmp/no-python" 2>&1 >/dev/null | grep -v '^WARNING')" || true
bin/tenpak runeval --python "$tmp/no-python" >/dev/null 2>&1 || status=$?
[ "$status" = 8 ] || fail "runeval without Python exited $status, expected 8"
case "$msg" in "tenpak: error: --python $tmp/no-python: no such executable"*) ;; *) fail "runeval without Python said: $msg" ;; esac
echo "package test: ok ($(basename "$tarball"): inspect, runeval --help, Python check, libtenpak via ctypes)"
