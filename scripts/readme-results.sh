#!/usr/bin/env bash
# Rebuilds the README's "Results" section offline: trains the small test model (python/tests/eval/
# tinymodel.py, a 4-layer GPT-2 on CPython's reference docs), then runs bin/tenpak runeval on its
# held-out text with --write-readme. Set TENPAK_EVAL_FIXTURE to reuse an already built model folder.
set -euo pipefail
cd "$(dirname "$0")/.."
py="${TENPAK_PYTHON:-.venv/bin/python}"
fixture="${TENPAK_EVAL_FIXTURE:-$(mktemp -d)}"
[ -f "$fixture/model/model.safetensors" ] || "$py" python/tests/eval/tinymodel.py "$fixture"
TENPAK_PYTHON="$py" bin/tenpak runeval --model "$fixture/model" --text "$fixture/eval.txt" \
  --finetune-text "$fixture/finetune.txt" --samples 128 --device cpu \
  --codecs int8_sym_v1,int4_sym_v1,int8_sym_g32_v1,int4_sym_g32_v1,int4_sym16_g32_v1,int4_sym_g128_v1,kq6_v1,kq5_v1,kq4_v1,kq3_v1,kq2_v1,kq6h_v1,kq5h_v1,kq4h_v1,kq3h_v1,kq2h_v1,int4_sym16_g32h_v1,ecq5_v1,ecq4_v1,ecq3_v1,ecq2_v1 \
  --finetune-steps 100 --finetune-lr 5e-4 --finetune-seq-len 128 \
  --reproduce "scripts/readme-results.sh   # trains the test model (tinymodel.py), then bin/tenpak runeval --write-readme" \
  --model-name "tenpak test model (tinymodel.py: 4-layer GPT-2, width 128, trained on CPython docs)" \
  --text-name "held-out CPython doc topics (eval.txt)" --write-readme "$@"
